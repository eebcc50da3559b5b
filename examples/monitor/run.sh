#!/bin/sh
# Two scheduled runs of examples/monitor/support.yaml in a throwaway store:
# the first scores the four answers and fires the refusal alert (exit 4);
# the second finds nothing new and stays quiet.  Run from the top of the
# source tree with the tools on PATH; examples/monitor/expected holds the
# output.
set -e
d=${TMPDIR:-/tmp}/oed-monitor-example.$$
trap 'rm -rf "$d"' EXIT
mkdir -p "$d"
cp examples/monitor/support.yaml examples/monitor/answers.jsonl "$d/"
export OED_STORE="$d/store.db"
oed-monitor "$d/support.yaml" || echo "exit status $?: an alert is firing"
oed-monitor "$d/support.yaml" || echo "exit status $?: still firing, nothing sent again"
echo "scores.jsonl: $(wc -l <"$d/scores.jsonl") lines"
