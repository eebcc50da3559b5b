#!/usr/bin/python3
"""A fake model server for oed-bench's tests: OpenAI Chat Completions
(POST /v1/chat/completions) and Anthropic Messages (POST /v1/messages) on
127.0.0.1 at an ephemeral port, python3 standard library only.

It answers deterministically, and the prompt steers it: directives in the
last user message, [[name:arg]], say what to do with that prompt.

  [[answer:TEXT]]      answer TEXT (default: "echo: " + the prompt)
  [[fail:K:STATUS]]    the first K requests for this prompt get STATUS
                       (429 and 503 come with Retry-After: 0)
  [[retry-after:S]]    the first request gets 429 with Retry-After: S
  [[reset-ms:MS]]      the first request gets 429 with
                       x-ratelimit-reset-requests: MSms and no Retry-After
  [[quota]]            429 with error code insufficient_quota, always
  [[slow:S]]           sleep S seconds before answering
  [[malformed]]        200 with a truncated JSON body
  [[reset]]            close the connection without an answer, always
  [[nousage]]          no usage in the answer
  [[error:STATUS]]     STATUS with an error body, always
  [[verdict:V]]        a judge's answer: "Reasoning for V." and a final
                       line "VERDICT: V"; when several are in the prompt
                       the first one counts (so a judge prompt holding two
                       outputs answers after the one it shows first)

Server-wide (arguments): --max-concurrent N answers 429 above N requests
in flight; n > 1 is refused with 400, as some servers do, unless --n
(then n choices come back, the i-th answer followed by " #i" from the
second on; or, when the request has a seed, every answer followed by
" #S" with S = seed + i: deterministic per seed, as if choice i had been
asked alone with that seed).  GET /stats gives {"requests": {prompt:
count}, "choices": {prompt: the answers asked, n summed},
"n_requests": N (asking n > 1, refused or not), "max_in_flight": N,
"refused": N, "auth": [header values seen, hashed], "seeds": {prompt: the
seeds of the requests taken, in order, null for none}} so tests can check
what was asked.

Usage: fake_llm.py --port-file FILE [--max-concurrent N] [--n]
Writes the port to FILE once listening; stops on SIGTERM.
"""
import argparse
import hashlib
import http.server
import json
import re
import threading
import time

from serve import serve

lock = threading.Lock()
counts = {}
choices = {}
seeds = {}
in_flight = 0
max_in_flight = 0
refused = 0
n_requests = 0
auth_seen = set()
args = None

DIRECTIVE = re.compile(r"\[\[([a-z-]+)(?::([^\]]*))?\]\]")


def directives(prompt):
    return {m.group(1): m.group(2) or "" for m in DIRECTIVE.finditer(prompt)}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def send_json(self, status, obj, headers=None, raw=None):
        body = raw if raw is not None else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/stats":
            with lock:
                self.send_json(200, {"requests": counts, "choices": choices, "max_in_flight": max_in_flight,
                                     "refused": refused, "n_requests": n_requests, "auth": sorted(auth_seen),
                                     "seeds": seeds})
        else:
            self.send_json(404, {"error": {"message": "not found"}})

    def do_POST(self):
        global in_flight, max_in_flight, refused, n_requests
        n = int(self.headers.get("Content-Length", "0"))
        try:
            req = json.loads(self.rfile.read(n))
        except ValueError:
            self.send_json(400, {"error": {"message": "bad JSON"}})
            return
        anthropic = self.path.endswith("/v1/messages")
        for h in ("Authorization", "x-api-key"):
            if self.headers.get(h):
                auth_seen.add(hashlib.sha256(self.headers[h].encode()).hexdigest()[:12])
        if anthropic:
            if not self.headers.get("anthropic-version"):
                self.send_json(400, {"type": "error", "error": {"type": "invalid_request_error",
                                     "message": "anthropic-version header is required"}})
                return
            if "max_tokens" not in req:
                self.send_json(400, {"type": "error", "error": {"type": "invalid_request_error",
                                     "message": "max_tokens: Field required"}})
                return
        if not anthropic and req.get("n", 1) != 1:
            with lock:
                n_requests += 1
            if not args.n:
                self.send_json(400, {"error": {"message": "n > 1 is not supported", "type": "invalid_request_error"}})
                return
        users = [m for m in req.get("messages", []) if m.get("role") == "user"]
        prompt = users[-1]["content"] if users else ""
        d = directives(prompt)
        with lock:
            counts[prompt] = counts.get(prompt, 0) + 1
            choices[prompt] = choices.get(prompt, 0) + (1 if anthropic else req.get("n", 1))
            seeds.setdefault(prompt, []).append(req.get("seed"))
            seen = counts[prompt]
            in_flight += 1
            max_in_flight = max(max_in_flight, in_flight)
            over = args.max_concurrent and in_flight > args.max_concurrent
            if over:
                refused += 1
        try:
            self.answer(req, prompt, d, seen, over, anthropic)
        finally:
            with lock:
                in_flight -= 1

    def answer(self, req, prompt, d, seen, over, anthropic):
        if "slow" in d:
            time.sleep(float(d["slow"]))
        else:
            time.sleep(0.02)  # let concurrent requests overlap
        if over:
            self.send_json(429, {"error": {"message": "Rate limit reached", "type": "rate_limit"}},
                           {"Retry-After": "0"})
            return
        if "quota" in d:
            self.send_json(429, {"error": {"message": "You exceeded your current quota.",
                                           "type": "insufficient_quota", "code": "insufficient_quota"}})
            return
        if "error" in d:
            self.send_json(int(d["error"]), {"error": {"message": "Invalid request: no such model"}})
            return
        if "fail" in d:
            k, status = d["fail"].split(":")
            if seen <= int(k):
                self.send_json(int(status), {"error": {"message": "try again"}},
                               {"Retry-After": "0"} if status in ("429", "503") else {})
                return
        if "retry-after" in d and seen == 1:
            self.send_json(429, {"error": {"message": "slow down"}}, {"Retry-After": d["retry-after"]})
            return
        if "reset-ms" in d and seen == 1:
            self.send_json(429, {"error": {"message": "slow down"}},
                           {"x-ratelimit-reset-requests": d["reset-ms"] + "ms"})
            return
        if "reset" in d:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        text = d["answer"] if "answer" in d else "echo: " + prompt
        if "verdict" in d and "answer" not in d:
            v = next(m.group(2) or "" for m in DIRECTIVE.finditer(prompt) if m.group(1) == "verdict")
            text = "Reasoning for %s.\nVERDICT: %s" % (v, v)
        model = req.get("model", "?") + "-2024-01-01"
        if anthropic:
            body = {"id": "msg_1", "type": "message", "role": "assistant", "model": model,
                    "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
                    "usage": {"input_tokens": len(prompt.split()), "output_tokens": len(text.split())}}
        else:
            body = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000,
                    "model": model, "system_fingerprint": "fp_test",
                    "choices": [{"index": i, "finish_reason": "stop",
                                 "message": {"role": "assistant",
                                             "content": text + suffix(req, i)}}
                                for i in range(req.get("n", 1))],
                    "usage": {"prompt_tokens": len(prompt.split()), "completion_tokens": len(text.split()),
                              "total_tokens": len(prompt.split()) + len(text.split())}}
        if "nousage" in d:
            body.pop("usage")
        raw = json.dumps(body).encode()
        if "malformed" in d:
            raw = raw[: len(raw) // 2]
        self.send_json(200, None, raw=raw)


def suffix(req, i):
    if args.n and isinstance(req.get("seed"), int):
        return " #%d" % (req["seed"] + i)
    return " #%d" % i if i else ""


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--max-concurrent", type=int, default=0)
    p.add_argument("--n", action="store_true")
    args = p.parse_args()
    serve(Handler, args.port_file, quiet_errors=True)


if __name__ == "__main__":
    main()
