#!/bin/sh
# The code tasks humaneval and mbpp: files in their official formats
# (tests/bench-code/), recorded outputs replayed, every program run by the
# code_exec scorer in its sandbox.  One output passes, one fails its
# tests, one loops forever (a failure at the timeout, with the reason);
# pass@k over three samples is checked against the unbiased estimator
# computed here by python3.  Skips (77) where bubblewrap cannot make a
# sandbox or python3 is missing.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
PATH=$top_builddir:$PATH
export PATH
d=$top_srcdir/tests/bench-code
pass=0 fail=0
t=$(mktemp -d "${TMPDIR:-/tmp}/oed-bench-code.XXXXXX") || exit 1
trap 'rm -rf "$t"' EXIT INT TERM
OED_STORE=$t/store.db
export OED_STORE
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || { echo "SKIP: python3 not found"; exit 77; }
ok() { pass=$((pass + 1)); echo "PASS: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
expect() {
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1"; echo "  want: $2"; echo "  got:  $3"; fi
}
# verdicts FILE: per item "input_id sample score reason"
verdicts() {
	"$PY" -c 'import json,sys
for l in open(sys.argv[1]):
    r=json.loads(l)
    if r["kind"]=="bench.item":
        print(r["input_id"], r["sample"], r["scores"]["code_exec"], r.get("reasons",{}).get("code_exec","-"))' "$1"
}

oed-bench -q mbpp --data "$d/mbpp.jsonl" -m replay:"$d/mbpp-out.jsonl" >"$t/mbpp" 2>"$t/err"
st=$?
if grep -q "cannot build a sandbox" "$t/err"; then
	echo "SKIP: $(cat "$t/err")"
	exit 77
fi
expect "mbpp: exit 0" 0 "$st"
expect "mbpp: pass, failed asserts, the loop killed" "11 0 1 -
12 0 0 exit 1: AssertionError
13 0 0 killed at the 3s wall timeout" "$(verdicts "$t/mbpp")"
expect "mbpp: the prompt of lm-eval" \
	"$("$PY" -c 'import json,sys
m=[json.loads(l) for l in open(sys.argv[1])][2]
print("You are an expert Python programmer, and here is your task: " + m["text"] +
      " Your code should pass these tests:\n\n" + "\n".join(m["test_list"]) + "\n[BEGIN]\n")' "$d/mbpp.jsonl")" \
	"$("$PY" -c 'import json,sys
print([json.loads(l) for l in open(sys.argv[1])][2]["input"])' "$t/mbpp")"
expect "mbpp: the program ends at [DONE], test_setup_code before the asserts" \
	"$("$PY" -c 'import json,sys
m=[json.loads(l) for l in open(sys.argv[1])]
print(json.dumps(m[0]["extracted"]), json.dumps(m[1]["extracted"]), json.dumps(m[1]["target"]))' "$t/mbpp")" \
	"$("$PY" -c 'import json,sys
o=[json.loads(l) for l in open(sys.argv[1])]
m=[json.loads(l) for l in open(sys.argv[2])]
print(json.dumps(o[0]["output"].split("[DONE]")[0]), json.dumps("def sort_matrix(M):\n    return sorted(M)\n"),
      json.dumps(m[1]["test_setup_code"] + "\n" + "\n".join(m[1]["test_list"]) + "\n"))' "$d/mbpp-out.jsonl" "$d/mbpp.jsonl")"

oed-bench -q -k 3 humaneval --data "$d/humaneval.jsonl" -m replay:"$d/humaneval-out.jsonl" \
	>"$t/he" 2>"$t/err"
expect "humaneval: exit 0" "0" "$?"
expect "humaneval: stderr empty" "" "$(cat "$t/err")"
expect "humaneval: restated, wrong, loop; body after the prompt, two wrong" "HumanEval/0 0 1 -
HumanEval/0 1 0 exit 1: AssertionError
HumanEval/0 2 0 killed at the 3s wall timeout
HumanEval/1 0 1 -
HumanEval/1 1 0 exit 1: AssertionError
HumanEval/1 2 0 exit 1: AssertionError" "$(verdicts "$t/he")"
# the program: the prompt before a completion that does not restate the
# function, the code block alone when it does; tests then check(entry_point)
expect "humaneval: programs and tests as the harness builds them" \
	"$("$PY" -c 'import json,sys
p=[json.loads(l) for l in open(sys.argv[1])]
print(json.dumps(["from typing import List\n\n\ndef add_all(xs: List[int]) -> int:\n    return sum(xs)\n",
  p[1]["prompt"] + "    return n % 2 == 0\n", p[0]["test"] + "\n\ncheck(" + p[0]["entry_point"] + ")\n"]))' "$d/humaneval.jsonl")" \
	"$("$PY" -c 'import json,sys
r=[json.loads(l) for l in open(sys.argv[1])]
print(json.dumps([r[0]["extracted"], r[3]["extracted"], r[0]["target"]]))' "$t/he")"
# pass@k: 1 - C(n-c, k) / C(n, k) per problem (Chen et al. 2021), averaged
expect "humaneval: pass@1 and pass@3" \
	"$("$PY" -c 'from math import comb
def p(n,c,k): return 1.0 if n-c<k else 1-comb(n-c,k)/comb(n,k)
print("%.12f %.12f" % ((p(3,1,1)+p(3,1,1))/2, (p(3,1,3)+p(3,1,3))/2))')" \
	"$("$PY" -c 'import json,sys
s=[json.loads(l) for l in open(sys.argv[1])][-1]["metrics"]["code_exec"]["pass_at"]
print("%.12f %.12f" % (s["1"], s["3"]))' "$t/he")"

# a record without its tests is bad data, named
printf '{"task_id": "HumanEval/9", "prompt": "def f():\\n"}\n' >"$t/bad.jsonl"
oed-bench -q humaneval --data "$t/bad.jsonl" -m replay:"$d/humaneval-out.jsonl" >/dev/null 2>"$t/err"
expect "humaneval: a record without test" "3" "$?"
expect "humaneval: the message" "oed-bench: $t/bad.jsonl:1: a HumanEval record needs prompt, test and entry_point" "$(cat "$t/err")"

echo "$pass passed, $fail failed"
[ $fail = 0 ]
