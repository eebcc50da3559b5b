#!/usr/bin/env node
// Token counts and id digests from OpenAI's tiktoken (npm `tiktoken`) for
// long pieces: runs of 1,000 to 200,000 characters without a space, which
// the pattern keeps whole and BPE must merge at length.  Writes long.tsv,
// which tests/unit/check_tokenizer.c reads:
//
//   cd "$(mktemp -d)" && npm install tiktoken
//   NODE_PATH=$PWD/node_modules node /path/to/oed/tests/tokenizer/gen_long.js \
//       > /path/to/oed/tests/tokenizer/long.tsv
//
// The texts are not stored: each is made again by the test from its kind,
// length and seed with the generator below (a 32-bit LCG, the same in C),
// so a line is: kind, characters, seed, encoding, token count, FNV-1a 64
// of the ids (each as 4 little-endian bytes) in hex, and the first ids.
// The node run takes about five minutes: tiktoken's merge is quadratic in
// the piece.
const { get_encoding } = require("tiktoken");

// Alphabets as code points; keep in step with check_tokenizer.c.
const kinds = {
  lower: "abcdefghijklmnopqrstuvwxyz",
  letters: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèßñøÅÖç",
  digits: "0123456789",
  scripts: "aeiostnrкаждыйсловоαβγδεζ数据模型答案한국어문장مرحباשלוםनमसतदुनिया",
  symbols: "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~",
  zeros: "\u0000",
};
const sizes = [1000, 4000, 16000, 64000];
// 200,000 characters only where tiktoken's quadratic merge stays under a
// minute per encoding.
const longest = { lower: 200000, zeros: 200000 };
const names = ["cl100k_base", "o200k_base", "p50k_base", "r50k_base"];

function text(kind, n, seed) {
  const cps = Array.from(kinds[kind]);
  let s = seed >>> 0, out = "";
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out += cps[(s >>> 16) % cps.length];
  }
  return out;
}

function fnv(ids) {
  let h = 0xcbf29ce484222325n;
  for (const id of ids)
    for (let k = 0; k < 4; k++) {
      h ^= BigInt((id >>> (8 * k)) & 0xff);
      h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
    }
  return h.toString(16).padStart(16, "0");
}

const encs = names.map((n) => get_encoding(n));
let seed = 20261201;
for (const kind of Object.keys(kinds))
  for (const n of sizes.concat(longest[kind] ? [longest[kind]] : [])) {
    const t = text(kind, n, seed);
    for (let e = 0; e < encs.length; e++) {
      const ids = encs[e].encode_ordinary(t);
      process.stdout.write([kind, n, seed, names[e], ids.length, fnv(ids),
        Array.from(ids.slice(0, 8)).join(",")].join("\t") + "\n");
    }
    seed++;
  }
for (const e of encs) e.free();
