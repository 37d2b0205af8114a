"""A catalogue on loopback that answers as a test tells it: a body with a media type, an error
status, silence longer than the client waits, or a redirect. Records each request and the
User-Agent it came with."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    media_type: str = "application/json"
    location: str | None = None
    delay: float = 0.0


class SourceServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answers: dict[str, Answer] = {}
        self.requests: list[str] = []
        self.user_agents: set[str] = set()
        self.lock = threading.Lock()

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def set(self, path: str, answer: Answer) -> None:
        with self.lock:
            self.answers[path] = answer

    def count(self, path: str) -> int:
        with self.lock:
            return sum(1 for requested in self.requests if requested.split("?")[0] == path)


class _Handler(BaseHTTPRequestHandler):
    server: SourceServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        with self.server.lock:
            self.server.requests.append(self.path)
            self.server.user_agents.add(self.headers.get("User-Agent", ""))
            answer = self.server.answers.get(path, Answer(status=404, body=b"not here"))
        if answer.delay:
            time.sleep(answer.delay)
        self.send_response(answer.status)
        if answer.location:
            self.send_header("Location", answer.location)
        self.send_header("Content-Type", answer.media_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up waiting
            self.wfile.write(answer.body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def source_server() -> Iterator[SourceServer]:
    server = SourceServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
