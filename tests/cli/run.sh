#!/bin/sh
# End-to-end cases: tests/cli/TOOL/NNN-slug/ holds
#   cmd      shell commands, run with the case folder as working directory
#   stdin    fed to cmd (optional; else /dev/null)
#   stdout   expected standard output (optional: then not compared)
#   stderr   expected standard error (optional: then it must be empty)
#   status   expected exit status (optional: then 0)
# $TMPDIR_CASE is a fresh folder for files a case writes; OED_STORE points
# into it.  With OED_GOLDEN_UPDATE=1 the expectations are rewritten.
# Prints one line per case and "N passed, N failed" last.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
# the tokenizer's vocabularies, wherever the tools were built
: "${OED_VOCAB_DIR:=$top_srcdir/data}"
export OED_VOCAB_DIR
cases=$top_srcdir/tests/cli
pass=0 fail=0 failed=
work=$(mktemp -d "${TMPDIR:-/tmp}/oed-cli.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM

for dir in "$cases"/*/*/; do
	dir=${dir%/}
	[ -f "$dir/cmd" ] || continue
	name=${dir#"$cases"/}
	# OED_CLI_ONLY=PREFIX runs only the cases whose name starts with it
	if [ -n "${OED_CLI_ONLY:-}" ]; then
		case $name in "$OED_CLI_ONLY"*) ;; *) continue ;; esac
	fi
	t=$work/$(echo "$name" | tr / _)
	mkdir -p "$t/tmp"
	in=/dev/null
	[ -f "$dir/stdin" ] && in=$dir/stdin
	(cd "$dir" && TMPDIR_CASE=$t/tmp OED_STORE=$t/tmp/store.db NO_COLOR=1 HOME=$t/tmp \
		XDG_DATA_HOME=$t/tmp/xdg sh ./cmd <"$in" >"$t/out" 2>"$t/err")
	echo $? >"$t/status"
	[ -f "$dir/status" ] && want_status=$(cat "$dir/status") || want_status=0
	if [ "${OED_GOLDEN_UPDATE:-}" = 1 ]; then
		cp "$t/out" "$dir/stdout"
		if [ -s "$t/err" ]; then cp "$t/err" "$dir/stderr"; else rm -f "$dir/stderr"; fi
		if [ "$(cat "$t/status")" != 0 ]; then cp "$t/status" "$dir/status"; else rm -f "$dir/status"; fi
		echo "UPDATED: $name"
		continue
	fi
	ok=1
	if [ -f "$dir/stdout" ]; then cmp -s "$dir/stdout" "$t/out" || ok=0; fi
	if [ -f "$dir/stderr" ]; then cmp -s "$dir/stderr" "$t/err" || ok=0
	else [ -s "$t/err" ] && ok=0; fi
	[ "$(cat "$t/status")" = "$want_status" ] || ok=0
	if [ $ok = 1 ]; then
		pass=$((pass + 1))
		echo "PASS: $name"
	else
		fail=$((fail + 1))
		failed="$failed $name"
		echo "FAIL: $name"
		echo "  command:"; sed 's/^/    /' "$dir/cmd"
		echo "  status: got $(cat "$t/status"), want $want_status"
		if [ -f "$dir/stdout" ]; then diff -u "$dir/stdout" "$t/out" | head -40 | sed 's/^/  /'; fi
		if [ -f "$dir/stderr" ]; then diff -u "$dir/stderr" "$t/err" | head -20 | sed 's/^/  /'
		else sed 's/^/  stderr: /' "$t/err" | head -20; fi
	fi
done
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
