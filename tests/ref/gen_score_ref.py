#!/usr/bin/python3
"""Reference values for tests/unit/check_score_metrics.c.

    /usr/bin/python3 tests/ref/gen_score_ref.py > tests/ref/score_ref.h

Sources, all Debian python3 packages or definitions written out here:
  - BLEU on given tokens: NLTK's corpus_bleu (python3-nltk).
  - levenshtein: python3-levenshtein's distance.
  - sacreBLEU is not packaged: its 13a tokenizer, BLEU statistics,
    compute_bleu and chrF are written below from sacreBLEU 2.x's
    definitions and checked here, before anything is printed, against the
    test vectors published in sacreBLEU's repository (test/test_bleu.py,
    test/test_sentence_bleu.py, test/test_chrf.py).
  - f1 and exact match: the SQuAD v1.1 evaluation script's
    normalize_answer, f1_score and exact_match_score, copied in spirit.
  - rouge_l: rouge-score's tokenize (no stemming) and _score_lcs.
  - exact_match: Hugging Face evaluate's exact_match (lm-eval's metric).
  - json_schema: python3-jsonschema (Draft 7) on every case.
"""
import collections
import json
import math
import random
import re
import string
import sys
import warnings

import Levenshtein
import jsonschema
import nltk
from nltk.translate.bleu_score import corpus_bleu

# ---- sacreBLEU, from its definitions ----

_TOK13A = [
    (re.compile(r'([\{-\~\[-\` -\&\(-\+\:-\@\/])'), r' \1 '),
    (re.compile(r'([^0-9])([\.,])'), r'\1 \2 '),
    (re.compile(r'([\.,])([^0-9])'), r' \1 \2'),
    (re.compile(r'([0-9])(-)'), r'\1 \2 '),
]


def tok13a(line):
    line = line.replace('<skipped>', '')
    line = line.replace('-\n', '')
    line = line.replace('\n', ' ')
    if '&' in line:
        line = line.replace('&quot;', '"')
        line = line.replace('&amp;', '&')
        line = line.replace('&lt;', '<')
        line = line.replace('&gt;', '>')
    line = f' {line} '
    for rx, repl in _TOK13A:
        line = rx.sub(repl, line)
    return ' '.join(line.split())


def bleu_prep(s, tokenize, lowercase):
    if lowercase:
        s = s.lower()
    s = s.rstrip()
    return tok13a(s) if tokenize == '13a' else s


def ngrams(toks, n):
    return collections.Counter(tuple(toks[i:i + n]) for i in range(len(toks) - n + 1))


def bleu_stats(hyp, refs, tokenize='13a', lowercase=False):
    h = bleu_prep(hyp, tokenize, lowercase).split()
    rts = [bleu_prep(r, tokenize, lowercase).split() for r in refs]
    correct, total = [], []
    for n in range(1, 5):
        hc = ngrams(h, n)
        maxref = collections.Counter()
        for r in rts:
            for g, c in ngrams(r, n).items():
                maxref[g] = max(maxref[g], c)
        correct.append(sum(min(c, maxref[g]) for g, c in hc.items()))
        total.append(max(0, len(h) - n + 1))
    closest = None
    for r in rts:
        d = abs(len(h) - len(r))
        if closest is None or d < closest[0] or (d == closest[0] and len(r) < closest[1]):
            closest = (d, len(r))
    return correct, total, len(h), closest[1]


def compute_bleu(correct, total, sys_len, ref_len, smooth='exp', effective_order=False):
    bp = (math.exp(1 - ref_len / sys_len) if sys_len > 0 else 0.0) if sys_len < ref_len else 1.0
    prec = [0.0] * 4
    if not any(correct):
        return 0.0
    smooth_mteval, eff = 1.0, 4
    for n in range(1, 5):
        if total[n - 1] == 0:
            break
        if effective_order:
            eff = n
        if correct[n - 1] == 0:
            if smooth == 'exp':
                smooth_mteval *= 2
                prec[n - 1] = 100.0 / (smooth_mteval * total[n - 1])
        else:
            prec[n - 1] = 100.0 * correct[n - 1] / total[n - 1]
    return bp * math.exp(sum(-9999999999 if p == 0 else math.log(p) for p in prec[:eff]) / eff)


def corpus_bleu_sacre(hyps, refs_per_hyp, **kw):
    smooth = kw.pop('smooth', 'exp')
    acc = [[0] * 4, [0] * 4, 0, 0]
    for h, rs in zip(hyps, refs_per_hyp):
        c, t, s, r = bleu_stats(h, rs, **kw)
        acc = [[a + b for a, b in zip(acc[0], c)], [a + b for a, b in zip(acc[1], t)],
               acc[2] + s, acc[3] + r]
    return compute_bleu(acc[0], acc[1], acc[2], acc[3], smooth=smooth)


def sentence_bleu_sacre(hyp, ref, tokenize='13a', lowercase=False, smooth='exp'):
    c, t, s, r = bleu_stats(hyp, [ref], tokenize, lowercase)
    return compute_bleu(c, t, s, r, smooth=smooth, effective_order=True)


def chrf_stats(hyp, ref, order=6, whitespace=False, lowercase=False):
    if lowercase:
        hyp, ref = hyp.lower(), ref.lower()
    if not whitespace:
        hyp, ref = ''.join(hyp.split()), ''.join(ref.split())
    st = []
    for n in range(1, order + 1):
        hc = collections.Counter(hyp[i:i + n] for i in range(len(hyp) - n + 1))
        rc = collections.Counter(ref[i:i + n] for i in range(len(ref) - n + 1))
        st += [sum(hc.values()), sum(rc.values()), sum((hc & rc).values())]
    return st


def chrf_score(st, order=6, beta=2, eps_smoothing=False):
    eps, factor = 1e-16, beta ** 2
    score, eff, ap, ar = 0.0, 0, 0.0, 0.0
    for i in range(order):
        nh, nr, m = st[3 * i:3 * i + 3]
        p = m / nh if nh > 0 else eps
        r = m / nr if nr > 0 else eps
        d = factor * p + r
        score += ((1 + factor) * p * r / d) if d > 0 else eps
        if nh > 0 and nr > 0:
            ap += p
            ar += r
            eff += 1
    if eps_smoothing:
        return 100 * score / order
    if eff == 0:
        return 0.0
    ap, ar = ap / eff, ar / eff
    return 100 * (1 + factor) * ap * ar / (factor * ap + ar) if ap + ar else 0.0


def corpus_chrf(hyps, refs, **kw):
    keys = ('order', 'whitespace', 'lowercase')
    acc = None
    for h, r in zip(hyps, refs):
        st = chrf_stats(h, r, **{k: v for k, v in kw.items() if k in keys})
        acc = st if acc is None else [a + b for a, b in zip(acc, st)]
    return chrf_score(acc, **{k: v for k, v in kw.items() if k in ('order', 'beta', 'eps_smoothing')})


def check(got, want, eps, what):
    if abs(got - want) >= eps:
        sys.exit("reimplementation disagrees with sacreBLEU's published %s: %r != %r" % (what, got, want))


# sacreBLEU test/test_bleu.py and test/test_sentence_bleu.py
PUB_HYPS = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.']
PUB_REFS = [['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
            ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.']]
PUB_REFS_T = list(zip(*PUB_REFS))
check(corpus_bleu_sacre(PUB_HYPS, PUB_REFS_T), 48.530827, 1e-6, "corpus BLEU")
check(corpus_bleu_sacre(PUB_HYPS, PUB_REFS_T, tokenize='none'), 49.1919566, 1e-6, "corpus BLEU, no tokenizer")
check(corpus_bleu_sacre(['', '', ''], PUB_REFS_T), 0.0, 1e-9, "corpus BLEU of empty outputs")
S98_REF = "producţia de zahăr brut se exprimă în zahăr alb;"
S98_SYS = "Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;"
check(sentence_bleu_sacre(S98_SYS, S98_REF), 8.493, 1e-3, "sentence BLEU")
check(sentence_bleu_sacre(S98_SYS, S98_REF, tokenize='none'), 7.347, 1e-3, "sentence BLEU, no tokenizer")
check(sentence_bleu_sacre(S98_SYS, S98_REF, smooth='none'), 0.0, 1e-3, "sentence BLEU, no smoothing")
check(sentence_bleu_sacre("this is a cat", "okay thanks"), 0.0, 1e-9, "sentence BLEU without matches")
# test/test_chrf.py
for h, r, want in [(["aa"], ["ab"], 8.3333), (["a", "b"], ["a", "c"], 8.3333), (["a"], ["a"], 16.6667),
                   (["a b c"], ["abc"], 50.0), ([""], ["b"], 0.0),
                   ([" risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists ."],
                    ["risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists ."], 63.361730),
                   ([" Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. "],
                    ["Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich."], 64.1302698)]:
    check(corpus_chrf(h, r, beta=3, eps_smoothing=True), want, 1e-4, "chrF")
for h, r, want in [(["a"], ["a"], 100.0), ([""], ["reference"], 0.0), (["a", "b"], ["a", "c"], 50.0), (["aa"], ["ab"], 25.0)]:
    check(corpus_chrf(h, r, beta=3), want, 1e-4, "chrF, effective order")
check(corpus_chrf(["Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich."],
                  ["Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich."],
                  beta=3, whitespace=True), 67.3481606, 1e-4, "chrF with white space")
check(corpus_chrf(['Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře.'],
                  ['Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře.'],
                  eps_smoothing=True), 39.14078509, 1e-4, "sentence chrF")

# ---- SQuAD v1.1 ----


def squad_normalize(s):
    def remove_articles(text):
        return re.sub(r'\b(a|an|the)\b', ' ', text)

    def white_space_fix(text):
        return ' '.join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return ''.join(ch for ch in text if ch not in exclude)
    return white_space_fix(remove_articles(remove_punc(s.lower())))


def squad_f1(pred, truth):
    p, t = squad_normalize(pred).split(), squad_normalize(truth).split()
    common = collections.Counter(p) & collections.Counter(t)
    same = sum(common.values())
    if same == 0:
        return 0.0
    prec, rec = same / len(p), same / len(t)
    return 2 * prec * rec / (prec + rec)


def squad_em(pred, truth):
    return float(squad_normalize(pred) == squad_normalize(truth))

# ---- rouge-score, rougeL without stemming ----


def rouge_tokenize(text):
    text = text.lower()
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return [t for t in re.split(r"\s+", text) if re.match(r"^[a-z0-9]+$", t)]


def rouge_l(pred, target):
    t, p = rouge_tokenize(target), rouge_tokenize(pred)
    if not t or not p:
        return 0.0
    rows, cols = len(t), len(p)
    table = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(1, rows + 1):
        for j in range(1, cols + 1):
            table[i][j] = table[i - 1][j - 1] + 1 if t[i - 1] == p[j - 1] else max(table[i - 1][j], table[i][j - 1])
    lcs = table[-1][-1]
    prec, rec = lcs / len(p), lcs / len(t)
    return 2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0

# ---- lm-eval / HF evaluate exact_match ----


def hf_exact_match(pred, ref, regexes=(), ignore_case=False, ignore_punct=False, ignore_numbers=False):
    for r in regexes:
        pred, ref = re.sub(r, "", pred), re.sub(r, "", ref)
    if ignore_case:
        pred, ref = pred.lower(), ref.lower()
    if ignore_punct:
        tbl = str.maketrans("", "", string.punctuation)
        pred, ref = pred.translate(tbl), ref.translate(tbl)
    if ignore_numbers:
        tbl = str.maketrans("", "", string.digits)
        pred, ref = pred.translate(tbl), ref.translate(tbl)
    return float(pred == ref)

# ---- the cases ----


rng = random.Random(12)
WORDS = ("the cat sat on a mat , it was n't there . dog 3.5 1,000 12-3 Paris Zürich naïve "
         "Ωμέγα 東京 co-op U.S.A. e-mail &amp; <b> \"quoted\" (aside) 50% $10 an The").split()


def sentence(k):
    return ' '.join(rng.choice(WORDS) for _ in range(k))


pairs = [
    ("", ""), ("", "abc"), ("abc", ""), ("kitten", "sitting"), ("flaw", "lawn"),
    ("The cat sat.", "the cat sat"), ("Zürich", "Zurich"), ("東京タワー", "東京"),
    ("naïve café", "naive cafe"), ("a\u0301", "\u00e1"), ("😀 smile", "😃 smile"),
    ("Barack Obama", "President Barack Obama"), ("the Eiffel Tower", "Eiffel tower!"),
    ("an apple a day", "The apple"), ("1,000 dollars", "1000 dollars"),
    ("Don't stop", "dont stop"), ("the the the", "the"), ("a b c d", "d c b a"),
    ("théa cat", "th cat"), ("€a b", "€ b"), ("tab\tand\nnewline", "tab and newline"),
    ("İstanbul K", "istanbul k"),
]
for _ in range(40):
    a, b = sentence(rng.randint(1, 12)), sentence(rng.randint(1, 12))
    if rng.random() < 0.5:
        b = ' '.join(x for x in a.split() if rng.random() < 0.7) + ' ' + sentence(rng.randint(0, 3))
    pairs.append((a, b.strip()))


def cstr(s):
    out, prev_hex = [], False
    for byte in s.encode():
        c = chr(byte)
        if c in '"\\':
            out.append('\\' + c)
            prev_hex = False
        elif 0x20 <= byte < 0x7f and not (prev_hex and c in string.hexdigits):
            out.append(c)
            prev_hex = False
        else:
            out.append('\\x%02x' % byte)
            prev_hex = True
    return '"' + ''.join(out) + '"'


warnings.simplefilter("ignore")
print("/* Generated by tests/ref/gen_score_ref.py (nltk %s, python3-levenshtein, jsonschema %s): do not edit. */"
      % (nltk.__version__, jsonschema.__version__))
print("struct text_case { const char *spec, *out, *tgt; double want; };")
print("static const struct text_case text_cases[] = {")
for a, b in pairs:
    la, lb = len(a), len(b)
    lev = 1.0 if la == lb == 0 else 1 - Levenshtein.distance(a, b) / max(la, lb)
    rows = [("levenshtein", lev), ("f1", squad_f1(a, b)), ("exact_match:normalize=squad", squad_em(a, b)),
            ("rouge_l", rouge_l(a, b)),
            ("bleu", sentence_bleu_sacre(a, b) / 100),
            ("bleu:tokenize=none", sentence_bleu_sacre(a, b, tokenize='none') / 100),
            ("bleu:smooth=none", sentence_bleu_sacre(a, b, smooth='none') / 100),
            ("chrf", chrf_score(chrf_stats(a, b)) / 100),
            ("chrf:eps_smoothing=true,beta=3", chrf_score(chrf_stats(a, b), beta=3, eps_smoothing=True) / 100),
            ("chrf:whitespace=true,char_order=4", chrf_score(chrf_stats(a, b, order=4, whitespace=True), order=4) / 100),
            ("exact_match:ignore_punctuation=true,ignore_numbers=true,regexes_to_ignore=\\s+",
             hf_exact_match(a, b, [r"\s+"], ignore_punct=True, ignore_numbers=True))]
    if a.lower() == a.casefold() and b.lower() == b.casefold():
        rows.append(("exact_match:ignore_case=true", hf_exact_match(a, b, ignore_case=True)))
    for spec, want in rows:
        print('\t{ %s, %s, %s, %.17g },' % (cstr(spec), cstr(a), cstr(b), want))
print("};")

# Corpus BLEU: sacreBLEU's published cases, then NLTK on the same tokens.
corpora = [("bleu", PUB_HYPS, PUB_REFS_T, corpus_bleu_sacre(PUB_HYPS, PUB_REFS_T) / 100),
           ("bleu:tokenize=none", PUB_HYPS, PUB_REFS_T, corpus_bleu_sacre(PUB_HYPS, PUB_REFS_T, tokenize='none') / 100),
           ("bleu", ['', '', ''], PUB_REFS_T, 0.0)]
for k in range(6):
    n = rng.randint(2, 30)
    nref = rng.randint(1, 3)
    hyps, refs = [], []
    for _ in range(n):
        base = sentence(rng.randint(4, 20))
        # At least four tokens: NLTK counts a denominator of 1 for an order
        # the hypothesis is too short to have, sacreBLEU counts 0.
        kept = ' '.join(w for w in base.split() if rng.random() < 0.85)
        hyps.append(kept if len(kept.split()) >= 4 else base)
        refs.append(tuple(' '.join(w if rng.random() < 0.8 else rng.choice(WORDS) for w in base.split())
                          for _ in range(nref)))
    want = corpus_bleu([[r.split() for r in rs] for rs in refs], [h.split() for h in hyps])
    mine = corpus_bleu_sacre(hyps, refs, tokenize='none', smooth='none') / 100
    if abs(want - mine) > 1e-12:
        sys.exit("NLTK and the sacreBLEU definition disagree: %r %r" % (want, mine))
    corpora.append(("bleu:tokenize=none,smooth=none", hyps, refs, want))
    corpora.append(("bleu", hyps, refs, corpus_bleu_sacre(hyps, refs) / 100))
    corpora.append(("chrf", hyps, [r[0] for r in refs], corpus_chrf(hyps, [r[0] for r in refs]) / 100))
print("struct corpus_case { const char *spec; size_t n, nref; const char *const *hyp, *const *ref; double want; };")
for i, (spec, hyps, refs, want) in enumerate(corpora):
    nref = len(refs[0]) if isinstance(refs[0], tuple) else 1
    print("static const char *const corpus_h%d[] = { %s };" % (i, ", ".join(cstr(h) for h in hyps)))
    flat = [r for rs in refs for r in (rs if isinstance(rs, tuple) else (rs,))]
    print("static const char *const corpus_r%d[] = { %s };" % (i, ", ".join(cstr(r) for r in flat)))
print("static const struct corpus_case corpus_cases[] = {")
for i, (spec, hyps, refs, want) in enumerate(corpora):
    nref = len(refs[0]) if isinstance(refs[0], tuple) else 1
    print("\t{ %s, %d, %d, corpus_h%d, corpus_r%d, %.17g }," % (cstr(spec), len(hyps), nref, i, i, want))
print("};")

# ---- json_schema: the subset, against python3-jsonschema (Draft 7) ----
person = {"type": "object", "required": ["name", "age"],
          "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 5},
                         "age": {"type": "integer", "minimum": 0, "maximum": 150},
                         "tags": {"type": "array", "items": {"type": "string", "pattern": "^[a-z]+$"}},
                         "kind": {"enum": ["a", 1, None, [1, 2], {"x": 1}]}}}
schemas = [
    person,
    {"type": ["string", "null"]},
    {"type": "number", "minimum": -1.5, "maximum": 2.5},
    {"type": "integer"},
    {"enum": [1, "1", True]},
    {"enum": [False, 0.0]},
    {"type": "string", "pattern": "\\d{3}", "minLength": 2},
    {"items": {"type": "object", "required": ["id"]}},
    {"properties": {"a": False, "b": True}},
    {"type": "string", "maxLength": 3, "title": "short", "description": "annotations pass"},
    True,
    False,
]
instances = ['{"name":"Ann","age":30}', '{"name":"Ann"}', '{"name":"","age":3}',
             '{"name":"Annabel","age":3}', '{"name":"Ann","age":-1}', '{"name":"Ann","age":151}',
             '{"name":"Ann","age":30.0}', '{"name":"Ann","age":30.5}', '{"name":"Ann","age":true}',
             '{"name":"Ann","age":1,"tags":["ab","cd"]}', '{"name":"Ann","age":1,"tags":["ab","Cd"]}',
             '{"name":"Ann","age":1,"tags":[]}', '{"name":"Ann","age":1,"kind":null}',
             '{"name":"Ann","age":1,"kind":[1,2]}', '{"name":"Ann","age":1,"kind":[2,1]}',
             '{"name":"Ann","age":1,"kind":{"x":1.0}}', '{"name":"Ann","age":1,"kind":1.0}',
             '{"name":"Ann","age":1,"kind":true}', '{"name":"\\u00c5s\\u00e5","age":1}',
             '{"name":"\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00","age":1}',
             '"text"', 'null', '1', '1.0', '-1.5', '2.5000001', 'true', 'false', '0', '"1"',
             '"ab"', '"a123"', '"12"', '"\\u0661\\u0662\\u0663"', '[{"id":1},{"id":2}]', '[{"id":1},{}]',
             '[]', '{}', '{"a":1}', '{"b":1}', '"abc"', '"abcd"', '"\\u00e9\\u00e9\\u00e9"',
             '{"name":"Ann","age":1e2}', '[1,2', 'not json', '', ' {"name":"Ann","age":30} ']
print("struct schema_case { const char *schema, *instance; int valid; };")
print("static const struct schema_case schema_cases[] = {")
for sc in schemas:
    v = jsonschema.Draft7Validator(sc)
    for inst in instances:
        try:
            val = json.loads(inst)
        except ValueError:
            ok = 0
        else:
            ok = int(v.is_valid(val))
        print('\t{ %s, %s, %d },' % (cstr(json.dumps(sc, separators=(",", ":"))), cstr(inst), ok))
print("};")
