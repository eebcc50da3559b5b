#!/bin/sh
# The judge scorers (llm_judge, semantic_equivalence, pairwise) through
# `oed-bench --score` against the fake model server (tests/servers/
# fake_llm.py, [[verdict:V]] scripts the judge) on 127.0.0.1 at an
# ephemeral port: every scale, both orders and both directions, the
# strict verdict line (malformed answers are counted errors, never a
# score), retries, and the judge's model and prompt version in every
# record.  Skips (77) when python3 is missing or the server cannot start.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
test_name=judge-net
. "$top_srcdir/tests/servers/lib.sh"
serve server fake_llm.py
OPENAI_BASE_URL=$ROOT/v1
OPENAI_API_KEY=sk-judge-test
export OPENAI_BASE_URL OPENAI_API_KEY
# the judges' answers are cached in the run store: a fresh one here
OED_STORE=$t/store.db
export OED_STORE
# get FILE PATH: one value per record (a.b.c), JSON-encoded unless a string
get() {
	"$PY" -c 'import json,sys
for l in open(sys.argv[1]):
    v = json.loads(l)
    for k in sys.argv[2].split("."): v = v.get(k) if isinstance(v, dict) else None
    print(v if isinstance(v, str) else json.dumps(v))' "$@" | tr '\n' ' '
}
stats() { "$PY" -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1] + "/stats").read().decode())' "$ROOT"; }

# 1. pass/fail: the verdict, the reasoning, the judge and prompt recorded
printf '%s\n' '{"input":"Say hi","output":"hi [[verdict:pass]]"}' \
	'{"input":"Say hi","output":"no [[verdict:FAIL]]"}' >"$t/in1"
oed-bench --score 'llm_judge:Greets the user, politely,model=openai:judge-1' "$t/in1" >"$t/out" 2>"$t/err"
expect "pass/fail: exit 0" "0 " "$? $(cat "$t/err")"
expect "pass/fail: scores" "1 0 " "$(get "$t/out" scores.llm_judge)"
expect "pass/fail: pass" "true false " "$(get "$t/out" pass)"
expect "pass/fail: verdict, case folded" "pass fail " "$(get "$t/out" judge.llm_judge.verdict)"
expect "pass/fail: reasoning kept" "Reasoning for pass. Reasoning for FAIL. " \
	"$(get "$t/out" judge.llm_judge.reasoning)"
expect "pass/fail: judge model" "openai:judge-1 openai:judge-1 " "$(get "$t/out" judge.llm_judge.model)"
expect "pass/fail: prompt version" "llm_judge.v1 llm_judge.v1 " "$(get "$t/out" judge.llm_judge.prompt)"
# the prompt sent holds the rubric (commas and all), the input and the output
"$PY" -c 'import json,sys
st = json.loads(sys.stdin.read())["requests"]
p = [k for k in st if "hi [[verdict:pass]]" in k][0]
ok = "Greets the user, politely" in p and "Say hi" in p and "one of: pass, fail" in p and "{{" not in p
print("yes" if ok else "no: " + p)' <<EOF >"$t/chk"
$(stats)
EOF
expect "pass/fail: prompt holds rubric, input, output, scale" "yes" "$(cat "$t/chk")"

# 2. 1-5: value (v - 1) / 4, a verdict only with threshold=
printf '%s\n' '{"output":"a [[verdict:1]]"}' '{"output":"b [[verdict:4]]"}' '{"output":"c [[verdict:5]]"}' >"$t/in2"
oed-bench --score 'llm_judge:Correct?,model=openai:j,scale=1-5,threshold=0.75' "$t/in2" >"$t/out" 2>"$t/err"
expect "1-5: exit 0" "0 " "$? $(cat "$t/err")"
expect "1-5: scores" "0 0.75 1 " "$(get "$t/out" scores.llm_judge)"
expect "1-5: pass from threshold" "false true true " "$(get "$t/out" pass)"

# 3. labels: passing= decides
printf '%s\n' '{"output":"a [[verdict:good]]"}' '{"output":"b [[verdict:ok]]"}' '{"output":"c [[verdict:bad]]"}' >"$t/in3"
oed-bench --score 'llm_judge:Quality,model=openai:j,scale=labels,labels=good|ok|bad,passing=good|ok' \
	"$t/in3" >"$t/out" 2>"$t/err"
expect "labels: exit 0" "0 " "$? $(cat "$t/err")"
expect "labels: scores" "1 1 0 " "$(get "$t/out" scores.llm_judge)"

# 4. rubric from a file
printf 'Answers in French.\n' >"$t/rubric"
oed-bench --score "llm_judge:rubric_file=$t/rubric,model=openai:j" "$t/in1" >"$t/out" 2>"$t/err"
expect "rubric_file: exit 0" "0 " "$? $(cat "$t/err")"
"$PY" -c 'import json,sys; st=json.loads(sys.stdin.read())["requests"]; print(sum("Answers in French." in k for k in st))' <<EOF >"$t/chk"
$(stats)
EOF
expect "rubric_file: in both prompts" "2" "$(cat "$t/chk")"

# 5. malformed verdicts: an error per record, never a score; counted with skip
printf '%s\n' '{"output":"a [[answer:Looks right to me.]]"}' \
	'{"output":"b [[verdict:maybe]]"}' \
	'{"output":"c [[answer:VERDICT: pass\nand more]]"}' \
	'{"output":"d [[answer:verdict: pass]]"}' \
	'{"output":"e [[verdict:pass]]"}' >"$t/in5"
oed-bench --score 'llm_judge:Right?,model=openai:j' "$t/in5" >"$t/out" 2>"$t/err"
expect "malformed: fails by default, exit 3" "3" "$?"
expect "malformed: no score written" "" "$(cat "$t/out")"
oed-bench --on-error=skip --score 'llm_judge:Right?,model=openai:j' "$t/in5" >"$t/out" 2>"$t/err"
expect "malformed skip: exit 0" "0" "$?"
expect "malformed skip: only the good record" "e [[verdict:pass]] " "$(get "$t/out" output)"
expect "malformed skip: messages" "oed-bench: $t/in5:1: scorer 'llm_judge': the judge's answer does not end with a line 'VERDICT: <value>'
oed-bench: $t/in5:2: scorer 'llm_judge': the judge's verdict 'maybe' is not one of: pass, fail
oed-bench: $t/in5:3: scorer 'llm_judge': the judge's answer does not end with a line 'VERDICT: <value>'
oed-bench: $t/in5:4: scorer 'llm_judge': the judge's answer does not end with a line 'VERDICT: <value>'
oed-bench: 4 bad records skipped" "$(cat "$t/err")"

# 6. retried like bench requests: two 503s, then the verdict
printf '%s\n' '{"output":"r [[fail:2:503]] [[verdict:pass]]"}' >"$t/in6"
oed-bench --score 'llm_judge:Right?,model=openai:j' "$t/in6" >"$t/out" 2>"$t/err"
expect "retry: exit 0" "0 " "$? $(cat "$t/err")"
expect "retry: score" "1 " "$(get "$t/out" scores.llm_judge)"
# a broken body is the judge failing (retried, then an error), not a verdict
printf '%s\n' '{"output":"m [[malformed]]"}' >"$t/in7"
oed-bench --score 'llm_judge:Right?,model=openai:j' "$t/in7" >"$t/out" 2>"$t/err"
expect "malformed body: exit 3" "3" "$?"

# 7. semantic_equivalence: yes both ways, or not equivalent
printf '%s\n' '{"output":"Paris [[verdict:yes]]","target":"paris, France [[verdict:yes]]"}' \
	'{"output":"Paris [[verdict:yes]]","target":"Lyon [[verdict:no]]"}' \
	'{"output":"Paris [[verdict:no]]","target":"Lyon [[verdict:yes]]"}' >"$t/in8"
oed-bench --score 'semantic_equivalence:openai:j' "$t/in8" >"$t/out" 2>"$t/err"
expect "semantic: exit 0" "0 " "$? $(cat "$t/err")"
expect "semantic: scores" "1 0 0 " "$(get "$t/out" scores.semantic_equivalence)"
expect "semantic: both directions asked" "yes,yes yes,no no,yes " "$(get "$t/out" judge.semantic_equivalence.verdict)"
expect "semantic: prompt version" "semantic_equivalence.v1 " \
	"$(head -1 "$t/out" | get /dev/stdin judge.semantic_equivalence.prompt)"

# 8. pairwise: both orders; a position-biased judge cancels out to a tie
printf '%s\n' '{"output":"x [[verdict:A]]","target":"y [[verdict:B]]"}' \
	'{"output":"x [[verdict:B]]","target":"y [[verdict:A]]"}' \
	'{"output":"x [[verdict:A]]","target":"y [[verdict:A]]"}' \
	'{"output":"x [[verdict:tie]]","target":"y [[verdict:tie]]"}' \
	'{"output":"x [[verdict:A]]","target":"y [[verdict:tie]]"}' >"$t/in9"
oed-bench --score 'pairwise:openai:j' "$t/in9" >"$t/out" 2>"$t/err"
expect "pairwise: exit 0" "0 " "$? $(cat "$t/err")"
expect "pairwise: scores" "1 0 0.5 0.5 0.75 " "$(get "$t/out" scores.pairwise)"
expect "pairwise: verdicts per order" "A,B B,A A,A tie,tie A,tie " "$(get "$t/out" judge.pairwise.verdict)"

# 9. cached in the run store: asked again, the judge is not asked again
count() {
	"$PY" -c 'import json,sys; st=json.loads(sys.stdin.read())["requests"]; print(sum(v for k, v in st.items() if sys.argv[1] in k))' "$1" <<EOF
$(stats)
EOF
}
printf '%s\n' '{"output":"cached [[verdict:pass]]"}' >"$t/in10"
oed-bench --score 'llm_judge:Cache me,model=openai:j' "$t/in10" >"$t/out1" 2>"$t/err"
expect "cache: first run asks" "1" "$(count 'cached [[verdict')"
oed-bench --score 'llm_judge:Cache me,model=openai:j' "$t/in10" >"$t/out2" 2>"$t/err"
expect "cache: second run exit 0" "0 " "$? $(cat "$t/err")"
expect "cache: second run does not ask" "1" "$(count 'cached [[verdict')"
expect "cache: same record" "$(cat "$t/out1")" "$(cat "$t/out2")"
oed-bench --score 'llm_judge:Cache me,model=openai:j,cache=false' "$t/in10" >"$t/out2" 2>"$t/err"
expect "cache=false asks again" "2" "$(count 'cached [[verdict')"
oed-bench --score 'llm_judge:Cache me,model=openai:other' "$t/in10" >"$t/out2" 2>"$t/err"
expect "cache: another judge model asks" "3" "$(count 'cached [[verdict')"

# a malformed answer is not kept: asked again
printf '%s\n' '{"output":"uncached [[answer:no verdict]]"}' >"$t/in11"
oed-bench --score 'llm_judge:Cache me,model=openai:j' "$t/in11" >/dev/null 2>&1
oed-bench --score 'llm_judge:Cache me,model=openai:j' "$t/in11" >/dev/null 2>&1
expect "cache: malformed answers asked again" "2" "$(count 'uncached [[answer')"

# 11. semantic entropy: consistency and hallucination_risk with the judge as
# the equivalence (Farquhar et al.).  The fake judge answers after the text
# it shows first, so a sample marked yes means the same as another marked
# yes; identical samples are one class without asking.  By hand:
#   q1 {Paris, It is Paris.} {Lyon, Lyon}: H = 1 bit, consistency 1 - 1/2
#   q2 three yes: one cluster, H = 0, consistency 1
#   q3 three no: three clusters, H = log2 3, consistency 0
printf '%s\n' '{"input_id":"q1","input":"Capital of France?","output":"Paris [[verdict:yes]]"}' \
	'{"input_id":"q1","input":"Capital of France?","output":"It is Paris. [[verdict:yes]]"}' \
	'{"input_id":"q1","input":"Capital of France?","output":"Lyon [[verdict:no]]"}' \
	'{"input_id":"q1","input":"Capital of France?","output":"Lyon [[verdict:no]]"}' \
	'{"input_id":"q2","output":"4 [[verdict:yes]]"}' '{"input_id":"q2","output":"four [[verdict:yes]]"}' \
	'{"input_id":"q2","output":"2+2 [[verdict:yes]]"}' \
	'{"input_id":"q3","output":"x [[verdict:no]]"}' '{"input_id":"q3","output":"y [[verdict:no]]"}' \
	'{"input_id":"q3","output":"z [[verdict:no]]"}' >"$t/in12"
sem='equivalence=semantic,model=openai:sem'
base=$(count 'Text 1')
oed-bench --samples-by input_id --score "consistency:$sem" --score "hallucination_risk:$sem" \
	"$t/in12" >"$t/out" 2>"$t/err"
expect "semantic entropy: exit 0" "0 " "$? $(cat "$t/err")"
expect "semantic entropy: consistency" "0.5 0.5 0.5 0.5 1 1 1 0 0 0 " "$(get "$t/out" scores.consistency)"
"$PY" -c 'import json,math,sys
want = [1.0] * 4 + [0.0] * 3 + [math.log2(3)] * 3
got = [json.loads(l)["scores"]["hallucination_risk"] for l in open(sys.argv[1])]
print("yes" if all(abs(a - b) < 1e-12 for a, b in zip(got, want)) and len(got) == 10 else "no: %r" % got)' "$t/out" >"$t/chk"
expect "semantic entropy: hallucination_risk in bits" "yes" "$(cat "$t/chk")"
expect "semantic entropy: judge and prompt recorded" "openai:sem  semantic_equivalence.v1 " \
	"$(head -1 "$t/out" | get /dev/stdin judge.consistency.model) $(head -1 "$t/out" | get /dev/stdin judge.consistency.prompt)"
# the same samples by text: three classes in q1
oed-bench --samples-by input_id --score consistency "$t/in12" >"$t/out" 2>"$t/err"
expect "text equivalence differs" "0.25 " "$(head -1 "$t/out" | get /dev/stdin scores.consistency)"
# asked: q1 (B,A) both ways and (Lyon,Paris) once; q2 two pairs both ways;
# q3 1 + 2 pairs once each; both scorers share the cache
expect "semantic entropy: requests" "$((base + 10))" "$(count 'Text 1')"
oed-bench --samples-by input_id --score "consistency:$sem" "$t/in12" >/dev/null 2>"$t/err"
expect "semantic entropy: cached" "$((base + 10)) " "$(count 'Text 1') $(cat "$t/err")"
# a malformed verdict is an error for the input's records, never a class
printf '%s\n' '{"input_id":"q4","output":"a [[verdict:yes]]"}' '{"input_id":"q4","output":"b [[verdict:maybe]]"}' \
	'{"input_id":"q5","output":"c [[verdict:yes]]"}' >"$t/in13"
oed-bench --samples-by input_id --on-error=skip --score "consistency:$sem" "$t/in13" >"$t/out" 2>"$t/err"
expect "semantic malformed: exit 0 with skip" "0" "$?"
expect "semantic malformed: only q5 scored" "c [[verdict:yes]] " "$(get "$t/out" output)"
expect "semantic malformed: messages" "oed-bench: $t/in13:1: scorer 'consistency': the judge's verdict 'maybe' is not one of: yes, no
oed-bench: $t/in13:2: scorer 'consistency': the judge's verdict 'maybe' is not one of: yes, no
oed-bench: 2 bad records skipped" "$(cat "$t/err")"
oed-bench --samples-by input_id --score "consistency:model=openai:sem" "$t/in13" >"$t/out" 2>"$t/err"
expect "model= without equivalence=semantic: usage" "2 oed-bench: --score: scorer 'consistency': model=, prompt=, timeout= and cache= go with equivalence=semantic" \
	"$? $(head -1 "$t/err")"

# 10. the key never shows
if grep -rq "$OPENAI_API_KEY" "$t"/out* "$t"/err "$t"/store.db*; then bad "key leaked"; else ok "key absent"; fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
