#!/usr/bin/env python3
"""Deterministic benchmark corpus in oed's normalised record format.

Usage: gen_corpus.py RECORDS [SEED [VOCAB]] > corpus.jsonl

With VOCAB, words are drawn with Zipf weights (1/rank) from VOCAB made-up
words of 2-11 letters (Latin, accented, Cyrillic and Greek), as natural
text does, instead of the small fixed list below: caches keyed by word
gain far less there.

Several samples per input, Zipf-like repeated outputs (a model that mostly
agrees with itself), realistic text of 20-400 words with some Unicode, and
about one line in eight written with \\u escapes (ensure_ascii) as some
producers do.  The same arguments always give the same bytes.
"""
import json
import random
import sys

WORDS = ("the of and to in is that for it as was with be by on not he this are or his "
         "from at which but have an they you were her she there been one all we their "
         "model answer result value number because therefore first second total final "
         "compute step check equal sum product difference ratio percent hour minute "
         "café naïve résumé straße façade über niño coöperate jalapeño "
         "数据 模型 答案 結果 données модель ответ δεδομένα 😀 ✓").split()


ZIPF = None


def zipf_vocab(rng, size):
    letters = "abcdefghijklmnopqrstuvwxyzéüñçßабвгдежзийклмнδεζηθ"
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(2, 11))) for _ in range(size)]
    cum, total = [], 0.0
    for k in range(size):
        total += 1.0 / (k + 1)
        cum.append(total)
    return words, cum


def text(rng, lo, hi):
    n = rng.randint(lo, hi)
    if ZIPF:
        return " ".join(rng.choices(ZIPF[0], cum_weights=ZIPF[1], k=n)).capitalize() + "."
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def main():
    records = int(sys.argv[1])
    global ZIPF
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    if len(sys.argv) > 3:
        ZIPF = zipf_vocab(rng, int(sys.argv[3]))
    samples = 5
    out = sys.stdout
    i = 0
    q = 0
    while i < records:
        prompt = text(rng, 8, 40)
        # each input has a few candidate answers drawn with Zipf-like weights
        candidates = [text(rng, 20, 400) for _ in range(rng.randint(1, 6))]
        weights = [1.0 / (k + 1) ** 1.5 for k in range(len(candidates))]
        for s in range(samples):
            if i >= records:
                break
            rec = {
                "dataset": "bench",
                "input_id": "q%07d" % q,
                "input": prompt,
                "output": rng.choices(candidates, weights)[0],
                "sample": s,
                "model": "model-%d" % (q % 3),
                "latency_ms": round(rng.lognormvariate(6, 0.5), 1),
                "tokens_in": len(prompt.split()),
                "tokens_out": rng.randint(20, 600),
            }
            escaped = rng.random() < 0.125
            out.write(json.dumps(rec, ensure_ascii=escaped, separators=(",", ":")) + "\n")
            i += 1
        q += 1


if __name__ == "__main__":
    main()
