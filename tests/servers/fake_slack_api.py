#!/usr/bin/python3
"""A fake Slack Web API (the two methods oed-monitor's slack source calls),
on 127.0.0.1 at an ephemeral port, python3 standard library only.

GET /api/conversations.history?channel&limit&oldest&latest&cursor
    the channel's top-level messages with oldest < ts < latest, newest
    first, limit a page, response_metadata.next_cursor while more follow
GET /api/conversations.replies?channel&ts&limit&cursor
    the thread: its parent first, then the replies, oldest first

As Slack does, errors are HTTP 200 with {"ok": false, "error": ...}:
invalid_auth unless "Authorization: Bearer TOKEN" (--token),
channel_not_found for another channel than --channel, thread_not_found.
Messages live in memory: POST /control {"add": [{"ts", "text",
"thread_ts"?}...]} adds some (a message whose thread_ts differs from its
ts is a reply: not in the history, counted in its parent's reply_count),
{"rate_limit": N} makes the next N requests answer 429 with Retry-After:
1.  GET /stats gives {"requests": [{"method", "query"}], "rate_limited": N}.

Usage: fake_slack_api.py --port-file FILE --token TOKEN --channel C
"""
import argparse
import json
import threading
import urllib.parse
from decimal import Decimal

from serve import JsonHandler, serve

lock = threading.Lock()
messages = []
requests = []
state = {"rate_limit": 0, "rate_limited": 0}
args = None


def page(sel, q):
    limit = int(q.get("limit", "100"))
    at = int(q.get("cursor") or "0")
    more = at + limit < len(sel)
    return sel[at:at + limit], {"next_cursor": str(at + limit) if more else ""}, more


class Handler(JsonHandler):
    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        if u.path == "/stats":
            with lock:
                return self.answer(200, {"requests": requests, **state})
        q = {k: v[0] for k, v in urllib.parse.parse_qs(u.query).items()}
        method = u.path.rsplit("/", 1)[-1]
        with lock:
            requests.append({"method": method, "query": q})
            if state["rate_limit"] > 0:
                state["rate_limit"] -= 1
                state["rate_limited"] += 1
                return self.answer(429, {"ok": False, "error": "ratelimited"},
                                   [("Retry-After", "1")])
            msgs = [dict(m) for m in messages]
        if self.headers.get("Authorization") != "Bearer " + args.token:
            return self.answer(200, {"ok": False, "error": "invalid_auth"})
        if q.get("channel") != args.channel:
            return self.answer(200, {"ok": False, "error": "channel_not_found"})
        for m in msgs:
            if m.get("thread_ts") == m["ts"]:
                m["reply_count"] = sum(1 for r in msgs
                                       if r.get("thread_ts") == m["ts"] and r["ts"] != m["ts"])
        if method == "conversations.history":
            oldest = Decimal(q.get("oldest", "0"))
            latest = Decimal(q["latest"]) if "latest" in q else None
            sel = [m for m in msgs if m.get("thread_ts", m["ts"]) == m["ts"]
                   and Decimal(m["ts"]) > oldest and (latest is None or Decimal(m["ts"]) < latest)]
            sel.sort(key=lambda m: Decimal(m["ts"]), reverse=True)
            data, meta, more = page(sel, q)
            return self.answer(200, {"ok": True, "messages": data, "has_more": more,
                                     "response_metadata": meta})
        if method == "conversations.replies":
            sel = [m for m in msgs if m.get("thread_ts") == q.get("ts")]
            if not sel:
                return self.answer(200, {"ok": False, "error": "thread_not_found"})
            sel.sort(key=lambda m: (m["ts"] != q["ts"], Decimal(m["ts"])))
            data, meta, more = page(sel, q)
            return self.answer(200, {"ok": True, "messages": data, "has_more": more,
                                     "response_metadata": meta})
        self.answer(200, {"ok": False, "error": "unknown_method"})

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(n) or b"{}")
        if self.path != "/control":
            return self.answer(404, {"ok": False, "error": "not_found"})
        with lock:
            messages.extend(body.get("add", []))
            if "rate_limit" in body:
                state["rate_limit"] = body["rate_limit"]
        self.answer(200, {"ok": True})


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--channel", required=True)
    args = p.parse_args()
    serve(Handler, args.port_file)


if __name__ == "__main__":
    main()
