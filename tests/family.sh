#!/bin/sh
# Checks every tool must pass, whatever it does (STYLE.md, CLI.md):
# --help on stdout with empty stderr, --version, usage errors with exit 2
# and the "Try" line, every long option in the man page and in the
# completions' source of words, mandoc -Tlint clean, a write error
# (/dev/full) reported with exit 1, and the README's package list equal
# to the one CI installs.  Prints "N passed, N failed" last.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "PASS: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
t=$(mktemp -d "${TMPDIR:-/tmp}/oed-family.XXXXXX") || exit 1
trap 'rm -rf "$t"' EXIT INT TERM

tools=
for f in "$top_builddir"/oed-*; do
	case $f in *.c|*.o|*.log|*.trs) continue ;; esac
	[ -x "$f" ] && tools="$tools ${f##*/}"
done
[ -n "$tools" ] || { echo "no tools built in $top_builddir"; echo "0 passed, 1 failed"; exit 1; }

lint=no
command -v mandoc >/dev/null 2>&1 && lint=yes

for tool in $tools; do
	exe=$top_builddir/$tool
	man=$top_srcdir/man/$tool.1

	"$exe" --help >"$t/out" 2>"$t/err"; st=$?
	if [ $st = 0 ] && [ ! -s "$t/err" ] && head -n 1 "$t/out" | grep -q "^Usage: $tool "; then
		ok "$tool --help"
	else
		bad "$tool --help (status $st)"; cat "$t/err"
	fi

	if "$exe" --version 2>/dev/null | grep -q "^$tool (oed) "; then ok "$tool --version"
	else bad "$tool --version"; fi

	"$exe" --no-such-option >"$t/out" 2>"$t/err"; st=$?
	if [ $st = 2 ] && [ ! -s "$t/out" ] && [ "$(tail -n 1 "$t/err")" = "Try '$tool --help'." ] &&
	   grep -q "^$tool: unknown option '--no-such-option'" "$t/err"; then
		ok "$tool usage error"
	else
		bad "$tool usage error (status $st)"; cat "$t/err"
	fi

	"$exe" --help >/dev/full 2>"$t/err"; st=$?
	if [ $st = 1 ] && grep -q "^$tool: write error: No space left on device" "$t/err"; then
		ok "$tool write error"
	else
		bad "$tool write error (status $st)"; cat "$t/err"
	fi

	if [ ! -f "$man" ]; then
		bad "$tool has no man page $man"
		continue
	fi
	missing=
	for word in $("$exe" --list-options); do
		case $word in
		--list-options) continue ;;
		--*=?*) continue ;;	# a value of an option, for completions
		--*) name=${word#--}; name=${name%=}
		     grep -q "Fl Fl $name\\b" "$man" || missing="$missing $word" ;;
		-?) grep -q "Fl ${word#-}\\b\\|Fl [a-zA-Z]*${word#-}" "$man" || missing="$missing $word" ;;
		esac
	done
	if [ -z "$missing" ]; then ok "$tool options all in $tool.1"
	else bad "$tool options missing from $tool.1:$missing"; fi

	if grep -q "$tool" "$top_srcdir/completions/oed.bash" &&
	   grep -q "$tool" "$top_srcdir/completions/_oed" &&
	   grep -q "$tool" "$top_srcdir/completions/oed.fish"; then
		ok "$tool in completions"
	else
		bad "$tool missing from completions"
	fi

	if "$top_builddir/oed" --help | grep -q "^  ${tool#oed-} "; then ok "$tool in oed --help"
	else bad "$tool missing from oed --help"; fi
done

# The completions offer the values --list-options gives ("--NAME=VALUE"):
# each option's whole list after "TOOL --NAME ", in bash always, in zsh
# and fish when they are installed; and after a short alias ("oed tokens
# -e ").
comp_check() {	# shell, then a script that prints the candidates of "$@"
	sh=$1 script=$2
	shift 2
	for tool in $tools; do
		missing=
		for opt in $("$top_builddir/$tool" --list-options | sed -n 's/^\(--[^=]*\)=..*/\1/p' | uniq); do
			got=$(PATH="$top_builddir:$PATH" "$sh" -c "$script" comp "$top_srcdir" "$tool" "$opt" 2>/dev/null |
				tr ' ' '\n')
			for v in $("$top_builddir/$tool" --list-options | sed -n "s/^$opt=//p"); do
				printf '%s\n' "$got" | grep -qxF -- "$v" || missing="$missing $opt=$v"
			done
		done
		if [ -z "$missing" ]; then ok "$tool: $sh completes option values"
		else bad "$tool: $sh does not complete$missing"; fi
	done
}
comp_check bash '. "$1/completions/oed.bash"; COMP_WORDS=("$2" "$3" ""); COMP_CWORD=2
	_oed_tool; echo "${COMPREPLY[*]}"'
got=$(PATH="$top_builddir:$PATH" bash -c '. "$1/completions/oed.bash"; COMP_WORDS=(oed tokens -e "")
	COMP_CWORD=3; _oed; echo "${COMPREPLY[*]}"' comp "$top_srcdir" 2>/dev/null)
case " $got " in
*" cl100k_base "*) ok "bash completes the values of a short option" ;;
*) bad "bash does not complete 'oed tokens -e ': $got" ;;
esac
if command -v zsh >/dev/null 2>&1; then
	# the completion function with compadd, compset and _files stubbed
	comp_check zsh 'compadd() { while [[ $1 == -* && $1 != -- ]]; do [[ $1 == -S ]] && shift; shift; done
		[[ $1 == -- ]] && shift; print -l -- "$@"; }
		compset() { PREFIX=${PREFIX#*=}; }; _files() { print FILES; }
		service=$2 words=("$2" "$3" "") CURRENT=3 PREFIX=
		. "$1/completions/_oed"'
else
	echo "SKIP: zsh not installed, its completions not run"
fi
if command -v fish >/dev/null 2>&1; then
	comp_check fish 'source $argv[2]/completions/oed.fish; complete -C "$argv[3] $argv[4] "'  # argv[1] is "comp"
else
	echo "SKIP: fish not installed, its completions not run"
fi

if [ $lint = yes ]; then
	for man in "$top_srcdir"/man/*.[17]; do
		if out=$(mandoc -Tlint -W warning "$man" 2>&1) && [ -z "$out" ]; then
			ok "mandoc -Tlint ${man##*/}"
		else
			bad "mandoc -Tlint ${man##*/}"; echo "$out"
		fi
	done
else
	echo "SKIP: mandoc not installed, man pages not linted"
fi

# Every page renders at 80 columns without a troff warning (a table too
# wide, a literal that cannot break).
man_width() {
	for man in "$top_srcdir"/man/*.[17]; do
		if out=$(MANWIDTH=80 MAN_KEEP_FORMATTING= man -l "$man" 2>&1 >/dev/null) && [ -z "$out" ]; then
			ok "man -l ${man##*/} at 80 columns"
		else
			bad "man -l ${man##*/} at 80 columns"; echo "$out"
		fi
	done
}
if command -v man >/dev/null 2>&1 && command -v groff >/dev/null 2>&1; then
	man_width
else
	echo "SKIP: man or groff not installed, pages not rendered at 80 columns"
fi

# The README's install command and CI install the same packages.
readme_pkgs=$(grep -o 'apt-get install -y [^&]*' "$top_srcdir/README" | head -n 1 |
	sed 's/apt-get install -y //' | tr ' ' '\n' | grep . | sort | tr '\n' ' ')
ci_pkgs=$(tr ' ' '\n' <"$top_srcdir/.ci/packages" | grep . | sort | tr '\n' ' ')
if [ -n "$readme_pkgs" ] && [ "$readme_pkgs" = "$ci_pkgs" ]; then
	ok "README packages match .ci/packages"
else
	bad "README packages ($readme_pkgs) differ from .ci/packages ($ci_pkgs)"
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
