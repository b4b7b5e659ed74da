#!/usr/bin/env python3
"""bench/e2e/story_seeds_hard.py: the seeds' story among look-alike events.

The five seed reports (../shared/datasets/seeds) in a background of real news (Reuters-21578
bodies with titles, the SemEval articles), plus the hard cases: datasets/news/seeds-hard-cases.jsonl
(other events of the seeds' company and district) and the bundled sample (datasets/news/sample.jsonl
with its German rewrite, and the French/Spanish rewrites). Clustered once per setting with
`neardup cluster --mode story`, without times (the background has none); and a small set (seeds,
hard cases, sample) with --time-field time, the hard cases dated within the seeds' week.

For each run: are the five seeds exactly one cluster, and which other documents share it; and the
purity of the sample's clusters against its gold.

  bench/e2e/story_seeds_hard.py --neardup build/tools/neardup --data ../shared/datasets \
      --setting "defaults=" --setting "off=--events off" --setting "shared=--events shared"
"""
import argparse, collections, json, os, shlex, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.abspath(os.path.join(here, "..", ".."))


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--neardup", default=os.path.join(repo, "build/tools/neardup"))
    ap.add_argument("--data", default=os.path.join(repo, "../shared/datasets"))
    ap.add_argument("--setting", action="append", default=[])
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    seeds_path = os.path.join(args.data, "seeds/seeds.jsonl")
    if not os.path.exists(seeds_path):
        print("skipped: seeds absent", file=sys.stderr)
        return
    work = tempfile.mkdtemp(prefix="seeds_hard.")
    seeds = read_jsonl(seeds_path)
    news = os.path.join(repo, "datasets/news")
    hard = read_jsonl(os.path.join(news, "seeds-hard-cases.jsonl"))
    sample = read_jsonl(os.path.join(news, "sample.jsonl")) + read_jsonl(os.path.join(news, "rewrites-fr-es.jsonl"))
    gold = {g["id"]: g["story"] for g in read_jsonl(os.path.join(news, "gold.jsonl"))}
    gold.update({g["id"]: g["story"] for g in read_jsonl(os.path.join(news, "rewrites-fr-es.gold.jsonl"))})
    background = []
    reuters = os.path.join(args.data, "reuters21578/reuters.jsonl.zst")
    if os.path.exists(reuters):
        raw = subprocess.run(["zstd", "-dcq", reuters], check=True, capture_output=True).stdout
        for line in raw.decode("utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                d = {"id": r["id"], "text": r["text"]}
                if r.get("title"):
                    d["title"] = r["title"]
                background.append(d)
    semeval = os.path.join(args.data, "semeval-news-similarity/train-en.jsonl")
    if os.path.exists(semeval):
        seen = set()
        for r in read_jsonl(semeval):
            for side, aid in zip(("text1", "text2"), r["pair_id"].split("_")):
                if aid not in seen:
                    seen.add(aid)
                    background.append({"id": "semeval-" + aid, "text": r[side]})
    # Spread seeds, hard cases and sample through the background (deterministically).
    special = [{"id": s["id"], "text": s["text"]} for s in seeds] + \
              [{k: h[k] for k in ("id", "title", "text")} for h in hard] + \
              [{k: s[k] for k in ("id", "title", "text") if k in s} for s in sample]
    step = max(1, len(background) // (len(special) + 1))
    mix, k = [], 0
    for i, b in enumerate(background):
        if i % step == 0 and k < len(special):
            mix.append(special[k])
            k += 1
        mix.append(b)
    mix += special[k:]
    write_jsonl(os.path.join(work, "mix.jsonl"), mix)
    # The small timed set: seeds with their times, hard cases within the seeds' week, the sample
    # with its own times.
    t0 = min(s["time"] for s in seeds)
    timed = [{"id": s["id"], "text": s["text"], "time": s["time"]} for s in seeds]
    timed += [{"id": h["id"], "title": h["title"], "text": h["text"], "time": t0 + 86400 * (j + 1)} for j, h in enumerate(hard)]
    timed += [{k2: s[k2] for k2 in ("id", "title", "text", "time") if k2 in s} for s in sample]
    write_jsonl(os.path.join(work, "timed.jsonl"), timed)
    seed_ids = {s["id"] for s in seeds}
    rows = []
    for setting in args.setting or ["defaults="]:
        name, flags = setting.split("=", 1)
        for label, path, extra in (("background, no times", "mix.jsonl", []),
                                   ("small, --time-field", "timed.jsonl", ["--time-field", "time"])):
            pred = os.path.join(work, "pred.jsonl")
            subprocess.run([args.neardup, "cluster", "--mode", "story", "-q", "-o", pred] + extra +
                           shlex.split(flags) + [os.path.join(work, path)], check=True)
            cluster = {p["id"]: p["cluster"] for p in read_jsonl(pred)}
            members = collections.defaultdict(list)
            for i, c in cluster.items():
                members[c].append(i)
            seed_clusters = {cluster[s] for s in seed_ids}
            with_seeds = sorted(i for c in seed_clusters for i in members[c] if i not in seed_ids)
            impure = []
            for c, ms in members.items():
                stories = sorted({gold[m] for m in ms if m in gold})
                if len(stories) > 1:
                    impure.append("+".join(stories))
            impure = "; ".join(impure) or "none"
            # a rewrite in another language joined its story: its cluster holds a report of its
            # story in English
            joined = [i for i in ("n029", "n032", "n066", "n067")
                      if any(m != i and gold.get(m) == gold[i] for m in members[cluster[i]])]
            rows.append((name, flags, label, len(seed_clusters), ", ".join(with_seeds) or "none",
                         impure, ", ".join(joined) or "none"))
    lines = ["| setting | flags | input | seed clusters | others in the seeds' cluster(s) | sample clusters mixing stories | other-language rewrites in their story's cluster (n029 ja, n032 de, n066 fr, n067 es) |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append("| " + " | ".join([r[0], "`" + (r[1] or "(none)") + "`"] + [str(x) for x in r[2:]]) + " |")
    text = "\n".join(lines) + f"\n\nbackground: {len(background)} Reuters/SemEval documents; hard cases: {len(hard)}; sample + fr/es rewrites: {len(sample)}.\n"
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
