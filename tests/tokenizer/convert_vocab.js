#!/usr/bin/env node
// Convert the vocabularies shipped in the npm package `tiktoken`
// (encoders/NAME.json: pat_str, special_tokens, bpe_ranks) into the plain
// .tiktoken format oed reads: one "base64-token rank" pair per line.
//
//   cd "$(mktemp -d)" && npm install tiktoken
//   node /path/to/oed/tests/tokenizer/convert_vocab.js node_modules/tiktoken data/
//
// bpe_ranks holds lines "! OFFSET TOKEN TOKEN ...": consecutive ranks from
// OFFSET.  The pattern and special tokens are printed for lib/tokenizer.c.
const fs = require("fs");
const path = require("path");
const [pkg, out] = process.argv.slice(2);
for (const name of ["cl100k_base", "o200k_base", "p50k_base", "r50k_base"]) {
  const enc = JSON.parse(fs.readFileSync(path.join(pkg, "encoders", name + ".json"), "utf8"));
  const lines = [];
  for (const line of enc.bpe_ranks.split("\n").filter(Boolean)) {
    const [, offsetStr, ...tokens] = line.split(" ");
    const offset = parseInt(offsetStr, 10);
    tokens.forEach((t, i) => lines.push(t + " " + (offset + i)));
  }
  fs.writeFileSync(path.join(out, name + ".tiktoken"), lines.join("\n") + "\n");
  console.log(name, lines.length, "ranks;", "pattern:", enc.pat_str);
  console.log("  special:", JSON.stringify(enc.special_tokens));
}
