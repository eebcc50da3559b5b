#!/bin/sh
# oed-report --compare A B --judge 'pairwise:...': the pairwise judge (the
# fake model server, tests/servers/fake_llm.py, [[verdict:V]] scripts it)
# is asked for each aligned item whether B's output beats A's, in both
# orders; the report.compare row counts wins, ties and losses, and its
# sign test and Wilson interval match scipy's binomtest (the values
# committed in tests/ref/report_ref.h).  Skips (77) when python3 is
# missing or the server cannot start.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
test_name=report-pairwise
. "$top_srcdir/tests/servers/lib.sh"
serve server fake_llm.py
OPENAI_BASE_URL=$ROOT/v1
OPENAI_API_KEY=sk-pairwise-test
OED_STORE=$t/store.db
export OPENAI_BASE_URL OPENAI_API_KEY OED_STORE

# item I A_OUTPUT B_OUTPUT: one bench.item in a.jsonl and one in b.jsonl.
# The judge answers with the first verdict its prompt shows: as answer A
# first the output the scorer is given (B's), then the other (A's).
: >"$t/a.jsonl"
: >"$t/b.jsonl"
item() {
	"$PY" -c 'import json,sys
i, a, b = sys.argv[1:4]
for out, f in ((a, sys.argv[4]), (b, sys.argv[5])):
    with open(f, "a") as fp:
        fp.write(json.dumps({"kind": "bench.item", "input_id": "q" + i, "sample": 0, "input": "Question " + i,
                             "output": out, "scores": {"exact_match": True}}) + "\n")' "$1" "$2" "$3" "$t/a.jsonl" "$t/b.jsonl"
}
i=0
# 14 items where B wins in both orders
while [ $i -lt 14 ]; do i=$((i + 1)); item $i "a$i [[verdict:B]]" "b$i [[verdict:A]]"; done
# 3 where B loses
while [ $i -lt 17 ]; do i=$((i + 1)); item $i "a$i [[verdict:A]]" "b$i [[verdict:B]]"; done
# a tie, and two where the judge always says "A": a position bias, a tie once both orders are asked
i=$((i + 1)); item $i "a$i [[verdict:tie]]" "b$i [[verdict:tie]]"
i=$((i + 1)); item $i "a$i [[verdict:A]]" "b$i [[verdict:A]]"
i=$((i + 1)); item $i "a$i [[verdict:A]]" "b$i [[verdict:A]]"
# a judge answer with no verdict line: counted, never a score
i=$((i + 1)); item $i "a$i [[verdict:B]]" "b$i [[answer:I like both.]]"
# an item A alone has
printf '%s\n' '{"kind":"bench.item","input_id":"only-a","sample":0,"output":"x","scores":{"exact_match":true}}' >>"$t/a.jsonl"

oed-report -f json --compare "$t/a.jsonl" "$t/b.jsonl" --judge 'pairwise:model=openai:judge-1' >"$t/out" 2>"$t/err"
expect "exit 0" "0 " "$? $(cat "$t/err")"
row() {
	"$PY" -c 'import json,sys
r = [r for r in map(json.loads, open(sys.argv[1])) if r.get("kind") == "report.compare" and r.get("test") == "pairwise"][0]
print(" ".join(json.dumps(r.get(k)) for k in sys.argv[2:]))' "$t/out" "$@"
}
expect "wins, ties, losses, errors" "14 3 3 1" "$(row wins ties losses judge_errors)"
expect "scorer, n, test" '"pairwise" 20 "pairwise"' "$(row scorer n test)"
expect "the judge named" '"openai:judge-1" "pairwise.v1"' "$(row judge prompt)"
expect "the bad answer named" "yes" "$(row judge_error | grep -q 'q21#0: .*VERDICT' && echo yes)"
# scipy's binomtest(14, 17): the sign test and Wilson's interval, as committed
ref=$(grep '{ 14, 17, ' "$top_srcdir/tests/ref/report_ref.h" | tr -d '{},\t' )
set -- $ref
expect "reference case present" "14 17" "$1 $2"
"$PY" - "$t/out" "$3" "$4" "$5" <<'PY' >"$t/chk"
import json, sys
r = [r for r in map(json.loads, open(sys.argv[1])) if r.get("test") == "pairwise"][0]
p, lo, hi = map(float, sys.argv[2:5])
ok = (abs(r["p_value"] - p) <= 1e-10 * p and abs(r["win_lo"] - lo) <= 1e-12 and abs(r["win_hi"] - hi) <= 1e-12
      and abs(r["win_rate"] - 14 / 17) <= 1e-15 and abs(r["diff"] - (2 * 14 / 17 - 1)) <= 1e-15
      and abs(r["lo"] - (2 * lo - 1)) <= 1e-12 and abs(r["hi"] - (2 * hi - 1)) <= 1e-12
      and abs(r["a"] + r["diff"] - r["b"]) <= 1e-15)
print("yes" if ok else "no: %r" % r)
PY
expect "sign test and Wilson interval match scipy" "yes" "$(cat "$t/chk")"
# Holm across the scorers: exact_match (no change, p = 1) and the judge
expect "Holm over two p-values" "yes" "$("$PY" -c 'import json,sys
rs = [r for r in map(json.loads, open(sys.argv[1])) if r.get("kind") == "report.compare"]
j = [r for r in rs if r["test"] == "pairwise"][0]
print("yes" if len(rs) == 2 and abs(j["p_holm"] - min(1, 2 * j["p_value"])) <= 1e-12 else "no")' "$t/out")"
expect "alignment: only in A" "1" "$("$PY" -c 'import json,sys
print([r for r in map(json.loads, open(sys.argv[1])) if r.get("kind") == "report.alignment"][0]["only_a"])' "$t/out")"

# both orders asked for each item judged: 20 pairs x 2, and the bad one stopped after its first
n=$("$PY" -c 'import json,sys,urllib.request; print(sum(json.loads(urllib.request.urlopen(sys.argv[1] + "/stats").read())["requests"].values()))' "$ROOT")
expect "requests: both orders" "41" "$n"

# the other way round B loses: --max-drop trips the gate (exit 4), and the cache answers
oed-report --compare "$t/b.jsonl" "$t/a.jsonl" --judge 'pairwise:model=openai:judge-1' \
	--max-drop pairwise=0.5 >"$t/md" 2>"$t/err"
expect "gate: exit 4" "4" "$?"
expect "gate: message" "oed-report: gate: pairwise dropped by 0.647059 (p = 0.0255 after Holm's correction), more than --max-drop 0.5" \
	"$(cat "$t/err")"
expect "md: the judge's row" "yes" "$(grep -q '| pairwise | 20 |' "$t/md" && echo yes)"

# a judge that gives no verdict at all (here: refuses every request) stops the report
printf '%s\n' '{"kind":"bench.item","input_id":"e","output":"x [[error:400]]","scores":{"ok":1}}' >"$t/e.jsonl"
oed-report -f json --compare "$t/e.jsonl" "$t/e.jsonl" --judge 'pairwise:model=openai:judge-1,cache=false' \
	>/dev/null 2>"$t/err"
expect "no verdict at all: exit 1" "1" "$?"
expect "no verdict at all: message" "yes" \
	"$(grep -q "^oed-report: --judge: no verdict on any of the 1 items, the first: e#0: scorer 'pairwise'" "$t/err" && echo yes)"

echo "$pass passed, $fail failed"
[ $fail = 0 ]
