#!/usr/bin/env python3
"""bench/e2e/near17_eval.py: scores a `neardup cluster` output against near17_data.py's truth.

  near17_eval.py TRUTH PRED [--template]   -> one JSON object on stdout

Recall: the share of planted documents put in their source's cluster, by kind (exact, near,
entity: near copies with HTML entities, embed: pages holding the article) and by true word-5
Jaccard band (>= 0.9, 0.8-0.9). Pairwise precision: of the pairs the output puts in one cluster,
the share that are one planted group (a source with its copies). With --template (TRUTH: each page's body; every
page is in one shared template) a pair whose bodies have Jaccard < 0.5 is a false merge.
By true containment of the source in the planted document (containment_w5 >= 0.8): the share
put in the source's cluster (a containment run with --keep contained puts every page that holds
an article in the article's cluster).
"""
import json
import re
import sys
from collections import Counter, defaultdict


def shingles(text, k=5):
    toks = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(toks[i:i + k]) for i in range(max(1, len(toks) - k + 1))}


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def dup_jaccard(docs_path, pred_path):
    """--dup-jaccard DOCS PRED: for an unlabelled corpus, how many documents the output marks
    as duplicates and how many of them have word-5 Jaccard < 0.5 / < 0.3 with their
    representative (different documents put together)."""
    text = {d["id"]: d["text"] for d in read_jsonl(docs_path)}
    js = [len(a & b) / len(a | b) for a, b in
          ((shingles(text[p["id"]]), shingles(text[p["duplicate_of"]]))
           for p in read_jsonl(pred_path) if "duplicate_of" in p)]
    print(json.dumps({"duplicates": len(js), "j_below_0.5": sum(j < 0.5 for j in js),
                      "j_below_0.3": sum(j < 0.3 for j in js)}))


def main():
    if sys.argv[1:2] == ["--dup-jaccard"]:
        dup_jaccard(sys.argv[2], sys.argv[3])
        return
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    template = "--template" in sys.argv
    truth_path, pred_path = args
    pred = read_jsonl(pred_path)
    cluster = {p["id"]: p["cluster"] for p in pred}
    size = Counter(cluster.values())
    pred_pairs = sum(n * (n - 1) // 2 for n in size.values())
    out = {"documents": len(pred), "clusters": len(size), "pred_pairs": pred_pairs}
    if template:
        # Pairs of pages whose bodies differ (word 5-shingle Jaccard < 0.5). A cluster of more
        # than 200 pages counts all its pairs (such a run fails the test anyway).
        body = {t["id"]: shingles(t["body"]) for t in read_jsonl(truth_path)}
        members = defaultdict(list)
        for p in pred:
            members[p["cluster"]].append(p["id"])
        false = 0
        for m in members.values():
            if len(m) > 200:
                false += len(m) * (len(m) - 1) // 2
                continue
            for i in range(len(m)):
                for j in range(i + 1, len(m)):
                    a, b = body[m[i]], body[m[j]]
                    false += len(a & b) / len(a | b) < 0.5
        out["false_merges"] = false
        out["docs_merged"] = sum(n for n in size.values() if n > 1)
        print(json.dumps(out))
        return
    truth = read_jsonl(truth_path)
    group = {p["id"]: p["id"] for p in pred}
    for t in truth:
        group[t["id"]] = t["source"]
    # True pairs among the predicted ones: members of a cluster in the same planted group.
    members = defaultdict(Counter)
    for p in pred:
        members[p["cluster"]][group[p["id"]]] += 1
    correct = sum(c * (c - 1) // 2 for m in members.values() for c in m.values())
    out["pair_precision"] = correct / pred_pairs if pred_pairs else 1.0
    hit, tot = Counter(), Counter()
    for t in truth:
        j = t["jaccard_w5"]
        band = "J>=0.9" if j >= 0.9 else "0.8-0.9" if j >= 0.8 else "J<0.8"
        found = cluster.get(t["id"]) == cluster.get(t["source"])
        for key in (f"{t['kind']} {band}", f"all {band}" if t["kind"] != "embed" else None,
                    t["kind"]):
            if key is None:
                continue
            tot[key] += 1
            hit[key] += found
    # By true containment of the source in the planted document (embedded articles): the
    # planted document in its source's cluster (for --mode containment, run with --keep
    # contained, so that every page holding an article joins the article's cluster).
    for t in truth:
        c = t.get("containment_w5")
        if c is None or c < 0.8:
            continue
        key = f"contained {t['kind']} " + ("C>=0.9" if c >= 0.9 else "0.8-0.9")
        tot[key] += 1
        hit[key] += cluster.get(t["id"]) == cluster.get(t["source"])
    out["recall"] = {k: [hit[k], tot[k], round(hit[k] / tot[k], 3)] for k in sorted(tot)}
    print(json.dumps(out))


main()
