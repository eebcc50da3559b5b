#!/bin/sh
# oed-bench on the two example tasks, with no network: recorded outputs
# (replay:) for the oed task, a local program (command:) for the lm-eval
# task file.  Run from the top of the source tree with the tools on PATH;
# examples/bench/expected holds the output (timings removed).
set -e
tmp=${TMPDIR:-/tmp}
export OED_STORE="$tmp/bench-example.db"
rm -f "$OED_STORE"
strip() { sed 's/"wall_s":[0-9.e+-]*/"wall_s":0/; s/,"latency_ms":[0-9][0-9.e+-]*//; s/,"latency_ms":{[^}]*}//'; }

# Three recorded samples per question: exact match with error bars
# clustered by question, pass@k, the majority vote, H(Y|X) of the answers.
# A gate at 0.7 trips: exit 4 after the records are written.
oed-bench -q -m replay:examples/bench/outputs.jsonl examples/bench/gsm-mini.yaml \
	--fail-under exact_match=0.7 2>&1 > "$tmp/gsm.jsonl" || echo "gate: exit $?"
tail -n 1 "$tmp/gsm.jsonl" | strip

# The lm-eval task, answered by a local program; gate the run at 0.7.
oed-bench -q -m command:examples/bench/answer.sh examples/bench/arith-lmeval.yaml \
	--fail-under exact_match=0.7 > "$tmp/arith.jsonl" || echo "gate: exit $?"
grep bench.item "$tmp/arith.jsonl" |
	grep -o '"input_id":"[^"]*"\|"extracted":"[^"]*"\|"target":"[^"]*"\|"scores":{[^}]*}' | paste -d ' ' - - - -
tail -n 1 "$tmp/arith.jsonl" | strip

# The items feed the rest of oed: how consistent were the samples?
grep bench.item "$tmp/gsm.jsonl" | oed-entropy -y extracted
