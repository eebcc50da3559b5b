"""What the fake servers share: a threaded HTTP server on 127.0.0.1 at an
ephemeral port, the port written to --port-file (by a rename, so a test
never reads half a number), stopped by SIGTERM.

    from serve import JsonHandler, serve
    class Handler(JsonHandler): ...      # self.answer(200, {...})
    serve(Handler, args.port_file)
"""
import http.server
import json
import os
import signal
import socketserver
import sys


class JsonHandler(http.server.BaseHTTPRequestHandler):
    """Quiet, keep-alive, and answer(status, obj, extra headers) as JSON."""
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def answer(self, status, obj, extra=()):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256
    quiet_errors = False

    def handle_error(self, request, client_address):
        # clients that drop a connection (timeouts, kill -9) may be expected
        if not self.quiet_errors:
            super().handle_error(request, client_address)


def serve(handler, port_file, quiet_errors=False):
    srv = Server(("127.0.0.1", 0), handler)
    srv.quiet_errors = quiet_errors
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    with open(port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    srv.serve_forever()
