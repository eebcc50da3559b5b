#!/bin/sh
# oed-report against a large store and a large bench run (run by hand, not
# by make check).  Builds, in a temporary folder:
#   - a store of RUNS runs (default 1000) holding METRICS metric rows each
#     (default 10000: 10,000,000 rows), shaped as oed-entropy --record
#     writes them (n, distinct, h and mode_share per input group, so
#     METRICS / 4 groups a run), written by the sqlite3 shell with direct
#     INSERTs in one transaction (synchronous off), then sealed into the
#     audit chain by the first recording run that opens the store;
#   - ITEMS bench.item records (default 100,000) with their summary.
# and times: a report of one run, of --since 30d (whose runs share the
# 1,000,000 rows a report keeps one by one, so each is summarised per
# metric name), --verify, and the HTML of the bench run (its size too),
# with the peak memory of each report where GNU time is installed.
# Needs sqlite3 and python3; oed-* on PATH.  AUDIT=0 leaves out the
# sealing and --verify (each hashes every metric row: a minute at 10M).
#
#   PATH=$PWD:$PATH [AUDIT=0] sh bench/report.sh [RUNS [METRICS [ITEMS]]]
set -e
runs=${1:-1000} metrics=${2:-10000} items=${3:-100000}
here=$(cd "$(dirname "$0")/.." && pwd)
t=$(mktemp -d "${TMPDIR:-/tmp}/oed-report-bench.XXXXXX")
trap 'rm -rf "$t"' EXIT INT TERM
export OED_STORE="$t/store.db"

secs() { python3 -c 'import sys,time; print("%.2f" % (time.time() - float(sys.argv[1])))' "$1"; }
now() { python3 -c 'import time; print(time.time())'; }

oed-drift -q -r -R "$here/examples/drift/reference.jsonl" -f model "$here/examples/drift/current.jsonl" > /dev/null
s=$(now)
groups=$((metrics / 4))
sqlite3 "$OED_STORE" "
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE r(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM r WHERE i < $runs + 1)
INSERT INTO runs (id, tool, argv, params, version, started, finished, status)
SELECT i, 'oed-entropy', '[\"oed-entropy\"]', '{\"estimator\":\"plugin\"}', '0.1.0',
       strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-' || ($runs + 1 - i) || ' minutes'),
       strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'ok' FROM r;
WITH RECURSIVE g(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM g WHERE j < $groups - 1),
  m(k, name) AS (VALUES (0, 'n'), (1, 'distinct'), (2, 'h'), (3, 'mode_share'))
INSERT INTO metrics (run_id, name, grp, value)
SELECT runs.id, m.name, 'x' || g.j,
       CASE m.k WHEN 0 THEN 5 WHEN 1 THEN 1 + g.j % 5 WHEN 2 THEN (g.j % 5) * 0.4 ELSE 1.0 / (1 + g.j % 5) END
FROM runs CROSS JOIN g CROSS JOIN m WHERE runs.id > 1;
COMMIT;" > /dev/null
echo "store: $runs runs x $((groups * 4)) metrics written in $(secs "$s") s, $(du -h "$OED_STORE" | cut -f1)"
if [ "${AUDIT:-1}" = 1 ]; then
	s=$(now)
	oed-drift -q -r -R "$here/examples/drift/reference.jsonl" -f model "$here/examples/drift/current.jsonl" > /dev/null
	echo "sealing them into the audit chain (first writable open): $(secs "$s") s"
fi
mid=$((runs / 2 + 1))	# run 1 is the drift run
# peak KiB of the last command timed, where GNU time is installed
# (and its CPU seconds: on a busy machine the wall time says little)
rss() { if [ -s "$t/rss" ]; then set -- $(tail -n 1 "$t/rss"); echo ", cpu $2 s, peak $(($1 / 1024)) MiB"; fi; }
timed() { if [ -x /usr/bin/time ]; then /usr/bin/time -f "%M %U+%S" -o "$t/rss" "$@"; else "$@"; fi; }
s=$(now); timed oed-report "$mid" > "$t/one.md"; echo "one run ($metrics metrics), md: $(secs "$s") s, $(wc -c < "$t/one.md") bytes$(rss)"
s=$(now); timed oed-report -f json "$mid" > "$t/one.json"; echo "one run, json: $(secs "$s") s, $(wc -l < "$t/one.json") records$(rss)"
s=$(now); timed oed-report --since 30d > "$t/month.md" 2> "$t/month.err"; echo "--since 30d, md: $(secs "$s") s$(rss) ($(head -c 160 "$t/month.err"))"
s=$(now); timed oed-report --since 30d -f json > "$t/month.json" 2> /dev/null; echo "--since 30d, json: $(secs "$s") s, $(wc -l < "$t/month.json") records$(rss)"
s=$(now); timed oed-report --since 30d -f prom > "$t/month.prom" 2> /dev/null; echo "--since 30d, prom: $(secs "$s") s$(rss)"
if [ "${AUDIT:-1}" = 1 ]; then
	s=$(now); oed-report --verify > /dev/null; echo "--verify over $((runs * metrics)) metric rows: $(secs "$s") s"
fi

python3 - "$items" > "$t/items.jsonl" <<'PY'
import json, random, sys
r = random.Random(1)
n = int(sys.argv[1])
for i in range(n):
    ok = r.random() < 0.8
    print(json.dumps({"kind": "bench.item", "run": 7, "model": "m", "input_id": "q%d" % i, "sample": 0,
                      "input": "What is %d + %d?" % (i, i), "output": "The answer is %d." % (2 * i + (0 if ok else 1)),
                      "target": str(2 * i), "scores": {"exact_match": ok, "f1": round(r.random(), 3)},
                      "latency_ms": round(r.gauss(800, 200))}))
print(json.dumps({"kind": "bench.summary", "run": 7, "task": "maths", "model": "m", "n": n, "errors": 0,
                  "metrics": {"exact_match": {"mean": 0.8, "stderr": 0.001, "lo": 0.798, "hi": 0.802, "n": n}}}))
PY
s=$(now); timed oed-report -f html "$t/items.jsonl" > "$t/items.html"
echo "html of a $items-item bench run: $(secs "$s") s, $(wc -c < "$t/items.html") bytes$(rss)"
s=$(now); oed-report -f json --compare "$t/items.jsonl" "$t/items.jsonl" > /dev/null
echo "--compare of two $items-item runs: $(secs "$s") s"
