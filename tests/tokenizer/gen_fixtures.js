#!/usr/bin/env node
// Token ids from OpenAI's tiktoken (npm `tiktoken`: the Rust core as
// WebAssembly) for a corpus that stresses the pre-tokeniser patterns and
// the merges.  Writes fixtures.tsv, which tests/unit/check_tokenizer.c
// reads, so the tests need no node:
//
//   cd "$(mktemp -d)" && npm install tiktoken
//   NODE_PATH=$PWD/node_modules node /path/to/oed/tests/tokenizer/gen_fixtures.js \
//       > /path/to/oed/tests/tokenizer/fixtures.tsv
//
// Each line: the text's raw bytes in hex, then tab-separated comma lists
// of ids for cl100k_base, o200k_base, p50k_base and r50k_base
// (encode_ordinary), then cl100k_base and o200k_base with every special
// token allowed.  Raw bytes may be invalid UTF-8: tiktoken is given the
// string a replacing UTF-8 decoder makes of them (Buffer.toString), which
// is the convention lib/tokenizer.h documents.
const { get_encoding } = require("tiktoken");

let seed = 20261122;
function rnd(n) {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
}
const pick = (a) => a[rnd(a.length)];

const prose = [
  "The quick brown fox jumps over the lazy dog.",
  "It's a truth universally acknowledged that a single man in possession of a good fortune must be in want of a wife.",
  "We'll see; they've said they'd come, but I'm not sure you're right.",
  "Results: accuracy improved from 81.2% to 87.9% (n=1,204), p < 0.001.",
  "Mr. O'Neil's dog—a terrier—barked at 3:45 a.m. on Jan. 2nd, 2024!",
  "Call +1 (555) 123-4567 or email support@example.com for help.",
];
const code = [
  "def f(x):\n    return x ** 2 + 3*x - 1\n",
  "for (int i = 0; i < n; i++) {\n\tsum += a[i];\n}\n",
  "const re = /^[a-z0-9_]+$/i; // identifiers\n",
  "SELECT id, name FROM users WHERE age >= 21 ORDER BY name;",
  "<div class=\"row\"><span>&nbsp;</span></div>",
  "{\"key\": [1, 2, 3], \"nested\": {\"a\": null}}",
  "#include <stdio.h>\nint main(void) { puts(\"hi\"); }\r\n",
  "    indented\n        more\n\t\ttabs\n",
];
const contractions = ["'s", "'S", "'t", "'T", "'re", "'RE", "'Re", "'ve", "'VE", "'m", "'M",
  "'ll", "'LL", "'lL", "'d", "'D", "'x", "''", "'", "’s", "'ſ", "'K"];
const words = ["hello", "HELLO", "Hello", "naïve", "café", "Straße", "ÅNGSTRÖM", "Ωμέγα",
  "ǅemal", "ǈudevit", "ﬁne", "İstanbul", "ß", "ẞ", "K", "ŉ"];
const scripts = [
  "数据模型答案", "日本語のテキストです。", "한국어 문장입니다", "中文，标点。", "ｆｕｌｌｗｉｄｔｈ",
  "مرحبا بالعالم", "שלום עולם", "Привет, мир!", "Γειά σου Κόσμε", "नमस्ते दुनिया",
  "ภาษาไทย", "e\u0301 a\u0300 o\u0308\u0304", "Z\u0351\u036b\u0343\u036a\u0302\u036b",
  "👍🏽 👩‍👩‍👧‍👦 🏳️‍🌈 ❤️ 🇫🇷 👨🏿‍💻", "😀😃😄", "\u200b\u200c\u200d\ufeff",
  "①②③ ½ ¾ Ⅻ ٣٤٥ ४५६", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛",
];
const spaces = [" ", "  ", "   ", "\t", "\n", "\r\n", "\n\n", " \n", "\t \n ", "\u00a0", "\u3000",
  "\u2028", "\r", "    \n\n   "];
const digits = ["0", "12", "123", "1234", "12345678901234567890", "3.14159", "1e10", "0x1F",
  "1,000,000", "٣٤٥٦٧", "１２３４"];
const specials = ["<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>",
  "<|endofprompt|>", "<|endoftext", "<|im_start|>"];

const texts = [];
const add = (t) => texts.push(typeof t === "string" ? Buffer.from(t, "utf8") : t);
for (const group of [prose, code, contractions, words, scripts, spaces, digits, specials])
  for (const t of group) add(t);
for (const c of contractions)
  for (const w of ["it", "IT", "they", "We", "you", "I"]) add(w + c + " go");
for (const n of [1, 2, 3, 4, 5, 7, 10, 33, 100]) {
  add("a".repeat(n));
  add(" ".repeat(n) + "word");
  add("word" + " ".repeat(n));
  add("x" + "\n".repeat(n) + "y");
  add("9".repeat(n));
  add("!".repeat(n) + "?");
  add("🙂".repeat(n));
}
// Invalid UTF-8: lone continuation bytes, truncated sequences, overlongs,
// surrogates, bytes above U+10FFFF, mixed with text.
const bad = [[0x80], [0xbf, 0x41], [0xc3], [0xc3, 0x28], [0xe2, 0x82], [0xe2, 0x82, 0x41],
  [0xf0, 0x9f, 0x98], [0xf0, 0x9f, 0x98, 0x41], [0xc0, 0xaf], [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xff, 0xfe],
  [0x61, 0xff, 0x62, 0xc3, 0xa9, 0xe9]];
for (const b of bad) {
  add(Buffer.from(b));
  add(Buffer.concat([Buffer.from("text "), Buffer.from(b), Buffer.from(" more")]));
}
// Random mixtures up to the size the tests want.
const parts = [].concat(prose, code, contractions, words, scripts, spaces, digits, specials);
while (texts.length < 2400) {
  const n = 1 + rnd(8);
  let s = "";
  for (let i = 0; i < n; i++) s += pick(parts) + (rnd(3) ? pick(spaces) : "");
  if (rnd(10) === 0) {
    const b = Buffer.from(s, "utf8");
    add(Buffer.concat([b.subarray(0, rnd(b.length + 1)), Buffer.from(pick(bad)), b.subarray(rnd(b.length + 1))]));
  } else {
    add(s);
  }
}

const names = ["cl100k_base", "o200k_base", "p50k_base", "r50k_base"];
const encs = names.map((n) => get_encoding(n));
for (const bytes of texts) {
  const str = bytes.toString("utf8");
  const cols = [bytes.toString("hex")];
  for (const e of encs) cols.push(Array.from(e.encode_ordinary(str)).join(","));
  for (const e of encs.slice(0, 2)) cols.push(Array.from(e.encode(str, "all")).join(","));
  process.stdout.write(cols.join("\t") + "\n");
}
for (const e of encs) e.free();
