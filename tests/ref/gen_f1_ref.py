#!/usr/bin/python3
"""Adversarial f1 cases for tests/unit/check_score_metrics.c.

    /usr/bin/python3 tests/ref/gen_f1_ref.py > tests/ref/f1_ref.h

The SQuAD v1.1 script's normalize_answer and f1_score, with the one
difference oed documents (oed-scorers(7)): full case folding
(str.casefold) instead of str.lower.  Texts are bytes; a byte that is
not UTF-8 goes through as a lone surrogate (surrogateescape), a
character that is neither a word character, white space nor
punctuation, which is how oed reads it.

The words are the ones a tokenizer gets wrong: ASCII punctuation at
either edge, the articles in every case and glued to punctuation,
apostrophes (ASCII and U+2019), digits and underscores, case folds that
grow (ß, ligatures, U+0130), Greek and Cyrillic capitals, combining
marks, Unicode white space between words, controls, NUL, invalid UTF-8,
tokens of 7 to 25 bytes (the boundaries of eight-byte loads) and very
long ones.  Each pair is scored both ways round and against itself, then
random texts of eight of these words at a time are paired.
"""
import collections
import random
import re
import string

WORDS = [
    # articles, every case, and at punctuation
    b"the", b"The", b"THE", b"tHe", b"a", b"A", b"an", b"An", b"AN", b"aN",
    b"the.", b"(the)", b".the", b"the,", b"A.", b"'a'", b"an-", b"-an", b"--the--",
    b"the-end", b"a.b", b"a's", b"the's", b"l'the", b"an'", b"_the_", b"a_b",
    b"\xe2\x80\x99the", b"the\xe2\x80\x99s", b"\xe2\x80\x9cthe\xe2\x80\x9d", b"\xc2\xabAn\xc2\xbb",
    # digits, apostrophes, punctuation alone
    b"don't", b"DON'T", b"1the", b"the1", b"a1", b"42", b"42.", b"3.14", b"...", b"!", b"-",
    b"answer", b"Answer!", b"answer?", b"(answer)", b"ANSWER", b"#1", b"$5", b"@the",
    # Unicode: accents, folds that grow, other scripts, marks
    b"caf\xc3\xa9", b"CAF\xc3\x89", b"\xc3\xa9the", b"the\xc3\xa9", b"th\xc3\xa9\xc3\xa2tre",
    b"stra\xc3\x9fe", b"STRASSE", b"Stra\xe1\xba\x9ee", b"\xef\xac\x81ne", b"fine",
    b"\xc4\xb0stanbul", b"istanbul", b"i\xcc\x87stanbul",
    b"\xce\xa4\xce\x97\xce\x95", b"\xcf\x84\xce\xb7\xce\xb5", b"\xce\xa3\xce\x9f\xce\xa6\xce\x99\xce\x91",
    b"\xcf\x83\xce\xbf\xcf\x86\xce\xb9\xce\xb1", b"\xd0\x9e\xd0\xa2\xd0\x92\xd0\x95\xd0\xa2",
    b"\xd0\xbe\xd1\x82\xd0\xb2\xd0\xb5\xd1\x82", b"an\xcc\x88", b"the\xcc\x81", b"a\xe6\x9d\xb1",
    b"\xe6\x9d\xb1\xe4\xba\xac", b"\xe2\x9c\x93", b"\xf0\x9f\x98\x80", b"\xf0\x9f\x98\x80the",
    b"\xe2\x84\xaa", b"k", b"\xe2\x84\xab", b"\xc3\xa5", b"\xc7\x85", b"\xc7\x86", b"\xc2\xbd",
    b"\xe2\x86\x92the\xe2\x86\x92", b"\xe2\x86\x92a\xe2\x86\x92a\xe2\x86\x92an\xe2\x86\x92",
    b"x\xe2\x80\x8by", b"\xef\xbc\xa1", b"\xef\xbd\x81",
    # controls, NUL, DEL, invalid UTF-8
    b"\x01", b"a\x01the", b"ab\x7f", b"\x00", b"a\x00the", b"the\x00", b"\xff", b"a\xffthe",
    b"the\xff", b"\xc3", b"caf\xc3", b"\xed\xa0\x80", b"\xc0\xaf", b"\xe2\x82", b"\xf4\x90\x80\x80",
    # 7, 8, 9, 15, 16, 17, 23, 24 and 25 bytes, a word with a two-byte letter at 24
    b"abcdefg", b"abcdefgh", b"abcdefghi", b"ABCDEFGHIJKLMNO", b"abcdefghijklmnop",
    b"abcdefghijklmnopq", b"abcdefghijklmnopqrstuvw", b"abcdefghijklmnopqrstuvwx",
    b"ABCDEFGHIJKLMNOPQRSTUVWXY", b"abcdefghijklmnopqrstuv\xc3\xa9", b"abcdefghijklmnopqrstuvw\xc3\xa9",
    b"abcdefg,", b"abcdefghijklmno.", b"abcdefghijklmnopqrstuvw!", b"\xd0\x90" * 12,
    b"\xd0\x90" * 13, b"the" * 40, b"a-" * 40, b"x" * 300, (b"\xe2\x80\x93the" * 20) + b"\xe2\x80\x93",
]

SEPS = [b" ", b"  ", b"\t", b"\n", b"\r\n", b"\x0b", b"\x0c", b"\x1c", b"\x1f", b"\xc2\xa0",
        b"\xc2\x85", b"\xe1\x9a\x80", b"\xe2\x80\x83", b"\xe2\x80\xa8", b"\xe2\x80\xa9",
        b"\xe2\x80\xaf", b"\xe2\x81\x9f", b"\xe3\x80\x80"]

# Texts that are not words glued by spaces.
TEXTS = [
    b"", b" ", b"\t\n", b"\xe3\x80\x80", b"the", b"a an the", b"The cat", b"THE CAT.",
    b"An apple a day", b"an apple A DAY!", b"the the the", b"the, the; the.",
    b"The answer is 42.", b"answer: 42", b"it's the answer", b"its the answer",
    b"\xe2\x80\x9cThe answer\xe2\x80\x9d", b"caf\xc3\xa9 CAF\xc3\x89 Caf\xc3\xa9",
    b"stra\xc3\x9fe STRASSE", b"a\xc2\xa0the\xc2\xa0an", b"a\xe2\x80\x8bthe", b"x\x00y \x00",
    b"\xff\xfe the \xff", b"(a) (an) (the)", b"a-an-the", b"a_an_the", b"1 a 2 an 3 the",
    b"the cat sat on the mat", b"a cat sat on a mat", b"Cats, cats & more cats!",
    b"\xd0\x9e\xd1\x82\xd0\xb2\xd0\xb5\xd1\x82 \xd0\xbe\xd1\x82\xd0\xb2\xd0\xb5\xd1\x82",
    b"\xce\xa3\xce\x9f\xce\xa6\xce\x99\xce\x91 \xcf\x83\xce\xbf\xcf\x86\xce\xb9\xce\xb1",
    b" leading and trailing ", b"tab\tseparated\twords", b"line\nbreaks\r\nhere",
]

ARTICLES = re.compile(r'\b(a|an|the)\b')
PUNCT = set(string.punctuation)


def normalize(s):
    s = ''.join(ch for ch in s.casefold() if ch not in PUNCT)
    return ' '.join(ARTICLES.sub(' ', s).split())


def f1(pred, truth):
    p = normalize(pred.decode('utf-8', 'surrogateescape')).split()
    t = normalize(truth.decode('utf-8', 'surrogateescape')).split()
    same = sum((collections.Counter(p) & collections.Counter(t)).values())
    if same == 0:
        return 0.0
    prec, rec = same / len(p), same / len(t)
    return 2 * prec * rec / (prec + rec)


def cstr(b):
    out, prev_hex = [], False
    for byte in b:
        c = chr(byte)
        if c in '"\\':
            out.append('\\' + c)
            prev_hex = False
        elif 0x20 <= byte < 0x7f and not (prev_hex and c in string.hexdigits) and c != '?':
            out.append(c)
            prev_hex = False
        else:
            out.append('\\x%02x' % byte)
            prev_hex = True
    return '"' + ''.join(out) + '"'


def main():
    rng = random.Random(12)
    pairs = []
    texts = WORDS + TEXTS
    for w in texts:
        pairs.append((w, w))
        pairs.append((w, rng.choice(texts)))
    for _ in range(600):
        pool = rng.sample(WORDS, 8)
        sides = []
        for k in range(2):
            n = rng.randint(0, 40 if k == 0 else 12)
            parts = []
            for i in range(n):
                parts.append(rng.choice(pool))
                parts.append(rng.choice(SEPS) if rng.random() < 0.25 else b" ")
            if parts and rng.random() < 0.5:
                parts.pop()
            sides.append(b"".join(parts))
        pairs.append(tuple(sides))
        pairs.append((sides[1], sides[0]))
    print("/* Generated by tests/ref/gen_f1_ref.py: do not edit. */")
    print("struct f1_case { const char *out, *tgt; size_t outlen, tgtlen; double want; };")
    print("static const struct f1_case f1_cases[] = {")
    for a, b in pairs:
        print('\t{ %s, %s, %d, %d, %.17g },' % (cstr(a), cstr(b), len(a), len(b), f1(a, b)))
    print("};")


main()
