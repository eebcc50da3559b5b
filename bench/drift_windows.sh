#!/bin/sh
# oed-drift on many small windows: RECORDS records one second apart in
# time order, one window each (-w 1s), each against the first window, one
# numeric field (two with FIELDS=2).  Prints wall time and peak RSS (GNU
# time), then, with the first 1000 records and the rest sent 2 s apart,
# how long the first findings took to come out: under 2 s means windows
# are written as they close, not at the end of the input.
#   sh bench/drift_windows.sh BUILD_DIR [RECORDS] [FIELDS]
# The corpus stays in $TMPDIR/oed-bench-drift-windows.
set -eu
build=${1:?build folder}
records=${2:-1000000}
fields=${3:-1}
out=${TMPDIR:-/tmp}/oed-bench-drift-windows
mkdir -p "$out"
in=$out/windows-$records.jsonl
[ -s "$in" ] || awk -v n="$records" 'BEGIN { for (i = 0; i < n; i++)
	printf "{\"ts\":%d,\"v\":%d,\"w\":%d}\n", i, (i * 7919) % 1000, (i * 104729) % 97 }' > "$in"
f="-f v:numeric:ks"
[ "$fields" = 2 ] && f="$f -f w:numeric:ks"
echo "$records records, $records windows of 1s, $fields field(s)"
# shellcheck disable=SC2086
/usr/bin/time -f "  wall %e s, peak RSS %M KB" "$build/oed-drift" -q --time ts -w 1s $f "$in" |
	wc -l | sed 's/^/  records out: /'
start=$(date +%s.%N)
# shellcheck disable=SC2086
{ head -n 1000 "$in"; sleep 2; tail -n +1001 "$in"; } |
	"$build/oed-drift" -q --time ts -w 1s $f |
	{ read -r _; first=$(date +%s.%N); cat > /dev/null
	  echo "$start $first" | awk '{ printf "  first findings out after %.2f s (the rest of the input came at 2 s)\n", $2 - $1 }'; }
