"""Search at 10,000 and 100,000 synthetic entries: Whoosh (ours) against SQLite FTS5 doing the
same work on the same corpus and queries in the same run.

Per size: index build rate and size; query p50/p95 over a fixed mix of 200 queries (all facets,
highlights, page 1 of 20; page 50; sorted by date); title-completion p95; "did you mean" on the
inputs that once made it slow; publish-to-searchable; resident memory. "Same work" for FTS5:
the exact total, bm25 ranking with title and keywords weighted, counts for the same six facets,
snippets, one page of ids.

BENCH_SIZES=10000,100000 (default) chooses the sizes; the corpus is built once per size in a
temporary directory (100,000 entries take a few minutes to generate).
"""

from __future__ import annotations

import os
import random
import re
import resource
import shutil
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import bindparam, select

from marketplace import create_app
from marketplace.extensions import db
from marketplace.models import Dataset, Organisation
from marketplace.rules.actors import Actor
from marketplace.search import (
    Audience,
    SearchRequest,
    complete_titles,
    highlight_text,
    rebuild_index,
    search_entries,
)
from marketplace.seeding.load import load_seed
from marketplace.seeding.synthetic import MEASURES, SUBJECTS, add_synthetic
from marketplace.services.datasets import create_dataset

FACETS = ("organisation", "theme", "format", "licence", "access_rights", "type")
ROUNDS = 200


def queries(n: int = ROUNDS) -> list[str]:
    rng = random.Random(7)
    words = [w for s in SUBJECTS + MEASURES for w in s.split() if len(w) > 2]
    out = []
    for i in range(n):
        kind = i % 10
        if kind < 4:
            out.append(rng.choice(words))
        elif kind < 7:
            out.append(" ".join(rng.sample(words, 2)))
        elif kind == 7:
            out.append(f'"{rng.choice(SUBJECTS)}"')
        elif kind == 8:
            out.append(f"{rng.choice(words)} -{rng.choice(words)}")
        else:
            out.append(f"{rng.choice(words)} OR {rng.choice(words)}")
    return out


def misspelt_queries() -> dict[str, str]:
    """The inputs that made "did you mean" slow (issue 11), and an ordinary misspelt query."""
    rng = random.Random(11)
    letters = "abcdefghijklmnopqrstuvwxyz"
    return {
        "125 random 3-letter words": " ".join("".join(rng.choices(letters, k=3)) for _ in range(125)),
        "one 500-letter word": "".join(rng.choices(letters, k=500)),
        "4 unknown 24-letter words": " ".join("".join(rng.choices(letters, k=24)) for _ in range(4)),
        "4 misspelt words": "roda safty statistcs englnd",
    }


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# SQLite FTS5 ---------------------------------------------------------------------------------


def build_fts(path: Path) -> tuple[sqlite3.Connection, float]:
    started = time.perf_counter()
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE VIRTUAL TABLE docs USING fts5(title, keywords, summary, organisation_name, description,
                                             tokenize='porter unicode61');
        CREATE TABLE meta(rowid INTEGER PRIMARY KEY, id TEXT, organisation TEXT, licence TEXT,
                          access_rights TEXT, type TEXT, status TEXT, modified INTEGER, title TEXT);
        CREATE TABLE themes(rowid INTEGER, value TEXT);
        CREATE TABLE formats(rowid INTEGER, value TEXT);
        CREATE INDEX themes_rowid ON themes(rowid);
        CREATE INDEX formats_rowid ON formats(rowid);
    """)
    datasets = db.session.scalars(select(Dataset).where(Dataset.deleted_at.is_(None))).yield_per(1000)
    for rowid, dataset in enumerate(datasets, start=1):
        keywords = " ".join(k.keyword for k in dataset.keywords)
        conn.execute(
            "INSERT INTO docs(rowid, title, keywords, summary, organisation_name, description) "
            "VALUES (?,?,?,?,?,?)",
            (
                rowid,
                dataset.title,
                keywords,
                dataset.summary or "",
                dataset.organisation.title,
                dataset.description or "",
            ),
        )
        conn.execute(
            "INSERT INTO meta VALUES (?,?,?,?,?,?,?,?,?)",
            (
                rowid,
                str(dataset.id),
                dataset.organisation.slug,
                dataset.licence,
                dataset.access_rights,
                dataset.type,
                dataset.status,
                dataset.modified.toordinal() if dataset.modified else 0,
                dataset.title,
            ),
        )
        conn.executemany("INSERT INTO themes VALUES (?,?)", [(rowid, t.theme) for t in dataset.themes])
        conn.executemany(
            "INSERT INTO formats VALUES (?,?)",
            [(rowid, f) for f in {d.format for d in dataset.distributions if d.format}],
        )
    conn.commit()
    return conn, time.perf_counter() - started


def fts_expression(text: str) -> str:
    parts = []
    for negative, phrase, word in re.findall(r'(-?)"([^"]*)"|(\S+)', text):
        if word == "OR":
            parts.append("OR")
            continue
        if word.startswith("-"):
            negative, word = "-", word[1:]
        term = '"' + (phrase or word).replace('"', "") + '"'
        parts.append(f"NOT {term}" if negative else term)
    return " ".join(parts)


def fts_search(conn: sqlite3.Connection, text: str, page: int = 1, sort: str = "relevance") -> int:
    match = fts_expression(text)
    visible = "m.status = 'published' AND m.access_rights = 'OPEN'"
    base = f"FROM docs JOIN meta m ON m.rowid = docs.rowid WHERE docs MATCH ? AND {visible}"
    total = conn.execute(f"SELECT count(*) {base}", (match,)).fetchone()[0]
    order = "bm25(docs, 4.0, 3.0, 2.0, 1.5, 1.0)" if sort == "relevance" else "m.modified DESC"
    rows = conn.execute(
        "SELECT m.id, snippet(docs, 0, '<mark>', '</mark>', '…', 12), "
        f"snippet(docs, 4, '<mark>', '</mark>', '…', 24) "
        f"{base} ORDER BY {order} LIMIT 20 OFFSET ?",
        (match, (page - 1) * 20),
    ).fetchall()
    for column in ("organisation", "licence", "access_rights", "type"):
        conn.execute(f"SELECT m.{column}, count(*) {base} GROUP BY m.{column}", (match,)).fetchall()
    for table in ("themes", "formats"):
        conn.execute(
            f"SELECT t.value, count(*) FROM {table} t WHERE t.rowid IN (SELECT docs.rowid {base}) "
            "GROUP BY t.value",
            (match,),
        ).fetchall()
    return total + len(rows)


# Whoosh, as the API uses it ------------------------------------------------------------------


# The page's texts by id, the statement built once as finding.py's is (queries/datasets.py).
PAGE_TEXTS = select(Dataset.title, Dataset.description).where(
    Dataset.id.in_(bindparam("ids", expanding=True))
)


def whoosh_search(root: Path, text: str, page: int = 1, sort: str | None = None) -> int:
    hits = search_entries(root, Audience(), SearchRequest(q=text, page=page, sort=sort))
    # Highlights as the API makes them: title and description of each entry on the page.
    ids = hits.ids
    if ids:
        rows = db.session.execute(PAGE_TEXTS, {"ids": [uuid.UUID(i) for i in ids]}).all()
        for title, description in rows:
            highlight_text(title, hits.terms, whole=True)
            highlight_text(description, hits.terms)
    return hits.total + len(ids)


def corpus_database(size: int, tmp: Path) -> Path:
    """The corpus database: made in `tmp`, or kept in BENCH_CORPUS_DIR between runs (generating
    100,000 entries takes minutes; copying the kept file takes seconds)."""
    keep = os.environ.get("BENCH_CORPUS_DIR")
    target = tmp / "bench.db"
    if keep and (Path(keep) / f"corpus-{size}.db").exists():
        shutil.copy(Path(keep) / f"corpus-{size}.db", target)
    return target


def fill_corpus(size: int, database: Path) -> None:
    """In the app's context: migrate `database` and, unless it is a kept copy that has them
    already, add the seed and synthetic entries up to `size` (then keep it in BENCH_CORPUS_DIR)."""
    upgrade()
    if db.session.scalar(select(db.func.count()).select_from(Dataset)):
        return
    load_seed()
    slugs = list(db.session.scalars(select(Organisation.slug).order_by(Organisation.slug)))
    add_synthetic(size - db.session.scalar(select(db.func.count()).select_from(Dataset)), slugs)
    keep = os.environ.get("BENCH_CORPUS_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(database, Path(keep) / f"corpus-{size}.db")


def sizes() -> list[int]:
    """BENCH_SIZES, comma-separated (10,000 and 100,000 entries unless set)."""
    return [int(s) for s in os.environ.get("BENCH_SIZES", "10000,100000").split(",")]


def run_size(size: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "index"
        database = corpus_database(size, Path(tmp))
        app = create_app(
            {
                "MARKETPLACE_ENV": "development",  # "test" runs only under the suite
                "DATABASE_URL": f"sqlite:///{database}",
                "SEARCH_INDEX_DIR": str(root),
                "SEARCH_INDEX_ON_COMMIT": True,
            }
        )
        with app.app_context():
            fill_corpus(size, database)
            slugs = list(db.session.scalars(select(Organisation.slug).order_by(Organisation.slug)))
            db.session.expire_all()

            started = time.perf_counter()
            result = rebuild_index(root)
            build_s = time.perf_counter() - started
            index_mb = sum(f.stat().st_size for f in root.rglob("*") if f.is_file()) / 1e6
            conn, fts_build_s = build_fts(Path(tmp) / "fts.db")
            fts_mb = (Path(tmp) / "fts.db").stat().st_size / 1e6

            mix = queries()
            rows = []
            for label, kwargs in (
                ("page 1, all facets, highlights", {}),
                ("page 50", {"page": 50}),
                ("sorted by date", {"sort": "updated"}),
            ):
                whoosh_search(root, mix[0], **kwargs)
                ours, theirs = [], []
                for text in mix:
                    t = time.perf_counter()
                    whoosh_search(root, text, **kwargs)
                    ours.append((time.perf_counter() - t) * 1000)
                    t = time.perf_counter()
                    fts_search(conn, text, **kwargs)
                    theirs.append((time.perf_counter() - t) * 1000)
                rows.append((label, percentiles(ours), percentiles(theirs)))

            suggest = []
            for text in mix:
                t = time.perf_counter()
                complete_titles(root, Audience(), text.strip('"-')[:5])
                suggest.append((time.perf_counter() - t) * 1000)

            # The first misspelt query reads each segment's words for the corrector (once).
            misspelt = {}
            for label, text in misspelt_queries().items():
                t = time.perf_counter()
                whoosh_search(root, text)
                first = (time.perf_counter() - t) * 1000
                again = []
                for _ in range(5):
                    t = time.perf_counter()
                    whoosh_search(root, text)
                    again.append((time.perf_counter() - t) * 1000)
                misspelt[label] = (first, max(again))

            visible = []
            actor = Actor.system("system:bench")
            for n in range(5):
                word = f"zqxbench{n}"
                t = time.perf_counter()
                create_dataset(
                    actor,
                    {
                        "title": f"Benchmark entry {word}",
                        "publisher": slugs[0],
                        "status": "published",
                        "description": "Made by the benchmark.",
                        "access_rights": "OPEN",
                        "licence": "OGL-UK-3.0",
                        "security_classification": "OFFICIAL",
                        "modified": "2025-01-01",
                        "contact_point": {"name": "Bench", "email": "bench@example.gov.uk"},
                    },
                )
                while whoosh_search(root, word, sort=None) == 0 and time.perf_counter() - t < 10:
                    pass
                visible.append((time.perf_counter() - t) * 1000)
            conn.close()
            db.engine.dispose()

    print(f"\n== {size:,} entries ==")
    print(
        f"index build: Whoosh {result.applied / build_s:,.0f} docs/s ({build_s:.0f}s, {index_mb:.0f} MB); "
        f"FTS5 {result.applied / fts_build_s:,.0f} docs/s ({fts_mb:.0f} MB); "
        f"ratio {fts_build_s / build_s:.2f}x"
    )
    print(f"{'query mix (200)':<34}{'Whoosh p50/p95 ms':>20}{'FTS5 p50/p95 ms':>20}{'ratio p50/p95':>16}")
    for label, ours, theirs in rows:
        print(
            f"{label:<34}{ours[0]:>10.1f}/{ours[1]:<9.1f}{theirs[0]:>10.1f}/{theirs[1]:<9.1f}"
            f"{ours[0] / theirs[0]:>8.2f}/{ours[1] / theirs[1]:.2f}"
        )
    p50, p95 = percentiles(suggest)
    print(f"title completion: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    for label, (first, worst) in misspelt.items():
        print(f"did you mean, {label}: first {first:.1f} ms, then at most {worst:.1f} ms")
    print(f"create-to-searchable (draft, via the service): p50 {statistics.median(visible):.0f} ms")
    print(f"resident memory (max RSS of this process): {rss_mb():.0f} MB")


def main() -> None:
    for size in sizes():
        run_size(size)


if __name__ == "__main__":
    main()
