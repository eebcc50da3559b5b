// Tokens per second of npm tiktoken (WASM) and js-tiktoken over the same
// text file as tokens_bench.c, one text per line.  NODE_PATH must reach
// both packages (see bench/tokens.sh).
const fs = require("fs");
const [file, ...names] = process.argv.slice(2);
const lines = fs.readFileSync(file, "utf8").split("\n").filter((l, i, a) => i < a.length - 1 || l);
const bytes = Buffer.byteLength(lines.join(""), "utf8");
const wasm = require("tiktoken");
const js = require("js-tiktoken");
for (const name of names) {
  for (const [impl, enc] of [["tiktoken-wasm", wasm.get_encoding(name)], ["js-tiktoken", js.getEncoding(name)]]) {
    const t0 = process.hrtime.bigint();
    let total = 0;
    for (const l of lines) total += (impl === "js-tiktoken" ? enc.encode(l) : enc.encode_ordinary(l)).length;
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log([impl, name, total, s.toFixed(3), Math.round(total / s), (bytes / 1e6 / s).toFixed(2)].join("\t"));
    if (enc.free) enc.free();
  }
}
