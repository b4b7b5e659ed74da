#!/usr/bin/env python3
"""bench/e2e/near17_data.py: held-out near-duplicate corpora built from real text, with planted
edits and their ground truth, for the issue-17 measurements (HTML entities, SimHash settings,
containment). Deterministic: the same source file and --seed give the same bytes.

  near17_data.py reuters SRC.jsonl[.zst] OUT_DIR [--docs N] [--seed S]
      OUT/docs.jsonl   {"id","text"} only (no labels reach the clusterer)
      OUT/truth.jsonl  one line per planted document: id, source, kind (exact | near |
                       entity | embed), edits, jaccard_w5 and containment_w5 (of the source
                       in the planted document), both over word 5-shingles of the decoded text
  near17_data.py template SRC OUT_DIR [--docs N] [--seed S]
      N distinct short articles, each inside the same long page template (navigation, footer):
      OUT/truth.jsonl holds each page's body: a pair put in one cluster whose bodies have word
      5-shingle Jaccard below 0.5 is a false merge (a few Reuters bodies are real near copies).

Planted kinds: `near` copies get word edits (substitute, delete, insert) at a strength drawn
u^2-skewed like neardup-synth's; `entity` copies are near copies whose quotes, apostrophes and
ampersands are written as HTML entities (&quot; &#39; &#8217; &amp; and &nbsp; after some
sentences), the way crawled pages carry them; `embed` documents are pages that hold a (lightly
edited) article between other articles' paragraphs (sidebar, comments): low Jaccard with the
article, high containment of it.
"""
import json
import random
import re
import subprocess
import sys
import zlib

TOKEN = re.compile(r"[a-z0-9]+")


def read_source(path):
    if path.endswith(".zst"):
        data = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout
        lines = data.decode("utf-8").splitlines()
    else:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    for line in lines:
        if line.strip():
            yield json.loads(line)["text"]


def shingles(text, k=5):
    """Word k-shingles under a simple tokenization: lower-cased [a-z0-9]+ runs (the decoded text;
    entities are decoded before this is called)."""
    toks = TOKEN.findall(text.lower())
    if len(toks) < k:
        return {tuple(toks)} if toks else set()
    return {tuple(toks[i:i + k]) for i in range(len(toks) - k + 1)}


def jaccard(a, b):
    return len(a & b) / len(a | b) if a or b else 1.0


def containment(a, b):
    return len(a & b) / len(a) if a else 0.0


def edit_words(rng, text, strength):
    """Word edits at strength in [0, 1]: each word is edited with probability 0.1 * strength
    (at least one edit); returns the text and the edit counts."""
    words = text.split(" ")
    out, counts = [], {"sub": 0, "del": 0, "ins": 0}
    vocab = [w for w in words if w.isalpha()] or ["word"]
    for w in words:
        if rng.random() >= 0.1 * strength:
            out.append(w)
            continue
        op = rng.randrange(4)
        if op <= 1:
            out.append(rng.choice(vocab))
            counts["sub"] += 1
        elif op == 2:
            counts["del"] += 1
        else:
            out.extend([w, rng.choice(vocab)])
            counts["ins"] += 1
    if sum(counts.values()) == 0 and out:
        i = rng.randrange(len(out))
        out[i] = rng.choice(vocab)
        counts["sub"] += 1
    return " ".join(out), ",".join(f"{k}:{v}" for k, v in counts.items() if v)


def encode_entities(rng, text):
    """Writes quotes, apostrophes and ampersands as HTML entities, and &nbsp; after some
    sentences: what a crawler's text extraction leaves when it skips entity decoding."""
    out = []
    for ch in text:
        if ch == "&":
            out.append("&amp;")
        elif ch == '"':
            out.append("&quot;")
        elif ch == "'":
            out.append(rng.choice(["&#39;", "&#8217;", "&rsquo;"]))
        else:
            out.append(ch)
    s = re.sub(r"\. ", lambda m: ".&nbsp; " if rng.random() < 0.3 else ". ", "".join(out))
    return s, s.count("&") - text.count("&")


def clean(text):
    # One line of single-spaced text: the planted edits work on words.
    return " ".join(text.split())


def distinct(texts):
    """Drops texts that share a word 5-shingle-set sample with an earlier one (Reuters repeats
    some bodies and updates others): every planted group then starts from a unique article, so
    a pair the output joins across groups is a real false merge."""
    seen, out = {}, []
    for t in texts:
        sh = sorted(zlib.crc32(" ".join(s).encode()) for s in shingles(t))
        # Shingles whose hash falls in the lowest 1/8 of the range: a sample that two texts
        # with Jaccard >= ~0.5 share in part.
        sample = [h for h in sh if h < 1 << 29]
        if any(h in seen for h in sample):
            continue
        for h in sample:
            seen[h] = True
        out.append(t)
    return out


def cmd_reuters(src, out_dir, docs, seed):
    rng = random.Random(seed)
    texts = [clean(t) for t in read_source(src)]
    # Articles long enough to have shingles and a quote or apostrophe now and then.
    texts = [t for t in texts if len(t.split()) >= 40]
    texts = distinct(texts)
    rng.shuffle(texts)
    pool = texts[: max(1, docs * 6 // 10)]
    fillers = texts[docs:]  # other articles: sidebars and comments of embedding pages
    docs_out, truth, source_ids = [], [], []
    used = 0
    for n in range(docs):
        doc_id = f"r{n:06d}"
        roll = rng.random()
        if n < 50 or roll >= 0.4 or used == 0:
            text = pool[used % len(pool)]
            used += 1
            source_ids.append(doc_id)
            docs_out.append({"id": doc_id, "text": text})
            continue
        src_no = rng.randrange(used)
        source_text = pool[src_no % len(pool)]
        source_id = source_ids[src_no]
        u = rng.random()
        strength = u * u
        if roll < 0.05:
            kind, text, edits = "exact", source_text, ""
            plain = text
        elif roll < 0.20:
            kind = "near"
            text, edits = edit_words(rng, source_text, strength)
            plain = text
        elif roll < 0.30:
            kind = "entity"
            plain, edits = edit_words(rng, source_text, strength * 0.3)
            text, n = encode_entities(rng, plain)
            edits += f",entities:{n + text.count('&amp;')}"
        else:
            kind = "embed"
            plain, edits = edit_words(rng, source_text, strength * 0.2)
            before = " ".join(rng.choice(fillers) for _ in range(rng.randrange(1, 4)))
            after = " ".join(rng.choice(fillers) for _ in range(rng.randrange(0, 4)))
            text = " ".join(p for p in (before, plain, after) if p)
            plain = text
            edits += ",embedded"
        a, b = shingles(source_text), shingles(plain)
        docs_out.append({"id": doc_id, "text": text})
        truth.append({"id": doc_id, "source": source_id, "kind": kind, "edits": edits,
                      "jaccard_w5": round(jaccard(a, b), 6),
                      "containment_w5": round(containment(a, b), 6)})
    write(out_dir, docs_out, truth)


def write(out_dir, docs_out, truth):
    import os
    os.makedirs(out_dir, exist_ok=True)
    with open(f"{out_dir}/docs.jsonl", "w", encoding="utf-8") as f:
        for d in docs_out:
            f.write(json.dumps({"id": d["id"], "text": d["text"]}, ensure_ascii=False) + "\n")
    with open(f"{out_dir}/truth.jsonl", "w", encoding="utf-8") as f:
        for t in truth:
            f.write(json.dumps(t) + "\n")


def cmd_template(src, out_dir, docs, seed):
    rng = random.Random(seed)
    texts = distinct([clean(t) for t in read_source(src)])
    rng.shuffle(texts)
    nav = ("Home World Business Markets Breakingviews Video More Sections Politics Technology "
           "Science Health Sports Lifestyle Entertainment Sign in Subscribe Search Menu "
           "Edition United States Africa Arabic Argentina Brazil Canada China France Germany "
           "India Italy Japan Latin America Mexico Russia Spain United Kingdom")
    foot = ("All quotes delayed a minimum of 15 minutes. See here for a complete list of "
            "exchanges and delays. Copyright 2026 The News Company. All rights reserved. "
            "Apps Newsletters Advertise with Us Advertising Guidelines Cookies Terms of Use "
            "Privacy Do Not Sell My Personal Information Follow us on Facebook Twitter "
            "Instagram LinkedIn YouTube Download the app Contact us Careers About us")
    out, truth, seen = [], [], set()
    for t in texts:
        words = t.split()
        if len(words) < 30:
            continue
        body = " ".join(words[:60])  # a short article: the template is a large share
        if body in seen:
            continue
        seen.add(body)
        doc_id = f"t{len(out):06d}"
        out.append({"id": doc_id, "text": f"{nav} {body} {foot}"})
        truth.append({"id": doc_id, "body": body})
        if len(out) == docs:
            break
    write(out_dir, out, truth)


if __name__ == "__main__":
    args = sys.argv[1:]
    opts = {"--docs": 4000, "--seed": 17}
    pos = []
    i = 0
    while i < len(args):
        if args[i] in opts:
            opts[args[i]] = int(args[i + 1])
            i += 2
        else:
            pos.append(args[i])
            i += 1
    if len(pos) != 3 or pos[0] not in ("reuters", "template"):
        sys.exit(__doc__)
    cmd = cmd_reuters if pos[0] == "reuters" else cmd_template
    cmd(pos[1], pos[2], opts["--docs"], opts["--seed"])
