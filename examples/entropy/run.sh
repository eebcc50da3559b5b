#!/bin/sh
# The bundled maths dataset: how consistent is the model, in one pass and
# in shards merged exactly.  Run from the top of the source tree with the
# tools on PATH; examples/entropy/expected holds the output.
set -e
tmp=${TMPDIR:-/tmp}
oed-ingest -q --inputs examples/ingest/inputs.json --dataset maths examples/ingest/outputs.json > "$tmp/maths.jsonl"

# One pass: the summary and the three least consistent questions.
oed-entropy -e miller-madow --top 3 "$tmp/maths.jsonl"

# The same from three shards: each writes its counts, --merge adds them up.
split -n l/3 "$tmp/maths.jsonl" "$tmp/maths.part."
for part in "$tmp"/maths.part.a?; do oed-entropy --emit-state "$part"; done |
	oed-entropy --merge -e miller-madow --top 3

# GNU parallel spreads the shards over the cores (or hosts, with -S):
#   parallel --pipe -N 40 oed-entropy --emit-state < maths.jsonl | oed-entropy --merge
# Without parallel, split(1) runs one process per shard the same way.
if command -v parallel >/dev/null; then
	parallel --pipe -N 40 oed-entropy --emit-state < "$tmp/maths.jsonl"
else
	split -n r/4 --filter='oed-entropy --emit-state' "$tmp/maths.jsonl"
fi | oed-entropy --merge -e miller-madow --top 3

# Only the final answer counts: the first number of each output.
oed-entropy --extract '(-?[0-9]+)' --top 3 "$tmp/maths.jsonl"

# How much the answer depends on the question, with a 90% interval.
oed-mi --ci 0.9 --bootstrap 200 "$tmp/maths.jsonl"
