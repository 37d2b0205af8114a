"""Relevance, judged: success@5, MRR and nDCG@10 of the search over the seed catalogue for the
queries of tests/search/judged_queries.json (written as people type them, each with the entries
they want), with the thesaurus and without it, beside SQLite FTS5's bm25 over the same texts of
the same entries. The goals (success@5 >= 0.95, MRR >= 0.85 with the thesaurus, ahead of FTS5 on
every figure) are held by tests/search/test_judged_queries.py; this prints the figures and the
queries missed."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

from flask_migrate import upgrade

from marketplace import create_app
from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.search import Audience, SearchRequest, rebuild_index, search_entries
from marketplace.seeding.load import load_seed
from tests.search.judging import JUDGED_QUERIES, Fts5Baseline, judge, judged_queries

# The second set was written by someone else, after the thesaurus was made and without seeing the
# first set or the search's answers: nothing was tuned on it, so its figures are the fairer ones.
SETS = {
    "judged_queries.json": JUDGED_QUERIES,
    "judged_queries_second.json": JUDGED_QUERIES.with_name("judged_queries_second.json"),
}


def main() -> None:
    for name, path in SETS.items():
        report(name, judged_queries(path))


def report(name: str, queries: list) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "index"
        app = create_app(
            {
                "MARKETPLACE_ENV": "development",
                "DATABASE_URL": f"sqlite:///{tmp}/judged.db",
                "SEARCH_INDEX_DIR": str(root),
            }
        )
        with app.app_context():
            upgrade()
            load_seed()
            rebuild_index(root)
            slug_of = dict(db.session.execute(db.select(Dataset.id, Dataset.slug)).all())
            signed_in = Audience(signed_in=True)

            def ours(expand: bool):
                def rank(query: str) -> list[str]:
                    request = SearchRequest(q=query, per_page=100, expand=expand)
                    hits = search_entries(root, signed_in, request)
                    return [slug_of[uuid.UUID(i)] for i in hits.ids]

                return rank

            rows = {
                "ours, with the thesaurus": judge(queries, ours(True)),
                "ours, words only": judge(queries, ours(False)),
                "SQLite FTS5 bm25": judge(queries, Fts5Baseline().rank),
            }
    print(f"\n== relevance: {len(queries)} judged queries over the seed catalogue ({name}) ==")
    print(f"{'':<28}{'success@5':>12}{'MRR':>8}{'nDCG@10':>10}")
    for name, figures in rows.items():
        print(f"{name:<28}{figures.row()}")
    print("missed with the thesaurus (query: first five):")
    for query, top in rows["ours, with the thesaurus"].misses:
        print(f"  {query!r}: {', '.join(top) or 'nothing'}")


if __name__ == "__main__":
    main()
