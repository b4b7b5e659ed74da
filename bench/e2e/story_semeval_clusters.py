#!/usr/bin/env python3
"""bench/e2e/story_semeval_clusters.py: story clusters of the SemEval news articles, per pair.

Writes the 322 distinct articles of ../shared/datasets/semeval-news-similarity/train-en.jsonl
(ids "semeval-<article id>", text only), clusters them once per setting with
`neardup cluster --mode story` (no times), and counts for each band of the annotators' overall
score (1 = same story .. 4 = unrelated) how many pairs have both articles in one cluster.
With --pred FILE ... it scores existing predictions instead (e.g. of story_seeds_hard.py's
background mix, which holds the same ids).

  bench/e2e/story_semeval_clusters.py --neardup build/tools/neardup --data ../shared/datasets \
      --setting "off=--events off" --setting "key=--events key"
"""
import argparse, json, os, shlex, subprocess, sys, tempfile


def bands(pairs, cluster):
    out = {}
    for r in pairs:
        a, b = r["pair_id"].split("_")
        ov = float(r["overall"])
        k = "same (overall <= 1.5)" if ov <= 1.5 else ("related (1.5-3)" if ov < 3 else "different (>= 3)")
        t = out.setdefault(k, [0, 0])
        t[1] += 1
        ca, cb = cluster.get("semeval-" + a), cluster.get("semeval-" + b)
        if ca is not None and ca == cb:
            t[0] += 1
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--neardup", default="build/tools/neardup")
    ap.add_argument("--data", default="../shared/datasets")
    ap.add_argument("--setting", action="append", default=[])
    ap.add_argument("--pred", action="append", default=[])
    args = ap.parse_args()
    path = os.path.join(args.data, "semeval-news-similarity/train-en.jsonl")
    if not os.path.exists(path):
        print("skipped: semeval-news-similarity absent", file=sys.stderr)
        return
    with open(path, encoding="utf-8") as f:
        pairs = [json.loads(l) for l in f if l.strip()]
    runs = [(p, p) for p in args.pred]
    if not args.pred:
        work = tempfile.mkdtemp(prefix="semeval_clusters.")
        docs = os.path.join(work, "articles.jsonl")
        seen = set()
        with open(docs, "w", encoding="utf-8") as f:
            for r in pairs:
                for side, aid in zip(("text1", "text2"), r["pair_id"].split("_")):
                    if aid not in seen:
                        seen.add(aid)
                        f.write(json.dumps({"id": "semeval-" + aid, "text": r[side]}) + "\n")
        for setting in args.setting or ["defaults="]:
            name, flags = setting.split("=", 1)
            pred = os.path.join(work, "pred.jsonl")
            subprocess.run([args.neardup, "cluster", "--mode", "story", "-q", "-o", pred] +
                           shlex.split(flags) + [docs], check=True)
            with open(pred, encoding="utf-8") as f:
                cluster = {json.loads(l)["id"]: json.loads(l)["cluster"] for l in f if l.strip()}
            runs.append((f"{name} (`{flags or '(none)'}`)", cluster))
    keys = ["same (overall <= 1.5)", "related (1.5-3)", "different (>= 3)"]
    print("| setting | " + " | ".join(k + " together" for k in keys) + " |")
    print("|---|" + "---|" * len(keys))
    for name, c in runs:
        if isinstance(c, str):
            with open(c, encoding="utf-8") as f:
                c = {json.loads(l)["id"]: json.loads(l)["cluster"] for l in f if l.strip()}
        b = bands(pairs, c)
        print(f"| {name} | " + " | ".join(f"{b.get(k, [0, 0])[0]}/{b.get(k, [0, 0])[1]}" for k in keys) + " |")


if __name__ == "__main__":
    main()
