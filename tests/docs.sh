#!/bin/sh
# Every example command in README's "Using the tools" section and in the
# EXAMPLES section of each man page runs as pasted from the top of the
# source tree, and its output is compared with tests/docs/PAGE/N/:
#   cmd      the example as extracted (a changed example needs new output)
#   stdout   its expected standard output (absent for "volatile" examples)
#   status   its expected exit status
# The examples of one page run in order in one scratch copy of the tree's
# examples/ and data/, with a fresh run store, as if pasted one after the
# other into one shell: an example may use a file an earlier one wrote, or
# the folder it changed to.  Standard error must be empty unless the list
# below says why not.  With OED_DOCS_UPDATE=1 the expectations are
# rewritten; review the diff.  Prints "N passed, N failed" last.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${OED_VOCAB_DIR:=$top_srcdir/data}"
export OED_VOCAB_DIR
PATH=$top_builddir:$PATH
export PATH
docs=$top_srcdir/tests/docs
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); echo "PASS: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
t=$(mktemp -d "${TMPDIR:-/tmp}/oed-docs.XXXXXX") || exit 1
trap 'rm -rf "$t"' EXIT INT TERM

command -v bash >/dev/null 2>&1 || { echo "SKIP: bash not installed"; exit 77; }

# Examples that are not run, or not compared byte for byte.  One per line:
# PAGE (or *), a fixed string of the example's text, what to do, why;
# every line that matches applies.
#   skip       not run (the reason says why)
#   volatile   output depends on time: status compared, and the example
#              must write something to stdout or to the file it names
#   status=N   exits N by design (a gate tripping)
#   stderr     writes to standard error by design
rules() {
	cat <<'EOF'
*	--compare --max-drop	skip	needs the items of two oed-bench runs
oed-report.1	last:oed-bench	skip	needs an oed-bench run in the store
oed-report.1	/var/lib/node_exporter	skip	writes where node_exporter reads
oed-report.1	--verify && oed-report --evidence	skip	needs a week of runs in the store
oed-report.1	oed-drift -R ref.jsonl cur.jsonl	skip	files of the reader's own
*	--time ts	stderr	warns about the empty windows it skips
*	oed-ingest --list	volatile	each version says when it was saved
oed-bench.1	--fail-under exact_match=0.7	status=4	the gate trips: 0.67 < 0.7
oed-bench.1	--fail-under exact_match=0.7	stderr	says why the gate tripped
oed-drift.1	--time ts -w 1d --fail-on-drift	status=4	the gate trips: a day drifted
*	--record	stderr	says which run it recorded
oed-drift.1	--name nightly-ref	stderr	says which run it recorded
*	oed-ingest	stderr	prints its counts on standard error
oed-bench.1	--base-url	skip	needs a model API
oed-bench.1	openai:	skip	needs a model API
README	-m openai:	skip	needs a model API
oed-bench.1	answer.py	skip	a program of the reader's own
oed-drift.1	- name: drift gate	skip	a GitHub Actions step, not a shell command
oed-monitor.1	support.yaml	skip	a monitor file of the reader's own (examples/monitor runs in make check)
EOF
	command -v parallel >/dev/null 2>&1 ||
		printf '*\tparallel \tskip\tGNU parallel not installed\n'
	command -v jq >/dev/null 2>&1 ||
		printf '*\tjq \tskip\tjq not installed\n'
}

# rule EXAMPLE-FILE PAGE: the actions and reasons that apply, one a line
rule() {
	rules | while IFS='	' read -r page what action why; do
		[ "$page" = "$2" ] || [ "$page" = "*" ] || continue
		if grep -qF -- "$what" "$1"; then
			printf '%s\t%s\n' "$action" "$why"
		fi
	done
}

# Split a page's examples into $2/1, $2/2, ...: README's indented commands
# (continued by a trailing backslash, pipe or &&), a man page's literal
# displays (one example each, "$ " prompts kept, output lines dropped) and
# .Dl lines.
extract() {
	mkdir -p "$2"
	case $1 in
	*README)
		awk -v dir="$2" '
		/^Using the tools/ { on = 1; next }
		/^Exit status/ { on = 0 }
		!on || !/^    / { next }
		{
			line = substr($0, 5)
			if (cmd == "" && line ~ /^#/) next
			cmd = cmd line "\n"
			if (line ~ /(\\|\||&&)$/) next
			n++; printf "%s", cmd > (dir "/" n); close(dir "/" n); cmd = ""
		}' "$1" ;;
	*)
		awk -v dir="$2" '
		function unesc(s) {
			gsub(/\\e/, "\\", s); gsub(/\\\(dq/, "\"", s)
			gsub(/\\-/, "-", s); gsub(/\\&/, "", s)
			return s
		}
		/^\.Sh EXAMPLES/ { on = 1; next }
		/^\.Sh / { on = 0 }
		!on { next }
		/^\.Dl / { n++; f = dir "/" n; print unesc(substr($0, 5)) > f; close(f); next }
		/^\.Bd -literal/ { lit = 1; n++; f = dir "/" n; cont = 0; next }
		/^\.Ed/ { if (lit) close(f); lit = 0; next }
		lit {
			line = unesc($0)
			if (line ~ /^\$ /) { line = substr(line, 3); cont = 1 }
			else if (!cont && prompts[n]) next
			if (substr($0, 1, 2) == "$ ") prompts[n] = 1
			print line > f
			cont = line ~ /(\\|\||&&)$/
		}' "$1"
		;;
	esac
}

update=${OED_DOCS_UPDATE:-}
has() { case " $action " in *" $1 "*) return 0 ;; esac; return 1; }
pages="$top_srcdir/README"
for m in "$top_srcdir"/man/*.[17]; do pages="$pages $m"; done

for src in $pages; do
	page=${src##*/}
	ex=$t/extract/$page
	extract "$src" "$ex"
	[ -n "$(ls "$ex")" ] || continue
	box=$t/run/$page
	mkdir -p "$box/home" "$box/bin"
	cp -R "$top_srcdir/examples" "$top_srcdir/data" "$box/"
	echo "$box" >"$box/home/cwd"
	: >"$box/home/opts"
	# "alert" stands for the reader's own notifier
	printf '#!/bin/sh\necho "alert: $(wc -l) lines"\n' >"$box/bin/alert"
	chmod +x "$box/bin/alert"
	n=0
	while :; do
		n=$((n + 1))
		[ -f "$ex/$n" ] || break
		want=$docs/$page/$n
		r=$(rule "$ex/$n" "$page")
		action=$(printf '%s\n' "$r" | cut -f 1 | tr '\n' ' ')
		want_st=$(printf '%s\n' "$r" | sed -n 's/^status=\([0-9]*\)\t.*/\1/p')
		why=$(printf '%s\n' "$r" | sed -n 's/^skip\t//p' | head -n 1)
		name="$page example $n: $(head -n 1 "$ex/$n")"
		case " $action " in *" skip "*) action=skip ;; esac
		if [ "$action" = skip ]; then
			skip=$((skip + 1))
			echo "SKIP: $name ($why)"
			continue
		fi
		# as if pasted into one interactive shell: the working folder
		# and the shell options (set -o pipefail) carry over
		OED_STORE=$box/home/store.db HOME=$box/home XDG_DATA_HOME=$box/home/xdg \
			NO_COLOR=1 GITHUB_STEP_SUMMARY=$box/home/summary.md \
			PATH=$box/bin:$PATH bash -c '
			. "$1/opts"; cd "$(cat "$1/cwd")" || exit
			. "$2"; st=$?
			pwd >"$1/cwd"; set +o >"$1/opts"; exit $st' \
			sh "$box/home" "$ex/$n" </dev/null >"$t/raw" 2>"$t/err"
		st=$?
		# a run's wall-clock time is the one figure that changes
		sed 's/"wall_s":[0-9.e+-]*/"wall_s":0/g' "$t/raw" >"$t/out"
		if [ "$update" = 1 ]; then
			mkdir -p "$want"
			cp "$ex/$n" "$want/cmd"
			echo $st >"$want/status"
			if has volatile; then rm -f "$want/stdout"
			else cp "$t/out" "$want/stdout"; fi
			echo "UPDATED: $name (status $st)"
			[ -s "$t/err" ] && ! has stderr && sed 's/^/  stderr: /' "$t/err" | head -n 10
			continue
		fi
		why=
		if [ ! -f "$want/cmd" ]; then why="no expectations in tests/docs/$page/$n"
		elif ! cmp -s "$want/cmd" "$ex/$n"; then why="the example changed since tests/docs/$page/$n/cmd"
		elif [ "$st" != "$(cat "$want/status")" ]; then why="status $st, want $(cat "$want/status")"
		fi
		[ -n "$why" ] || [ "$st" = "${want_st:-0}" ] || why="status $st, want ${want_st:-0}"
		if [ -z "$why" ] && [ -f "$want/stdout" ] && ! cmp -s "$want/stdout" "$t/out"; then
			why="output differs"
		fi
		# what the example writes: its stdout, or the file after > or -o
		out=$(sed 's/set [-+]o [a-z]*//' "$ex/$n" |
			sed -n 's/.* \(>>\|>\|-o\) *\([^ |;&]*\).*/\2/p' | tail -n 1)
		case $out in
		/dev/*|*'$'*) ;;
		'') [ -n "$why" ] || ! has volatile || [ -s "$t/out" ] || why="nothing written to stdout" ;;
		*) [ -n "$why" ] || (cd "$(cat "$box/home/cwd")" && [ -s "$out" ]) ||
			why="nothing written to $out" ;;
		esac
		if [ -z "$why" ] && [ -s "$t/err" ] && ! has stderr; then
			why="wrote to stderr"
		fi
		if [ -z "$why" ]; then
			ok "$name"
		else
			bad "$name: $why"
			sed 's/^/    /' "$ex/$n"
			[ -f "$want/stdout" ] && diff -u "$want/stdout" "$t/out" | head -n 20 | sed 's/^/  /'
			sed 's/^/  stderr: /' "$t/err" | head -n 10
		fi
	done
done

echo "$pass passed, $fail failed"
[ $fail = 0 ]
