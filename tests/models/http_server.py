"""An HTTP file server on 127.0.0.1 for the sync tests, with faults on demand.

Every file is served from memory and honours ``Range: bytes=N-``. For each path, a test can
queue faults for the next requests: drop the connection part-way, stall longer than the
client's read timeout, send the body at a limited rate, respond with an HTTP error status, or
ignore the range.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FaultyServer:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.faults: dict[str, list[tuple[str, float]]] = {}  # path -> queued faults, used in order
        self.requests: list[tuple[str, str | None]] = []  # (path, Range header)
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # keep test output clean
                pass

            def do_GET(self):
                server.handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: bytes, *faults: tuple[str, float]) -> str:
        self.files[path] = body
        self.faults[path] = list(faults)
        return self.url(path)

    def start(self) -> "FaultyServer":
        self.thread.start()
        return self

    def close(self) -> None:
        self.stop_event.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path
        range_header = request.headers.get("Range")
        with self.lock:
            self.requests.append((path, range_header))
            queue = self.faults.get(path, [])
            fault = queue.pop(0) if queue else ("ok", 0)
        kind, amount = fault

        if kind == "status" or path not in self.files:
            code = int(amount) if kind == "status" else 404
            request.send_response(code)
            request.send_header("Content-Length", "0")
            request.end_headers()
            return

        body = self.files[path]
        start = 0
        if range_header and kind != "ignore_range":
            start = int(range_header.split("=", 1)[1].split("-", 1)[0])
            if start >= len(body):
                request.send_response(416)
                request.send_header("Content-Range", f"bytes */{len(body)}")
                request.send_header("Content-Length", "0")
                request.end_headers()
                return
            request.send_response(206)
            request.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            request.send_response(200)
        payload = body[start:]
        request.send_header("Content-Length", str(len(payload)))
        request.send_header("Accept-Ranges", "bytes")
        request.end_headers()

        if kind == "drop":
            request.wfile.write(payload[: int(amount)])
            request.wfile.flush()
            request.close_connection = True
            request.connection.shutdown(2)
            return
        if kind == "stall":
            request.wfile.write(payload[:1024])
            request.wfile.flush()
            self.stop_event.wait(amount)
            request.close_connection = True
            return
        if kind == "throttle":
            # amount is the rate in bytes per second; the loop ends with the payload, when the
            # client goes away, or when the server closes.
            step = 16 * 1024
            for index in range(0, len(payload), step):
                if self.stop_event.is_set():
                    break
                try:
                    request.wfile.write(payload[index:index + step])
                    request.wfile.flush()
                except OSError:
                    break
                time.sleep(step / amount)
            request.close_connection = True
            return
        if kind == "slow":
            time.sleep(amount)
        request.wfile.write(payload)
