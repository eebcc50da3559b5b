#!/usr/bin/python3
"""A fake Langfuse public API for oed-monitor's tests, on 127.0.0.1 at an
ephemeral port, python3 standard library only.

GET /api/public/traces   page pagination (page, limit; meta.totalPages),
                         fromTimestamp / toTimestamp bounds, orderBy
                         timestamp.asc, name, userId and tags filters;
                         HTTP Basic auth checked against --public-key and
                         --secret-key (401 otherwise).
GET /api/public/v2/observations  cursor pagination (limit, cursor; the
                         answer's meta.cursor, absent on the last page),
                         newest first, fromStartTime / toStartTime bounds,
                         type and name filters; only the field groups asked
                         for in "fields" (core and basic when absent: no
                         input or output without "io").
POST /api/public/scores  recorded, upserted by "id" (as Langfuse does).

Traces live in memory: POST /control {"add": [trace...]} adds some (each
with id, timestamp, name, tags ...), {"fail_page": N} makes the next
request for page N answer 500 once, {"rate_limit": 1} makes the next
request answer 429 with Retry-After: 1.  {"add_observations": [...]} adds
observations (id, startTime, type, name, input, output ...), and
{"short_pages": N} makes the next N observation pages stop early (an
empty page the first time) while their cursor goes on, as Langfuse does
for slow queries.  GET /stats gives {"requests": [query dicts],
"obs_requests": [query dicts], "scores": {id: body}, "score_posts": N,
"unauthorized": N}.

Usage: fake_langfuse.py --port-file FILE --public-key PK --secret-key SK
"""
import argparse
import base64
import json
import threading
import urllib.parse

from serve import JsonHandler, serve

lock = threading.Lock()
traces = []
observations = []
obs_requests = []
requests = []
scores = {}
state = {"fail_page": None, "rate_limit": 0, "unauthorized": 0, "score_posts": 0,
         "short_pages": 0}
args = None


class Handler(JsonHandler):
    def authorized(self):
        want = "Basic " + base64.b64encode(
            ("%s:%s" % (args.public_key, args.secret_key)).encode()).decode()
        if self.headers.get("Authorization") == want:
            return True
        with lock:
            state["unauthorized"] += 1
        self.answer(401, {"message": "unauthorized"})
        return False

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        if u.path == "/stats":
            with lock:
                return self.answer(200, {"requests": requests, "obs_requests": obs_requests,
                                         "scores": scores,
                                         "score_posts": state["score_posts"],
                                         "unauthorized": state["unauthorized"]})
        if u.path == "/api/public/v2/observations":
            return self.observations(u)
        if u.path != "/api/public/traces":
            return self.answer(404, {"message": "not found"})
        if not self.authorized():
            return
        q = urllib.parse.parse_qs(u.query)
        one = {k: v[0] if len(v) == 1 else v for k, v in q.items()}
        page = int(one.get("page", "1"))
        limit = int(one.get("limit", "50"))
        with lock:
            requests.append(one)
            if state["rate_limit"] > 0:
                state["rate_limit"] -= 1
                return self.answer(429, {"message": "rate limited"}, [("Retry-After", "1")])
            if state["fail_page"] == page:
                state["fail_page"] = None
                return self.answer(500, {"message": "boom"})
            sel = list(traces)
        if "fromTimestamp" not in one or "toTimestamp" not in one:
            return self.answer(400, {"message": "unbounded"})
        sel = [t for t in sel if one["fromTimestamp"] <= t["timestamp"] < one["toTimestamp"]]
        if "name" in one:
            sel = [t for t in sel if t.get("name") == one["name"]]
        if "userId" in one:
            sel = [t for t in sel if t.get("userId") == one["userId"]]
        tags = q.get("tags", [])
        sel = [t for t in sel if all(x in t.get("tags", []) for x in tags)]
        if one.get("orderBy") == "timestamp.asc":
            sel.sort(key=lambda t: t["timestamp"])
        total = len(sel)
        data = sel[(page - 1) * limit:page * limit]
        self.answer(200, {"data": data, "meta": {"page": page, "limit": limit,
                                                 "totalItems": total,
                                                 "totalPages": (total + limit - 1) // limit}})

    def observations(self, u):
        if not self.authorized():
            return
        q = {k: v[0] for k, v in urllib.parse.parse_qs(u.query).items()}
        limit = int(q.get("limit", "50"))
        cur = json.loads(base64.b64decode(q["cursor"])) if "cursor" in q else {"at": 0, "scan": 0}
        at = cur["at"]
        with lock:
            obs_requests.append(q)
            if state["rate_limit"] > 0:
                state["rate_limit"] -= 1
                return self.answer(429, {"message": "rate limited"}, [("Retry-After", "1")])
            short = state["short_pages"] > 0
            if short:
                state["short_pages"] -= 1
            sel = list(observations)
        if "fromStartTime" in q:
            sel = [o for o in sel if o["startTime"] >= q["fromStartTime"]]
        if "toStartTime" in q:
            sel = [o for o in sel if o["startTime"] < q["toStartTime"]]
        for k in ("type", "name"):
            if k in q:
                sel = [o for o in sel if o.get(k) == q[k]]
        sel.sort(key=lambda o: (o["startTime"], o["id"]), reverse=True)
        groups = set((q.get("fields") or "core,basic").split(",")) | {"core"}
        keep = {"core": ["id", "traceId", "startTime", "endTime", "projectId",
                         "parentObservationId", "type"],
                "basic": ["name", "level", "statusMessage", "version", "environment"],
                "io": ["input", "output"], "metadata": ["metadata"]}
        # a short page: empty the first time, then one observation; its cursor
        # still moves on (the scan went further), as a slow query's does
        n = min(cur["scan"], 1) if short else limit
        data = [{k: o[k] for g in groups for k in keep.get(g, []) if k in o}
                for o in sel[at:at + n]]
        meta = {}
        if at + n < len(sel):
            meta["cursor"] = base64.b64encode(json.dumps(
                {"at": at + n, "scan": cur["scan"] + 1}).encode()).decode()
        self.answer(200, {"data": data, "meta": meta})

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(n) or b"{}")
        if self.path == "/control":
            with lock:
                traces.extend(body.get("add", []))
                observations.extend(body.get("add_observations", []))
                for k in ("fail_page", "rate_limit", "short_pages"):
                    if k in body:
                        state[k] = body[k]
            return self.answer(200, {})
        if self.path != "/api/public/scores":
            return self.answer(404, {"message": "not found"})
        if not self.authorized():
            return
        with lock:
            state["score_posts"] += 1
            scores[body.get("id")] = body
        self.answer(200, {"id": body.get("id")})


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--public-key", required=True)
    p.add_argument("--secret-key", required=True)
    args = p.parse_args()
    serve(Handler, args.port_file)


if __name__ == "__main__":
    main()
