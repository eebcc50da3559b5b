#!/usr/bin/python3
"""A fake webhook and Slack incoming-webhook sink for oed-monitor's tests,
on 127.0.0.1 at an ephemeral port, python3 standard library only.

POST /slack/...   answers 200 "ok" (Slack's success)
POST anything     answers 200 "{}"
Every POST is recorded: its path, body, and the headers Content-Type and
X-Oed-Signature (or the one named by --signature-header).

Failures on demand: POST /control with {"fail": N, "status": S,
"retry_after": R} makes the next N POSTs answer S (with Retry-After: R
when R is given; a Slack path gets the body "rate_limited" or
"internal_error").  GET /stats gives {"posts": [{"path", "body",
"headers"}...], "refused": N}.

Usage: fake_sink.py --port-file FILE
Writes the port to FILE once listening; stops on SIGTERM.
"""
import argparse
import http.server
import json
import threading

from serve import serve

lock = threading.Lock()
posts = []
plan = {"fail": 0, "status": 500, "retry_after": None}
refused = 0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def answer(self, status, body, extra=()):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path != "/stats":
            return self.answer(404, "not found")
        with lock:
            body = json.dumps({"posts": posts, "refused": refused})
        self.answer(200, body, [("Content-Type", "application/json")])

    def do_POST(self):
        global refused
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode("utf-8", "replace")
        if self.path == "/control":
            with lock:
                plan.update(json.loads(body))
            return self.answer(200, "{}")
        slack = self.path.startswith("/slack")
        with lock:
            if plan["fail"] > 0:
                plan["fail"] -= 1
                refused += 1
                extra = []
                if plan.get("retry_after") is not None:
                    extra.append(("Retry-After", str(plan["retry_after"])))
                st = plan["status"]
                text = ("rate_limited" if st == 429 else "internal_error") if slack else "{}"
                return self.answer(st, text, extra)
            posts.append({"path": self.path, "body": body,
                          "headers": {k: self.headers.get(k) for k in
                                      ("Content-Type", args.signature_header)
                                      if self.headers.get(k) is not None}})
        self.answer(200, "ok" if slack else "{}")


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--signature-header", default="X-Oed-Signature")
    args = p.parse_args()
    serve(Handler, args.port_file)


if __name__ == "__main__":
    main()
