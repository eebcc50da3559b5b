#!/bin/sh
# A run killed with SIGKILL stays "running" in the store, and is shown as
# "abandoned" once its process is gone: oed-drift --record reading a fifo
# is killed mid-run, then --runs, oed-report --list and a report of the
# run are read.  Also: a live pid that is not the run's process (a reused
# pid: another start time) is abandoned, a run of another host is not.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
test_name=report-abandoned
. "$top_srcdir/tests/servers/lib.sh"
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 not found"; exit 77; }
export OED_STORE="$t/store.db"
ref=$top_srcdir/examples/drift/reference.jsonl
# status RUN: the run's status as --runs shows it
status() { oed-drift --runs | "$PY" -c 'import json,sys
for l in sys.stdin:
    r=json.loads(l)
    if r["id"]==int(sys.argv[1]): print(r["status"])' "$1"; }
rstatus() { oed-report --list | "$PY" -c 'import json,sys
for l in sys.stdin:
    r=json.loads(l)
    if r["run"]==int(sys.argv[1]): print(r["status"])' "$1"; }

# a finished run first, so the store exists and "latest" has an answer
oed-drift -q -r -R "$ref" -f model "$top_srcdir/examples/drift/current.jsonl" >/dev/null

mkfifo "$t/fifo"
oed-drift -q -r -R "$ref" -f model "$t/fifo" >"$t/out" 2>"$t/err" &
dpid=$!
exec 3>"$t/fifo"	# the writer keeps the fifo open: the run waits for records
head -n 3 "$top_srcdir/examples/drift/current.jsonl" >&3
i=0
while [ "$(sqlite3 "$OED_STORE" "SELECT count(*) FROM runs WHERE status = 'running'" 2>/dev/null)" != 1 ] &&
	[ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
run=$(sqlite3 "$OED_STORE" "SELECT id FROM runs WHERE status = 'running'")
expect "the run is entered before reading" "2" "$run"
expect "a live run is running (--runs)" "running" "$(status 2)"
expect "a live run is running (oed-report --list)" "running" "$(rstatus 2)"
expect "its pid is recorded" "$dpid" "$(sqlite3 "$OED_STORE" "SELECT pid FROM runs WHERE id = 2")"
expect "its host is recorded" "$(hostname)" "$(sqlite3 "$OED_STORE" "SELECT host FROM runs WHERE id = 2")"

# the same pid, another process start: a reused pid
if [ -r /proc/$dpid/stat ]; then
	start=$(sqlite3 "$OED_STORE" "SELECT proc_start FROM runs WHERE id = 2")
	sqlite3 "$OED_STORE" "UPDATE runs SET proc_start = 'another-boot/1' WHERE id = 2"
	expect "a reused pid is not the run's process" "abandoned" "$(status 2)"
	sqlite3 "$OED_STORE" "UPDATE runs SET proc_start = '$start' WHERE id = 2"
	expect "the run's own process start" "running" "$(status 2)"
fi

kill -9 $dpid
wait $dpid 2>/dev/null
expect "killed by SIGKILL" "137" "$?"
exec 3>&-
expect "the store keeps running" "running" \
	"$(sqlite3 "$OED_STORE" "SELECT status FROM runs WHERE id = 2")"
expect "a killed run is abandoned (--runs)" "abandoned" "$(status 2)"
expect "a killed run is abandoned (oed-report --list)" "abandoned" "$(rstatus 2)"
oed-report -f json 2 >"$t/rep" 2>"$t/rep.err"
expect "a report of it says abandoned" "abandoned" \
	"$("$PY" -c 'import json,sys; print([r for r in map(json.loads, open(sys.argv[1])) if r["kind"] == "run"][0]["status"])' "$t/rep")"
# latest skips it: its baseline is the finished run
oed-drift -q --baseline latest -f model "$top_srcdir/examples/drift/current.jsonl" >/dev/null 2>"$t/err2"
expect "latest is the finished run" "0 " "$? $(cat "$t/err2")"

# another host's run cannot be asked: it shows as stored
sqlite3 "$OED_STORE" "UPDATE runs SET host = 'elsewhere.invalid' WHERE id = 2"
expect "another host's run stays running" "running" "$(status 2)"

echo "$pass passed, $fail failed"
[ $fail = 0 ]
