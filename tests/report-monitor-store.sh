#!/bin/sh
# Stored oed-monitor runs through the tools that read oed-report's machine
# formats: three runs on a growing file (the alert ok, firing, resolved;
# an SLO burning), then Prometheus text over them with promtool and JUnit
# with xmllint against tests/cli/report/junit.xsd.  The golden outputs
# are tests/cli/report/050-monitor-store-runs.  Skips (77) when neither
# validator is installed.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
fail=0 ran=0
work=$(mktemp -d "${TMPDIR:-/tmp}/oed-report-monitor.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM
export OED_STORE="$work/store.db"
sed "s|@DIR@|$work|" "$top_srcdir/tests/cli/report/050-monitor-store-runs/m.yaml" > "$work/m.yaml"
add() { printf '{"id":"%s","q":"q%s","a":"%s"}\n' "$1" "$1" "$2" >> "$work/items.jsonl"; }
add 1 "Open Settings, then Security."
add 2 "Yes, in three days."
oed-monitor -q "$work/m.yaml" > /dev/null
add 3 "I cannot help with that."
add 4 "I cannot help with that."
oed-monitor -q "$work/m.yaml" > /dev/null
add 5 "It arrives tomorrow."
add 6 "Nine to five."
oed-monitor -q "$work/m.yaml" > /dev/null
n=$(oed-report -f json --tool oed-monitor | grep -c '"kind":"monitor\.alert"')
if [ "$n" = 6 ]; then echo "PASS: two alerts in each of three runs from the store"
else echo "FAIL: $n monitor.alert records from the store, want 6"; fail=1; fi

# an alert already firing in a store from before these metrics: the next
# run, still firing, says no transition (its state changed before it began)
if command -v sqlite3 >/dev/null 2>&1; then
	sqlite3 "$OED_STORE" "DELETE FROM metrics WHERE name LIKE 'monitor.alert.%';
		UPDATE monitor_alerts SET state = 'firing', streak = 5, changed = '2020-01-01T00:00:00Z'
		WHERE name = 'refusals'"
	add 7 "I cannot help with that."
	add 8 "I cannot help with that."
	oed-monitor -q "$work/m.yaml" > "$work/printed"
	t=$(oed-report -f json last | grep '"alert":"refusals"' | sed 's/.*"transition":\([^,]*\).*/\1/')
	if [ "$t" = null ] && grep -q '"alert":"refusals".*"state":"firing".*"transition":null' "$work/printed"; then
		echo "PASS: no transition for an alert firing since an older store"
	else
		echo "FAIL: transition $t for an alert firing since an older store"; fail=1
	fi
else
	echo "SKIP: sqlite3 not installed: the older store is not tried"
fi

if command -v promtool >/dev/null 2>&1; then
	ran=1
	for sel in "--tool oed-monitor" "last:oed-monitor" "2"; do
		# shellcheck disable=SC2086
		oed-report -f prom $sel > "$work/m.prom" || fail=1
		if promtool check metrics < "$work/m.prom"; then echo "PASS: promtool ($sel)"
		else echo "FAIL: promtool ($sel)"; fail=1; fi
	done
else
	echo "SKIP: promtool not installed (Debian package prometheus)"
fi
if command -v xmllint >/dev/null 2>&1; then
	ran=1
	oed-report -f junit --tool oed-monitor > "$work/m.xml" || fail=1
	if xmllint --noout --schema "$top_srcdir/tests/cli/report/junit.xsd" "$work/m.xml"; then
		echo "PASS: xmllint"
	else
		echo "FAIL: xmllint"; fail=1
	fi
else
	echo "SKIP: xmllint not installed (Debian package libxml2-utils)"
fi
[ $ran = 1 ] || exit 77
exit $fail
