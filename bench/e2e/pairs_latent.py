#!/usr/bin/env python3
"""`neardup pairs` with a prebuilt latent space (issue 20): Spearman on semeval-news-similarity
(whole file and its two halves by pair) and msrp, for every background / rank / weight tried.

The latent space comes from `neardup idf build --latent-rank K` over a background corpus that
holds none of the test pairs' texts (Reuters-21578, uci-news dev, mstream-news from the shared
data). semeval has no held-out file, so it is split by pair: md5(pair_id) even = half A (to tune
on), odd = half B (to judge on); every setting is reported on both halves and the whole file.

  bench/e2e/pairs_latent.py --neardup build/tools/neardup --data ../shared/datasets \
      --work /tmp/pairs_latent --ranks 0,50,100,200 --weights 0.1,0.25,0.5

Rank 0 is the model without a latent space (document frequencies of the background only), so
the effect of the background's IDF is separated from the effect of the latent space.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import time


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    r = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2.0 + 1
        i = j + 1
    return r


def spearman(x, y):
    rx, ry = ranks(x), ranks(y)
    n = len(x)
    mx, my = sum(rx) / n, sum(ry) / n
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    return cov / (vx * vy) ** 0.5 if vx > 0 and vy > 0 else float("nan")


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(" ".join(cmd) + ": " + r.stderr.strip())
    return r


def score(neardup, pairs_path, model, weight, out):
    cmd = [neardup, "pairs", "--quiet", "-o", out]
    if model:
        cmd += ["--idf-model", model]
        if weight is not None:
            cmd += ["--latent-weight", str(weight)]
    cmd.append(pairs_path)
    run(cmd)
    return [r["similarity"] for r in read_jsonl(out)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--neardup", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--work", default="/tmp/pairs_latent")
    ap.add_argument("--ranks", default="0,50,100,200")
    ap.add_argument("--weights", default="0.1,0.25,0.5")
    ap.add_argument("--backgrounds", default="reuters,reuters+uci+mstream")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    d = args.data
    sources = {
        "reuters": os.path.join(args.work, "reuters.jsonl"),
        "uci": os.path.join(d, "uci-news", "dev.jsonl"),
        "mstream": os.path.join(d, "mstream-news", "news.jsonl"),
    }
    if not os.path.exists(sources["reuters"]):
        with open(sources["reuters"], "wb") as f:
            subprocess.run(["zstd", "-dc", os.path.join(d, "reuters21578", "reuters.jsonl.zst")],
                           stdout=f, check=True)
    semeval = os.path.join(d, "semeval-news-similarity", "train-en.jsonl")
    msrp = os.path.join(d, "msrp", "train.jsonl")
    sem = read_jsonl(semeval)
    # semeval gold: overall 1 = same story .. 4 = unrelated, so the similarity correlates with
    # its negation.
    sem_gold = [-r["overall"] for r in sem]
    half = [int(hashlib.md5(r["pair_id"].encode()).hexdigest(), 16) % 2 for r in sem]
    ms_gold = [r["paraphrase"] for r in read_jsonl(msrp)]

    def evaluate(model, weight):
        s = score(args.neardup, semeval, model, weight, os.path.join(args.work, "sem.out"))
        a = [i for i in range(len(s)) if half[i] == 0]
        b = [i for i in range(len(s)) if half[i] == 1]
        m = score(args.neardup, msrp, model, weight, os.path.join(args.work, "msrp.out"))
        return (spearman(s, sem_gold), spearman([s[i] for i in a], [sem_gold[i] for i in a]),
                spearman([s[i] for i in b], [sem_gold[i] for i in b]), spearman(m, ms_gold))

    rows = []
    rows.append(("none", "-", "-", "(no --idf-model)", evaluate(None, None), ""))
    for bg in args.backgrounds.split(","):
        files = [sources[p] for p in bg.split("+")]
        for k in [int(x) for x in args.ranks.split(",")]:
            model = os.path.join(args.work, "%s.k%d.idf" % (bg.replace("+", "_"), k))
            cmd = [args.neardup, "idf", "build", "--quiet", "--threads", "1", "-o", model]
            if k > 0:
                cmd += ["--latent-rank", str(k)]
            t0 = time.time()
            run(cmd + files)
            build = "%.1f s" % (time.time() - t0)
            if k == 0:
                rows.append((bg, "0", "-", "--idf-model", evaluate(model, None), build))
                continue
            for w in [float(x) for x in args.weights.split(",")]:
                rows.append((bg, str(k), str(w), "--idf-model (latent) --latent-weight %g" % w,
                             evaluate(model, w), build))
    print("| background | rank | weight | flags | semeval Spearman (all 161) | half A | half B "
          "| msrp Spearman | model build (1 thread) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for bg, k, w, flags, (s, a, b, m), build in rows:
        print("| %s | %s | %s | `%s` | %.3f | %.3f | %.3f | %.3f | %s |"
              % (bg, k, w, flags, s, a, b, m, build))
    print()
    print("semeval halves by md5(pair_id) parity: A %d pairs, B %d pairs."
          % (half.count(0), half.count(1)))


if __name__ == "__main__":
    main()
