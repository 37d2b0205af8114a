"""Scale reach (issue 17): the catalogue at BENCH_REACH_ENTRIES entries (1,000,000 unless set) on
PostgreSQL; how long filling and indexing it take, the index's size, query p50/p95 and memory.

The load benchmark's 100,000-entry database (bench/load_build.py) is the start: it is copied as a
template, then its synthetic entries are copied in SQL, with their keywords, themes and files,
until the count is reached (each copy's slug and title carry its number, so every entry is its own
and the words stay the corpus's). Writing them through the service, as the 100,000 were, runs at
about 370 entries a second here with three writers: 45 minutes for 900,000 more, which is why
the copies are made in SQL. Then `flask search reindex` builds the index from the database as a
host would, and the query mix of bench/search.py runs in this process, which reports its memory.

Everything stops by itself: every step has a time limit (BENCH_REACH_MINUTES, 30, in all), and
what was reached is printed when one runs out.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from pathlib import Path

import psycopg

from bench.load_build import FLASK, ROOT, SERVER, database_url, ensure_catalogue

SOURCE = "bench_load_100k"
COPIED = "title LIKE '%% (series %%)'"  # the synthetic entries (bench/load_build.py)
A_COPY = "slug ~ '-c[0-9]+$'"


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def make_database(name: str) -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{SOURCE}"')


def copy_round(conn: psycopg.Connection, round_number: int, limit: int) -> int:
    """Up to `limit` more entries: copies of synthetic entries, numbered `round_number`."""
    suffix = f" c{round_number}"
    conn.execute(
        "CREATE TEMP TABLE copy_map ON COMMIT DROP AS "
        f"SELECT id AS old_id, gen_random_uuid() AS new_id FROM datasets WHERE {COPIED} "
        f"AND NOT {A_COPY} ORDER BY id LIMIT %s",
        (limit,),
    )
    conn.execute("CREATE UNIQUE INDEX ON copy_map (old_id)")
    conn.execute("ANALYZE copy_map")  # a temporary table has no statistics until asked
    conn.execute(
        # LATERAL: `(f(...)).*` would call the function once per column.
        "INSERT INTO datasets SELECT r.* FROM datasets d JOIN copy_map m ON m.old_id = d.id, "
        "LATERAL jsonb_populate_record(NULL::datasets, to_jsonb(d) || "
        "jsonb_build_object('id', m.new_id, 'slug', left(d.slug, 112) || %s, "
        "'title', left(d.title, 192) || %s)) r",
        (f"-c{round_number}", suffix),
    )
    conn.execute(
        "INSERT INTO dataset_keywords SELECT m.new_id, k.keyword, k.position "
        "FROM dataset_keywords k JOIN copy_map m ON m.old_id = k.dataset_id"
    )
    conn.execute(
        "INSERT INTO dataset_themes SELECT m.new_id, t.theme FROM dataset_themes t "
        "JOIN copy_map m ON m.old_id = t.dataset_id"
    )
    conn.execute(
        "INSERT INTO distributions SELECT r.* FROM distributions x "
        "JOIN copy_map m ON m.old_id = x.dataset_id, "
        "LATERAL jsonb_populate_record(NULL::distributions, to_jsonb(x) || "
        "jsonb_build_object('id', gen_random_uuid(), 'dataset_id', m.new_id)) r"
    )
    return conn.execute("SELECT count(*) FROM copy_map").fetchone()[0]


def fill(name: str, entries: int, deadline: float) -> tuple[int, float]:
    started = time.perf_counter()
    with psycopg.connect(f"{SERVER}/{name}") as conn:
        count = conn.execute("SELECT count(*) FROM datasets").fetchone()[0]
        copies = conn.execute(f"SELECT count(*) FROM datasets WHERE {A_COPY}").fetchone()[0]
        originals_sql = f"SELECT count(*) FROM datasets WHERE {COPIED} AND NOT {A_COPY}"
        originals = conn.execute(originals_sql).fetchone()[0]
        round_number = 1 + copies // max(1, originals)
        while count < entries and time.monotonic() < deadline:
            added = copy_round(conn, round_number, min(originals, entries - count))
            conn.commit()
            count += added
            print(f"  {count:,} entries ({time.perf_counter() - started:.0f} s)", flush=True)
            round_number += 1
    with psycopg.connect(f"{SERVER}/{name}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return count, time.perf_counter() - started


def main() -> None:
    entries = env_int("BENCH_REACH_ENTRIES", 1_000_000)
    name = f"bench_reach_{entries // 1000}k"
    keep = Path(os.environ.get("BENCH_CORPUS_DIR") or "/tmp/bench-load")
    deadline = time.monotonic() + 60 * env_int("BENCH_REACH_MINUTES", 30)
    print(f"\n== reach: {entries:,} entries in PostgreSQL ({name}) ==")
    ensure_catalogue(SOURCE, 100_000, keep / f"{SOURCE}-index", 3)
    make_database(name)
    count, fill_seconds = fill(name, entries, deadline)
    print(f"filled: {count:,} entries, copied in SQL in {fill_seconds:.0f} s")
    index_dir = keep / f"{name}-index"
    env = {**os.environ, "MARKETPLACE_ENV": "development", "DATABASE_URL": database_url(name)}
    env["SEARCH_INDEX_DIR"] = str(index_dir)
    subprocess.run([*FLASK, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    started = time.perf_counter()
    left = max(60, deadline - time.monotonic())
    try:
        subprocess.run(
            [*FLASK, "search", "reindex"], env=env, cwd=ROOT, check=True, capture_output=True, timeout=left
        )
    except subprocess.TimeoutExpired:
        print(f"reindex: not finished within the time left ({left:.0f} s): stopped there")
        return
    reindex_seconds = time.perf_counter() - started
    size = sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file())
    print(f"reindex: {reindex_seconds:.0f} s; index {size / 2**20:,.0f} MB on disk")
    query(env)


def query(env: dict[str, str]) -> None:
    """The query mix of bench/search.py in this process (first searcher opening reported apart)."""
    os.environ.update({k: env[k] for k in ("MARKETPLACE_ENV", "DATABASE_URL", "SEARCH_INDEX_DIR")})
    from bench.search import queries, rss_mb, whoosh_search
    from marketplace import create_app

    app = create_app()
    root = Path(env["SEARCH_INDEX_DIR"])
    with app.app_context():
        started = time.perf_counter()
        whoosh_search(root, "transport")
        first = (time.perf_counter() - started) * 1000
        times = []
        for text in queries():
            started = time.perf_counter()
            whoosh_search(root, text)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[int(len(times) * 0.95)]
    print(f"first search (opens the searcher): {first:.0f} ms")
    print(
        f"query mix ({len(times)}; facets, highlights, page 1): p50 {statistics.median(times):.1f} ms, "
        f"p95 {p95:.1f} ms"
    )
    kb = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]:
        key, value = line.split(":", 1)
        kb[key] = int(value.split()[0])
    # Pages of the index's files that only this process has mapped count as private too; the
    # heap (anonymous memory) is what a second worker would not share.
    print(
        f"memory of the searching process: max RSS {rss_mb():.0f} MB, of which heap "
        f"{kb['Anonymous'] / 1024:.0f} MB and the index's mapped pages the rest"
    )


if __name__ == "__main__":
    main()
