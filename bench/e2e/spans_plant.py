#!/usr/bin/env python3
"""bench/e2e/spans_plant.py: plants boilerplate with known positions into a JSONL corpus.

Reads a corpus with no repeated text of its own (neardup-synth --dup-rate 0 --exact-rate 0) and
writes each record with, by chance (deterministic for a seed):

  * template  a site's header (two lines) and footer (one line): 70% of the pages belong to one
              of --sites sites; the lines are the same on every page of a site;
  * paragraph one of --paragraphs pasted paragraphs (40-80 words), as a paragraph of its own,
              in 5% of the pages;
  * substring one of --substrings long strings (30-150 words, about 200-1000 bytes) pasted
              inside a paragraph at a word boundary (not on a line of its own), in 5% of pages.

The truth (--truth FILE, one JSON line per record) lists each planted occurrence as
[begin, end, kind, item, first]: byte offsets into the record's UTF-8 text, the kind above,
the item number, and whether this is the item's first occurrence in the corpus (kept by a
keep-first deduplicator). Items used once are not repeats; bench/e2e/spans scores only the
occurrences after the first of items used at least twice.

    bench/e2e/spans_plant.py IN.jsonl OUT.jsonl --truth TRUTH.jsonl [--seed 1]
"""

import argparse
import json
import random
import sys


def words(rng, n):
    out = []
    for _ in range(n):
        k = rng.randint(2, 9)
        out.append("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(k)))
    return " ".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--truth", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sites", type=int, default=200)
    ap.add_argument("--paragraphs", type=int, default=300)
    ap.add_argument("--substrings", type=int, default=300)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    sites = []
    for s in range(args.sites):
        name = words(rng, 2).title()
        sites.append((
            f"{name} | Home | World | Business | Sport | Contact {s}",
            f"Subscribe to the {name} newsletter for {words(rng, 3)} updates",
            f"(c) {name} Media Group {s}. All rights reserved. Privacy | Terms | {words(rng, 2)}",
        ))
    paragraphs = [words(rng, rng.randint(40, 80)).capitalize() + "." for _ in range(args.paragraphs)]
    substrings = [words(rng, rng.randint(30, 150)) for _ in range(args.substrings)]
    seen = set()  # (kind, item) already planted

    with open(args.input, encoding="utf-8") as fin, \
            open(args.output, "w", encoding="utf-8") as fout, \
            open(args.truth, "w", encoding="utf-8") as ftruth:
        for line in fin:
            if not line.strip():
                continue
            rec = json.loads(line)
            paras = rec.get("text", "").split("\n\n")
            planted = []  # (kind, item, text) in order of appearance, resolved to offsets below
            # A long substring inside a random paragraph, at a word boundary.
            if rng.random() < 0.05 and paras:
                item = rng.randrange(len(substrings))
                p = rng.randrange(len(paras))
                ws = [i for i, c in enumerate(paras[p]) if c == " "]
                cut = rng.choice(ws) if ws else len(paras[p])
                marker = "\x00S%d\x00" % item
                paras[p] = paras[p][:cut] + " " + marker + paras[p][cut:]
            if rng.random() < 0.05:
                item = rng.randrange(len(paragraphs))
                paras.insert(rng.randint(0, len(paras)), "\x00P%d\x00" % item)
            site = rng.randrange(len(sites)) if rng.random() < 0.7 else -1
            text = "\n\n".join(paras)
            if site >= 0:
                text = "\x00H%d\x00\n\x00I%d\x00\n\n%s\n\n\x00F%d\x00" % (site, site, text, site)
            # Resolve markers to text, recording byte offsets.
            out = []
            pos = 0
            parts = text.split("\x00")
            for i, part in enumerate(parts):
                if i % 2 == 0:
                    b = part.encode("utf-8")
                    out.append(b)
                    pos += len(b)
                    continue
                kind_code, item = part[0], int(part[1:])
                if kind_code == "S":
                    kind, s = "substring", substrings[item]
                elif kind_code == "P":
                    kind, s = "paragraph", paragraphs[item]
                else:
                    kind = "template"
                    s = sites[item][{"H": 0, "I": 1, "F": 2}[kind_code]]
                    item = item * 3 + {"H": 0, "I": 1, "F": 2}[kind_code]
                b = s.encode("utf-8")
                key = (kind, item)
                planted.append([pos, pos + len(b), kind, item, key not in seen])
                seen.add(key)
                out.append(b)
                pos += len(b)
            rec["text"] = b"".join(out).decode("utf-8")
            fout.write(json.dumps(rec, ensure_ascii=False) + "\n")
            ftruth.write(json.dumps({"id": rec.get("id"), "planted": planted}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
