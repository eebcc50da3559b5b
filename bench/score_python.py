#!/usr/bin/python3
"""The Python loop bench/score.sh compares oed's scorers with: read JSON
Lines, score each record as `oed-bench --score` does with exact_match,
contains, regex, f1 (the SQuAD v1.1 script's definition) and length in
words, add "scores" and "pass", write the record back.

    /usr/bin/python3 bench/score_python.py TARGET_FIELD FILE > out.jsonl
"""
import collections
import json
import re
import string
import sys

ARTICLES = re.compile(r'\b(a|an|the)\b')
PUNCT = set(string.punctuation)
PATTERN = re.compile(r'\b(?:answer|result)\b')


def normalize(s):
    s = ''.join(ch for ch in s.lower() if ch not in PUNCT)
    return ' '.join(ARTICLES.sub(' ', s).split())


def f1(pred, truth):
    p, t = normalize(pred).split(), normalize(truth).split()
    same = sum((collections.Counter(p) & collections.Counter(t)).values())
    if same == 0:
        return 0.0
    prec, rec = same / len(p), same / len(t)
    return 2 * prec * rec / (prec + rec)


def main():
    field = sys.argv[1]
    out = sys.stdout
    with open(sys.argv[2], encoding='utf-8') as fp:
        for line in fp:
            rec = json.loads(line)
            o, t = rec['output'], rec[field]
            words = len(o.split())
            scores = {
                'exact_match': float(o == t),
                'contains': float('the' in o),
                'regex': float(PATTERN.search(o) is not None),
                'f1': f1(o, t),
                'length': words,
            }
            rec['scores'] = scores
            rec['pass'] = (scores['exact_match'] == 1 and scores['contains'] == 1 and
                           scores['regex'] == 1 and words <= 200)
            out.write(json.dumps(rec, ensure_ascii=False, separators=(',', ':')))
            out.write('\n')


main()
