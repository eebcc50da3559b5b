#!/bin/sh
# oed-monitor's publishers against a fake webhook / Slack sink
# (tests/servers/fake_sink.py) on 127.0.0.1 at an ephemeral port:
# notifications on transitions only, the HMAC signature, Slack's shape and
# escaping, a failed publish kept in the outbox and sent once by the next
# run, 429 with Retry-After, and the secrets kept out of every output and
# the store.  Skips (77) when python3 is missing or the sink cannot start.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
test_name=monitor-net
. "$top_srcdir/tests/servers/lib.sh"
serve sink fake_sink.py
export OED_STORE=$t/store.db
export HOOK_URL=$ROOT/hook
export SLACK_URL=$ROOT/slack/T000/B000/sekretslackpath
export HOOK_KEY=hmac-sekret-key

control() { "$PY" -c 'import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/control", data=sys.argv[2].encode())).read()' "$ROOT" "$1"; }
# posts PATH-PREFIX: how many bodies the sink kept on paths starting so
posts() { "$PY" -c 'import json, sys, urllib.request
s = json.load(urllib.request.urlopen(sys.argv[1] + "/stats"))
print(sum(1 for p in s["posts"] if p["path"].startswith(sys.argv[2])))' "$ROOT" "$1"; }
: >"$t/items.jsonl"
n=0
add() { for o in "$@"; do n=$((n + 1)); echo "{\"id\":\"$n\",\"output\":\"$o\"}"; done >>"$t/items.jsonl"; }
cat >"$t/m.yaml" <<EOF
monitor: net
source: {type: jsonl, path: items.jsonl}
id: id
scorers: [refusal]
alerts:
  - {name: "refusals <b> & co", scorer: refusal, stat: mean, op: ">", value: 0.5, min_n: 2}
publish:
  - {type: webhook, url_env: HOOK_URL, secret_env: HOOK_KEY}
  - {type: slack, webhook_env: SLACK_URL, on: [firing]}
EOF
R="I cannot help with that."

# 1. fires: one webhook body, one Slack message, exit 4
add "$R" "$R"
oed-monitor "$t/m.yaml" >"$t/out1" 2>"$t/err1"
expect "firing exits 4" 4 $?
expect "one webhook body" 1 "$(posts /hook)"
expect "one slack message" 1 "$(posts /slack)"
got=$("$PY" -c 'import hashlib, hmac, json, sys, urllib.request
s = json.load(urllib.request.urlopen(sys.argv[1] + "/stats"))
p = [p for p in s["posts"] if p["path"] == "/hook"][0]
want = "sha256=" + hmac.new(sys.argv[2].encode(), p["body"].encode(), hashlib.sha256).hexdigest()
r = json.loads(p["body"])
print(p["headers"].get("X-Oed-Signature") == want, r["kind"], r["transition"], p["headers"]["Content-Type"])' "$ROOT" "$HOOK_KEY")
expect "webhook: signed JSON alert record" "True monitor.alert firing application/json" "$got"
got=$("$PY" -c 'import json, sys, urllib.request
s = json.load(urllib.request.urlopen(sys.argv[1] + "/stats"))
b = json.loads([p for p in s["posts"] if p["path"].startswith("/slack")][0]["body"])
t = b["text"]; sec = b["blocks"][0]
print("&lt;b&gt; &amp; co" in t, "<b>" in t, sec["type"], sec["text"]["type"], sec["text"]["text"] == t)' "$ROOT")
expect "slack: blocks, fallback text, escaped" "True False section mrkdwn True" "$got"

# 2. still firing: nothing sent again
add "$R" "$R"
oed-monitor "$t/m.yaml" >/dev/null 2>&1
expect "still firing exits 4" 4 $?
expect "no second webhook body" 1 "$(posts /hook)"

# 3. resolves while the webhook fails: kept, then sent once by the next run
control '{"fail": 10, "status": 500}'
add ok ok
oed-monitor "$t/m.yaml" >"$t/out3" 2>"$t/err3"
expect "resolved exits 0" 0 $?
expect "a failed publish is reported" 1 "$(grep -c 'publish to webhook (publish 1) failed: HTTP 500: {} (after 3 attempts); kept for the next run' "$t/err3")"
expect "the run says what is left" 1 "$(grep -c '"undelivered":1' "$t/out3")"
expect "nothing delivered yet" 1 "$(posts /hook)"
expect "slack not told of a resolution" 1 "$(posts /slack)"
control '{"fail": 0}'
oed-monitor "$t/m.yaml" >"$t/out4" 2>"$t/err4"
expect "next run exits 0" 0 $?
expect "the kept body is sent" 2 "$(posts /hook)"
oed-monitor "$t/m.yaml" >/dev/null 2>&1
expect "and only once" 2 "$(posts /hook)"

# 4. 429 with Retry-After: waited for, delivered in the same run
control '{"fail": 1, "status": 429, "retry_after": 1}'
add "$R" "$R"
start=$(date +%s)
oed-monitor "$t/m.yaml" >/dev/null 2>"$t/err5"
expect "429 then firing exits 4" 4 $?
expect "429: delivered after the wait" "3 2" "$(posts /hook) $(posts /slack)"
[ $(($(date +%s) - start)) -ge 1 ] && ok "Retry-After waited" || bad "Retry-After not waited"

# 5. secrets: nowhere in outputs, messages or the store
if cat "$t"/out* "$t"/err* | grep -q 'sekret' ||
   sqlite3 "$OED_STORE" .dump 2>/dev/null | grep -q 'sekret'; then
	bad "a secret leaked"
else
	ok "secrets kept out of outputs and the store"
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
