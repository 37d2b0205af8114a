"""Judging a search against queries written as people type them, each with the entries a person
would want: success@5 (a wanted entry in the first five), MRR (the mean of 1 / the rank of the
first wanted entry) and nDCG@10 (wanted entries near the top of the first ten; each wanted
entry counts the same). Used by tests/search/test_judged_queries.py, which holds the goals,
and by bench/judged.py, which prints the figures.

The baseline is SQLite FTS5 (porter stemming, bm25 with the same field weights) over the same
texts of the same entries: what a catalogue gets from the database alone.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.search.entries import load_entries
from marketplace.search.schema import TEXT_FIELDS, entry_texts

JUDGED_QUERIES = Path(__file__).with_name("judged_queries.json")
DEPTH = 100  # how far down a ranking is read


@dataclass(frozen=True)
class Judged:
    query: str
    relevant: tuple[str, ...]  # slugs, most wanted first


@dataclass
class Figures:
    success_at_5: float
    mrr: float
    ndcg_at_10: float
    misses: list[tuple[str, list[str]]] = field(default_factory=list)  # (query, its first five)

    def row(self) -> str:
        return f"{self.success_at_5:>12.3f}{self.mrr:>8.3f}{self.ndcg_at_10:>10.3f}"


def judged_queries(path: Path = JUDGED_QUERIES) -> list[Judged]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [Judged(q["query"], tuple(q["relevant"])) for q in data["queries"]]


def judge(judged: list[Judged], rank: Callable[[str], list[str]]) -> Figures:
    """The figures of `rank` (a query -> the slugs it ranks, best first) over `judged`."""
    found = reciprocal = gain = 0.0
    misses = []
    for item in judged:
        ranking = rank(item.query)[:DEPTH]
        wanted = set(item.relevant)
        hits = [i for i, slug in enumerate(ranking) if slug in wanted]
        if hits and hits[0] < 5:
            found += 1
        else:
            misses.append((item.query, ranking[:5]))
        reciprocal += 1 / (hits[0] + 1) if hits else 0.0
        dcg = sum(1 / math.log2(i + 2) for i in hits if i < 10)
        ideal = sum(1 / math.log2(i + 2) for i in range(min(len(wanted), 10)))
        gain += dcg / ideal
    n = len(judged)
    return Figures(found / n, reciprocal / n, gain / n, misses)


class Fts5Baseline:
    """SQLite FTS5 over the texts the search index reads, of the published entries in the
    current app's database: every word must match (FTS5's default, as ours), ranked by bm25
    with the index's field weights."""

    def __init__(self) -> None:
        self.conn = sqlite3.connect(":memory:")
        columns = ", ".join(TEXT_FIELDS)
        self.conn.execute(
            f"CREATE VIRTUAL TABLE docs USING fts5(slug UNINDEXED, {columns}, tokenize='porter')"
        )
        rows = db.session.execute(
            select(Dataset.id, Dataset.slug).where(
                Dataset.status == "published", Dataset.deleted_at.is_(None)
            )
        ).all()
        entries = load_entries(row.id for row in rows)
        for dataset_id, slug in rows:
            texts = entry_texts(entries[dataset_id])
            values = [slug, *(texts[name] for name in TEXT_FIELDS)]
            self.conn.execute(f"INSERT INTO docs VALUES ({', '.join('?' * len(values))})", values)
        self.weights = ", ".join(["0", *(str(w) for w in TEXT_FIELDS.values())])

    def rank(self, query: str) -> list[str]:
        words = re.findall(r"\w+", query)
        if not words:
            return []
        match = " ".join(f'"{word}"' for word in words)
        rows = self.conn.execute(
            f"SELECT slug FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, {self.weights}) LIMIT {DEPTH}",
            (match,),
        ).fetchall()
        return [row[0] for row in rows]
