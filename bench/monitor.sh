#!/bin/sh
# oed-monitor's speed on a jsonl source (issue 13):
#   N items (default 1,000,000), 90% scored by an earlier run, 10% appended;
#   sample all, deterministic scorers (refusal, length).
# Prints:
#   - the incremental run (reads only the appended 10%, dedups, scores);
#   - oed-drift over the same whole file (its reading speed, for scale);
#   - a full re-read of all N items, every one already scored (the file
#     copied to a new inode, so the offset does not apply): the cost of
#     parsing plus the dedup lookup, per item;
#   - the store's bytes per scored id (after a checkpoint).
# Usage: bench/monitor.sh BUILD_DIR [N]
set -e
B=$(cd "${1:?usage: bench/monitor.sh BUILD_DIR [N]}" && pwd)
N=${2:-1000000}
d=${TMPDIR:-/tmp}/oed-bench-monitor
rm -rf "$d"; mkdir -p "$d"
export OED_STORE=$d/store.db
old=$((N * 9 / 10))
awk -v n="$old" 'BEGIN { for (i = 0; i < n; i++)
	printf "{\"id\":\"t%09d\",\"input\":\"question %d\",\"output\":\"%s answer number %d\",\"latency_ms\":%d}\n",
		i, i, (i % 50 == 0 ? "I am sorry, I cannot help with that." : "Here is the"), i, 100 + i % 900 }' >"$d/items.jsonl"
cat >"$d/m.yaml" <<EOF
monitor: bench
source: {type: jsonl, path: items.jsonl}
id: id
scorers: [refusal, {length: {unit: words}}]
batch: 4096
alerts:
  - {name: refusals, scorer: refusal, stat: mean, op: ">", value: 0.05, min_n: 100}
EOF
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
now() { date +%s.%N; }
t0=$(now); "$B/oed-monitor" -q "$d/m.yaml" >/dev/null || true; t1=$(now)
echo "first run, $old items scored: $(secs "$t0" "$t1") s"
awk -v s="$old" -v n="$N" 'BEGIN { for (i = s; i < n; i++)
	printf "{\"id\":\"t%09d\",\"input\":\"question %d\",\"output\":\"%s answer number %d\",\"latency_ms\":%d}\n",
		i, i, (i % 50 == 0 ? "I am sorry, I cannot help with that." : "Here is the"), i, 100 + i % 900 }' >>"$d/items.jsonl"
t0=$(now); "$B/oed-monitor" -q "$d/m.yaml" >"$d/run2.jsonl" || true; t1=$(now)
inc=$(secs "$t0" "$t1")
echo "incremental run, $((N - old)) new of $N: $inc s  ($(tail -1 "$d/run2.jsonl"))"
t0=$(now); "$B/oed-drift" -q -R "$d/items.jsonl" -f latency_ms "$d/items.jsonl" >/dev/null || true; t1=$(now)
echo "oed-drift over the whole file (as reference and as current): $(secs "$t0" "$t1") s"
cp "$d/items.jsonl" "$d/items.new" && mv "$d/items.new" "$d/items.jsonl"
t0=$(now); "$B/oed-monitor" -q "$d/m.yaml" >"$d/run3.jsonl" || true; t1=$(now)
full=$(secs "$t0" "$t1")
echo "full re-read, $N items all seen: $full s = $(awk -v t="$full" -v n="$N" 'BEGIN { printf "%.2f", t / n * 1e6 }') us per item (parse + dedup)"
sqlite3 "$OED_STORE" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
bytes=$(stat -c %s "$OED_STORE")
ids=$(sqlite3 "$OED_STORE" 'SELECT count(*) FROM scored_items')
echo "store: $bytes bytes, $ids scored ids: $(awk -v b="$bytes" -v n="$ids" 'BEGIN { printf "%.1f", b / n }') bytes per id (whole file)"
