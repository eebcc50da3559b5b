#!/bin/sh
# Peak memory of oed-entropy per distinct input (with -g) and per distinct
# (input, output) pair (without), from GNU time on generated records.
#   sh bench/memory.sh BUILD_DIR [N]
# Two sizes, N and N/2, so the fixed cost drops out of the per-item figure:
# bytes per item = (RSS(N) - RSS(N/2)) / (N/2).  Inputs have short ids and
# outputs; a record is about 40 bytes.
set -eu
build=${1:?build folder}
n=${2:-1000000}
half=$((n / 2))
out=${TMPDIR:-/tmp}/oed-bench-memory
mkdir -p "$out"
gen() {	# gen COUNT SAMPLES: COUNT inputs with SAMPLES distinct outputs each
	awk -v c="$1" -v s="$2" 'BEGIN { for (i = 0; i < c; i++) for (j = 0; j < s; j++)
		printf "{\"input_id\":\"q%d\",\"input\":\"question %d\",\"output\":\"a%d-%d\"}\n", i, i, i, j }'
}
rss() {	# rss ARGS...: peak RSS in KB of oed-entropy ARGS
	/usr/bin/time -f %M -o "$out/rss" "$build/oed-entropy" -q "$@" > /dev/null
	cat "$out/rss"
}
gen "$n" 1 > "$out/inputs-$n.jsonl"
gen "$half" 1 > "$out/inputs-$half.jsonl"
a=$(rss -g "$out/inputs-$n.jsonl"); b=$(rss -g "$out/inputs-$half.jsonl")
c=$(rss "$out/inputs-$n.jsonl"); d=$(rss "$out/inputs-$half.jsonl")
echo "-g, $n inputs of one sample: $a KB peak; $(( (a - b) * 1024 / half )) B per input" \
	"($(( (a - b - c + d) * 1024 / half )) B beyond the counts without -g)"
gen "$((n / 5))" 5 > "$out/pairs-$n.jsonl"
gen "$((half / 5))" 5 > "$out/pairs-$half.jsonl"
a=$(rss "$out/pairs-$n.jsonl"); b=$(rss "$out/pairs-$half.jsonl")
echo "no -g, $n distinct (input, output) pairs: $a KB peak; $(( (a - b) * 1024 / half )) B per pair"
rm -f "$out"/inputs-*.jsonl "$out"/pairs-*.jsonl
