"""Building the load benchmark's PostgreSQL catalogue: the seed, then synthetic entries written by
several processes at once on disjoint ranges (one process writes about 60 entries a second, so
100,000 entries take half an hour alone; the synthetic generator is deterministic per number, so
the ranges make the same catalogue as `flask seed --synthetic N`)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from sqlalchemy import func, select

from marketplace import create_app
from marketplace.errors import ConflictError
from marketplace.extensions import db
from marketplace.models import Dataset, Organisation
from marketplace.seeding.synthetic import SYNTHETIC_ACTOR, _entries
from marketplace.services.datasets import create_datasets


def synthetic_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Dataset).where(Dataset.title.like("% (series %)"))
    )


BATCH = 500
ATTEMPTS = 3


def write_range(first: int, count: int) -> int:
    """Add synthetic entries number `first` to `first + count - 1` (run in the app's context), a
    batch of BATCH per transaction. Builders running at once can give two entries the same new
    slug, and the second commit is refused (ConflictError): that batch is written again, and the
    slugs already committed are then seen and avoided."""
    slugs = list(db.session.scalars(select(Organisation.slug).order_by(Organisation.slug)))
    written = 0
    for start in range(first, first + count, BATCH):
        size = min(BATCH, first + count - start)
        for attempt in range(ATTEMPTS):
            try:
                written += create_datasets(SYNTHETIC_ACTOR, _entries(start, size, slugs), index=False)
                break
            except ConflictError:
                if attempt == ATTEMPTS - 1:
                    raise
    return written


SERVER = "postgresql://postgres@127.0.0.1:5432"
ROOT = Path(__file__).resolve().parent.parent
FLASK = [sys.executable, "-m", "flask", "--app", "marketplace"]


def database_url(name: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def scalar(name: str, sql: str) -> int:
    with psycopg.connect(f"{SERVER}/{name}") as conn:
        return conn.execute(sql).fetchone()[0]


def ensure_catalogue(name: str, entries: int, index_dir: Path, builders: int) -> dict[str, float]:
    """The database `name` with at least `entries` entries and its index in `index_dir`, made or
    completed as needed (a database left by an earlier run is reused); seconds each step took."""
    timings: dict[str, float] = {}
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    # Development, so the seed brings its people (a publisher to hold the benchmark's token).
    env = {**os.environ, "MARKETPLACE_ENV": "development", "DATABASE_URL": database_url(name)}
    env["SEARCH_INDEX_DIR"] = str(index_dir)
    subprocess.run([*FLASK, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    if not scalar(name, "SELECT count(*) FROM datasets"):
        subprocess.run([*FLASK, "seed"], env=env, cwd=ROOT, check=True, capture_output=True)
    missing = entries - scalar(name, "SELECT count(*) FROM datasets")
    if missing > 0:
        started = time.perf_counter()
        first = scalar(name, "SELECT count(*) FROM datasets WHERE title LIKE '% (series %)'")
        share = -(-missing // builders)
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "bench.load_build", str(start), str(count)], env=env, cwd=ROOT
            )
            for start, count in (
                (first + i * share, min(share, missing - i * share))
                for i in range(builders)
                if i * share < missing
            )
        ]
        if any(run.wait() for run in runs):
            raise RuntimeError("writing the synthetic entries failed")
        timings["seed"] = time.perf_counter() - started
    # Statistics for the planner, as autovacuum would have gathered them (it may be off on a test
    # server): without them the entry lookups take whole seconds at 100,000 entries.
    with psycopg.connect(f"{SERVER}/{name}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    started = time.perf_counter()
    # Rebuilds when there is no index or thousands of changes are pending, else applies them.
    subprocess.run([*FLASK, "search", "sync"], env=env, cwd=ROOT, check=True, capture_output=True)
    timings["index"] = time.perf_counter() - started
    return timings


if __name__ == "__main__":
    # python -m bench.load_build FIRST COUNT, with DATABASE_URL and MARKETPLACE_ENV set.
    with create_app().app_context():
        print(write_range(int(sys.argv[1]), int(sys.argv[2])))
