#!/bin/sh
# The drift benchmark (issue 5): 1,000,000 current records against 100,000
# reference records, three numeric fields (latency_ms, tokens_in,
# tokens_out) and two categorical ones (model, sample), automatic tests,
# side by side in one interleaved run with
#   - the jansson floor (bench/jansson_floor.c) reading both files: the
#     least a jansson-based tool must spend;
#   - pandas + scipy (drift_pandas.py): the two files loaded with
#     pandas.read_json, ks_2samp and wasserstein_distance on the numeric
#     columns, Jensen-Shannon on the categorical ones;
#   - oed-drift with the automatic tests, and with KS on the numeric
#     fields (the same test scipy runs, to compare the figures).
#   sh bench/drift.sh BUILD_DIR [RECORDS] [ROUNDS]
# Prints the median wall time and largest peak RSS (GNU time) of each, the
# ratios the issue sets as targets, and each contender's results.  Needs
# /usr/bin/python3 with pandas and scipy, /usr/bin/time, cc and pkg-config
# with jansson and libxxhash.  The corpus stays in $TMPDIR/oed-bench-drift.
set -eu
build=${1:?build folder}
records=${2:-1000000}
rounds=${3:-3}
refrecords=$((records / 10))
here=$(cd "$(dirname "$0")" && pwd)
out=${TMPDIR:-/tmp}/oed-bench-drift
mkdir -p "$out"
cur=$out/current-$records.jsonl
ref=$out/reference-$refrecords.jsonl
# the entropy benchmark's corpus is the same bytes: reuse it when it is there
shared=${TMPDIR:-/tmp}/oed-bench-entropy/corpus-$records.jsonl
if [ ! -s "$cur" ]; then
	if [ -s "$shared" ]; then ln -sf "$shared" "$cur"
	else /usr/bin/python3 "$here/gen_corpus.py" "$records" 1 > "$cur"; fi
fi
[ -s "$ref" ] || /usr/bin/python3 "$here/gen_corpus.py" "$refrecords" 2 > "$ref"
cc -O2 "$here/jansson_floor.c" $(pkg-config --cflags --libs jansson libxxhash) -o "$out/jansson_floor"
echo "current: $records records, $(du -mL "$cur" | cut -f1) MB; reference: $refrecords records," \
	"$(du -m "$ref" | cut -f1) MB; $rounds rounds, $(nproc) CPUs"
cat "$ref" "$cur" > /dev/null	# warm the page cache for everyone
fields="-f latency_ms -f tokens_in -f tokens_out -f model -f sample:categorical"
: > "$out/times"
measure() {
	name=$1; shift
	/usr/bin/time -f "$name %e %M" -o "$out/$name.time" "$@" > "$out/$name.out" 2> "$out/$name.err" ||
		{ cat "$out/$name.err"; exit 1; }
	cat "$out/$name.time" >> "$out/times"
}
for r in $(seq "$rounds"); do
	measure cat sh -c 'cat "$1" "$2" > /dev/null' sh "$ref" "$cur"
	# shellcheck disable=SC2086
	measure oed-drift "$build/oed-drift" -q -R "$ref" $fields "$cur"
	# shellcheck disable=SC2086
	measure oed-drift-ks "$build/oed-drift" -q -t ks -R "$ref" $fields "$cur"
	measure jansson-floor sh -c '"$1" "$2" && "$1" "$3"' sh "$out/jansson_floor" "$ref" "$cur"
	[ "$r" = 1 ] && measure pandas-scipy /usr/bin/python3 "$here/drift_pandas.py" "$ref" "$cur"
done
# the numeric values oed-drift keeps: three fields of every record
values=$(( (records + refrecords) * 3 ))
awk -v values="$values" '
{ if (!($1 in n)) name[++k] = $1; n[$1]++; w[$1, n[$1]] = $2; if ($3 > rss[$1]) rss[$1] = $3 }
END {
	printf "%-16s %10s %12s\n", "contender", "wall s", "peak RSS MB"
	for (i = 1; i <= k; i++) {
		t = name[i]; m = n[t]
		for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (w[t, b] < w[t, a]) { x = w[t, a]; w[t, a] = w[t, b]; w[t, b] = x }
		med[t] = m % 2 ? w[t, (m + 1) / 2] : (w[t, m / 2] + w[t, m / 2 + 1]) / 2
		printf "%-16s %10.2f %12.1f\n", t, med[t], rss[t] / 1024
	}
	o = med["oed-drift"]
	if (o > 0) {
		printf "\noed-drift is %.1fx faster than the jansson floor (target 3x)\n", med["jansson-floor"] / o
		if (med["pandas-scipy"] > 0)
			printf "oed-drift is %.1fx faster than pandas + scipy\n", med["pandas-scipy"] / o
		printf "oed-drift peak RSS is %.1f bytes per numeric value kept (%d values; target < 64)\n",
			rss["oed-drift"] * 1024 / values, values
	}
}' "$out/times"
echo
echo "results:"
for t in oed-drift oed-drift-ks pandas-scipy jansson-floor; do
	echo "--- $t"
	cat "$out/$t.out"
done
