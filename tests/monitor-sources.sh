#!/bin/sh
# oed-monitor's http and slack sources, and --backfill, against fake APIs
# (tests/servers/fake_api.py, fake_slack_api.py) on 127.0.0.1 at ephemeral
# ports: the three ways of paging (cursor, page numbers, Link headers),
# the auth header from the environment, 429 with Retry-After, items
# scored exactly once across runs, the watermark catching a late item and
# staying when max_pages stops a walk,
# Slack's history and replies with cursors and oldest, ok:false, the
# backfill count before --yes (the estimate for judge scorers is checked
# in tests/unit/check_monitor.c), and the secrets kept out of every output
# and the store.  Skips (77) when python3 is missing or a server cannot
# start.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
test_name=monitor-src
. "$top_srcdir/tests/servers/lib.sh"
export OED_DATA_DIR=$top_srcdir/data
export API_TOKEN=tok-sekret-api-0003
serve api fake_api.py --token "$API_TOKEN"
API=$ROOT
export OED_STORE=$t/store.db

control() { "$PY" -c 'import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/control", data=sys.argv[2].encode())).read()' "$1" "$2"; }
stats() { "$PY" -c 'import json, sys, urllib.request
s = json.load(urllib.request.urlopen(sys.argv[1] + "/stats"))
exec(sys.argv[2])' "$1" "$2"; }
# add FIRST COUNT MINUTES_AGO: items iFIRST.. stamped that long ago (a second apart)
add() { control "$API" "$("$PY" -c 'import datetime, json, sys
first, n, ago = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
now = datetime.datetime.now(datetime.timezone.utc)
out = []
for i in range(first, first + n):
    ts = now - datetime.timedelta(minutes=ago) + datetime.timedelta(seconds=i - first)
    out.append({"id": "i%d" % i, "ts": ts.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                "q": "question %d" % i,
                "a": "I cannot help with that." if i % 10 == 0 else "answer %d" % i})
print(json.dumps({"add": out}))' "$@")"; }
items() { grep -c '"kind":"monitor.item"' "$1"; }
# http MONITOR PAGING...: a monitor file for the fake API
http() {
	name=$1
	shift
	{
		echo "monitor: $name"
		echo "source:"
		echo "  type: http"
		printf '  %s\n' "$@"
		echo "  headers: {Authorization: {env: API_TOKEN, prefix: \"Bearer \"}}"
		echo "  since_param: since"
		echo "  until_param: until"
		echo "  lookback: 2h"
		echo "  overlap: 10m"
		echo "id: id"
		echo "fields: {input: q, output: a}"
		echo "scorers: [refusal]"
	} >"$t/$name.yaml"
}

# 1. cursor paging, 429 once: 60 items in three pages, each scored once
add 1 60 60
http cursor "url: $API/cursor" "items: data.items" "cursor: {field: next, param: cursor}"
control "$API" '{"rate_limit": 1}'
oed-monitor "$t/cursor.yaml" >"$t/out1" 2>"$t/err1"
expect "cursor: first run exits 0" 0 $?
expect "cursor: 60 items scored" 60 "$(items "$t/out1")"
expect "cursor: 429 retried, then cursors 25 and 50" "1 - - 25 50" "$(stats "$API" 'print("%d" % s["rate_limited"], " ".join(q["query"].get("cursor", "-") for q in s["requests"]))')"
expect "cursor: every request sends the window start" True "$(stats "$API" 'print(all("since" in q["query"] for q in s["requests"]))')"
oed-monitor "$t/cursor.yaml" >"$t/out2" 2>"$t/err2"
expect "cursor: second run scores nothing" 0 "$(items "$t/out2")"
expect "cursor: the window moved up to the watermark less the overlap" True "$(stats "$API" 'import datetime
r = s["requests"]; p = lambda x: datetime.datetime.fromisoformat(x.replace("Z", "+00:00"))
now = datetime.datetime.now(datetime.timezone.utc)
print(abs((now - p(r[-1]["query"]["since"])).total_seconds() - 600) < 30)')"
add 1000 1 5
oed-monitor "$t/cursor.yaml" >"$t/out3" 2>"$t/err3"
expect "cursor: the late item (within the overlap) is scored, alone" '1 "id":"i1000"' "$(items "$t/out3") $(grep '"kind":"monitor.item"' "$t/out3" | cut -d, -f3)"

# 2. page numbers: the bare array, pages of 25
http page "url: $API/page" "page: {param: page, size_param: per_page, size: 25}"
oed-monitor "$t/page.yaml" >"$t/out4" 2>"$t/err4"
expect "page: run exits 0" 0 $?
expect "page: 61 items scored" 61 "$(items "$t/out4")"
expect "page: pages 1, 2, 3 of 25" "1/25 2/25 3/25" "$(stats "$API" 'print(" ".join(q["query"]["page"] + "/" + q["query"]["per_page"] for q in s["requests"] if q["path"] == "/page"))')"

# 3. Link headers: relative next links among others, in quoted relation lists
http link "url: $API/link" "items: results" "link: true"
oed-monitor "$t/link.yaml" >"$t/out5" 2>"$t/err5"
expect "link: run exits 0" 0 $?
expect "link: 61 items scored, each once" "61 61" "$(items "$t/out5") $(grep '"kind":"monitor.item"' "$t/out5" | cut -d, -f3 | sort -u | wc -l | tr -d ' ')"
expect "link: offsets 0, 20, 40, 60, the window kept" "0 20 40 60 True" "$(stats "$API" 'r = [q["query"] for q in s["requests"] if q["path"] == "/link"]
print(" ".join(q.get("offset", "0") for q in r), all("since" in q for q in r))')"

# 4. a wrong token: the run fails and says so; the token is not in the message
API_TOKEN=tok-sekret-wrong oed-monitor "$t/cursor.yaml" >"$t/out6" 2>"$t/err6"
expect "wrong token exits 1" 1 $?
expect "wrong token message" "oed-monitor: http: page 1: HTTP 401: unauthorized" "$(cat "$t/err6")"

# 5. backfill: 20 items two days back, past the lookback
add 2000 20 2880
wm() { sqlite3 "$OED_STORE" "SELECT until FROM monitor_watermarks w JOIN monitor_sources s ON s.id = w.source_id WHERE s.monitor = 'cursor'"; }
scored() { sqlite3 "$OED_STORE" "SELECT count(*) FROM scored_items"; }
wm0=$(wm) n0=$(scored)
oed-monitor --backfill 3d..1d "$t/cursor.yaml" >"$t/out7" 2>"$t/err7"
expect "backfill: exits 0" 0 $?
expect "backfill: nothing on stdout" "" "$(cat "$t/out7")"
expect "backfill: the count and no model calls" "20 items, 20 not scored yet, 20 to score; no model calls|oed-monitor: nothing scored: run again with --yes to score them" "$(sed -n 's/.*to [0-9TZ:.-]*: //p' "$t/err7" | head -1)|$(sed -n 2p "$t/err7")"
expect "backfill: the window sent" True "$(stats "$API" 'import datetime
q = s["requests"][-1]["query"]; p = lambda x: datetime.datetime.fromisoformat(x.replace("Z", "+00:00"))
now = datetime.datetime.now(datetime.timezone.utc)
print(abs((now - p(q["since"])).total_seconds() - 3 * 86400) < 30)')"
expect "backfill: nothing stored" "$n0" "$(scored)"
oed-monitor --backfill 3d..1d --yes "$t/cursor.yaml" >"$t/out8" 2>"$t/err8"
expect "backfill --yes: exits 0" 0 $?
expect "backfill --yes: the 20 scored" 20 "$(items "$t/out8")"
expect "backfill --yes: the count came first" 1 "$(grep -c '20 items, 20 not scored yet, 20 to score' "$t/err8")"
expect "backfill --yes: the watermark stayed" "$wm0" "$(wm)"
expect "status: the watermark, as RFC 3339" True "$(oed-monitor --status "$t/cursor.yaml" | "$PY" -c 'import datetime, json, sys
r = json.loads(sys.stdin.readline())
print(abs(datetime.datetime.fromisoformat(r["watermark"].replace("Z", "+00:00")).timestamp() - float(sys.argv[1])) < 0.001)' "$(wm)")"
oed-monitor -y --backfill 3d.. "$t/cursor.yaml" >"$t/out9" 2>"$t/err9"
expect "backfill again: nothing new, nothing scored" "0|81 items, 0 not scored yet, 0 to score; no model calls" "$(items "$t/out9")|$(sed -n 's/.*to [0-9TZ:.-]*: //p' "$t/err9" | head -1)"

# 5b. max_pages stops the walk: the items' times are unknown to the
# source, so the watermark stays; the next run goes on from the next
# cursor over the same window (61 items: 50, then 11), and moves the
# watermark once the walk ends
http capped "url: $API/cursor" "items: data.items" "cursor: {field: next, param: cursor}" "max_pages: 2"
cwm() { sqlite3 "$OED_STORE" "SELECT until FROM monitor_watermarks w JOIN monitor_sources s ON s.id = w.source_id WHERE s.monitor = '$1'"; }
resume() { sqlite3 "$OED_STORE" "SELECT position, until - since > 0 FROM monitor_resume r JOIN monitor_sources s ON s.id = r.source_id WHERE s.monitor = '$1'"; }
oed-monitor "$t/capped.yaml" >"$t/out10" 2>"$t/err10"
expect "max_pages: 50 scored, the rest announced" "0 50 oed-monitor: warning: http: stopped after 2 pages (max_pages): the next run goes on from there (the watermark stays till then)" \
	"$? $(items "$t/out10") $(cat "$t/err10")"
expect "max_pages: no watermark saved, where it stopped kept" "|50|1" "$(cwm capped)|$(resume capped)"
q0=$(stats "$API" 'print(len(s["requests"]))')
oed-monitor "$t/capped.yaml" >"$t/out10b" 2>"$t/err10b"
expect "max_pages, next run: the rest scored, from cursor 50, over the first run's window" \
	"0 11 50 True" "$? $(items "$t/out10b") $(stats "$API" 'r = s["requests"]['"$q0"']; print(r["query"]["cursor"], end=" ")
print(r["query"]["since"] == s["requests"]['"$((q0 - 1))"']["query"]["since"])')"
expect "max_pages, next run: the walk done, the watermark saved" "1|" \
	"$([ -n "$(cwm capped)" ] && echo 1)|$(resume capped)"
oed-monitor "$t/capped.yaml" >"$t/out10c" 2>"$t/err10c"
expect "max_pages, then: nothing new" "0 0 " "$? $(items "$t/out10c") $(cat "$t/err10c")"
# page paging the same way, two pages of 10 a run
http pcapped "url: $API/page" "page: {param: page, size_param: per_page, size: 10}" "max_pages: 2"
oed-monitor "$t/pcapped.yaml" >"$t/out11" 2>/dev/null
expect "max_pages, pages: 20 scored, page 3 kept" "0 20 3|1" "$? $(items "$t/out11") $(resume pcapped)"
oed-monitor "$t/pcapped.yaml" >"$t/out11b" 2>/dev/null
expect "max_pages, pages: the next 20, page 5 kept" "0 20 5|1" "$? $(items "$t/out11b") $(resume pcapped)"

# 6. slack: history and replies, cursors, oldest, ok:false, 429
export SLACK_TOKEN=xoxb-sekret-slack-0004
serve slack fake_slack_api.py --token "$SLACK_TOKEN" --channel C0TEST
SL=$ROOT
# msgs FIRST COUNT MINUTES_AGO [THREADS]: messages, every 10th a thread parent with 3 replies
msgs() { control "$SL" "$("$PY" -c 'import json, sys, time
first, n, ago = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
t0 = time.time() - ago * 60
out = []
for i in range(first, first + n):
    ts = "%.6f" % (t0 + (i - first) + 0.000101)
    out.append({"ts": ts, "text": "I cannot help with that." if i % 7 == 0 else "message %d" % i})
    if i % 10 == 0:
        out[-1]["thread_ts"] = ts
        for k in range(3):
            out.append({"ts": "%.6f" % (t0 + (i - first) + 0.5 + k * 0.1), "thread_ts": ts, "text": "reply %d.%d" % (i, k)})
print(json.dumps({"add": out}))' "$@")"; }
cat >"$t/slack.yaml" <<EOF
monitor: slack
source:
  type: slack
  token_env: SLACK_TOKEN
  channel: C0TEST
  replies: true
  base_url: $SL/api
  page_size: 10
  lookback: 2h
id: id
fields: {input: channel, output: text}
scorers: [refusal]
EOF
msgs 1 30 60
control "$SL" '{"rate_limit": 1}'
oed-monitor "$t/slack.yaml" >"$t/out11" 2>"$t/err11"
expect "slack: run exits 0" 0 $?
expect "slack: 30 messages and 9 replies scored" 39 "$(items "$t/out11")"
expect "slack: ids are channel:ts" 39 "$(grep '"kind":"monitor.item"' "$t/out11" | grep -c '"id":"C0TEST:[0-9]*\.[0-9]\{6\}"')"
expect "slack: 429 retried, history by cursor, three threads" "1 history:- history:- history:10 history:20 replies replies replies" "$(stats "$SL" 'print(s["rate_limited"], " ".join(q["method"].split(".")[1] + (":" + q["query"].get("cursor", "-") if q["method"].endswith("history") else "") for q in s["requests"]))')"
oed-monitor "$t/slack.yaml" >"$t/out12" 2>"$t/err12"
expect "slack: second run scores nothing" 0 "$(items "$t/out12")"
newest=$(grep '"kind":"monitor.item"' "$t/out11" | sed 's/.*"id":"C0TEST:\([0-9.]*\)".*/\1/' | sort -n | tail -1)
expect "slack: oldest = newest message - 600 s" "$("$PY" -c 'from decimal import Decimal; import sys; print(Decimal(sys.argv[1]) - 600)' "$newest")" "$(stats "$SL" 'print([q["query"] for q in s["requests"] if q["method"] == "conversations.history"][-1]["oldest"])')"
msgs 101 1 80
msgs 201 1 65
oed-monitor "$t/slack.yaml" >"$t/out13" 2>"$t/err13"
expect "slack: a late message within the overlap scored, not one older" "1 message 201" "$(items "$t/out13") $(grep '"kind":"monitor.item"' "$t/out13" | sed 's/.*"output":"\([^"]*\)".*/\1/')"
msgs 300 5 2880
wm1=$(sqlite3 "$OED_STORE" "SELECT until FROM monitor_watermarks w JOIN monitor_sources s ON s.id = w.source_id WHERE s.monitor = 'slack'")
oed-monitor --backfill 3d..1d "$t/slack.yaml" >"$t/out16" 2>"$t/err16"
expect "slack backfill: the count, nothing scored" "0 8 items, 8 not scored yet, 8 to score; no model calls" "$? $(sed -n 's/.*to [0-9TZ:.-]*: //p' "$t/err16")"
expect "slack backfill: oldest and latest bound the window" True "$(stats "$SL" 'import time
q = [q["query"] for q in s["requests"] if q["method"] == "conversations.history"][-1]
print(abs(time.time() - 3 * 86400 - float(q["oldest"])) < 30 and abs(time.time() - 86400 - float(q["latest"])) < 30)')"
oed-monitor --backfill 3d..1d --yes "$t/slack.yaml" >"$t/out17" 2>"$t/err17"
expect "slack backfill --yes: the 8 scored, the watermark stayed" "8 $wm1" "$(items "$t/out17") $(sqlite3 "$OED_STORE" "SELECT until FROM monitor_watermarks w JOIN monitor_sources s ON s.id = w.source_id WHERE s.monitor = 'slack'")"
sed 's/C0TEST/C0OTHER/' "$t/slack.yaml" >"$t/slack2.yaml"
oed-monitor "$t/slack2.yaml" >"$t/out14" 2>"$t/err14"
expect "slack: ok:false names Slack's error" "1 oed-monitor: slack: conversations.history: 'channel_not_found'" "$? $(cat "$t/err14")"
SLACK_TOKEN=xoxb-sekret-wrong oed-monitor "$t/slack.yaml" >"$t/out15" 2>"$t/err15"
expect "slack: a wrong token" "1 oed-monitor: slack: conversations.history: 'invalid_auth'" "$? $(cat "$t/err15")"
# max_pages stops the history (newest first): what it did not read is
# older, so the watermark stays and the next run goes on below the oldest
# message read; the watermark moves, to the newest of the first walk, once
# the walk is done.  Each message and reply scored once over the runs.
sed -e 's/^monitor: slack$/monitor: slackcap/' -e 's/page_size: 10/page_size: 10\n  max_pages: 1/' "$t/slack.yaml" >"$t/slackcap.yaml"
swm() { sqlite3 "$OED_STORE" "SELECT printf('%.6f', until) FROM monitor_watermarks w JOIN monitor_sources s ON s.id = w.source_id WHERE s.monitor = 'slackcap'"; }
oed-monitor "$t/slackcap.yaml" >"$t/out18" 2>"$t/err18"
expect "slack max_pages: the rest announced" "0 oed-monitor: warning: slack: conversations.history: stopped after 1 pages (max_pages): the next run goes on with older messages (the watermark stays till then)" \
	"$? $(cat "$t/err18")"
expect "slack max_pages: no watermark saved" "" "$(swm)"
first_newest=$(grep '"kind":"monitor.item"' "$t/out18" | sed 's/.*"id":"C0TEST:\([0-9.]*\)".*/\1/' | sort -n | tail -1)
runs=1
while grep -q "stopped after" "$t/err18" && [ $runs -lt 20 ]; do
	cat "$t/out18" >>"$t/out18-all"
	q0=$(stats "$SL" 'print(len(s["requests"]))')
	oed-monitor "$t/slackcap.yaml" >"$t/out18" 2>"$t/err18"
	runs=$((runs + 1))
	if [ $runs = 2 ]; then
		expect "slack max_pages, next run: latest = the oldest message read" \
			"$(grep '"kind":"monitor.item"' "$t/out18-all" | grep -v '"thread_ts"' | sed 's/.*"id":"C0TEST:\([0-9.]*\)".*/\1/' | sort -n | head -1)" \
			"$(stats "$SL" 'print([q["query"] for q in s["requests"]['"$q0"':] if q["method"] == "conversations.history"][0].get("latest"))')"
	fi
done
cat "$t/out18" >>"$t/out18-all"
# what one run without max_pages scores now, under another monitor's name
sed -e 's/^monitor: slack$/monitor: slackall/' "$t/slack.yaml" >"$t/slackall.yaml"
oed-monitor "$t/slackall.yaml" >"$t/out19" 2>/dev/null
expect "slack max_pages: the walk took a run per 10 messages" yes "$([ $runs -ge 3 ] && [ $runs -lt 20 ] && echo yes)"
expect "slack max_pages: the walk ends, each item scored once, as one whole run scores them" \
	"0 $(items "$t/out19")" "$(grep '"kind":"monitor.item"' "$t/out18-all" | sort | uniq -d | wc -l) $(items "$t/out18-all")"
expect "slack max_pages: then the watermark is the first walk's newest" "$first_newest" "$(swm)"

# 7. the secrets are nowhere
if cat "$t"/out* "$t"/err* | grep -q 'sekret' ||
   grep -q 'sekret' "$OED_STORE" "$OED_STORE-wal" 2>/dev/null ||
   sqlite3 "$OED_STORE" .dump | grep -q 'sekret'; then
	bad "a secret leaked"
else
	ok "secrets kept out of outputs and the store"
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
