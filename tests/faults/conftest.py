"""Fixtures for the fault tests: a PostgreSQL server of the test's own, which it may stop and start.

The machine's PostgreSQL serves every other test (and anyone else on the machine), so it is never
the one stopped: each module that needs an outage makes a cluster with initdb in a temporary
directory, on a free loopback port with its socket in that directory, and removes it afterwards.
PostgreSQL refuses to run as root; under root the cluster belongs to the `postgres` user.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.consistency.processes import free_port

POSTGRES_USER = "postgres"


def server_binaries() -> Path | None:
    """The newest installed PostgreSQL's bin directory (Debian keeps each version apart)."""
    found = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "pg_ctl").exists()]
    found.sort(key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.name)] or [0])
    if found:
        return found[-1]
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster in `directory`, listening on 127.0.0.1:`port`."""

    directory: Path
    port: int
    binaries: Path
    run_as: list[str]  # runuser ... when the tests run as root

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{POSTGRES_USER}@127.0.0.1:{self.port}/{database}"

    def libpq_url(self, database: str = "postgres") -> str:
        """The same, for psycopg itself."""
        return f"postgresql://{POSTGRES_USER}@127.0.0.1:{self.port}/{database}"

    def _run(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*self.run_as, str(self.binaries / tool), *args],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, f"{tool} failed:\n{result.stdout}\n{result.stderr}\n{self.log()}"
        return result

    def initdb(self) -> None:
        self._run(
            "initdb",
            *("-D", str(self.directory / "data")),
            *("--username", POSTGRES_USER, "--auth", "trust", "--encoding", "UTF8", "--no-sync"),
        )

    def start(self) -> None:
        # fsync off: the faults here stop PostgreSQL's processes, never the machine, and what they
        # wrote is in the operating system's cache either way.
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=50"
        )
        self._run(
            "pg_ctl",
            *("-D", str(self.directory / "data"), "-l", str(self.directory / "server.log")),
            *("-w", "-t", "60", "-o", options, "start"),
        )

    def stop(self) -> None:
        """As abruptly as a crash: no shutdown checkpoint, every connection cut at once."""
        self._run("pg_ctl", "-D", str(self.directory / "data"), "-m", "immediate", "-w", "-t", "60", "stop")

    def running(self) -> bool:
        status = subprocess.run(
            [*self.run_as, str(self.binaries / "pg_ctl"), "-D", str(self.directory / "data"), "status"],
            capture_output=True,
            timeout=30,
        )
        return status.returncode == 0

    def log(self) -> str:
        path = self.directory / "server.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


@pytest.fixture(scope="module")
def private_postgres(database_kind: str) -> Iterator[PrivatePostgres]:
    """A running PostgreSQL of this module's own, stopped and removed after it."""
    if database_kind == "sqlite":
        # It needs PostgreSQL's server programs, not the suite's database; once per run is enough.
        pytest.skip("runs in the PostgreSQL pass (--db postgresql): it starts a PostgreSQL server of its own")
    binaries = server_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    run_as: list[str] = []
    directory = Path(tempfile.mkdtemp(prefix="marketplace-pg-"))
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        try:
            account = pwd.getpwnam(POSTGRES_USER)
        except KeyError:
            account = None
        if runuser is None or account is None:
            shutil.rmtree(directory)
            pytest.skip("running as root, and there is no postgres user (or runuser) to run PostgreSQL as")
        os.chown(directory, account.pw_uid, account.pw_gid)
        run_as = [runuser, "-u", POSTGRES_USER, "--"]
    server = PrivatePostgres(directory, free_port(), binaries, run_as)
    try:
        server.initdb()
        server.start()
        yield server
    finally:
        if server.running():
            server.stop()
        shutil.rmtree(directory, ignore_errors=True)
