#!/bin/sh
# oed-report's machine formats against the tools that read them:
# Prometheus text with promtool (Debian's prometheus), JUnit XML with
# xmllint (libxml2-utils) against tests/cli/report/junit.xsd.  Skips (77)
# when neither tool is installed.
: "${top_srcdir:=$(cd "$(dirname "$0")/../../.." && pwd)}"
here=$top_srcdir/tests/cli/report
data=$here/data
fail=0 ran=0
work=$(mktemp -d "${TMPDIR:-/tmp}/oed-report-validate.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM

if command -v promtool >/dev/null 2>&1; then
	ran=1
	oed-report -f prom "$data"/*.jsonl > "$work/all.prom" || fail=1
	# hostile label values: quotes, backslashes, newlines
	printf '%s\n' '{"kind":"drift","feature":"a\"b\\c\nd","test":"ks","statistic":0.5,"p_value":0.01,"threshold":0.05,"drift":true}' |
		oed-report -f prom > "$work/hostile.prom" || fail=1
	for f in "$work"/*.prom; do
		if promtool check metrics < "$f"; then echo "PASS: promtool $(basename "$f")"
		else echo "FAIL: promtool $(basename "$f")"; fail=1; fi
	done
else
	echo "SKIP: promtool not installed (Debian package prometheus)"
fi
if command -v xmllint >/dev/null 2>&1; then
	ran=1
	oed-report -f junit "$data"/*.jsonl > "$work/all.xml" || fail=1
	printf '%s\n' '{"kind":"bench.item","model":"m\u0001<x>","input_id":"]]>&","scores":{"ok":false}}' |
		oed-report -f junit > "$work/hostile.xml" || fail=1
	printf '%s\n' '{"kind":"entropy","n":1}' | oed-report -f junit > "$work/empty.xml" || fail=1
	for f in "$work"/*.xml; do
		if xmllint --noout --schema "$here/junit.xsd" "$f"; then echo "PASS: xmllint $(basename "$f")"
		else echo "FAIL: xmllint $(basename "$f")"; fail=1; fi
	done
else
	echo "SKIP: xmllint not installed (Debian package libxml2-utils)"
fi
[ $ran = 1 ] || exit 77
exit $fail
