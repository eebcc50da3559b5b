#!/bin/sh
# The bundled traffic: a reference week (reference.jsonl) and three current
# days (current.jsonl, a day missing) of a model's records.  The whole
# current sample against the reference, then day by day, then against a
# baseline kept in a throwaway store.  Run from the top of the source tree
# with the tools on PATH; examples/drift/expected holds the output.
set -e
ref=examples/drift/reference.jsonl
cur=examples/drift/current.jsonl
oed-drift -R $ref -f latency_ms -f model -f output -f flagged -f embedding $cur
oed-drift -q -R $ref -f latency_ms -f model --time ts -w 1d $cur
store=${TMPDIR:-/tmp}/oed-drift-example.$$.db
trap 'rm -f "$store" "$store-wal" "$store-shm"' EXIT
oed-drift -q -r --store "$store" -R $ref -f latency_ms -f model $cur > /dev/null
oed-drift -q --store "$store" --baseline 1 --fail-on-drift $cur || echo "exit status $?: drift"
