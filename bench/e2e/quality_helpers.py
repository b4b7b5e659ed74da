#!/usr/bin/env python3
"""Data preparation and scoring helpers for bench/e2e/quality (Python standard library only).

Every sub-command reads and writes JSON Lines. The clusterer is only ever given files written by
`strip`, `seeds-mix`, `pair-docs` or `clough-docs`, which keep the id and text (plus a title where
the source has one) and drop every label; gold labels go to a separate file that only
`neardup eval` and the scorers here read.

    quality_helpers.py strip IN DOCS GOLD --gold-field story [--keep id,text]
    quality_helpers.py seeds-mix SEEDS REUTERS.jsonl SEMEVAL DOCS GOLD
    quality_helpers.py seeds-score GOLD PRED
    quality_helpers.py pair-docs PAIRS KIND DOCS MAP TEXTS  (KIND: msrp | semeval)
    quality_helpers.py pair-join MAP SCORED OUT             (gold next to `neardup pairs` output)
    quality_helpers.py pair-cocluster MAP PRED OUT          (0/1 "same cluster" as similarity)
    quality_helpers.py pair-stats OUT                        (flag rate, P/R of "same cluster")
    quality_helpers.py clough-docs ANSWERS DOCS GOLD
    quality_helpers.py clough-score GOLD PRED
    quality_helpers.py reuters-score EXACT_PRED PRED [ID_PREFIX]
    quality_helpers.py synth-gold CORPUS TRUTH GOLD THRESHOLD
    quality_helpers.py synth-bands TRUTH PRED
    quality_helpers.py check-fields DOCS ALLOWED             (fails if DOCS has other fields)
    quality_helpers.py eval-json EVAL_OUT                    (validates and echoes eval JSON)
    quality_helpers.py row RESULTS key=value ... [eval=F] [pairs=F] [extra=F]
    quality_helpers.py curve-row CURVE DATASET THRESHOLD SECONDS EVAL_FILE
    quality_helpers.py finish RESULTS CURVE META MD JSON     (markdown tables + one JSON file)
"""

import collections
import json
import math
import sys


def read_jsonl(path):
    f = sys.stdin if path == "-" else open(path, encoding="utf-8")
    with f:
        for line in f:
            line = line.strip()
            if line:
                yield json.loads(line)


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def dump(obj):
    print(json.dumps(obj, sort_keys=True))


# ---- preparation ------------------------------------------------------------------------------


def cmd_strip(args):
    """strip IN DOCS GOLD --gold-field F [--keep id,text]: labels out, id/text (+kept) in."""
    src, docs_path, gold_path = args[0], args[1], args[2]
    gold_field, keep = "story", ["id", "text"]
    rest = args[3:]
    while rest:
        if rest[0] == "--gold-field":
            gold_field = rest[1]
        elif rest[0] == "--keep":
            keep = rest[1].split(",")
        rest = rest[2:]
    docs, gold = [], []
    for r in read_jsonl(src):
        docs.append({k: r[k] for k in keep if k in r})
        if gold_field in r:
            gold.append({"id": r["id"], "story": str(r[gold_field])})
    write_jsonl(docs_path, docs)
    write_jsonl(gold_path, gold)


def cmd_seeds_mix(args):
    """seeds-mix SEEDS REUTERS SEMEVAL DOCS GOLD: the 5 seeds in a background of real news."""
    seeds_path, reuters_path, semeval_path, docs_path, gold_path = args
    docs, gold = [], []
    seeds = list(read_jsonl(seeds_path))
    background = []
    for r in read_jsonl(reuters_path):
        d = {"id": r["id"], "text": r["text"]}
        if r.get("title"):
            d["title"] = r["title"]  # a headline is input, not a label
        background.append(d)
    seen = set()
    for r in read_jsonl(semeval_path):
        for side, aid in zip(("text1", "text2"), r["pair_id"].split("_")):
            if aid not in seen:
                seen.add(aid)
                background.append({"id": "semeval-" + aid, "text": r[side]})
    # Seeds are spread through the background (deterministically), not bunched at the start.
    step = max(1, len(background) // (len(seeds) + 1))
    out = []
    for i, b in enumerate(background):
        if i % step == 0 and i // step < len(seeds):
            s = seeds[i // step]
            out.append({"id": s["id"], "text": s["text"]})
        out.append(b)
    placed = sum(1 for d in out if d["id"].startswith("seed-"))
    for s in seeds[placed:]:
        out.append({"id": s["id"], "text": s["text"]})
    for d in out:
        docs.append(d)
        gold.append({"id": d["id"], "story": "seed" if d["id"].startswith("seed-") else d["id"]})
    write_jsonl(docs_path, docs)
    write_jsonl(gold_path, gold)
    print(f"{len(seeds)} seeds among {len(background)} background documents")


def cmd_seeds_score(args):
    """Seed-centric scores: do the seeds form exactly one cluster with nothing else in it?"""
    gold_path, pred_path = args
    seeds = {g["id"] for g in read_jsonl(gold_path) if g["story"] == "seed"}
    cluster_of, members = {}, collections.defaultdict(list)
    for p in read_jsonl(pred_path):
        cluster_of[p["id"]] = p["cluster"]
        members[p["cluster"]].append(p["id"])
    seed_clusters = collections.Counter(cluster_of[s] for s in seeds if s in cluster_of)
    n = len(seeds)
    # Pairs touching a seed: true = both seeds; predicted = co-clustered.
    tp = sum(c * (c - 1) // 2 for c in seed_clusters.values())
    pred_pairs = 0
    for c, k in seed_clusters.items():
        size = len(members[c])
        pred_pairs += k * (k - 1) // 2 + k * (size - k)
    gold_pairs = n * (n - 1) // 2
    pp = tp / pred_pairs if pred_pairs else float("nan")
    pr = tp / gold_pairs if gold_pairs else float("nan")
    # B-cubed over the seeds only.
    bp = sum(seed_clusters[cluster_of[s]] / len(members[cluster_of[s]]) for s in seeds) / n
    br = sum(seed_clusters[cluster_of[s]] / n for s in seeds) / n
    largest = max(seed_clusters.items(), key=lambda kv: kv[1])
    others = len(members[largest[0]]) - largest[1]
    pure_one = len(seed_clusters) == 1 and others == 0
    dump({
        "pairwise_precision": pp, "pairwise_recall": pr, "pairwise_f1": f1(pp, pr),
        "bcubed_precision": bp, "bcubed_recall": br, "bcubed_f1": f1(bp, br),
        "seed_clusters": len(seed_clusters), "largest_seed_cluster": largest[1],
        "non_seeds_in_it": others, "pure_single_cluster": pure_one,
        "note": ("5 seeds = exactly one pure cluster" if pure_one else
                 f"seeds in {len(seed_clusters)} clusters; largest has {largest[1]} seeds"
                 f" + {others} others"),
    })


def f1(p, r):
    if p is None or r is None or math.isnan(p) or math.isnan(r) or p + r == 0:
        return float("nan") if (p is None or r is None or math.isnan(p) or math.isnan(r)) else 0.0
    return 2 * p * r / (p + r)


def cmd_pair_docs(args):
    """pair-docs PAIRS KIND DOCS MAP TEXTS: one document per distinct text (DOCS, for cluster),
    the pair list with gold (MAP, for scoring) and the pairs without any label (TEXTS: id1, id2,
    text1, text2, for `neardup pairs`)."""
    pairs_path, kind, docs_path, map_path, texts_path = args
    docs, seen, pairs, texts = [], {}, [], []
    for r in read_jsonl(pairs_path):
        if kind == "msrp":
            ids = ("msrp-" + str(r["id1"]), "msrp-" + str(r["id2"]))
            gold = r["paraphrase"]
        else:
            ids = tuple("semeval-" + x for x in r["pair_id"].split("_"))
            gold = r["overall"]
        for pid, side in zip(ids, ("text1", "text2")):
            if pid not in seen:
                seen[pid] = r[side]
                docs.append({"id": pid, "text": r[side]})
        pairs.append({"id1": ids[0], "id2": ids[1], "gold": gold})
        texts.append({"id1": ids[0], "id2": ids[1], "text1": r["text1"], "text2": r["text2"]})
    write_jsonl(docs_path, docs)
    write_jsonl(map_path, pairs)
    write_jsonl(texts_path, texts)
    dump({"pairs": len(pairs), "texts": len(docs)})


def cmd_pair_join(args):
    """pair-join MAP SCORED OUT: gold from MAP next to the similarity `neardup pairs` wrote."""
    map_path, scored_path, out_path = args
    scored = list(read_jsonl(scored_path))
    gold = list(read_jsonl(map_path))
    if len(scored) != len(gold):
        sys.exit(f"pair-join: {len(scored)} scored pairs but {len(gold)} gold pairs")
    out = []
    for s, g in zip(scored, gold):
        if (s["id1"], s["id2"]) != (g["id1"], g["id2"]):
            sys.exit(f"pair-join: pair order differs at {g['id1']}/{g['id2']}")
        out.append({"id1": g["id1"], "id2": g["id2"], "gold": g["gold"],
                    "similarity": s["similarity"]})
    write_jsonl(out_path, out)


def cmd_pair_cocluster(args):
    map_path, pred_path, out_path = args
    cluster = {p["id"]: p["cluster"] for p in read_jsonl(pred_path)}
    out = []
    for p in read_jsonl(map_path):
        c1, c2 = cluster.get(p["id1"]), cluster.get(p["id2"])
        same = 1 if c1 is not None and c1 == c2 else 0
        out.append({"id1": p["id1"], "id2": p["id2"], "gold": p["gold"], "similarity": same})
    write_jsonl(out_path, out)


def cmd_pair_stats(args):
    """Flag rate and, for 0/1 gold, precision/recall of 'same cluster' as a paraphrase call."""
    rows = list(read_jsonl(args[0]))
    flagged = [r for r in rows if float(r["similarity"]) >= 1]
    res = {"pairs": len(rows), "flagged": len(flagged)}
    what = "paraphrase"
    golds = {r["gold"] for r in rows}
    if golds <= {0, 1}:
        pos = sum(1 for r in rows if r["gold"] == 1)
        tp = sum(1 for r in flagged if r["gold"] == 1)
        res["precision"] = tp / len(flagged) if flagged else float("nan")
        res["recall"] = tp / pos if pos else float("nan")
    else:  # semeval overall: 1 = same story .. 4 = unrelated; "same story" = overall <= 2
        what = "overall<=2"
        pos = sum(1 for r in rows if r["gold"] <= 2)
        tp = sum(1 for r in flagged if r["gold"] <= 2)
        res["precision"] = tp / len(flagged) if flagged else float("nan")
        res["recall"] = tp / pos if pos else float("nan")
    res["note"] = (f"same cluster for {len(flagged)}/{len(rows)} pairs; as a {what} call "
                   f"P {fmt(res['precision'], 2)} R {fmt(res['recall'], 2)}")
    dump(res)


def cmd_clough_docs(args):
    """clough-docs ANSWERS DOCS GOLD: the gold groups each task's source with its cut, light and
    heavy answers; independent ('non') answers are singletons."""
    src, docs_path, gold_path = args
    docs, gold = [], []
    for r in read_jsonl(src):
        docs.append({"id": r["id"], "text": r["text"]})
        label = r["id"] if r["category"] == "non" else "task-" + r["task"]
        gold.append({"id": r["id"], "story": label, "task": r["task"], "category": r["category"]})
    write_jsonl(docs_path, docs)
    write_jsonl(gold_path, gold)


def cmd_clough_score(args):
    gold_path, pred_path = args
    gold = list(read_jsonl(gold_path))
    cluster = {p["id"]: p["cluster"] for p in read_jsonl(pred_path)}
    source = {g["task"]: g["id"] for g in gold if g["category"] == "source"}
    hits, total = collections.Counter(), collections.Counter()
    for g in gold:
        if g["category"] == "source":
            continue
        total[g["category"]] += 1
        if cluster.get(g["id"]) == cluster.get(source[g["task"]]):
            hits[g["category"]] += 1
    res = {c: {"detected": hits[c], "of": total[c]} for c in ("cut", "light", "heavy", "non")}
    res["note"] = "with source: " + ", ".join(
        f"{c} {hits[c]}/{total[c]}" for c in ("cut", "light", "heavy", "non"))
    dump(res)


def groups(pred_path, prefix=""):
    members = collections.defaultdict(list)
    for p in read_jsonl(pred_path):
        if p["id"].startswith(prefix):
            members[p["cluster"]].append(p["id"])
    return {c: m for c, m in members.items() if len(m) > 1}


def cmd_reuters_score(args):
    """reuters-score EXACT_PRED PRED [ID_PREFIX]: groups of >1 document among the ids with the
    prefix, and how many groups of exact mode stay whole in PRED's clusters."""
    exact_path, pred_path = args[0], args[1]
    prefix = args[2] if len(args) > 2 else ""
    exact = groups(exact_path, prefix)
    cluster = {p["id"]: p["cluster"] for p in read_jsonl(pred_path)}
    mine = groups(pred_path, prefix)
    whole = sum(1 for m in exact.values() if len({cluster[i] for i in m}) == 1)
    docs = sum(len(m) for m in mine.values())
    dump({"groups": len(mine), "docs_in_groups": docs, "exact_groups": len(exact),
          "exact_groups_whole": whole,
          "note": f"{len(mine)} groups ({docs} docs); exact groups kept whole {whole}/{len(exact)}"})


def cmd_synth_gold(args):
    """synth-gold CORPUS TRUTH GOLD THRESHOLD: label = source id for planted copies whose true
    word-5 Jaccard >= THRESHOLD (0 = every planted copy), else the document's own id."""
    corpus_path, truth_path, gold_path, threshold = args
    threshold = float(threshold)
    source = {}
    for t in read_jsonl(truth_path):
        if t["jaccard_w5"] >= threshold:
            source[t["id"]] = t["source"]
    out = []
    for d in read_jsonl(corpus_path):
        out.append({"id": d["id"], "story": source.get(d["id"], d["id"])})
    write_jsonl(gold_path, out)


def cmd_synth_bands(args):
    """Recall by true Jaccard band: share of planted copies put in their source's cluster."""
    truth_path, pred_path = args
    cluster = {p["id"]: p["cluster"] for p in read_jsonl(pred_path)}
    edges = [0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0001]
    names = ["<0.3", "0.3-0.5", "0.5-0.7", "0.7-0.8", "0.8-0.9", "0.9-1"]
    hit, tot = [0] * len(names), [0] * len(names)
    for t in read_jsonl(truth_path):
        if t["kind"] != "near":
            continue
        j = t["jaccard_w5"]
        b = next(i for i in range(len(names)) if edges[i] <= j < edges[i + 1])
        tot[b] += 1
        hit[b] += cluster.get(t["id"]) == cluster.get(t["source"])
    dump({"bands": names, "found": hit, "planted": tot})


def cmd_curve_row(args):
    """curve-row CURVE dataset threshold seconds EVAL_FILE: one point of the threshold curve."""
    curve, dataset, threshold, seconds, eval_path = args
    row = {"dataset": dataset, "threshold": threshold, "seconds": float(seconds or "nan")}
    try:
        with open(eval_path, encoding="utf-8") as f:
            row["eval"] = json.loads([l for l in f.read().splitlines() if l.strip()][-1])
    except (OSError, IndexError, ValueError):
        row["error"] = "no eval result"
    with open(curve, "a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")


def cmd_check_fields(args):
    """check-fields DOCS ALLOWED: refuse to cluster a file that carries any other field."""
    path, allowed = args[0], set(args[1].split(","))
    for n, r in enumerate(read_jsonl(path), 1):
        extra = set(r) - allowed
        if extra:
            sys.exit(f"{path}:{n}: unexpected fields {sorted(extra)} (labels must not reach "
                     f"the clusterer)")


def cmd_eval_json(args):
    with open(args[0], encoding="utf-8") as f:
        lines = [l for l in f.read().splitlines() if l.strip()]
    dump(json.loads(lines[-1]))


def cmd_row(args):
    """row RESULTS key=value ... [eval=FILE] [pairs=FILE] [extra=FILE]: append one result row.
    FILE values are JSON written by neardup eval or by the scorers above; a missing or empty
    file becomes an error note rather than a crash."""
    results, row = args[0], {}
    for a in args[1:]:
        k, _, v = a.partition("=")
        if k in ("eval", "pairs", "extra"):
            try:
                with open(v, encoding="utf-8") as f:
                    lines = [l for l in f.read().splitlines() if l.strip()]
                obj = json.loads(lines[-1])
            except (OSError, IndexError, ValueError):
                row.setdefault("error", f"no {k} result")
                continue
            if k == "extra":
                note = obj.pop("note", None)
                row.setdefault("details", {}).update(obj)
                if note:
                    row["note"] = (row.get("note", "") + "; " + note).lstrip("; ")
                for m in ("pairwise_precision", "pairwise_recall", "pairwise_f1",
                          "bcubed_precision", "bcubed_recall", "bcubed_f1"):
                    if m in obj:
                        row.setdefault("eval", {})[m] = obj[m]
            else:
                row[k] = obj
        elif k == "seconds":
            row[k] = float(v) if v else None
        elif k == "note":
            row["note"] = (row.get("note", "") + "; " + v).lstrip("; ") if v else row.get("note")
        else:
            row[k] = v
    with open(results, "a", encoding="utf-8") as f:
        f.write(json.dumps(row, ensure_ascii=False) + "\n")


# ---- tables -----------------------------------------------------------------------------------


def fmt(x, digits=3):
    if x is None:
        return "—"
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        x = float(x)
        if math.isnan(x):
            return "—"
        return f"{x:.{digits}f}"
    return str(x)


def table_lines(rows, curve, meta):
    out = []
    if meta:
        out.append(f"Measured {meta.get('date', '?')} on {meta.get('machine', '?')}; "
                   f"{meta.get('version', '')} (HEAD {meta.get('commit', '?')}; binary built "
                   f"{meta.get('binary_built', '?')}).")
        out.append("")
        out.append(f"Command: `{meta.get('command', 'bench/e2e/quality')}`")
        out.append("")
    out.append("| dataset | mode | settings | gold | pw P | pw R | pw F1 | B³ P | B³ R | B³ F1 "
               "| ARI | NMI | clusters (pred/gold) | other | s |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if r.get("skipped"):
            out.append(f"| {r['dataset']} | — | | | | | | | | | | | | skipped: {r['skipped']} | |")
            continue
        e = r.get("eval") or {}
        clusters = ""
        if "pred_clusters" in e:
            clusters = f"{e['pred_clusters']}/{e['gold_clusters']}"
        other = []
        if r.get("pairs"):
            p = r["pairs"]
            for key, name in (("spearman", "Spearman"), ("pearson", "Pearson"),
                              ("roc_auc", "ROC AUC")):
                if p.get(key) is not None:
                    other.append(f"{name} {fmt(p[key])}")
        if r.get("note"):
            other.append(r["note"])
        if r.get("error"):
            other.append("error: " + r["error"])
        out.append("| " + " | ".join([
            r["dataset"], r["mode"], r.get("settings", ""), r.get("gold", ""),
            fmt(e.get("pairwise_precision")), fmt(e.get("pairwise_recall")),
            fmt(e.get("pairwise_f1")), fmt(e.get("bcubed_precision")),
            fmt(e.get("bcubed_recall")), fmt(e.get("bcubed_f1")), fmt(e.get("ari")),
            fmt(e.get("nmi")), clusters, "; ".join(other), fmt(r.get("seconds"), 1)]) + " |")
    bands = [r for r in rows if (r.get("details") or {}).get("bands")]
    if bands:
        names = bands[0]["details"]["bands"]
        out.append("")
        out.append("Synthetic corpus, planted near copies found in their source's cluster, by "
                   "true word-5 Jaccard:")
        out.append("")
        out.append("| mode | settings | " + " | ".join(names) + " |")
        out.append("|---|---|" + "---|" * len(names))
        for r in bands:
            d = r["details"]
            cells = [f"{f}/{p} ({f / p:.2f})" if p else "—"
                     for f, p in zip(d["found"], d["planted"])]
            out.append(f"| {r['mode']} | {r.get('settings', '')} | " + " | ".join(cells) + " |")
    if curve:
        out.append("")
        out.append("Story-mode threshold curve (`--threshold T`; `default` is the run without "
                   "`--threshold`):")
        out.append("")
        datasets = list(dict.fromkeys(c["dataset"] for c in curve))
        thresholds = list(dict.fromkeys(c["threshold"] for c in curve))
        head = "| threshold | " + " | ".join(
            f"{d} B³ F1 | {d} NMI | {d} ARI | {d} clusters" for d in datasets) + " |"
        out.append(head)
        out.append("|---|" + "---|---|---|---|" * len(datasets))
        by = {(c["dataset"], c["threshold"]): c for c in curve}
        for t in thresholds:
            cells = [t]
            for d in datasets:
                c = by.get((d, t), {})
                e = c.get("eval") or {}
                cl = f"{e['pred_clusters']}/{e['gold_clusters']}" if "pred_clusters" in e else "—"
                cells += [fmt(e.get("bcubed_f1")), fmt(e.get("nmi")), fmt(e.get("ari")), cl]
            out.append("| " + " | ".join(cells) + " |")
    if meta and meta.get("settings"):
        out.append("")
        out.append("Settings:")
        out.append("")
        for line in meta["settings"]:
            out.append(f"- {line}")
    return out


def cmd_finish(args):
    """finish RESULTS CURVE META MD JSON: the markdown tables (also printed) and one JSON file
    holding the metadata, every row and the curve."""
    rows_path, curve_path, meta_path, md_path, json_path = args
    rows = list(read_jsonl(rows_path))
    curve = list(read_jsonl(curve_path))
    with open(meta_path, encoding="utf-8") as f:
        meta = json.load(f)
    text = "\n".join(table_lines(rows, curve, meta)) + "\n"
    with open(md_path, "w", encoding="utf-8") as f:
        f.write(text)
    with open(json_path, "w", encoding="utf-8") as f:
        f.write(json.dumps(clean_nan({"meta": meta, "rows": rows, "threshold_curve": curve}),
                           indent=1, ensure_ascii=False) + "\n")
    sys.stdout.write(text)


def clean_nan(x):
    """NaN is not JSON: write null."""
    if isinstance(x, float) and math.isnan(x):
        return None
    if isinstance(x, dict):
        return {k: clean_nan(v) for k, v in x.items()}
    if isinstance(x, list):
        return [clean_nan(v) for v in x]
    return x


COMMANDS = {
    "strip": cmd_strip, "seeds-mix": cmd_seeds_mix, "seeds-score": cmd_seeds_score,
    "pair-docs": cmd_pair_docs, "pair-join": cmd_pair_join, "pair-cocluster": cmd_pair_cocluster,
    "pair-stats": cmd_pair_stats, "clough-docs": cmd_clough_docs,
    "clough-score": cmd_clough_score, "reuters-score": cmd_reuters_score,
    "synth-gold": cmd_synth_gold, "synth-bands": cmd_synth_bands,
    "check-fields": cmd_check_fields, "row": cmd_row, "curve-row": cmd_curve_row,
    "finish": cmd_finish, "eval-json": cmd_eval_json,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](sys.argv[2:])
