#!/usr/bin/python3
"""A fake JSON API for oed-monitor's http source, on 127.0.0.1 at an
ephemeral port, python3 standard library only.

Every GET needs "Authorization: Bearer TOKEN" (--token), else 401
{"message": "unauthorized"}.  Items live in memory, each with "ts" (RFC
3339); the optional query parameters since / until keep since <= ts <
until.  Three ways to page the same items, oldest first:

GET /cursor?cursor=C     {"data": {"items": [...25]}, "next": C2 or null}
GET /page?page=N&per_page=M   the bare array of page N (from 1)
GET /link?offset=K       {"results": [...20]} and a Link header with
                         rel="next" (relative, among other links, in a
                         quoted relation list) while more follow

POST /control {"add": [item...]} adds items, {"rate_limit": N} makes the
next N requests answer 429 with Retry-After: 1.  GET /stats gives
{"requests": [{"path", "query"}], "unauthorized": N, "rate_limited": N}.

Usage: fake_api.py --port-file FILE --token TOKEN
"""
import argparse
import json
import threading
import urllib.parse

from serve import JsonHandler, serve

lock = threading.Lock()
items = []
requests = []
state = {"rate_limit": 0, "unauthorized": 0, "rate_limited": 0}
args = None


class Handler(JsonHandler):
    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        if u.path == "/stats":
            with lock:
                return self.answer(200, {"requests": requests, **state})
        q = {k: v[0] for k, v in urllib.parse.parse_qs(u.query).items()}
        with lock:
            requests.append({"path": u.path, "query": q})
            if self.headers.get("Authorization") != "Bearer " + args.token:
                state["unauthorized"] += 1
                return self.answer(401, {"message": "unauthorized"})
            if state["rate_limit"] > 0:
                state["rate_limit"] -= 1
                state["rate_limited"] += 1
                return self.answer(429, {"message": "slow down"}, [("Retry-After", "1")])
            sel = sorted(items, key=lambda x: x["ts"])
        if "since" in q:
            sel = [x for x in sel if x["ts"] >= q["since"]]
        if "until" in q:
            sel = [x for x in sel if x["ts"] < q["until"]]
        if u.path == "/cursor":
            at = int(q.get("cursor", "0"))
            nxt = str(at + 25) if at + 25 < len(sel) else None
            return self.answer(200, {"data": {"items": sel[at:at + 25]}, "next": nxt})
        if u.path == "/page":
            page, size = int(q.get("page", "1")), int(q.get("per_page", "10"))
            return self.answer(200, sel[(page - 1) * size:page * size])
        if u.path == "/link":
            at = int(q.get("offset", "0"))
            rest = {k: v for k, v in q.items() if k != "offset"}
            def ref(k):
                return "/link?" + urllib.parse.urlencode({**rest, "offset": k})
            links = ['<%s>; rel="first"' % ref(0)]
            if at + 20 < len(sel):
                links.append('<%s>; title="more, later"; rel="next last"' % ref(at + 20))
            return self.answer(200, {"results": sel[at:at + 20]},
                               [("Link", ", ".join(links))])
        self.answer(404, {"message": "not found"})

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(n) or b"{}")
        if self.path != "/control":
            return self.answer(404, {"message": "not found"})
        with lock:
            items.extend(body.get("add", []))
            if "rate_limit" in body:
                state["rate_limit"] = body["rate_limit"]
        self.answer(200, {})


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--token", required=True)
    args = p.parse_args()
    serve(Handler, args.port_file)


if __name__ == "__main__":
    main()
