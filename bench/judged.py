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
from marketplace.search.related import related_ids
from marketplace.seeding.load import load_seed
from tests.search.judging import JUDGED_QUERIES, Fts5Baseline, judge, judged_queries
from tests.search.test_related_judged import judged_related, precision_at_5

# The second set was written by someone else, after the thesaurus was made and without seeing the
# first set or the search's answers. Its misses (0.865 success@5) were then studied, with the
# first set's, for the thesaurus's second pass and the handling of questions, so it is no longer
# unseen: outside checkers hold back sets of their own, written the same way.
SETS = {
    "judged_queries.json": JUDGED_QUERIES,
    "judged_queries_second.json": JUDGED_QUERIES.with_name("judged_queries_second.json"),
}


def main() -> None:
    for name, path in SETS.items():
        report(name, judged_queries(path))
    report_related()


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


def report_related() -> None:
    """precision@5 of related entries by content (search/related.py), as a signed-in reader,
    beside the old way: published entries sharing a theme, newest first."""
    judged = judged_related()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "index"
        app = create_app(
            {
                "MARKETPLACE_ENV": "development",
                "DATABASE_URL": f"sqlite:///{tmp}/related.db",
                "SEARCH_INDEX_DIR": str(root),
            }
        )
        with app.app_context():
            upgrade()
            load_seed()
            rebuild_index(root)
            entries = db.session.scalars(db.select(Dataset)).all()
            by_slug = {d.slug: d for d in entries}
            slug_of = {d.id: d.slug for d in entries}
            signed_in = Audience(signed_in=True)

            def by_content(slug: str) -> list[str]:
                return [slug_of[uuid.UUID(i)] for i in related_ids(root, signed_in, by_slug[slug].id, 5)]

            def sharing_a_theme(slug: str) -> list[str]:
                themes = [t.theme for t in by_slug[slug].themes]
                if not themes:
                    return []
                request = SearchRequest(filters={"theme": themes}, sort="updated", per_page=6)
                found = [slug_of[uuid.UUID(i)] for i in search_entries(root, signed_in, request).ids]
                return [s for s in found if s != slug]

            found = {item.entry: by_content(item.entry) for item in judged}
            rows = {
                "by content (key terms, BM25F)": precision_at_5(judged, found.__getitem__),
                "shares a theme, newest first": precision_at_5(judged, sharing_a_theme),
            }
    print(f"\n== related entries: {len(judged)} judged entries over the seed catalogue ==")
    print(f"{'':<32}{'precision@5':>12}")
    for name, figure in rows.items():
        print(f"{name:<32}{figure:>12.3f}")
    print("by content, the entries with a miss (first five; - where not judged related):")
    for item in judged:
        first = found[item.entry][:5]
        if len(set(first) & item.related) < 5:
            marked = ", ".join(s if s in item.related else f"-{s}" for s in first)
            print(f"  {item.entry}: {marked or 'nothing'}")


if __name__ == "__main__":
    main()
