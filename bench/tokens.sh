#!/bin/sh
# Tokenizer benchmark: oed (C) against npm tiktoken (WASM) and js-tiktoken
# over the output texts of the bench corpus, same texts, same run.
#   sh bench/tokens.sh BUILD_DIR [RECORDS]
# Needs node with `npm install tiktoken js-tiktoken` in $NODE_MODULES
# (default ./node_modules) and /usr/bin/python3 for the corpus.
set -eu
build=${1:?build folder}
records=${2:-100000}
here=$(cd "$(dirname "$0")" && pwd)
out=${TMPDIR:-/tmp}/oed-bench-tokens
mkdir -p "$out"
/usr/bin/python3 "$here/gen_corpus.py" "$records" > "$out/corpus.jsonl"
/usr/bin/python3 -c 'import json,sys
for l in sys.stdin: print(json.loads(l)["output"].replace("\n", " "))' < "$out/corpus.jsonl" > "$out/texts.txt"
cc -O2 -iquote "$here/../lib" -I"$build" "$here/tokens_bench.c" "$build/lib/.libs/libcore.a" \
	$(pkg-config --libs jansson libxxhash libpcre2-8) -lm -o "$out/tokens_bench"
printf 'impl\tencoding\ttokens\tseconds\ttokens/s\tMB/s\n'
OED_VOCAB_DIR=${OED_VOCAB_DIR:-$here/../data} "$out/tokens_bench" "$out/texts.txt" cl100k_base o200k_base
NODE_PATH=${NODE_MODULES:-$PWD/node_modules} node "$here/tokens_bench.js" "$out/texts.txt" cl100k_base o200k_base
