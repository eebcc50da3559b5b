#!/bin/sh
# The bundled maths dataset: how consistent is the model, in one pass and
# in three shards merged exactly.  Run from the top of the source tree with
# the tools on PATH; examples/entropy/expected holds the output.
set -e
oed-ingest -q --inputs examples/ingest/inputs.json --dataset maths examples/ingest/outputs.json > "${TMPDIR:-/tmp}/maths.jsonl"
oed-entropy -e miller-madow --top 3 "${TMPDIR:-/tmp}/maths.jsonl"
split -n l/3 "${TMPDIR:-/tmp}/maths.jsonl" "${TMPDIR:-/tmp}/maths.part."
for part in "${TMPDIR:-/tmp}"/maths.part.a?; do oed-entropy --emit-state "$part"; done |
	oed-entropy --merge -e miller-madow --top 3
oed-mi "${TMPDIR:-/tmp}/maths.jsonl"
