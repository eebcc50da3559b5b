#!/bin/sh
# The entropy benchmark: oed-entropy against the jansson floor and pandas +
# scikit-learn on the same corpus, side by side in one interleaved run.
#   sh bench/entropy.sh BUILD_DIR [RECORDS] [ROUNDS]
# Each round runs every contender once, in turn, so that a busy machine
# slows them alike; pandas runs in the first round only (it needs many
# GiB of memory and minutes: about 22 GiB for a million records), and not
# at all with PANDAS=no.  A contender that fails (the OOM killer) is
# reported with the time and memory it had reached.  Prints the median wall time and the largest
# peak RSS of each, and the ratios the issue sets as targets.  Needs
# /usr/bin/python3 with pandas and scikit-learn, GNU time (/usr/bin/time),
# cc and pkg-config with jansson and libxxhash.  See bench/README.
set -eu
build=${1:?build folder}
records=${2:-1000000}
rounds=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
out=${TMPDIR:-/tmp}/oed-bench-entropy
mkdir -p "$out"
corpus=$out/corpus-$records.jsonl
[ -s "$corpus" ] || /usr/bin/python3 "$here/gen_corpus.py" "$records" > "$corpus"
cc -O2 "$here/jansson_floor.c" $(pkg-config --cflags --libs jansson libxxhash) -o "$out/jansson_floor"
echo "corpus: $records records, $(du -m "$corpus" | cut -f1) MB, $rounds rounds, $(nproc) CPUs"
cat "$corpus" > /dev/null	# warm the page cache for everyone
: > "$out/times"
measure() {
	name=$1; shift
	if /usr/bin/time -f "$name %e %M" -o "$out/$name.time" "$@" > "$out/$name.out" 2> "$out/$name.err"; then
		tail -n 1 "$out/$name.time" >> "$out/times"
	else
		echo "$name failed: $(head -n 1 "$out/$name.time") $(tail -n 3 "$out/$name.err")"
		tail -n 1 "$out/$name.time" | sed 's/$/ failed/' >> "$out/times"
	fi
}
for r in $(seq "$rounds"); do
	measure cat cat "$corpus"
	measure oed-entropy "$build/oed-entropy" -q "$corpus"
	measure jansson-floor "$out/jansson_floor" "$corpus"
	if [ "$r" = 1 ] && [ "${PANDAS:-yes}" != no ]; then
		measure pandas-sklearn /usr/bin/python3 "$here/entropy_pandas.py" "$corpus"
	fi
done
# median wall and largest RSS per contender, then the ratios
awk '
{ if (!($1 in n)) name[++k] = $1; n[$1]++; w[$1, n[$1]] = $2; if ($3 > rss[$1]) rss[$1] = $3; if ($4 == "failed") failed[$1] = 1 }
END {
	printf "%-16s %10s %12s\n", "contender", "wall s", "peak RSS MB"
	for (i = 1; i <= k; i++) {
		t = name[i]; m = n[t]
		for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (w[t, b] < w[t, a]) { x = w[t, a]; w[t, a] = w[t, b]; w[t, b] = x }
		med[t] = m % 2 ? w[t, (m + 1) / 2] : (w[t, m / 2] + w[t, m / 2 + 1]) / 2
		printf "%-16s %10.2f %12.1f%s\n", t, med[t], rss[t] / 1024, failed[t] ? "  (killed: at least this)" : ""
	}
	o = med["oed-entropy"]
	if (o > 0) {
		printf "\noed-entropy is %.1fx faster than the jansson floor (target 4x)\n", med["jansson-floor"] / o
		if (med["pandas-sklearn"] > 0)
			printf "oed-entropy is %.1fx faster than pandas + scikit-learn (target 25x)\n", med["pandas-sklearn"] / o
		if (rss["pandas-sklearn"] > 0)
			printf "oed-entropy peak memory is 1/%.0f of pandas + scikit-learn (target 1/10)\n", rss["pandas-sklearn"] / rss["oed-entropy"]
	}
}' "$out/times"
echo
echo "results (the same figures from each):"
cat "$out/oed-entropy.out" "$out/jansson-floor.out"
[ "${PANDAS:-yes}" = no ] || cat "$out/pandas-sklearn.out"
