#!/bin/sh
# The scorer benchmark (issue 12): oed-bench --score over a JSON Lines stream
# (exact_match, contains, regex, f1, length), every record written back
# with its scores, side by side with the jansson floor (parsing the same
# records and nothing more) and a Python loop doing the same scoring.
#   [VOCAB=N] sh bench/score.sh BUILD_DIR [RECORDS] [ROUNDS]
# The reference text is the corpus's `input` field.  Needs GNU time,
# cc, pkg-config and /usr/bin/python3.  Outputs go to /dev/null.
# Each contender's median wall time and median CPU time (user + system)
# are reported; on a machine shared with other work the wall times carry
# the waits for a core, so the ratios are given for both.
set -euf
build=$(cd "${1:?build folder}" && pwd)
records=${2:-1000000}
rounds=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
out=${TMPDIR:-/tmp}/oed-bench-score
mkdir -p "$out"
# VOCAB=50000: words drawn from a Zipf vocabulary of that size (natural
# text) rather than the corpus's few hundred distinct words
vocab=${VOCAB:-}
corpus=$out/corpus-$records${vocab:+-v$vocab}.jsonl
[ -s "$corpus" ] || /usr/bin/python3 "$here/gen_corpus.py" "$records" 1 $vocab > "$corpus"
cc -O2 "$here/jansson_floor.c" $(pkg-config --cflags --libs jansson libxxhash) -o "$out/jansson_floor"
specs="exact_match contains:the regex:\\b(?:answer|result)\\b f1 length:max=200,unit=words"
scoreargs=
for s in $specs; do scoreargs="$scoreargs --score $s"; done
echo "corpus: $records records, $(du -m "$corpus" | cut -f1) MB, $rounds rounds, $(nproc) CPUs"
printf 'scorers: %s (target: input)\n' "$specs"
cat "$corpus" > /dev/null
: > "$out/times"
measure() {
	name=$1; shift
	if /usr/bin/time -f "$name %e %M %U %S" -o "$out/$name.time" "$@" > /dev/null 2> "$out/$name.err"; then
		tail -n 1 "$out/$name.time" >> "$out/times"
	else
		echo "$name failed: $(tail -n 3 "$out/$name.err")"
	fi
}
for r in $(seq "$rounds"); do
	measure cat cat "$corpus"
	# shellcheck disable=SC2086
	measure oed-score "$build/oed-bench" -q --target input $scoreargs "$corpus"
	measure jansson-floor "$out/jansson_floor" "$corpus"
	measure python3-loop /usr/bin/python3 "$here/score_python.py" input "$corpus"
done
# The two agree on the scores of the first records.
head -n 1000 "$corpus" > "$out/head.jsonl"
# shellcheck disable=SC2086
"$build/oed-bench" -q --target input $scoreargs "$out/head.jsonl" |
	/usr/bin/python3 -c '
import json, subprocess, sys
mine = [json.loads(l)["scores"] for l in sys.stdin]
py = subprocess.run(["/usr/bin/python3", sys.argv[1], "input", sys.argv[2]], capture_output=True, text=True).stdout.splitlines()[:len(mine)]
bad = 0
for m, p in zip(mine, (json.loads(l)["scores"] for l in py)):
    bad += any(m[k] != p[k] for k in ("exact_match", "contains", "regex", "length"))
    bad += abs(m["f1"] - p["f1"]) > 1e-12
print("scores agree with the Python loop on the first %d records: %s" % (len(mine), "yes" if bad == 0 else "NO (%d differ)" % bad))
' "$here/score_python.py" "$out/head.jsonl"
awk '
function median(a, t, m,    i, j, x) {
	for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[t, j] < a[t, i]) { x = a[t, i]; a[t, i] = a[t, j]; a[t, j] = x }
	return m % 2 ? a[t, (m + 1) / 2] : (a[t, m / 2] + a[t, m / 2 + 1]) / 2
}
{ if (!($1 in n)) name[++k] = $1; n[$1]++; w[$1, n[$1]] = $2; c[$1, n[$1]] = $4 + $5; if ($3 > rss[$1]) rss[$1] = $3 }
END {
	printf "%-16s %10s %10s %12s\n", "contender", "wall s", "CPU s", "peak RSS MB"
	for (i = 1; i <= k; i++) {
		t = name[i]
		mw[t] = median(w, t, n[t]); mc[t] = median(c, t, n[t])
		printf "%-16s %10.2f %10.2f %12.1f\n", t, mw[t], mc[t], rss[t] / 1024
	}
	if (mw["oed-score"] > 0 && mc["oed-score"] > 0) {
		printf "\noed scoring is %.1fx (wall) / %.1fx (CPU) faster than the jansson floor (target 2x)\n", mw["jansson-floor"] / mw["oed-score"], mc["jansson-floor"] / mc["oed-score"]
		printf "oed scoring is %.1fx (wall) / %.1fx (CPU) faster than the Python loop (target 20x)\n", mw["python3-loop"] / mw["oed-score"], mc["python3-loop"] / mc["oed-score"]
	}
}' "$out/times"
