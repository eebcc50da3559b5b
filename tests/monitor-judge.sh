#!/bin/sh
# LLM judges in a monitor file (llm_judge, semantic_equivalence) against
# the fake model server (tests/servers/fake_llm.py, [[verdict:V]] scripts
# the judge) on 127.0.0.1 at an ephemeral port: the verdict, reasoning,
# judge model and prompt version in each monitor.item; a malformed answer
# or a request refused for the item is an item error counted in
# monitor.run, not a failed run, while a judge down for every item (its
# key, its quota, the service after the retries) stops the run and leaves
# the rest unscored; answers cached in the monitor's store; an alert over a
# judge; the key in no output and not in the store.  Skips (77) when
# python3 is missing or the server cannot start.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
test_name=monitor-judge
. "$top_srcdir/tests/servers/lib.sh"
serve server fake_llm.py
OPENAI_BASE_URL=$ROOT/v1
JUDGE_KEY=sk-monitor-judge-test
export OPENAI_BASE_URL JUDGE_KEY
unset OED_STORE
STORE=$t/store.db
# the default store, which the judges must not use: --store is theirs too
XDG_DATA_HOME=$t/xdg
export XDG_DATA_HOME
# get FILE KIND PATH: one value per record of that kind (a.b.c), JSON unless a string
get() {
	"$PY" -c 'import json,sys
for l in open(sys.argv[1]):
    v = json.loads(l)
    if v.get("kind") != sys.argv[2]: continue
    for k in sys.argv[3].split("."): v = v.get(k) if isinstance(v, dict) else None
    print(v if isinstance(v, str) else json.dumps(v))' "$@" | tr '\n' ' '
}
# count TEXT: requests the model server got whose prompt holds TEXT
count() {
	"$PY" -c 'import json,sys,urllib.request
st = json.loads(urllib.request.urlopen(sys.argv[1] + "/stats").read())["requests"]
print(sum(v for k, v in st.items() if sys.argv[2] in k))' "$ROOT" "$1"
}

mkdir "$t/rubrics"
printf 'Greets the user, politely.\n' >"$t/rubrics/greet.md"
cat >"$t/m.yaml" <<EOF
monitor: judged
source: {type: jsonl, path: items.jsonl}
id: id
fields: {input: q, output: a}
scorers:
  - {llm_judge: {rubric_file: rubrics/greet.md, model: "openai:judge-1"}}
  - length
alerts:
  - {name: unhelpful, scorer: llm_judge, stat: mean, op: "<", value: 0.6, min_n: 2}
EOF
cat >"$t/items.jsonl" <<'EOF'
{"id":"1","q":"Say hi","a":"hi there [[verdict:pass]]"}
{"id":"2","q":"Say hi","a":"go away [[verdict:fail]]"}
{"id":"3","q":"Say hi","a":"hmm [[answer:I am not sure.]]"}
{"id":"4","q":"Say hi","a":"hey [[verdict:maybe]]"}
EOF
# semantic_equivalence against a reference field, asked both ways
cat >"$t/s.yaml" <<EOF
monitor: same-meaning
source: {type: jsonl, path: pairs.jsonl}
id: id
fields: {output: a, target: ref}
scorers: [{semantic_equivalence: {model: "openai:judge-2"}}]
EOF
cat >"$t/pairs.jsonl" <<'EOF'
{"id":"1","a":"Paris [[verdict:yes]]","ref":"paris, France [[verdict:yes]]"}
{"id":"2","a":"Paris [[verdict:yes]]","ref":"Lyon [[verdict:no]]"}
EOF

# 0. without the key the run stops before claiming anything (exit 2); the
# default endpoint needs one, so nothing is asked of it
env -u OPENAI_BASE_URL OPENAI_API_KEY='' \
	oed-monitor --store "$STORE" "$t/m.yaml" >"$t/out0" 2>"$t/err0"
expect "no key: usage error" "2" "$?"
expect "no key: says so" "oed-monitor: $t/m.yaml: scorer 'llm_judge': OPENAI_API_KEY is not set: the OpenAI API needs an API key" "$(cat "$t/err0")"

# 1. one run: two items judged, two item errors (no verdict line, a verdict off the scale)
OPENAI_API_KEY=$JUDGE_KEY oed-monitor --store "$STORE" "$t/m.yaml" >"$t/out1" 2>"$t/err1"
expect "run: exit 4 (the alert fires)" "4 " "$? $(cat "$t/err1")"
expect "scores" '1 0 null null ' "$(get "$t/out1" monitor.item scores.llm_judge)"
expect "length still scored" '25 24 29 21 ' "$(get "$t/out1" monitor.item scores.length)"
expect "verdicts" "pass fail null null " "$(get "$t/out1" monitor.item judge.llm_judge.verdict)"
expect "reasoning" "Reasoning for pass. Reasoning for fail. null null " \
	"$(get "$t/out1" monitor.item judge.llm_judge.reasoning)"
expect "judge model" "openai:judge-1 openai:judge-1 null null " \
	"$(get "$t/out1" monitor.item judge.llm_judge.model)"
expect "prompt version" "llm_judge.v1 llm_judge.v1 null null " \
	"$(get "$t/out1" monitor.item judge.llm_judge.prompt)"
expect "item errors" "null null scorer 'llm_judge': the judge's answer does not end with a line 'VERDICT: <value>' scorer 'llm_judge': the judge's verdict 'maybe' is not one of: pass, fail " \
	"$("$PY" -c 'import json,sys
for l in open(sys.argv[1]):
    v = json.loads(l)
    if v["kind"] == "monitor.item": print(v["error"][len("llm_judge: "):] if "error" in v else "null")' "$t/out1" | tr '\n' ' ')"
expect "monitor.run: scored 2, errors 2" "2 2 " \
	"$(get "$t/out1" monitor.run scored)$(get "$t/out1" monitor.run errors)"
expect "alert over the judge fires" "firing 0.5 2 " \
	"$(get "$t/out1" monitor.alert state)$(get "$t/out1" monitor.alert value)$(get "$t/out1" monitor.alert n)"
# the rubric file was read from the monitor file's folder, the input shown
"$PY" -c 'import json,sys,urllib.request
st = json.loads(urllib.request.urlopen(sys.argv[1] + "/stats").read())["requests"]
p = [k for k in st if "hi there [[verdict:pass]]" in k and "Greets" in k]
print("yes" if p and "Say hi" in p[0] else "no")' "$ROOT" >"$t/chk"
expect "prompt holds the rubric file and the input" "yes" "$(cat "$t/chk")"

OPENAI_API_KEY=$JUDGE_KEY oed-monitor --store "$STORE" "$t/s.yaml" >"$t/outs" 2>"$t/errs"
expect "semantic: exit 0" "0 " "$? $(cat "$t/errs")"
expect "semantic: scores" "1 0 " "$(get "$t/outs" monitor.item scores.semantic_equivalence)"
expect "semantic: both directions" "yes,yes yes,no " \
	"$(get "$t/outs" monitor.item judge.semantic_equivalence.verdict)"
expect "semantic: model and prompt" "openai:judge-2 semantic_equivalence.v1 " \
	"$(head -1 "$t/outs" | get /dev/stdin monitor.item judge.semantic_equivalence.model)$(head -1 "$t/outs" | get /dev/stdin monitor.item judge.semantic_equivalence.prompt)"

# 2. cached in the monitor's store: the same outputs judged again ask nothing
asked=$(count 'hi there [[verdict')
sed 's/"id":"\([0-9]\)"/"id":"again-\1"/' "$t/items.jsonl" >"$t/more"
cat "$t/more" >>"$t/items.jsonl"
OPENAI_API_KEY=$JUDGE_KEY oed-monitor --store "$STORE" "$t/m.yaml" >"$t/out2" 2>"$t/err2"
expect "second run: the new ids only" "4 " "$(get "$t/out2" monitor.run sampled)"
expect "second run: answers from the cache" "$asked" "$(count 'hi there [[verdict')"
expect "second run: same verdicts" "pass fail null null " "$(get "$t/out2" monitor.item judge.llm_judge.verdict)"
expect "malformed answers are not cached: asked again" "2" "$(count 'hmm [[answer')"
expect "the answers are kept in --store, no other store made" "yes no" \
	"$([ "$(sqlite3 "$STORE" 'SELECT count(*) FROM bench_responses')" -gt 0 ] && echo yes || echo no) $([ -e "$t/xdg/oed/oed.db" ] && echo yes || echo no)"

# 3. a request the judge refuses for this item (400) is an item error, the run goes on
echo '{"id":"5","q":"Say hi","a":"down [[error:400]]"}' >>"$t/items.jsonl"
echo '{"id":"6","q":"Say hi","a":"after it [[verdict:pass]]"}' >>"$t/items.jsonl"
OPENAI_API_KEY=$JUDGE_KEY oed-monitor --store "$STORE" "$t/m.yaml" >"$t/out3" 2>"$t/err3"
st=$?
expect "refused item: the run works" "2 1 1 " \
	"$(get "$t/out3" monitor.run sampled)$(get "$t/out3" monitor.run scored)$(get "$t/out3" monitor.run errors)"
expect "refused item: not exit 1" "yes" "$([ $st != 1 ] && echo yes || echo "no: $st $(cat "$t/err3")")"
expect "refused item: the item's error" "yes" \
	"$(get "$t/out3" monitor.item error | grep -o "the judge openai:judge-1 failed: HTTP 400" | wc -l | sed 's/^ *1$/yes/')"

# 3b. a judge down for every item (its key refused, the service failing
# after the retries, no quota) stops the run: what was scored is kept, the
# rest is left for the next run, exit 1 saying why, monitor.run written
cat >"$t/d.yaml" <<EOF
monitor: judge-down
source: {type: jsonl, path: down.jsonl}
id: id
fields: {input: q, output: a}
scorers: [{llm_judge: {rubric_file: rubrics/greet.md, model: "openai:judge-1"}}]
EOF
cat >"$t/down.jsonl" <<'EOF'
{"id":"d1","q":"Say hi","a":"first [[verdict:pass]]"}
{"id":"d2","q":"Say hi","a":"bad key once [[fail:1:401]] [[verdict:pass]]"}
{"id":"d3","q":"Say hi","a":"third [[verdict:fail]]"}
EOF
down() {	# down N: run the monitor into out-dN and err-dN, its status in st-dN
	OPENAI_API_KEY=$JUDGE_KEY oed-monitor --store "$STORE" "$t/d.yaml" >"$t/out-d$1" 2>"$t/err-d$1"
	echo $? >"$t/st-d$1"
}
down 1
expect "401: exit 1" "1" "$(cat "$t/st-d1")"
expect "401: says why" "oed-monitor: $t/d.yaml: judge 'llm_judge': the judge openai:judge-1 failed: HTTP 401: try again" \
	"$(cat "$t/err-d1")"
expect "401: the item before it kept" "d1 " "$(get "$t/out-d1" monitor.item id)"
expect "401: monitor.run" "3 1 0 true " \
	"$(get "$t/out-d1" monitor.run sampled)$(get "$t/out-d1" monitor.run scored)$(get "$t/out-d1" monitor.run errors)$(get "$t/out-d1" monitor.run judge_failed)"
down 2
expect "next run: exit 0" "0 " "$(cat "$t/st-d2") $(cat "$t/err-d2")"
expect "next run: the rest scored" "d2 d3 " "$(get "$t/out-d2" monitor.item id)"
expect "next run: verdicts" "pass fail " "$(get "$t/out-d2" monitor.item judge.llm_judge.verdict)"
echo '{"id":"d4","q":"Say hi","a":"down for a while [[fail:7:503]] [[verdict:pass]]"}' >>"$t/down.jsonl"
down 3
expect "503 after the retries: exit 1" "1" "$(cat "$t/st-d3")"
expect "503 after the retries: says why" "oed-monitor: $t/d.yaml: judge 'llm_judge': the judge openai:judge-1 failed: HTTP 503: try again (after 7 attempts)" \
	"$(cat "$t/err-d3")"
expect "503: no item error" "0 0 " "$(get "$t/out-d3" monitor.run scored)$(get "$t/out-d3" monitor.run errors)"
down 4
expect "503: scored next run" "0 d4 pass " "$(cat "$t/st-d4") $(get "$t/out-d4" monitor.item id)$(get "$t/out-d4" monitor.item judge.llm_judge.verdict)"
echo '{"id":"d5","q":"Say hi","a":"over quota [[quota]]"}' >>"$t/down.jsonl"
down 5
expect "quota: exit 1" "1" "$(cat "$t/st-d5")"
expect "quota: says why" "oed-monitor: $t/d.yaml: judge 'llm_judge': the judge openai:judge-1 failed: HTTP 429 insufficient_quota: the account has no quota left (not retried)" \
	"$(cat "$t/err-d5")"
oed-monitor --dry-run --store "$STORE" "$t/d.yaml" >"$t/out-d6" 2>&1
expect "quota: the item is still to score" "d5 " "$(get "$t/out-d6" monitor.candidate id)"

# 4. written back to Langfuse, a judge's reasoning goes with its score as the comment
lfpid=
trap '[ -n "$lfpid" ] && kill "$lfpid" 2>/dev/null; stop; [ -n "${KEEP:-}" ] || rm -rf "$t"' EXIT INT TERM
"$PY" "$top_srcdir/tests/servers/fake_langfuse.py" --port-file "$t/lfport" --public-key pk-lf --secret-key sk-lf &
lfpid=$!
i=0
while [ ! -s "$t/lfport" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -s "$t/lfport" ] || { echo "SKIP: the fake Langfuse did not start"; exit 77; }
LF_HOST=http://127.0.0.1:$(cat "$t/lfport") LF_PK=pk-lf LF_SK=sk-lf
export LF_HOST LF_PK LF_SK
sed 's/^monitor: judged$/monitor: judged-lf/' "$t/m.yaml" >"$t/lf.yaml"
printf 'publish:\n  - {type: langfuse_scores, host_env: LF_HOST, public_key_env: LF_PK, secret_key_env: LF_SK}\n' >>"$t/lf.yaml"
head -2 "$t/items.jsonl" >"$t/lf.jsonl"
sed -i 's/path: items.jsonl/path: lf.jsonl/' "$t/lf.yaml"
OPENAI_API_KEY=$JUDGE_KEY oed-monitor --store "$STORE" "$t/lf.yaml" >"$t/out4" 2>"$t/err4"
expect "langfuse: exit 4 (the alert)" "4 " "$? $(cat "$t/err4")"
got=$("$PY" -c 'import json, sys, urllib.request
s = json.load(urllib.request.urlopen(sys.argv[1] + "/stats"))
for b in sorted(s["scores"].values(), key=lambda b: (b["traceId"], b["name"])):
    print(b["traceId"], b["name"], b["value"], b["comment"].split(": ", 1)[-1] if b["name"] == "llm_judge" else "-")' "$LF_HOST")
expect "langfuse: the reasoning as comment" "1 length 25 -
1 llm_judge 1 Reasoning for pass.
2 length 24 -
2 llm_judge 0 Reasoning for fail." "$got"
kill "$lfpid"
wait "$lfpid" 2>/dev/null
lfpid=

# 5. the key never shows
if grep -q "$JUDGE_KEY" "$t"/out* "$t"/err* "$STORE"*; then bad "key leaked"; else ok "key absent"; fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
