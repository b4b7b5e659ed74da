#!/usr/bin/env python3
"""bench/e2e/story_split.py: story-mode settings on dev/test halves of the labelled story sets.

The shared story sets (uci-news dev, mstream-news) are split by STORY into two halves (the md5 of
the gold story id, even = dev, odd = test), so that a setting chosen on the dev half is judged on
stories it never saw. Each half is clustered in the file's order and in three shuffled orders
(seeds 1, 2, 3) and the scores are averaged. Gold labels never reach the clusterer: the inputs
hold only id and text (and time for uci-news).

  bench/e2e/story_split.py --neardup build/tools/neardup --data ../shared/datasets \
      --out bench/results/story_latent_split.md --setting "defaults=" \
      --setting "latent 100 w0.25=--latent-rank 100 --latent-weight 0.25" ...

Prints (and writes to --out) one markdown table: setting x (set, half) -> B-cubed F1 and NMI.
"""
import argparse, hashlib, json, os, random, shlex, subprocess, sys, tempfile, time


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def half_of(story):
    return "dev" if int(hashlib.md5(str(story).encode()).hexdigest(), 16) % 2 == 0 else "test"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--neardup", default="build/tools/neardup")
    ap.add_argument("--data", default="../shared/datasets")
    ap.add_argument("--out", default="")
    ap.add_argument("--setting", action="append", default=[],
                    help="NAME=FLAGS (extra flags for neardup cluster --mode story)")
    ap.add_argument("--orders", type=int, default=4, help="file order + N-1 shuffles")
    args = ap.parse_args()
    sets = [("uci-news dev", os.path.join(args.data, "uci-news/dev.jsonl"), True),
            ("mstream-news", os.path.join(args.data, "mstream-news/news.jsonl"), False)]
    settings = [s.split("=", 1) for s in args.setting] or [["defaults", ""]]
    work = tempfile.mkdtemp(prefix="story_split.")
    inputs = {}  # (set, half, order) -> (docs path, gold path, timed)
    for name, path, timed in sets:
        if not os.path.exists(path):
            print(f"skipped {name}: {path} absent", file=sys.stderr)
            continue
        rows = load(path)
        for half in ("dev", "test"):
            part = [r for r in rows if half_of(r["story"]) == half]
            gold = os.path.join(work, f"{name}.{half}.gold.jsonl")
            with open(gold, "w", encoding="utf-8") as g:
                for r in part:
                    g.write(json.dumps({"id": r["id"], "story": r["story"]}) + "\n")
            for o in range(args.orders):
                docs = list(part)
                if o > 0:
                    random.Random(o).shuffle(docs)
                p = os.path.join(work, f"{name}.{half}.o{o}.jsonl")
                with open(p, "w", encoding="utf-8") as f:
                    for r in docs:
                        keep = {"id": r["id"], "text": r["text"]}
                        if timed:
                            keep["time"] = r["time"]
                        f.write(json.dumps(keep) + "\n")
                inputs[(name, half, o)] = (p, gold, timed, len(part))
    results = []
    for sname, flags in settings:
        row = {"setting": sname, "flags": flags}
        for (name, half, o), (docs, gold, timed, n) in sorted(inputs.items()):
            pred = docs + ".pred"
            cmd = [args.neardup, "cluster", "--mode", "story", "-q", "--threads", "2"]
            if timed:
                cmd += ["--time-field", "time"]
            cmd += shlex.split(flags) + ["-o", pred, docs]
            t0 = time.time()
            subprocess.run(cmd, check=True)
            secs = time.time() - t0
            ev = subprocess.run([args.neardup, "eval", "--gold", gold, "--pred", pred, "-q"],
                                check=True, capture_output=True, text=True).stdout
            m = json.loads(ev)
            key = (name, half)
            acc = row.setdefault(key, {"b3": 0.0, "nmi": 0.0, "secs": 0.0, "n": n})
            acc["b3"] += m["bcubed_f1"] / args.orders
            acc["nmi"] += m["nmi"] / args.orders
            acc["secs"] += secs / args.orders
        results.append(row)
        print(f"done: {sname}", file=sys.stderr)
    keys = sorted({k for r in results for k in r if isinstance(k, tuple)})
    lines = ["| setting | flags | " + " | ".join(f"{k[0]} {k[1]} B³ F1 | NMI" for k in keys) + " |",
             "|---|---|" + "---|---|" * len(keys)]
    for r in results:
        cells = []
        for k in keys:
            a = r.get(k)
            cells += [f"{a['b3']:.3f}", f"{a['nmi']:.3f}"] if a else ["—", "—"]
        lines.append(f"| {r['setting']} | `{r['flags'] or '(none)'}` | " + " | ".join(cells) + " |")
    sizes = ", ".join(f"{k[0]} {k[1]}: {inputs[(k[0], k[1], 0)][3]} docs" for k in keys)
    text = "\n".join(lines) + f"\n\nHalves by md5(story) parity; {sizes}; each figure is the mean over {args.orders} orders (file order, shuffles with seeds 1..{args.orders - 1}).\n"
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
