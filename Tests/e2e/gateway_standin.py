"""A stand-in for an outside HTTP SMS gateway: records every request it gets.

Only a party outside the hub is ever replaced like this; the hub itself always runs for real.
"""
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class RecordingGateway:
    def __init__(self, status=200, body="OK id={id}", delay=0.0):
        """`delay`: seconds each request takes before it is answered (a slow gateway);
        requests are recorded when they arrive."""
        self.requests = []
        self.lock = threading.Lock()
        self.status = status
        self.body = body
        self.delay = delay
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                url = urllib.parse.urlsplit(self.path)
                params = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
                if raw and self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                    params.update(urllib.parse.parse_qsl(raw.decode(), keep_blank_values=True))
                with gateway.lock:
                    gateway.requests.append({"method": self.command, "path": url.path, "params": params,
                                             "headers": dict(self.headers), "body": raw})
                    n = len(gateway.requests)
                if gateway.delay:
                    time.sleep(gateway.delay)
                reply = gateway.body.format(id=n).encode()
                self.send_response(gateway.status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            do_GET = _handle
            do_POST = _handle

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def snapshot(self):
        with self.lock:
            return list(self.requests)
