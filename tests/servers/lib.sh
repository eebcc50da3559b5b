# lib.sh: what the network tests share, sourced after setting top_srcdir
# and test_name (the temporary folder is ${TMPDIR:-/tmp}/oed-NAME.XXXXXX,
# kept when KEEP is set).  Sets up PATH, the counters and $t, finds
# python3 (skipping with 77 when it is missing), and gives serve/stop to
# run one of the fake servers here on 127.0.0.1 at an ephemeral port, and
# ok/bad/expect to count checks.
: "${top_builddir:=$top_srcdir}"
PATH=$top_builddir:$PATH
export PATH
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
pass=0 fail=0
t=$(mktemp -d "${TMPDIR:-/tmp}/oed-$test_name.XXXXXX") || exit 1
spid=
stop() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	spid=
}
trap 'stop; [ -n "${KEEP:-}" ] || rm -rf "$t"' EXIT INT TERM
# the system's python3 (the fake servers need only its standard library)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || { echo "SKIP: python3 not found"; exit 77; }

# serve WHAT SCRIPT [ARGS]: a fresh tests/servers/SCRIPT (stopping the one
# before); ROOT is its URL.  Skips (77) naming WHAT when it does not start.
serve() {
	_what=$1 _script=$2
	shift 2
	stop
	rm -f "$t/port"
	"$PY" "$top_srcdir/tests/servers/$_script" --port-file "$t/port" "$@" &
	spid=$!
	i=0
	while [ ! -s "$t/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ -s "$t/port" ] || { echo "SKIP: the fake $_what did not start"; exit 77; }
	ROOT=http://127.0.0.1:$(cat "$t/port")
}

ok() { pass=$((pass + 1)); echo "PASS: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
# expect NAME WANT GOT
expect() {
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1"; echo "  want: $2"; echo "  got:  $3"; fi
}
