#!/usr/bin/env python3
"""The Python package side by side with datasketch and with the neardup CLI, in one run.

    PYTHONPATH=build/python python3 bench/e2e/python/bench_python.py \
        --datasketch /tmp/ds --cli build/tools/neardup --synth build/tools/neardup-synth

Measures (each in a fresh child process, so that peak memory is the method's own):
  1. neardup.minhash(texts, num_perm=128, threads=1) vs datasketch MinHash.bulk (word 5-shingles
     made in Python, as a datasketch user must), on the same N Gutenberg/Reuters texts;
  2. neardup.cluster(mode="near", threshold=0.8, threads=1) vs datasketch MinHashLSH
     (threshold 0.8, 128 permutations): insert every signature, then query every one;
  3. neardup.cluster vs the CLI (`neardup cluster --mode near`) on the same texts as JSONL, with
     1 and 2 threads;
  4. recall of planted near-duplicate pairs (neardup-synth, jaccard_w5 >= 0.8) for both;
  5. per-call time of Deduplicator.add_if_new and query.
Texts: Reuters-21578 bodies, then Gutenberg chunks cut in two halves at a space (~2.2 KB), up
to N (default 100,000). datasketch is not vendored: pass the path of a checkout of its source.
Writes a Markdown report to stdout.
"""

import argparse
import gc
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

SHARED = None


def find_shared():
    here = os.path.dirname(os.path.abspath(__file__))
    for p in (os.environ.get("NEARDUP_SHARED"), os.path.join(here, "../../../../shared"),
              "/work/shared"):
        if p and os.path.isdir(os.path.join(p, "datasets")):
            return os.path.abspath(p)
    sys.exit("no shared/datasets (set NEARDUP_SHARED)")


def read_zst_jsonl(path):
    out = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout
    for line in out.splitlines():
        if line.strip():
            yield json.loads(line)


def load_texts(n):
    ds = os.path.join(find_shared(), "datasets")
    texts = []
    for r in read_zst_jsonl(os.path.join(ds, "reuters21578/reuters.jsonl.zst")):
        if r.get("text"):
            texts.append(r["text"])
    for r in read_zst_jsonl(os.path.join(ds, "gutenberg/gutenberg.jsonl.zst")):
        t = r["text"]
        cut = t.find(" ", len(t) // 2)
        if cut < 0:
            texts.append(t)
        else:
            texts.append(t[:cut])
            texts.append(t[cut + 1:])
        if len(texts) >= n:
            break
    return texts[:n]


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def reset_peak():
    """Resets this process's peak RSS (VmHWM) to its current RSS (Linux >= 4.0)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def peak_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def shingles(text, k=5):
    """Word k-shingles as datasketch users make them: lower-cased whitespace tokens."""
    w = text.lower().split()
    if len(w) < k:
        return {" ".join(w).encode()} if w else set()
    return {" ".join(w[i:i + k]).encode() for i in range(len(w) - k + 1)}


# --- child processes: one method each ----------------------------------------------------------


def child(method, args):
    if args.datasketch:
        sys.path.insert(0, args.datasketch)
    import numpy as np  # noqa: F401

    import neardup

    if method.startswith("synth-"):
        rows = [json.loads(line) for line in open(args.synth_corpus, encoding="utf-8")]
        texts = [r["text"] for r in rows]
    else:
        with open(args.texts_file, encoding="utf-8") as f:
            texts = json.load(f)
    gc.collect()
    reset_peak()
    base = rss_bytes()
    t0 = time.perf_counter()
    result = {}
    if method == "nd-minhash":
        sig = neardup.minhash(texts, num_perm=128, threads=1)
        result["shape"] = list(sig.shape)
    elif method == "ds-minhash":
        from datasketch import MinHash

        # Shingling alone, for the report (a separate pass, outside the timed call below).
        t_sh = time.perf_counter()
        for t in texts:
            shingles(t)
        result["shingling_s"] = time.perf_counter() - t_sh
        t0 = time.perf_counter()
        # A generator: the shingle sets of 100k texts would take gigabytes as a list.
        ms = MinHash.bulk((shingles(t) for t in texts), num_perm=128)
        result["n"] = len(ms)
    elif method in ("nd-cluster", "synth-nd"):
        threads = args.threads if method == "nd-cluster" else 1
        c = neardup.cluster(texts, mode="near", threshold=0.8, threads=threads)
        result["clusters"] = c.n_clusters
        if method == "synth-nd":
            result["labels"] = c.labels.tolist()
    elif method in ("ds-lsh", "synth-ds"):
        from datasketch import MinHash, MinHashLSH

        ms = MinHash.bulk((shingles(t) for t in texts), num_perm=128)
        t_lsh = time.perf_counter()
        lsh = MinHashLSH(threshold=0.8, num_perm=128)
        for i, m in enumerate(ms):
            lsh.insert(i, m)
        cands = [lsh.query(m) for m in ms]
        result["lsh_s"] = time.perf_counter() - t_lsh
        result["candidates"] = sum(len(c) - 1 for c in cands)
        if method == "synth-ds":
            result["cands"] = [sorted(c) for c in cands]
    elif method == "cmp-cli":
        # Alternates neardup.cluster on the list in memory with the CLI on the same texts as
        # JSONL, `reps` times each, and reports the fastest of each (the machine is shared).
        py, cl = [], []
        for _ in range(args.reps):
            s = time.perf_counter()
            neardup.cluster(texts, mode="near", threshold=0.8, threads=args.threads)
            py.append(time.perf_counter() - s)
            cl.append(time_cli(args.cli, args.jsonl, args.threads))
        result["python_s"] = min(py)
        result["cli_s"] = min(cl)
        result["python_all"] = py
        result["cli_all"] = cl
    elif method == "per-call":
        d = neardup.Deduplicator(threshold=0.8)
        pages = texts[: args.per_call_docs]
        ns_add = []
        for i, t in enumerate(pages):
            s = time.perf_counter_ns()
            d.add_if_new(str(i), t)
            ns_add.append(time.perf_counter_ns() - s)
        ns_q = []
        for t in pages:
            s = time.perf_counter_ns()
            d.query(t)
            ns_q.append(time.perf_counter_ns() - s)
        ns_empty = []
        for _ in range(len(pages)):
            s = time.perf_counter_ns()
            d.query("")
            ns_empty.append(time.perf_counter_ns() - s)
        t_batch = time.perf_counter()
        d.query_many(pages, threads=1)
        result["query_many_us"] = (time.perf_counter() - t_batch) / len(pages) * 1e6
        for name, v in (("add_if_new", ns_add), ("query", ns_q), ("query_empty", ns_empty)):
            result[name + "_mean_us"] = sum(v) / len(v) / 1e3
            v.sort()
            result[name + "_p50_us"] = v[len(v) // 2] / 1e3
            result[name + "_p99_us"] = v[len(v) * 99 // 100] / 1e3
        result["mean_bytes"] = sum(len(t.encode()) for t in pages) / len(pages)
    else:
        raise SystemExit("unknown method " + method)
    result["seconds"] = time.perf_counter() - t0
    result["extra_peak_bytes"] = max(0, peak_bytes() - base)
    result["documents"] = len(texts)
    print(json.dumps(result))


def run_child(method, args, extra=()):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", method, *extra]
    for k in ("texts_file", "synth_corpus", "datasketch", "cli", "jsonl"):
        if getattr(args, k):
            cmd += ["--" + k.replace("_", "-"), getattr(args, k)]
    cmd += ["--per-call-docs", str(args.per_call_docs), "--threads", str(args.threads),
            "--reps", str(args.reps)]
    p = subprocess.run(cmd, capture_output=True, text=True, env=os.environ)
    if p.returncode != 0:
        sys.exit(f"{method} failed:\n{p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def row(name, r, ref=None):
    dps = r["documents"] / r["seconds"]
    ratio = f"{ref['seconds'] / r['seconds']:.2f}x" if ref else "1.00x"
    return (f"| {name} | {r['seconds']:.1f} | {dps:,.0f} | "
            f"{r['extra_peak_bytes'] / 1e6:.0f} | {ratio} |")


def time_cli(cli, path, threads):
    t0 = time.perf_counter()
    p = subprocess.run(
        [cli, "cluster", "--quiet", "--mode", "near", "--threshold", "0.8", "--threads",
         str(threads), path],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    if p.returncode != 0:
        sys.exit("cli failed: " + p.stderr)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=100000)
    ap.add_argument("--synth-docs", type=int, default=20000)
    ap.add_argument("--per-call-docs", type=int, default=20000)
    ap.add_argument("--datasketch", default="")
    ap.add_argument("--cli", default="build/tools/neardup")
    ap.add_argument("--synth", default="build/tools/neardup-synth")
    ap.add_argument("--child")
    ap.add_argument("--texts-file")
    ap.add_argument("--synth-corpus")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--jsonl")
    ap.add_argument("--reps", type=int, default=3, help="runs of each side of the CLI comparison")
    ap.add_argument("--sections", default="datasketch,cli,recall,per-call",
                    help="comma-separated subset of datasketch,cli,recall,per-call")
    args = ap.parse_args()
    if args.child:
        return child(args.child, args)

    tmp = tempfile.mkdtemp(prefix="neardup-pybench-")
    texts = load_texts(args.docs)
    mb = sum(len(t.encode()) for t in texts) / 1e6
    args.texts_file = os.path.join(tmp, "texts.json")
    with open(args.texts_file, "w", encoding="utf-8") as f:
        json.dump(texts, f)
    jsonl = args.jsonl = os.path.join(tmp, "texts.jsonl")
    with open(jsonl, "w", encoding="utf-8") as f:
        for i, t in enumerate(texts):
            f.write(json.dumps({"id": str(i), "text": t}) + "\n")
    n = len(texts)
    del texts
    print(f"# neardup Python package: measurements\n\n{n} texts, {mb:.1f} MB "
          f"(Reuters-21578 bodies + Gutenberg half-chunks); one thread unless stated.\n")

    sections = set(args.sections.split(","))
    if "datasketch" in sections:
        datasketch_section(args, row)
    if "cli" in sections:
        cli_section(args)
    if "recall" in sections:
        recall_section(args, tmp)
    if "per-call" in sections:
        per_call_section(args)
    shutil.rmtree(tmp, ignore_errors=True)


def datasketch_section(args, row):
    res = {m: run_child(m, args) for m in ("nd-minhash", "ds-minhash", "nd-cluster", "ds-lsh")}
    print("## MinHash signatures and near-duplicate search vs datasketch\n")
    print("| method | seconds | docs/s | peak extra MB | speed vs datasketch |")
    print("|---|---|---|---|---|")
    print(row("datasketch MinHash.bulk (incl. Python shingling "
              f"{res['ds-minhash']['shingling_s']:.1f} s)", res["ds-minhash"]))
    print(row("neardup.minhash", res["nd-minhash"], res["ds-minhash"]))
    print(row("datasketch MinHash.bulk + MinHashLSH insert + query "
              f"(LSH part {res['ds-lsh']['lsh_s']:.1f} s)", res["ds-lsh"]))
    print(row("neardup.cluster(mode='near') (sign, LSH, verify, union-find)", res["nd-cluster"],
              res["ds-lsh"]))
    print()


def cli_section(args):
    print(f"## neardup.cluster vs the CLI on the same texts (fastest of {args.reps}, alternated)\n")
    print("| threads | CLI s (reads JSONL) | Python s (list in memory) | Python / CLI | all runs "
          "(Python; CLI) |")
    print("|---|---|---|---|---|")
    for threads in (1, 2):
        args.threads = threads
        r = run_child("cmp-cli", args)
        runs = (", ".join(f"{x:.1f}" for x in r["python_all"]) + "; " +
                ", ".join(f"{x:.1f}" for x in r["cli_all"]))
        print(f"| {threads} | {r['cli_s']:.2f} | {r['python_s']:.2f} | "
              f"{r['python_s'] / r['cli_s']:.2f} | {runs} |")
    args.threads = 1
    print()


def recall_section(args, tmp):
    args.synth_corpus = os.path.join(tmp, "synth.jsonl")
    truth = os.path.join(tmp, "synth.truth.jsonl")
    subprocess.run([args.synth, "--docs", str(args.synth_docs), "--seed", "7", "--quiet",
                    "--output", args.synth_corpus, "--truth", truth], check=True)
    ids = [json.loads(line)["id"] for line in open(args.synth_corpus, encoding="utf-8")]
    index = {d: i for i, d in enumerate(ids)}
    pairs = []
    for line in open(truth, encoding="utf-8"):
        t = json.loads(line)
        if t["kind"] == "near":
            pairs.append((index[t["id"]], index[t["source"]], t["jaccard_w5"]))
    nd = run_child("synth-nd", args)
    ds = run_child("synth-ds", args)
    print(f"## Recall of planted near-duplicate pairs (neardup-synth --docs {args.synth_docs} "
          "--seed 7)\n")
    print("| pairs with jaccard_w5 | pairs | neardup.cluster recall | datasketch LSH recall |")
    print("|---|---|---|---|")
    for lo, hi in ((0.8, 1.01), (0.9, 1.01), (0.8, 0.9), (0.5, 0.8)):
        sel = [(a, b) for a, b, j in pairs if lo <= j < hi]
        if not sel:
            continue
        rn = sum(nd["labels"][a] == nd["labels"][b] for a, b in sel) / len(sel)
        rd = sum(b in set(ds["cands"][a]) for a, b in sel) / len(sel)
        print(f"| [{lo}, {min(hi, 1.0)}] | {len(sel)} | {rn:.3f} | {rd:.3f} |")
    print("\nneardup counts a pair found when both are in one cluster (verified Jaccard >= 0.8, "
          "connected components); datasketch when the source is among the LSH candidates of the "
          "copy (unverified).\n")


def per_call_section(args):
    pc = run_child("per-call", args)
    print(f"## Per-call cost of the Deduplicator ({args.per_call_docs} texts, mean "
          f"{pc['mean_bytes']:.0f} bytes, MinHash 128 slots, threshold 0.8)\n")
    print("| call | p50 us | p99 us | mean us |")
    print("|---|---|---|---|")
    for name in ("add_if_new", "query", "query_empty"):
        label = name if name != "query_empty" else "query('') (binding overhead + empty signature)"
        print(f"| {label} | {pc[name + '_p50_us']:.1f} | {pc[name + '_p99_us']:.1f} | "
              f"{pc[name + '_mean_us']:.1f} |")
    print(f"| query_many (one thread), per text | | | {pc['query_many_us']:.1f} |")


if __name__ == "__main__":
    main()
