"""A threaded HTTP server on 127.0.0.1 that records every request and answers as scripted.

The Datadog intake, DataHub GMS and PagerDuty receivers build on it: each one decodes the
bodies of its own API; this base only does sockets, recording and fault injection.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None

    def decoded(self) -> bytes:
        encoding = (self.header("Content-Encoding") or "").lower()
        return gzip.decompress(self.body) if encoding == "gzip" else self.body

    def json(self) -> Any:
        return json.loads(self.decoded())


@dataclass
class Fault:
    """One scripted answer: a status, an optional delay before answering, an optional body and headers."""

    status: int
    delay_s: float = 0.0
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], tuple[int, dict[str, str], bytes]]
_Server = TypeVar("_Server", bound="RecordingServer")


@dataclass
class RecordingServer:
    """Records requests; `faults` are consumed one per request before `handler` answers."""

    handler: Handler
    requests: list[Request] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)
    port: int = 0
    latency_s: float = 0.0  # added before every scripted-or-normal answer: a slow server
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def inject(self, *faults: Fault) -> None:
        with self._lock:
            self.faults.extend(faults)

    def wait_for(self, predicate: Callable[[list[Request]], bool], timeout_s: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                seen = list(self.requests)
            # Outside the lock: a predicate may itself read the server.
            if predicate(seen):
                return True
            time.sleep(0.05)
        return False

    def start(self: _Server) -> _Server:
        owner = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; with Nagle on, each response would wait
            # out the client's delayed ACK (~40 ms), capping any client at ~25 requests/s.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Request(self.command, self.path, dict(self.headers.items()), body)
                with owner._lock:
                    fault = owner.faults.popleft() if owner.faults else None
                    if fault is None:
                        owner.requests.append(request)
                if owner.latency_s:
                    time.sleep(owner.latency_s)
                headers: dict[str, str]
                if fault is not None:
                    if fault.delay_s:
                        time.sleep(fault.delay_s)
                    status, headers, payload = fault.status, dict(fault.headers), fault.body
                else:
                    status, headers, payload = owner.handler(request)
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        # A short poll: stop() waits for the serving loop to notice, 0.5 s per server by default.
        server = self._server
        threading.Thread(target=lambda: server.serve_forever(poll_interval=0.05), name="recorder", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@contextmanager
def running(server: _Server) -> Iterator[_Server]:
    server.start()
    try:
        yield server
    finally:
        server.stop()
