#!/bin/sh
# How the tokenizer's time grows with the length of one piece: n random
# lower-case letters and no space, which every encoding's pattern keeps
# whole, so BPE merges n bytes at once.  Each length is encoded as often
# as makes 1.6M characters in all (tokens_bench.c, vocabulary load not
# counted), and prints the seconds per piece, that divided by n log2 n
# (flat, or slowly falling, when the merge is O(n log n); it would double
# with each doubling of n if the merge were quadratic), and the peak RSS
# of oed-tokens on the piece alone.
#   sh bench/tokens-long.sh BUILD_DIR [ENCODING [LENGTHS...]]
# Default lengths 10k to 1.6M characters, encoding cl100k_base.  Needs GNU
# time (/usr/bin/time) and python3 for the texts.
set -eu
build=${1:?build folder}
enc=${2:-cl100k_base}
shift $(($# < 2 ? $# : 2))
lengths=${*:-10000 25000 50000 100000 200000 400000 800000 1600000}
here=$(cd "$(dirname "$0")" && pwd)
out=${TMPDIR:-/tmp}/oed-bench-tokens-long
mkdir -p "$out"
export OED_VOCAB_DIR=${OED_VOCAB_DIR:-$here/../data}
cc -O2 -iquote "$here/../lib" -I"$build" "$here/tokens_bench.c" "$build/lib/.libs/libcore.a" \
	$(pkg-config --libs jansson libxxhash libpcre2-8) -lm -o "$out/tokens_bench"
printf 'chars\ttokens\tms/piece\tns/(n log2 n)\tpeak RSS MB\n'
for n in $lengths; do
	/usr/bin/python3 -c 'import random, sys
n = int(sys.argv[1])
random.seed(n)
s = "".join(random.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(n))
open(sys.argv[2], "w").write(s)
open(sys.argv[3], "w").write((s + "\n") * max(1, 1600000 // n))' "$n" "$out/one" "$out/lines"
	reps=$(wc -l < "$out/lines")
	secs=$("$out/tokens_bench" "$out/lines" "$enc" | cut -f4)
	/usr/bin/time -f '%M' -o "$out/time" "$build/oed-tokens" -e "$enc" "$out/one" > "$out/record"
	tokens=$(sed 's/.*"tokens":\([0-9]*\).*/\1/' "$out/record")
	awk -v n="$n" -v t="$tokens" -v s="$secs" -v r="$reps" -v kb="$(cat "$out/time")" 'BEGIN {
		printf "%d\t%d\t%.2f\t%.1f\t%.1f\n", n, t, s / r * 1e3,
			s / r * 1e9 / (n * log(n) / log(2)), kb / 1024 }'
done
