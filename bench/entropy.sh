#!/bin/sh
# The entropy benchmark: oed-entropy and oed-mi against the jansson floor
# and pandas + scikit-learn on the same corpus, in one run.
#   sh bench/entropy.sh BUILD_DIR [RECORDS]
# Prints wall seconds and peak RSS for each.  Needs /usr/bin/python3 with
# pandas and scikit-learn, and GNU time (/usr/bin/time).
set -eu
build=${1:?build folder}
records=${2:-1000000}
here=$(cd "$(dirname "$0")" && pwd)
out=${TMPDIR:-/tmp}/oed-bench-entropy
mkdir -p "$out"
corpus=$out/corpus-$records.jsonl
[ -s "$corpus" ] || /usr/bin/python3 "$here/gen_corpus.py" "$records" > "$corpus"
cc -O2 "$here/jansson_floor.c" $(pkg-config --cflags --libs jansson libxxhash) -o "$out/jansson_floor"
echo "corpus: $records records, $(du -m "$corpus" | cut -f1) MB"
cat "$corpus" > /dev/null	# warm the page cache for everyone
measure() {
	name=$1; shift
	/usr/bin/time -f "$name	%e s	%M KB" "$@" > "$out/$name.out" 2> "$out/$name.err" || { cat "$out/$name.err"; exit 1; }
	tail -n 1 "$out/$name.err"
}
printf 'tool\twall\tpeak RSS\n'
measure cat cat "$corpus"
measure oed-entropy "$build/oed-entropy" -q "$corpus"
measure oed-mi "$build/oed-mi" -q "$corpus"
measure jansson-floor "$out/jansson_floor" "$corpus"
measure pandas-sklearn /usr/bin/python3 "$here/entropy_pandas.py" "$corpus"
echo
cat "$out/oed-entropy.out" "$out/oed-mi.out" "$out/pandas-sklearn.out"
