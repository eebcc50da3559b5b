#!/bin/sh
# oed-bench against the fake model server (tests/servers/fake_llm.py) on
# 127.0.0.1 at an ephemeral port: answers, retries, Retry-After and reset
# headers, quota, timeouts, malformed bodies, dropped connections, the
# concurrency limit, resume after kill -9, SIGTERM, several models, the
# Anthropic shape, and keys kept out of every output and the store.
# Skips (77) when python3 is missing or the server cannot start.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
test_name=bench-net
. "$top_srcdir/tests/servers/lib.sh"

# start [server args]: a fresh server; BASE is its URL
start() {
	serve server fake_llm.py "$@"
	BASE=$ROOT/v1
}
# wait_stored DB N: until the store DB holds N answers, 10 s at most
wait_stored() {
	i=0
	while [ $i -lt 200 ]; do
		n=$(sqlite3 "$1" "SELECT count(*) FROM bench_responses" 2>/dev/null || echo 0)
		[ "${n:-0}" -ge "$2" ] && return
		sleep 0.05
		i=$((i + 1))
	done
}
stats() { "$PY" -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1] + "/stats").read().decode())' "$ROOT"; }
# field FILE KIND KEY: a top-level value of the last record of that kind
field() {
	"$PY" -c 'import json,sys
recs=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]
recs=[r for r in recs if r.get("kind")==sys.argv[2]]
v=recs[-1]
for k in sys.argv[3].split("."): v=v[k]
print(json.dumps(v) if not isinstance(v,str) else v)' "$@"
}
# task NAME PROMPTS...: a task file whose items have these prompts, target "ok"
task() {
	name=$1; shift
	"$PY" -c 'import json,sys
for i, p in enumerate(sys.argv[1:]): print(json.dumps({"id": "i%d" % (i + 1), "q": p, "a": "ok"}))' "$@" >"$t/$name.jsonl"
	cat >"$t/$name.yaml" <<EOF
task: $name
dataset: {path: $name.jsonl, id: id}
prompt: "{{q}}"
target: "{{a}}"
generation: {temperature: 0, max_tokens: 16, seed: 7}
scorers: [exact_match]
EOF
}
export OED_STORE="$t/store.db"
KEY=sk-planted-0123456789abcdefKEY
export OPENAI_API_KEY=$KEY ANTHROPIC_API_KEY=$KEY

start
BENCH="oed-bench -q --base-url $BASE --connect-timeout 2s"

# 1. answers, one request per item, usage and model as returned
task basic '[[answer:ok]] a' '[[answer:ok]] b' '[[answer:no]] c'
$BENCH -m openai:m1 "$t/basic.yaml" >"$t/out" 2>"$t/err"
expect "basic: exit 0" "0 " "$? $(cat "$t/err")"
expect "basic: mean" "0.6666666666666666" "$(field "$t/out" bench.summary metrics.exact_match.mean)"
expect "basic: response model" "m1-2024-01-01" "$(field "$t/out" bench.item response_model)"
expect "basic: tokens_out" "1" "$(field "$t/out" bench.item tokens_out)"
expect "basic: one request per prompt" "[1, 1, 1]" \
	"$(stats | "$PY" -c 'import json,sys; print(sorted(json.load(sys.stdin)["requests"].values()))')"

# 2. the same command again: every answer from the store, nothing asked
$BENCH -m openai:m1 "$t/basic.yaml" >"$t/out2"
expect "cache: hits" "3" "$(field "$t/out2" bench.summary cache_hits)"
expect "cache: nothing asked again" "[1, 1, 1]" \
	"$(stats | "$PY" -c 'import json,sys; print(sorted(json.load(sys.stdin)["requests"].values()))')"
expect "cache: same metrics" "$(field "$t/out" bench.summary metrics)" "$(field "$t/out2" bench.summary metrics)"
$BENCH --no-cache -m openai:m1 "$t/basic.yaml" >"$t/out3"
expect "no-cache: asked again" "0" "$(field "$t/out3" bench.summary cache_hits)"

# 3. retries: 500, 503, Retry-After, x-ratelimit-reset-requests
task retry '[[fail:2:500]][[answer:ok]]' '[[fail:1:503]][[answer:ok]]' \
	'[[retry-after:1]][[answer:ok]]' '[[reset-ms:50]][[answer:ok]]' '[[fail:1:529]][[answer:ok]]'
s0=$(date +%s%N)
$BENCH -m openai:m "$t/retry.yaml" >"$t/out" 2>"$t/err"
s1=$(date +%s%N)
expect "retry: exit 0" "0 " "$? $(cat "$t/err")"
expect "retry: all passed" "1" "$(field "$t/out" bench.summary metrics.exact_match.mean)"
expect "retry: retries counted" "6" "$(field "$t/out" bench.summary retries)"
expect "retry: attempts per item" "3 2 2 2 2" \
	"$(grep bench.item "$t/out" | sed 's/.*"attempts":\([0-9]*\).*/\1/' | tr '\n' ' ' | sed 's/ $//')"
[ $(((s1 - s0) / 1000000)) -ge 1000 ] && ok "retry: Retry-After: 1 waited" || bad "retry: Retry-After: 1 not honoured"

# 4. insufficient_quota is not retried and stops the run
task quota '[[quota]] a'
$BENCH -m openai:m "$t/quota.yaml" >"$t/out" 2>"$t/err"
expect "quota: exit 1" "1" "$?"
expect "quota: message" "oed-bench: openai:m: HTTP 429 insufficient_quota: the account has no quota left (not retried)" "$(cat "$t/err")"
expect "quota: asked once" "1" "$(stats | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["requests"]["[[quota]] a"])')"

# 5. a server slower than the timeout: retried, then an error item, exit 1
task slow '[[slow:3]] a'
$BENCH --timeout 1s --retries 1 -m openai:m "$t/slow.yaml" >"$t/out" 2>"$t/err"
st=$?
expect "timeout: exit 1" "1" "$st"
expect "timeout: error item" "Timeout was reached (after 2 attempts)" "$(field "$t/out" bench.item error)"
expect "timeout: message" "oed-bench: openai:m: 1 of 1 items failed after retries (--max-errors 0)" "$(cat "$t/err")"

# 6. malformed JSON, a dropped connection, a 400 (not retried)
task broken '[[malformed]] a' '[[reset]] b' '[[error:400]] c'
$BENCH --retries 1 --max-errors 3 -m openai:m "$t/broken.yaml" >"$t/out" 2>"$t/err"
expect "broken: exit 0 with --max-errors" "0" "$?"
grep bench.item "$t/out" | sed 's/.*"error":"\([^"]*\)".*/\1/' >"$t/errors"
expect "broken: malformed" "malformed JSON in the response: " "$(sed -n 1p "$t/errors" | cut -c1-32)"
expect "broken: reset" "Server returned nothing (no headers, no data) (after 2 attempts)" "$(sed -n 2p "$t/errors")"
expect "broken: 400 not retried" "HTTP 400: Invalid request: no such model" "$(sed -n 3p "$t/errors")"
expect "broken: errors counted" "3" "$(field "$t/out" bench.summary errors)"

# 7. errors are never cached: the rerun asks again
task flaky '[[fail:1:500]][[answer:ok]] z'
$BENCH --retries 0 -m openai:m "$t/flaky.yaml" >"$t/out" 2>/dev/null
expect "flaky: first run fails" "1" "$(field "$t/out" bench.summary errors)"
$BENCH --retries 0 -m openai:m "$t/flaky.yaml" >"$t/out" 2>/dev/null
expect "flaky: rerun asks again and passes" "0 1" \
	"$(field "$t/out" bench.summary errors) $(field "$t/out" bench.summary metrics.exact_match.mean)"

# 8. a server that refuses more than 4 requests at once: 429s halve the concurrency
start --max-concurrent 4
BENCH="oed-bench -q --base-url $BASE --connect-timeout 2s"
set --
i=0
while [ $i -lt 40 ]; do i=$((i + 1)); set -- "$@" "[[answer:ok]] c$i"; done
task conc "$@"
$BENCH -c 16 --retries 10 -m openai:m "$t/conc.yaml" >"$t/out" 2>"$t/err"
expect "concurrency: exit 0" "0 " "$? $(cat "$t/err")"
expect "concurrency: all answered" "1 40" \
	"$(field "$t/out" bench.summary metrics.exact_match.mean) $(field "$t/out" bench.summary n)"
r=$(field "$t/out" bench.summary retries)
[ "$r" -gt 0 ] && ok "concurrency: 429s retried ($r)" || bad "concurrency: no 429 seen"
oed-bench -v --base-url $BASE --no-cache -c 16 --retries 10 -m openai:m "$t/conc.yaml" >/dev/null 2>"$t/err"
grep -q "concurrency down to 8" "$t/err" && ok "concurrency: halved on 429" || bad "concurrency: not halved"

# 9. kill -9 mid-run, then the same command: what was stored is not asked again
start
BENCH="oed-bench -q --base-url $BASE --connect-timeout 2s"
set --
i=0
while [ $i -lt 30 ]; do i=$((i + 1)); set -- "$@" "[[slow:0.2]][[answer:ok]] k$i"; done
task kill "$@"
OED_STORE="$t/kill.db" $BENCH -c 2 --max-concurrency 2 -m openai:m "$t/kill.yaml" >"$t/part" 2>/dev/null &
bpid=$!
# kill it once a few answers are in the store (however loaded the machine is)
wait_stored "$t/kill.db" 4
kill -9 $bpid
wait $bpid 2>/dev/null
stored=$(sqlite3 "$t/kill.db" "SELECT count(*) FROM bench_responses")
OED_STORE="$t/kill.db" $BENCH -c 8 -m openai:m "$t/kill.yaml" >"$t/out" 2>"$t/err"
expect "resume: exit 0" "0 " "$? $(cat "$t/err")"
expect "resume: every stored answer reused" "$stored" "$(field "$t/out" bench.summary cache_hits)"
[ "$stored" -gt 0 ] && [ "$stored" -lt 30 ] && ok "resume: $stored answers stored before the kill" ||
	bad "resume: $stored answers stored before the kill"
# only the requests in flight at the kill (at most -c 2) may have reached the server twice
expect "resume: at most the 2 in flight asked again" "ok" \
	"$(stats | "$PY" -c 'import json,sys; c=list(json.load(sys.stdin)["requests"].values()); print("ok" if max(c) <= 2 and sum(v == 2 for v in c) <= 2 and len(c) == 30 else c)')"
OED_STORE="$t/fresh.db" $BENCH -c 8 -m openai:m "$t/kill.yaml" >"$t/fresh" 2>/dev/null
expect "resume: same summary as an uninterrupted run" "$(field "$t/fresh" bench.summary metrics)" \
	"$(field "$t/out" bench.summary metrics)"
expect "resume: same items" "$(grep bench.item "$t/fresh" | sed 's/,"latency_ms".*//')" \
	"$(grep bench.item "$t/out" | sed 's/,"latency_ms".*//')"

# 10. SIGTERM: stop sending, exit 143, the run marked interrupted
set --
i=0
while [ $i -lt 20 ]; do i=$((i + 1)); set -- "$@" "[[slow:0.3]][[answer:ok]] t$i"; done
task term "$@"
OED_STORE="$t/term.db" $BENCH -c 1 -m openai:m "$t/term.yaml" >"$t/out" 2>"$t/err" &
bpid=$!
wait_stored "$t/term.db" 2
kill -TERM $bpid
wait $bpid
expect "sigterm: exit 143" "143" "$?"
expect "sigterm: message" "oed-bench: interrupted: run the same command again to resume" "$(cat "$t/err")"
expect "sigterm: summary status" "interrupted" "$(field "$t/out" bench.summary status)"
expect "sigterm: run status in the store" "interrupted" \
	"$(sqlite3 "$t/term.db" "SELECT status FROM runs ORDER BY id DESC LIMIT 1")"

# 11. several models, several samples (n > 1 refused: one request per sample)
task multi '[[answer:ok]] m'
sed -i 's/seed: 7}/seed: 7, samples: 3}/' "$t/multi.yaml"
$BENCH -m openai:a -m openai:b "$t/multi.yaml" >"$t/out" 2>"$t/err"
expect "models: two summaries" "2" "$(grep -c bench.summary "$t/out")"
expect "models: items per model and sample" "6" "$(grep -c bench.item "$t/out")"
expect "samples: one request each" "6" \
	"$(stats | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["requests"]["[[answer:ok]] m"])')"

# 11b. samples as n > 1 first: refused, one request per sample (seed + i)
# for the rest of the run; accepted, one request per input, a choice each
set -- $(seq 1 10 | sed 's/^/[[answer:ok]]_n/')
task nfirst "$@"
sed -i 's/seed: 7}/seed: 7, samples: 3}/' "$t/nfirst.yaml"
start
BENCH="oed-bench -q --base-url $BASE --connect-timeout 2s"
# (one at a time: the refusal comes back before most inputs are sent)
$BENCH -c 1 --max-concurrency 1 -m openai:m "$t/nfirst.yaml" >"$t/out" 2>"$t/err"
expect "n refused: exit 0, every sample answered" "0 30 0" \
	"$? $(grep -c '"output":"ok"' "$t/out") $(field "$t/out" bench.summary errors)"
expect "n refused: three requests per input" "[3, 3, 3, 3, 3, 3, 3, 3, 3, 3]" \
	"$(stats | "$PY" -c 'import json,sys; print(sorted(json.load(sys.stdin)["requests"].values()))')"
n=$(stats | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["n_requests"])')
[ "$n" -ge 1 ] && [ "$n" -lt 10 ] && ok "n refused: remembered ($n of 10 inputs tried n > 1)" ||
	bad "n refused: $n inputs tried n > 1"
start --n
BENCH="oed-bench -q --base-url $BASE --connect-timeout 2s"
$BENCH --no-cache -m openai:m "$t/nfirst.yaml" >"$t/out" 2>"$t/err"
expect "n: exit 0, a choice per sample" "0 10 10 10" \
	"$? $(grep -c '"sample":0,.*"output":"ok #7"' "$t/out") $(grep -c '"sample":1,.*"output":"ok #8"' "$t/out") $(grep -c '"sample":2,.*"output":"ok #9"' "$t/out")"
expect "n: one request per input" "10 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1] 10" \
	"$(stats | "$PY" -c 'import json,sys; s=json.load(sys.stdin); print(s["n_requests"], sorted(s["requests"].values()))') $(field "$t/out" bench.summary requests)"

# 11c. --samples raised from 3 to 5 over a stored run: n = 2 per input, for
# samples 3 and 4 (seed + 3), cached samples never asked again; the same
# items and metrics as a fresh run with 5 (the server is deterministic per seed)
start --n
BENCH="oed-bench -q --base-url $BASE --connect-timeout 2s"
# choices: the answers asked so far, per prompt, in prompt order
choices() { stats | "$PY" -c 'import json,sys; c=json.load(sys.stdin)["choices"]; print([c[k] for k in sorted(c)])'; }
# items FILE: the bench.item records without what differs between runs
items() {
	"$PY" -c 'import json,sys
for l in open(sys.argv[1]):
	r=json.loads(l)
	if r.get("kind")!="bench.item": continue
	for k in ("latency_ms","cached","tokens_in","tokens_out","tokens_cached","tokens_reasoning","cost_usd","attempts","run"): r.pop(k,None)
	print(json.dumps(r,sort_keys=True))' "$1"
}
OED_STORE="$t/grow.db" $BENCH -m openai:m "$t/nfirst.yaml" >"$t/out" 2>"$t/err"
expect "grow: 3 samples, exit 0" "0 " "$? $(cat "$t/err")"
c3=$(choices)
OED_STORE="$t/grow.db" $BENCH -k 5 -m openai:m "$t/nfirst.yaml" >"$t/out" 2>"$t/err"
expect "grow: 5 samples, exit 0, 30 from the cache" "0 30" "$? $(field "$t/out" bench.summary cache_hits)"
expect "grow: n = 2 asked per input" "[3, 3, 3, 3, 3, 3, 3, 3, 3, 3] -> [5, 5, 5, 5, 5, 5, 5, 5, 5, 5] 20" \
	"$(echo "$c3") -> $(choices) $(stats | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["n_requests"])')"
expect "grow: the new samples got their own seeds" "10 10" \
	"$(grep -c '"sample":3,.*"output":"ok #10"' "$t/out") $(grep -c '"sample":4,.*"output":"ok #11"' "$t/out")"
OED_STORE="$t/grow-fresh.db" $BENCH -k 5 -m openai:m "$t/nfirst.yaml" >"$t/fresh" 2>/dev/null
expect "grow: same items as a fresh run" "$(items "$t/fresh")" "$(items "$t/out")"
expect "grow: same metrics as a fresh run" "$(field "$t/fresh" bench.summary metrics)" \
	"$(field "$t/out" bench.summary metrics)"

# 11d. the same growth from 3 to 5 samples against a server that refuses
# n > 1: samples 3 and 4 asked one by one, with their own seeds (7 + 3 and
# 7 + 4), after one refused try at most; the cached 3 never asked again
start
BENCH="oed-bench -q --base-url $BASE --connect-timeout 2s"
# seeds: the seeds asked so far, per prompt, in prompt order
seeds() { stats | "$PY" -c 'import json,sys; s=json.load(sys.stdin)["seeds"]; print([s[k] for k in sorted(s)])'; }
OED_STORE="$t/growr.db" $BENCH -c 1 --max-concurrency 1 -m openai:m "$t/nfirst.yaml" >"$t/out" 2>"$t/err"
expect "grow, n refused: 3 samples, exit 0" "0 30" "$? $(grep -c '"output":"ok"' "$t/out")"
s3=$(seeds)
OED_STORE="$t/growr.db" $BENCH -c 1 --max-concurrency 1 -k 5 -m openai:m "$t/nfirst.yaml" >"$t/out" 2>"$t/err"
expect "grow, n refused: 5 samples, exit 0, 30 from the cache, 50 answers" "0 30 50" \
	"$? $(field "$t/out" bench.summary cache_hits) $(grep -c '"output":"ok"' "$t/out")"
expect "grow, n refused: each input asked samples 3 and 4 alone, seeds 10 and 11" \
	"[[7, 8, 9, 10, 11], [7, 8, 9, 10, 11], [7, 8, 9, 10, 11], [7, 8, 9, 10, 11], [7, 8, 9, 10, 11], [7, 8, 9, 10, 11], [7, 8, 9, 10, 11], [7, 8, 9, 10, 11], [7, 8, 9, 10, 11], [7, 8, 9, 10, 11]]" \
	"$(seeds | "$PY" -c 'import ast,sys; print([[x for x in l if x is not None] for l in ast.literal_eval(sys.stdin.read())])')"
expect "grow, n refused: the first run's seeds" \
	"[[7, 8, 9], [7, 8, 9], [7, 8, 9], [7, 8, 9], [7, 8, 9], [7, 8, 9], [7, 8, 9], [7, 8, 9], [7, 8, 9], [7, 8, 9]]" \
	"$(echo "$s3" | "$PY" -c 'import ast,sys; print([[x for x in l if x is not None] for l in ast.literal_eval(sys.stdin.read())])')"

# 11e. kill -9 mid-run with 5 samples, then the same command: the rerun asks
# exactly the answers the store lacks, and gives the fresh run's items
set --
i=0
while [ $i -lt 20 ]; do i=$((i + 1)); set -- "$@" "[[slow:0.2]][[answer:ok]] g$i"; done
task gkill "$@"
sed -i 's/seed: 7}/seed: 7, samples: 5}/' "$t/gkill.yaml"
OED_STORE="$t/gkill.db" $BENCH -c 1 --max-concurrency 1 -m openai:m "$t/gkill.yaml" >/dev/null 2>&1 &
bpid=$!
wait_stored "$t/gkill.db" 10
kill -9 $bpid
wait $bpid 2>/dev/null
stored=$(sqlite3 "$t/gkill.db" "SELECT count(*) FROM bench_responses")
before=$(stats | "$PY" -c 'import json,sys; print(sum(v for k, v in json.load(sys.stdin)["choices"].items() if " g" in k))')
OED_STORE="$t/gkill.db" $BENCH -m openai:m "$t/gkill.yaml" >"$t/out" 2>"$t/err"
expect "grow resume: exit 0, every stored answer reused" "0 $stored" "$? $(field "$t/out" bench.summary cache_hits)"
after=$(stats | "$PY" -c 'import json,sys; print(sum(v for k, v in json.load(sys.stdin)["choices"].items() if " g" in k))')
expect "grow resume: only the missing answers asked" "$((100 - stored))" "$((after - before))"
[ "$stored" -gt 0 ] && [ "$stored" -lt 100 ] && ok "grow resume: $stored answers stored before the kill" ||
	bad "grow resume: $stored answers stored before the kill"
OED_STORE="$t/gkill-fresh.db" $BENCH -m openai:m "$t/gkill.yaml" >"$t/fresh" 2>/dev/null
expect "grow resume: same items as a fresh run" "$(items "$t/fresh")" "$(items "$t/out")"
start
BENCH="oed-bench -q --base-url $BASE --connect-timeout 2s"

# 12. the Anthropic shape: x-api-key, anthropic-version, max_tokens
task anth '[[answer:ok]] x' '[[fail:1:529]][[answer:ok]] y'
sed -i 's/max_tokens: 16, //' "$t/anth.yaml"
oed-bench -q --base-url "$ROOT" -m anthropic:claude-x "$t/anth.yaml" >"$t/out" 2>"$t/err"
expect "anthropic: exit 0" "0 " "$? $(cat "$t/err")"
expect "anthropic: answers" "1" "$(field "$t/out" bench.summary metrics.exact_match.mean)"
expect "anthropic: finish reason" "end_turn" "$(field "$t/out" bench.item finish_reason)"

# 13. no usage in the answer: counted with oed's tokenizer, marked estimated
task nousage '[[nousage]][[answer:ok fine]] u'
OED_VOCAB_DIR="$top_srcdir/data" $BENCH -m openai:m "$t/nousage.yaml" >"$t/out" 2>"$t/err"
expect "usage: estimated" "true 2" "$(field "$t/out" bench.item tokens_estimated) $(field "$t/out" bench.item tokens_out)"
expect "usage: summary says so" "true" "$(field "$t/out" bench.summary tokens_estimated)"

# 14. --rpm: 6 requests at 120 a minute (2 a second, a burst of 2) take 2 s
task rpm '[[answer:ok]] r1' '[[answer:ok]] r2' '[[answer:ok]] r3' '[[answer:ok]] r4' '[[answer:ok]] r5' '[[answer:ok]] r6'
s0=$(date +%s%N)
$BENCH --rpm 120 -m openai:m "$t/rpm.yaml" >"$t/out" 2>"$t/err"
s1=$(date +%s%N)
ms=$(((s1 - s0) / 1000000))
[ $ms -ge 1900 ] && [ $ms -lt 6000 ] && ok "rpm: budget kept ($ms ms)" || bad "rpm: took $ms ms"

# 15. the planted key is nowhere: records, messages, verbose logs, the store
task keys '[[answer:ok]] k' '[[error:401]] l'
$BENCH -v -m openai:m "$t/keys.yaml" >"$t/out" 2>"$t/err"
expect "keys: 401 stops the run" "1" "$?"
n=$(stats | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["auth"]))')
[ "$n" -ge 1 ] && ok "keys: the server got a key" || bad "keys: no key sent"
if grep -rq "$KEY" "$t"/out* "$t"/err "$t"/part "$t"/fresh "$t"/*.db* 2>/dev/null; then
	bad "keys: the key leaked"
else
	ok "keys: absent from output, messages and the store"
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
