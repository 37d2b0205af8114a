"""A small web server on loopback that answers as the links in a catalogue do: fine, missing,
asking for credentials, failing, redirected (within the server, or away to any URL), in a loop,
refusing HEAD, too slow. It counts requests in flight (per host name asked for, and overall) and
records the most seen at once. It listens on IPv4 or IPv6, whichever its host is."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SLOW_SECONDS = 2.0
# How long /busy/… answers take: long enough for requests to overlap.
BUSY_SECONDS = 0.05


class LinkServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, 0), _Handler)
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str]] = []  # (method, path)
        self.user_agents: set[str] = set()
        self.in_flight = 0
        self.most_in_flight = 0

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        scheme = "https" if isinstance(self.socket, ssl.SSLSocket) else "http"
        return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def paths_requested(self) -> Counter[str]:
        with self.lock:
            return Counter(path for _, path in self.requests)

    def methods_for(self, path: str) -> list[str]:
        with self.lock:
            return [method for method, p in self.requests if p == path]

    @contextmanager
    def counting(self, method: str, path: str, user_agent: str) -> Iterator[None]:
        with self.lock:
            self.requests.append((method, path))
            self.user_agents.add(user_agent)
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            yield
        finally:
            with self.lock:
                self.in_flight -= 1


class _Handler(BaseHTTPRequestHandler):
    server: LinkServer
    protocol_version = "HTTP/1.1"

    def do_HEAD(self) -> None:
        self.answer(body=False)

    def do_GET(self) -> None:
        self.answer(body=True)

    def answer(self, *, body: bool) -> None:
        path = self.path
        with self.server.counting(self.command, path, self.headers.get("User-Agent", "")):
            status, location = self.outcome(path, body)
        # Sent once the request no longer counts as in flight: the checker may start its next
        # request the moment this response arrives, before this thread could count this one out.
        self.send(status, body, location=location)

    @staticmethod
    def outcome(path: str, body: bool) -> tuple[int, str | None]:
        if path == "/ok" or path.startswith("/file/"):
            return 200, None
        if path == "/missing":
            return 404, None
        if path == "/secret":
            return 401, None
        if path == "/error":
            return 500, None
        if path == "/redirect":
            return 302, "/ok"
        if path.startswith("/away?"):
            return 302, parse_qs(urlsplit(path).query)["to"][0]
        if path == "/loop":
            return 302, "/loop"
        if path == "/no-head":
            return (200 if body else 405), None
        if path == "/slow":
            time.sleep(SLOW_SECONDS)
            return 200, None
        if path.startswith("/busy/"):
            time.sleep(BUSY_SECONDS)
            return 200, None
        return 404, None

    def send(self, status: int, body: bool, location: str | None = None) -> None:
        content = b"x" * 4096
        try:
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            if body:
                self.wfile.write(content)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the checker hangs up after a sample of the body, or after its timeout

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serving(host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> Iterator[LinkServer]:
    """A LinkServer on `host` (over TLS with the `tls` server context if given), until the block ends."""
    server = LinkServer(host)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def closed_port_url(path: str = "/file.csv") -> str:
    """A URL on loopback where nothing listens: connection refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"
