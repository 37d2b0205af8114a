"""Running the service as other processes do: the command line, gunicorn, and a child that
commits a change and is killed before it can index it.

Every process runs from the repository root against the test's database and index directory,
on 127.0.0.1 only. Output goes to files (never to pipes nobody reads, which would block a busy
server once full), shown in failure messages.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import requests

from marketplace.config import ENV_KEYS
from tests.production import production_environment

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Variables the app reads: the test decides them all, whatever the caller's shell has set.
APP_VARIABLES = ENV_KEYS
T = TypeVar("T")


def process_env(database_url: str, index_dir: Path, *, production: bool = False) -> dict[str, str]:
    """The environment of a process serving or managing the test's catalogue.

    Production is what gunicorn runs (with the background catch-up every two seconds); the
    command line runs as in the tests (`MARKETPLACE_ENV=test`)."""
    env = {key: value for key, value in os.environ.items() if key not in APP_VARIABLES}
    env.update(
        DATABASE_URL=database_url,
        SEARCH_INDEX_DIR=str(index_dir),
        MARKETPLACE_ENV="production" if production else "test",
        PYTHONUNBUFFERED="1",
    )
    if production:
        # Served on loopback; its address is set per server (see `gunicorn`). These tests drive
        # many writers from one address on purpose: rate limits are proven in test_rate_limits.
        env.update(production_environment("http://127.0.0.1"), RATELIMIT_ENABLED="false")
    return env


def flask_command(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``flask --app marketplace ARGS`` to completion."""
    return subprocess.run(
        [str(BIN / "flask"), "--app", "marketplace", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def explain(result: subprocess.CompletedProcess[str]) -> str:
    """A finished command's exit status and the end of its output, for failure messages."""
    return (
        f"exit {result.returncode}\n--- stdout\n{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}"
    )


@dataclass
class Started:
    """A process started in the background, its output in a file."""

    process: subprocess.Popen
    output: Path

    def log(self) -> str:
        """The end of its output."""
        return self.output.read_text(errors="replace")[-4000:] if self.output.exists() else ""

    def lines_with(self, text: str) -> list[str]:
        """Every line of its output that contains `text`."""
        if not self.output.exists():
            return []
        return [line for line in self.output.read_text(errors="replace").splitlines() if text in line]

    def kill(self) -> None:
        """SIGKILL (if it is still running): no clean-up of any kind runs in the process."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def __enter__(self) -> Started:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.kill()  # never leave it running past the test


def start(command: list[str], env: dict[str, str], output: Path) -> Started:
    with output.open("wb") as sink:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
    return Started(process, output)


def start_flask_command(env: dict[str, str], output: Path, *args: str) -> Started:
    return start([str(BIN / "flask"), "--app", "marketplace", *args], env, output)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    started: Started

    def log(self) -> str:
        return self.started.log()


@contextmanager
def gunicorn(env: dict[str, str], output: Path, *, workers: int) -> Iterator[Server]:
    """`gunicorn wsgi:app` as production runs it, with `workers` processes, until the block ends."""
    port = free_port()
    if "BASE_URL" in env:
        env = {**env, "BASE_URL": f"http://127.0.0.1:{port}"}
    started = start(
        [
            str(BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--graceful-timeout",
            "5",
            "wsgi:app",
        ],
        env,
        output,
    )
    server = Server(f"http://127.0.0.1:{port}", started)
    try:
        deadline = time.monotonic() + PATIENCE_S
        while True:
            try:
                requests.get(f"{server.url}/healthz", timeout=5).raise_for_status()
                break
            except (requests.ConnectionError, requests.Timeout):
                assert started.process.poll() is None, f"gunicorn exited:\n{server.log()}"
                assert time.monotonic() < deadline, f"gunicorn did not start:\n{server.log()}"
                time.sleep(0.1)
        yield server
    finally:
        started.process.terminate()
        try:
            started.process.wait(timeout=PATIENCE_S)
        except subprocess.TimeoutExpired:
            started.kill()


# The most a test waits for a process to start, or to say or reach what it waits for. Each wait
# ends the moment the thing happens, so the bound costs nothing when all is well: it is there so
# that a hang fails its test instead of the run. Generous, because on a busy machine (the suite
# beside the benchmarks and other work, ten processes to a core) gunicorn's workers took more
# than 30 s to import the app and answer, and the suite must pass there too.
PATIENCE_S = 300.0


def wait_for(check: Callable[[], T], *, within: float, interval: float = 0.02) -> T | None:
    """Call `check` until it returns something truthy or `within` seconds pass; its last result."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if result or time.monotonic() >= deadline:
            return result
        time.sleep(interval)
