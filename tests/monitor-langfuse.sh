#!/bin/sh
# oed-monitor's langfuse source against a fake Langfuse API
# (tests/servers/fake_langfuse.py) on 127.0.0.1 at an ephemeral port:
# Basic auth, page pagination bounded by fromTimestamp/toTimestamp and
# ordered by timestamp, filters, a page that fails once, 429 with
# Retry-After, the watermark with its overlap catching a late trace, a walk
# stopped by max_pages moving the watermark only as far as it read, and
# the keys kept out of every output and the store.
# Skips (77) when python3 is missing or the server cannot start.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
test_name=monitor-lf
. "$top_srcdir/tests/servers/lib.sh"
export LF_PK=pk-lf-public-0001 LF_SK=sk-lf-sekret-0002
serve server fake_langfuse.py --public-key "$LF_PK" --secret-key "$LF_SK"
export LF_HOST=$ROOT
export OED_STORE=$t/store.db

control() { "$PY" -c 'import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/control", data=sys.argv[2].encode())).read()' "$LF_HOST" "$1"; }
# add FIRST COUNT MINUTES_AGO [NAME]: traces tFIRST.. stamped that long ago (a second apart)
add() { control "$("$PY" -c 'import datetime, json, sys
first, n, ago = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
name = sys.argv[4] if len(sys.argv) > 4 else "answer"
now = datetime.datetime.now(datetime.timezone.utc)
out = []
for i in range(first, first + n):
    ts = now - datetime.timedelta(minutes=ago) + datetime.timedelta(seconds=i - first)
    out.append({"id": "t%d" % i, "name": name, "tags": ["prod"],
                "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                "input": {"question": "q%d" % i},
                "output": {"text": "I cannot help with that." if i % 10 == 0 else "answer %d" % i}})
print(json.dumps({"add": out}))' "$@")"; }
stats() { "$PY" -c 'import json, sys, urllib.request
s = json.load(urllib.request.urlopen(sys.argv[1] + "/stats"))
exec(sys.argv[2])' "$LF_HOST" "$1"; }
cat >"$t/m.yaml" <<EOF
monitor: lf
source:
  type: langfuse
  host_env: LF_HOST
  public_key_env: LF_PK
  secret_key_env: LF_SK
  filter: {name: answer, tags: [prod]}
  lookback: 2h
  overlap: 10m
  page_size: 50
id: id
fields: {input: input.question, output: output.text}
scorers: [refusal]
EOF

# 1. 120 traces on three pages (and 10 of another name), page 2 fails once
add 1 120 60
add 500 10 50 other
control '{"fail_page": 2}'
oed-monitor "$t/m.yaml" >"$t/out1" 2>"$t/err1"
expect "first run exits 0" 0 $?
expect "first run scores the 120 answers" 120 "$(grep -c '"kind":"monitor.item"' "$t/out1")"
expect "every request bounded, ordered, filtered" "True" "$(stats 'r = s["requests"]; print(all("fromTimestamp" in q and "toTimestamp" in q and q["orderBy"] == "timestamp.asc" and q["name"] == "answer" and q["tags"] == "prod" for q in r))')"
expect "pages 1, 2 (failed, retried), 2, 3" "1 2 2 3" "$(stats 'print(" ".join(q["page"] for q in s["requests"]))')"

# 2. nothing new: the window starts at the watermark less the overlap
oed-monitor "$t/m.yaml" >"$t/out2" 2>"$t/err2"
expect "second run exits 0" 0 $?
expect "second run: nothing new" 0 "$(grep -c '"kind":"monitor.item"' "$t/out2")"
expect "the window moved up to the watermark less the overlap" True "$(stats 'import datetime
r = s["requests"]; p = lambda x: datetime.datetime.fromisoformat(x.replace("Z", "+00:00"))
print(abs((p(r[-1]["fromTimestamp"]) - p(r[0]["toTimestamp"])).total_seconds() + 600) < 5)')"

# 3. a late trace stamped 5 minutes ago (inside the overlap), and a 429 first
add 1000 1 5
control '{"rate_limit": 1}'
oed-monitor "$t/m.yaml" >"$t/out3" 2>"$t/err3"
expect "late trace run exits 0" 0 $?
expect "the late trace is scored" '"id":"t1000"' "$(grep '"kind":"monitor.item"' "$t/out3" | cut -d, -f3)"

# 4. a wrong key: the run fails and says so, without the keys
LF_SK=sk-lf-wrong-sekret oed-monitor "$t/m.yaml" >"$t/out4" 2>"$t/err4"
expect "wrong key exits 1" 1 $?
expect "wrong key message" "oed-monitor: langfuse: GET /api/public/traces page 1: HTTP 401: unauthorized" "$(cat "$t/err4")"

# 5. scores written back: one per (trace, scorer), ids deterministic
sed 's/^monitor: lf$/monitor: lf-write/' "$t/m.yaml" >"$t/m2.yaml"
printf 'publish:\n  - {type: langfuse_scores}\n' >>"$t/m2.yaml"
oed-monitor "$t/m2.yaml" >"$t/out5" 2>"$t/err5"
expect "write-back run exits 0" 0 $?
expect "121 scores, 121 ids, BOOLEAN, on their traces" "121 121 BOOLEAN True" "$(stats 'sc = s["scores"]
print(s["score_posts"], len(sc), " ".join(sorted(set(b["dataType"] for b in sc.values()))),
      all(b["name"] == "refusal" and b["value"] in (0, 1) and b["traceId"].startswith("t") for b in sc.values()))')"
expect "refusals written as 1" 13 "$(stats 'print(sum(1 for b in s["scores"].values() if b["value"] == 1))')"

OED_STORE=$t/other.db oed-monitor "$t/m2.yaml" >"$t/out6" 2>"$t/err6"
expect "scored again from another store: replaced, not duplicated" "242 121" "$(stats 'print(s["score_posts"], len(s["scores"]))')"

# 6. observations: v2 with cursors, a short and an empty page that go on,
# the type filter, the io field group asked for, a 429
control "$("$PY" -c 'import datetime, json
now = datetime.datetime.now(datetime.timezone.utc)
out = []
for i in range(50):
    ts = now - datetime.timedelta(minutes=30) + datetime.timedelta(seconds=i)
    out.append({"id": "o%d" % i, "traceId": "t%d" % i, "type": "SPAN" if i % 10 == 9 else "GENERATION",
                "name": "llm", "startTime": ts.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                "input": {"question": "q%d" % i}, "output": {"text": "answer %d" % i}})
print(json.dumps({"add_observations": out, "short_pages": 2, "rate_limit": 1}))')"
cat >"$t/obs.yaml" <<EOF
monitor: lf-obs
source:
  type: langfuse
  host_env: LF_HOST
  public_key_env: LF_PK
  secret_key_env: LF_SK
  objects: observations
  filter: {type: GENERATION, name: llm}
  page_size: 20
id: id
fields: {input: input.question, output: output.text}
scorers: [refusal]
EOF
oed-monitor "$t/obs.yaml" >"$t/out7" 2>"$t/err7"
expect "observations: run exits 0" 0 $?
expect "observations: the 45 generations, each once, with their output" "45 45 45" "$(grep -c '"kind":"monitor.item"' "$t/out7") $(grep '"kind":"monitor.item"' "$t/out7" | cut -d, -f3 | sort -u | wc -l | tr -d ' ') $(grep -c '"output":"answer' "$t/out7")"
expect "observations: bounded, filtered, io asked for, limit 20" True "$(stats 'r = s["obs_requests"]
print(all("fromStartTime" in q and "toStartTime" in q and q["type"] == "GENERATION" and q["name"] == "llm"
          and "io" in q["fields"].split(",") and q["limit"] == "20" for q in r))')"
expect "observations: 429, an empty and a short page, then cursors to the end" "6 0 1 2 3 4" "$(stats 'import base64, json
r = s["obs_requests"]
print(len(r), " ".join(str(json.loads(base64.b64decode(q["cursor"]))["scan"]) if "cursor" in q else "0" for q in r[1:]))')"
oed-monitor "$t/obs.yaml" >"$t/out8" 2>"$t/err8"
expect "observations: second run scores nothing" 0 "$(grep -c '"kind":"monitor.item"' "$t/out8")"

# 7. backfill: traces two days back, past the lookback; the watermark stays
add 3000 5 2880
wm() { sqlite3 "$OED_STORE" "SELECT until FROM monitor_watermarks w JOIN monitor_sources s ON s.id = w.source_id WHERE s.monitor = 'lf'"; }
wm0=$(wm)
oed-monitor --backfill 3d..1d "$t/m.yaml" >"$t/out9" 2>"$t/err9"
expect "backfill: the count, nothing scored" "0 0 5 items, 5 not scored yet, 5 to score; no model calls" "$? $(grep -c monitor.item "$t/out9") $(sed -n 's/.*to [0-9TZ:.-]*: //p' "$t/err9")"
oed-monitor -y --backfill 3d..1d "$t/m.yaml" >"$t/out10" 2>"$t/err10"
expect "backfill --yes: the 5 scored, the watermark stayed" "5 $wm0" "$(grep -c '"kind":"monitor.item"' "$t/out10") $(wm)"

# 7b. max_pages stops the walk: the watermark goes only as far as the
# newest trace read (oldest first), so the rest comes in the next runs
"$PY" -c 'import datetime, json
now = datetime.datetime.now(datetime.timezone.utc)
print(json.dumps({"add": [{"id": "t%d" % i, "name": "capped", "tags": ["prod"],
    "timestamp": (now - datetime.timedelta(minutes=90, seconds=-(i - 4000))).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
    "input": {"question": "q%d" % i}, "output": {"text": "answer %d" % i}} for i in range(4000, 4120)]}))' >"$t/capped.json"
control "$(cat "$t/capped.json")"
sed -e 's/^monitor: lf$/monitor: lfcap/' -e 's/name: answer/name: capped/' -e 's/overlap: 10m/overlap: 1s/' \
	-e 's/page_size: 50/page_size: 50\n  max_pages: 1/' "$t/m.yaml" >"$t/cap.yaml"
capwm() { sqlite3 "$OED_STORE" "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', until, 'unixepoch') FROM monitor_watermarks w JOIN monitor_sources s ON s.id = w.source_id WHERE s.monitor = 'lfcap'"; }
oed-monitor "$t/cap.yaml" >"$t/out11" 2>"$t/err11"
expect "max_pages: 50 scored, the rest announced" "0 50 oed-monitor: warning: langfuse: stopped after 1 pages (max_pages): the rest is read next run" \
	"$? $(grep -c '"kind":"monitor.item"' "$t/out11") $(cat "$t/err11")"
expect "max_pages: the watermark is the newest trace read (t4049)" \
	"$("$PY" -c 'import json, sys; print([t["timestamp"] for t in json.load(open(sys.argv[1]))["add"] if t["id"] == "t4049"][0])' "$t/capped.json")" \
	"$(capwm)"
oed-monitor "$t/cap.yaml" >"$t/out12" 2>"$t/err12"
oed-monitor "$t/cap.yaml" >"$t/out13" 2>"$t/err13"
cat "$t/out11" "$t/out12" "$t/out13" | grep '"kind":"monitor.item"' | sed 's/.*"id":"\([^"]*\)".*/\1/' >"$t/capids"
expect "max_pages: the rest in the next runs, each once" "120 120 t4000 t4119" \
	"$(wc -l <"$t/capids" | tr -d ' ') $(sort -u "$t/capids" | wc -l | tr -d ' ') $(sort "$t/capids" | sed -n '1p;$p' | tr '\n' ' ' | sed 's/ $//')"

# 8. the keys are nowhere
if cat "$t"/out* "$t"/err* | grep -q 'sekret\|pk-lf-public' ||
   sqlite3 "$OED_STORE" .dump 2>/dev/null | grep -q 'sekret\|pk-lf-public' ||
   sqlite3 "$t/other.db" .dump 2>/dev/null | grep -q 'sekret\|pk-lf-public'; then
	bad "a key leaked"
else
	ok "keys kept out of outputs and the store"
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
