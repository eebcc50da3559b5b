#!/bin/sh
# oed-monitor's speed on a jsonl source (issue 13): ITEMS items (default
# 1,000,000), 10% of them new, against a store holding STORE_IDS scored
# ids (default 10,000,000), deterministic scorers (refusal, length),
# sample all.
#   sh bench/monitor.sh BUILD_DIR [ITEMS] [STORE_IDS]
#
# The data (in $TMPDIR/oed-bench-monitor, kept between runs):
#   - items.jsonl: ITEMS lines {"id", "input", "output", "latency_ms"};
#     ids are UUID-shaped (36 characters) and come in scrambled order, so
#     that lookups land all over the store's index, as real trace ids do;
#   - store.base: the first 90% of those ids already scored, and more ids
#     up to STORE_IDS in all, as if scored long ago.  Built by one
#     oed-monitor run over an empty file (the store and the monitor's
#     source), direct inserts of scored claims into monitor_claims in one
#     transaction (the table of an older store), then another run over
#     the empty file, which folds them into sorted segments of hashes, as
#     after an upgrade, and a VACUUM (the claims' pages are free): setup,
#     not measured.  No file offset is stored.
# What is measured, each from a copy of store.base, wall and CPU seconds
# (the machine may be shared: CPU time is the steadier figure):
#   - cat, and oed-drift over the file: -f latency_ms (a number, the
#     least it can read) and -f output (the text the scorers read), each
#     against a 1,000-line reference, one read; and -f latency_ms against
#     the file itself, two reads;
#   - incremental: the file held the first 90% when the last run ended
#     (offset and inode stored), the last 10% was appended since: the run
#     reads only the appended lines, all new, and scores them;
#   - full read: no offset (a new file in that place), so all ITEMS lines
#     are read and deduplicated, 90% found scored, 10% scored now;
#   - all seen: the same file read again from the start after that, every
#     item already scored: reading plus dedup;
#   - dedup alone: bench/monitor_dedup.c hands the file's ids to
#     oed_mon_dedup() in batches as the source does; only that is timed;
#   - the store's bytes per scored id: store.base's size over its ids,
#     the pages of monitor_key_chunks and its index (dbstat) over them, and
#     the growth of a new store when oed-monitor scores ITEMS/10 new items
#     a second time (the first run's claims left free pages that the
#     second reuses, as in use), after a WAL checkpoint.
# Needs sqlite3 (the command), cc and pkg-config, /usr/bin/time.
set -eu
build=$(cd "${1:?build folder}" && pwd)
n=${2:-1000000}
ids=${3:-10000000}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out=${TMPDIR:-/tmp}/oed-bench-monitor
old=$((n * 9 / 10))
fresh=$((n - old))
[ "$ids" -ge "$old" ] || { echo "STORE_IDS must be at least 90% of ITEMS" >&2; exit 2; }
mkdir -p "$out"
cd "$out"
export OED_STORE="$out/store.db"
idsql="printf('%08x-0000-4000-8000-%012x', (j * 2654435761) % 4294967296, j)"

cat > m.yaml <<EOF
monitor: bench
source: {type: jsonl, path: items.jsonl}
id: id
scorers: [refusal, {length: {unit: words}}]
batch: 4096
EOF
if [ ! -s "items-$n.jsonl" ]; then
	sqlite3 :memory: "WITH RECURSIVE c(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM c WHERE j < $n - 1)
		SELECT json_object('id', $idsql, 'input', 'question ' || j,
			'output', CASE WHEN j % 50 = 0 THEN 'I am sorry, I cannot help with that.'
				ELSE 'Here is the answer number ' || j END,
			'latency_ms', 100 + j % 900) FROM c" > "items-$n.jsonl.tmp"
	mv "items-$n.jsonl.tmp" "items-$n.jsonl"
fi
head -n "$old" "items-$n.jsonl" > part-old.jsonl
tail -n "$fresh" "items-$n.jsonl" > part-new.jsonl
head -n 1000 "items-$n.jsonl" > ref.jsonl
base=store-$n-$ids.v13.base	# v13: scored ids in segments with filters (lib/monitor/keys.c)
if [ ! -s "$base" ]; then
	rm -f store.db store.db-wal store.db-shm
	: > items.jsonl
	"$build/oed-monitor" -q m.yaml > /dev/null
	sqlite3 store.db "BEGIN;
		WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < $ids - 1)
		INSERT INTO monitor_claims (source_id, item, run_id, scored, lease)
		SELECT (SELECT id FROM monitor_sources WHERE monitor = 'bench'), $idsql, 1, 1, 0
		FROM (SELECT CASE WHEN i < $old THEN i ELSE i - $old + $n END AS j FROM c) ORDER BY 2;
		COMMIT;" > /dev/null
	"$build/oed-monitor" -q m.yaml > /dev/null
	left=$(sqlite3 store.db "SELECT count(*) FROM monitor_claims")
	[ "$left" = 0 ] || { echo "$left claims not moved" >&2; exit 1; }
	sqlite3 store.db "DELETE FROM monitor_offsets; PRAGMA wal_checkpoint(TRUNCATE); VACUUM;" > /dev/null
	mv store.db "$base"
fi
cc -O2 -iquote "$top/lib" -iquote "$top/lib/monitor" -I"$build" "$here/monitor_dedup.c" \
	"$build/lib/.libs/libcore.a" $(pkg-config --libs jansson sqlite3 libcurl yaml-0.1 libpcre2-8 \
	libxxhash zlib libzstd libcrypto) -lcsv -lm -o monitor_dedup
fresh_store() {
	rm -f store.db store.db-wal store.db-shm
	cp "$base" store.db
}
: > times
measure() {	# NAME ITEMS_READ COMMAND...
	name=$1 read=$2
	shift 2
	/usr/bin/time -f "%e %U %S %M" -o time.out "$@" > "$name.out" 2> "$name.err" ||
		[ $? = 4 ] || { cat "$name.err"; exit 1; }
	echo "$name $read $(cat time.out)" >> times
}
cp "items-$n.jsonl" items.jsonl
cat items.jsonl ref.jsonl "$base" > /dev/null	# warm the page cache for everyone
measure cat "$n" cat items.jsonl
measure drift "$n" "$build/oed-drift" -q -R ref.jsonl -f latency_ms items.jsonl
measure drift-text "$n" "$build/oed-drift" -q -R ref.jsonl -f output items.jsonl
measure drift-2-reads "$((2 * n))" "$build/oed-drift" -q -R items.jsonl -f latency_ms items.jsonl

# incremental: the first 90% were read by the last run, 10% appended since
fresh_store
cp part-old.jsonl items.jsonl
sqlite3 store.db "INSERT INTO monitor_offsets (source_id, path, inode, offset)
	SELECT id, 'items.jsonl', $(stat -c %i items.jsonl), $(stat -c %s items.jsonl)
	FROM monitor_sources WHERE monitor = 'bench'"
cat part-new.jsonl >> items.jsonl
measure incremental "$fresh" "$build/oed-monitor" -q m.yaml

# full read: no offset, 90% seen, 10% new and scored; then all seen
fresh_store
cp "items-$n.jsonl" items.jsonl
measure full-read "$n" "$build/oed-monitor" -q m.yaml
sqlite3 store.db "DELETE FROM monitor_offsets"
measure all-seen "$n" "$build/oed-monitor" -q m.yaml
sid=$(sqlite3 "$base" "SELECT id FROM monitor_sources WHERE monitor = 'bench'")
./monitor_dedup "$base" "$sid" items.jsonl > dedup.out

# bytes per id: the base store, and a new store that oed-monitor fills
base_bytes=$(stat -c %s "$base")
table_bytes=$(sqlite3 "$base" "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'monitor_key_chunks%'")
rm -f grow.db grow.db-wal grow.db-shm
cp part-new.jsonl items.jsonl
OED_STORE=$out/grow.db "$build/oed-monitor" -q m.yaml > /dev/null
sqlite3 grow.db "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
grow0=$(stat -c %s grow.db)
head -n "$fresh" part-old.jsonl > items.jsonl
OED_STORE=$out/grow.db "$build/oed-monitor" -q m.yaml > grow.out
sqlite3 grow.db "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
grow1=$(stat -c %s grow.db)

echo "oed-monitor, jsonl source: $n items ($(du -m "items-$n.jsonl" | cut -f1) MB), $fresh new;" \
	"store: $ids scored ids; $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
for k in incremental full-read all-seen; do
	echo "  $k: $(tail -n 1 "$k.out")"
done
awk -v n="$n" '
{ name[NR] = $1; read[NR] = $2; wall[NR] = $3; cpu[NR] = $4 + $5; rss[NR] = $6; i[$1] = NR }
END {
	printf "\n  %-14s %10s %8s %8s %10s %11s\n", "run", "lines read", "wall s", "cpu s", "peak RSS", "cpu us/line"
	for (k = 1; k <= NR; k++)
		printf "  %-14s %10d %8.2f %8.2f %7.1f MB %11.2f\n", name[k], read[k], wall[k], cpu[k],
			rss[k] / 1024, cpu[k] / read[k] * 1e6
	d = i["drift"]; t = i["drift-text"]; f = i["full-read"]; s = i["all-seen"]; c = i["incremental"]
	if (wall[d] <= 0 || cpu[d] <= 0) { print "  (too small to compare with oed-drift)"; exit }
	printf "\n  against oed-drift -f latency_ms | -f output (one read):\n"
	printf "  full read:   %.1fx | %.1fx wall, %.1fx | %.1fx cpu\n", wall[f] / wall[d], wall[f] / wall[t],
		cpu[f] / cpu[d], cpu[f] / cpu[t]
	printf "  incremental: %.1fx | %.1fx wall, %.1fx | %.1fx cpu\n", wall[c] / wall[d], wall[c] / wall[t],
		cpu[c] / cpu[d], cpu[c] / cpu[t]
	printf "  all seen:    %.1fx | %.1fx wall, %.1fx | %.1fx cpu\n", wall[s] / wall[d], wall[s] / wall[t],
		cpu[s] / cpu[d], cpu[s] / cpu[t]
	printf "  all seen minus oed-drift, per line: %.2f us wall, %.2f us cpu (dedup, roughly)\n",
		(wall[s] - wall[d]) / n * 1e6, (cpu[s] - cpu[d]) / n * 1e6
}' times
echo "  dedup alone (monitor_dedup): $(cat dedup.out)"
awk -v b="$base_bytes" -v t="$table_bytes" -v ids="$ids" -v g0="$grow0" -v g1="$grow1" -v k="$fresh" 'BEGIN {
	printf "  store bytes per scored id: %.1f (base file, %d ids), %.1f (its monitor_key_chunks),",
		b / ids, ids, t / ids
	printf " %.1f (growth when oed-monitor scores %d more)\n", (g1 - g0) / k, k }'
