#!/bin/sh
# The scorer benchmark (issue 12): oed's scorers over a JSON Lines stream
# (exact_match, contains, regex, f1, length), every record written back
# with its scores, side by side with the jansson floor (parsing the same
# records and nothing more) and a Python loop doing the same scoring.
#   sh bench/score.sh BUILD_DIR [RECORDS] [ROUNDS]
# The reference text is the corpus's `input` field.  Needs GNU time,
# cc, pkg-config and /usr/bin/python3.  Outputs go to /dev/null.
set -eu
build=$(cd "${1:?build folder}" && pwd)
records=${2:-1000000}
rounds=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out=${TMPDIR:-/tmp}/oed-bench-score
mkdir -p "$out"
corpus=$out/corpus-$records.jsonl
[ -s "$corpus" ] || /usr/bin/python3 "$here/gen_corpus.py" "$records" > "$corpus"
libs="jansson sqlite3 libcurl yaml-0.1 libpcre2-8 libxxhash"
cc -O2 "$here/jansson_floor.c" $(pkg-config --cflags --libs jansson libxxhash) -o "$out/jansson_floor"
cc -O2 -I "$top/lib" -I "$build" "$here/score_bench.c" "$build/lib/.libs/libcore.a" \
	$(pkg-config --cflags --libs $libs) -lcsv -lm -o "$out/score_bench"
specs="exact_match contains:the regex:\b(?:answer|result)\b f1 length:max=200,unit=words"
echo "corpus: $records records, $(du -m "$corpus" | cut -f1) MB, $rounds rounds, $(nproc) CPUs"
echo "scorers: $specs (target: input)"
cat "$corpus" > /dev/null
: > "$out/times"
measure() {
	name=$1; shift
	if /usr/bin/time -f "$name %e %M" -o "$out/$name.time" "$@" > /dev/null 2> "$out/$name.err"; then
		tail -n 1 "$out/$name.time" >> "$out/times"
	else
		echo "$name failed: $(tail -n 3 "$out/$name.err")"
	fi
}
for r in $(seq "$rounds"); do
	measure cat cat "$corpus"
	# shellcheck disable=SC2086
	measure oed-score "$out/score_bench" --target input $specs -- "$corpus"
	measure jansson-floor "$out/jansson_floor" "$corpus"
	measure python3-loop /usr/bin/python3 "$here/score_python.py" input "$corpus"
done
# The two agree on the scores of the first records.
# shellcheck disable=SC2086
"$out/score_bench" --target input $specs -- "$corpus" | head -n 1000 |
	/usr/bin/python3 -c '
import json, subprocess, sys
mine = [json.loads(l)["scores"] for l in sys.stdin]
py = subprocess.run(["/usr/bin/python3", sys.argv[1], "input", sys.argv[2]], capture_output=True, text=True).stdout.splitlines()[:len(mine)]
bad = 0
for m, p in zip(mine, (json.loads(l)["scores"] for l in py)):
    bad += any(m[k] != p[k] for k in ("exact_match", "contains", "regex", "length"))
    bad += abs(m["f1"] - p["f1"]) > 1e-12
print("scores agree with the Python loop on the first %d records: %s" % (len(mine), "yes" if bad == 0 else "NO (%d differ)" % bad))
' "$here/score_python.py" "$corpus"
awk '
{ if (!($1 in n)) name[++k] = $1; n[$1]++; w[$1, n[$1]] = $2; if ($3 > rss[$1]) rss[$1] = $3 }
END {
	printf "%-16s %10s %12s\n", "contender", "wall s", "peak RSS MB"
	for (i = 1; i <= k; i++) {
		t = name[i]; m = n[t]
		for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (w[t, b] < w[t, a]) { x = w[t, a]; w[t, a] = w[t, b]; w[t, b] = x }
		med[t] = m % 2 ? w[t, (m + 1) / 2] : (w[t, m / 2] + w[t, m / 2 + 1]) / 2
		printf "%-16s %10.2f %12.1f\n", t, med[t], rss[t] / 1024
	}
	o = med["oed-score"]
	if (o > 0) {
		printf "\noed scoring is %.1fx faster than the jansson floor (target 2x)\n", med["jansson-floor"] / o
		printf "oed scoring is %.1fx faster than the Python loop (target 20x)\n", med["python3-loop"] / o
	}
}' "$out/times"
