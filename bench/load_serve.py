"""gunicorn for the load benchmark: start it as production does, wait for it, read its workers'
memory, profile them with py-spy, and stop the whole process group however the run ends."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Settings:
    """Worker class, workers and threads, and whether the app is loaded before the fork."""

    worker_class: str
    workers: int
    threads: int
    preload: bool = False

    @classmethod
    def parse(cls, text: str) -> Settings:
        """For example gthread:2x4, sync:4x1 or gthread:2x4+preload."""
        kind, _, rest = text.partition(":")
        shape, *flags = rest.split("+")
        workers, _, threads = shape.partition("x")
        return cls(kind, int(workers), int(threads or 1), "preload" in flags)

    @property
    def app(self) -> str:
        return "wsgi:app"

    def __str__(self) -> str:
        return f"{self.worker_class} {self.workers}x{self.threads}" + (" preload" if self.preload else "")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(app: str, port: int, settings: Settings, env: dict[str, str], log: Path) -> subprocess.Popen:
    """gunicorn with the project's gunicorn.conf.py when there is one, and these settings over it."""
    command = [str(BIN / "gunicorn")]
    if (ROOT / "gunicorn.conf.py").exists():
        command += ["-c", str(ROOT / "gunicorn.conf.py")]
    command += [
        "--bind",
        f"127.0.0.1:{port}",
        "--worker-class",
        settings.worker_class,
        "--workers",
        str(settings.workers),
        "--threads",
        str(settings.threads),
        "--access-logfile",
        "/dev/null",  # writing an access line per request would be measured too
        "--timeout",
        "60",
    ]
    if settings.preload:
        command.append("--preload")
    command.append(app)
    full_env = {**os.environ, **env, "WEB_CONCURRENCY": str(settings.workers), "PORT": str(port)}
    full_env["GUNICORN_THREADS"] = str(settings.threads)
    # Its own session, so stop() ends the master and every worker together.
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=full_env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_ready(process: subprocess.Popen, url: str, deadline_s: float = 120) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode} (see its log)")
        try:
            if httpx.get(url, timeout=5).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"gunicorn did not answer {url} within {deadline_s:.0f}s")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def workers(process: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def memory(pid: int) -> dict[str, float]:
    """MB from /proc/<pid>/smaps_rollup: resident, proportional, private and shared; of the
    private, how much is dirty (the process's own heap: what another worker cannot share) and how
    much is anonymous memory (the heap, not pages of the memory-mapped index files)."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, value = line.partition(":")
        fields[name] = int(value.split()[0]) / 1024
    return {
        "rss": fields["Rss"],
        "pss": fields["Pss"],
        "private": fields["Private_Clean"] + fields["Private_Dirty"],
        "shared": fields["Shared_Clean"] + fields["Shared_Dirty"],
        "private_dirty": fields["Private_Dirty"],
        "anonymous": fields["Anonymous"],
    }


def profile(pids: list[int], seconds: int, out_dir: Path, label: str) -> Counter:
    """py-spy on every worker at once for `seconds`; the collapsed stacks of all, summed."""
    runs = []
    for pid in pids:
        out = out_dir / f"{label}-{pid}.txt"
        command = [str(BIN / "py-spy"), "record", "--pid", str(pid), "-d", str(seconds), "-r", "100"]
        command += ["-f", "raw", "-o", str(out), "--nonblocking"]
        runs.append((subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), out))
    stacks: Counter = Counter()
    for run, out in runs:
        run.wait(timeout=seconds + 60)
        if out.exists():
            for line in out.read_text().splitlines():
                stack, _, count = line.rpartition(" ")
                if stack and count.isdigit():
                    stacks[stack] += int(count)
    return stacks


# Frames that only pass the request along: never "a cost" on their own.
PLUMBING = ("flask/", "werkzeug/", "gunicorn/", "threading.py", "concurrent/", "selectors.py", "socket")


def biggest_costs(stacks: Counter, top: int = 8) -> tuple[int, list[tuple[str, int]], list[tuple[str, int]]]:
    """(samples, the functions of ours holding the most time including what they call, the frames
    that take the most time themselves)."""
    # Only samples taken while a request was in our code: not idle threads, not the index's worker.
    handling = {s: c for s, c in stacks.items() if "marketplace/" in s and "search/worker.py" not in s}
    total = sum(handling.values())
    inclusive: Counter = Counter()
    own: Counter = Counter()
    for stack, count in handling.items():
        frames = stack.split(";")
        seen = set()
        for frame in frames:
            if "marketplace/" in frame and frame not in seen:
                seen.add(frame)
                inclusive[_short(frame)] += count
        own[_short(frames[-1])] += count
    ours = [(f, c) for f, c in inclusive.most_common() if not any(p in f for p in PLUMBING)]
    return total, ours[:top], own.most_common(top)


def _short(frame: str) -> str:
    """`function (path/to/module.py:line)` without the line and the site-packages prefix."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/work/main/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{name} ({path})"
