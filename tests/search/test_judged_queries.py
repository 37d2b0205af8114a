"""The judged set (judged_queries.json): queries as people type them, in their own words and
abbreviations, over the seed catalogue. With the thesaurus the mean reciprocal rank is 0.85 or
more, and the search is ahead of SQLite FTS5 on every figure. Issue 18's goal for success@5 is
0.95; reached so far is 0.934, held here so that it cannot slip back unseen. `make bench` prints
the figures and the queries missed (bench/judged.py)."""

from __future__ import annotations

import pytest

from tests.search.judging import Fts5Baseline, judge, judged_queries
from tests.search.searching import search, slugs

QUERIES = judged_queries()


@pytest.fixture(scope="module")
def figures(seeded):
    def ours(expand: bool):
        def rank(query: str) -> list[str]:
            body = search(seeded.client, query, token=seeded.reader, per_page=100, expand=str(expand).lower())
            return slugs(body)

        return rank

    with seeded.app.app_context():
        fts5 = Fts5Baseline()
    return {
        "thesaurus": judge(QUERIES, ours(True)),
        "words only": judge(QUERIES, ours(False)),
        "FTS5": judge(QUERIES, fts5.rank),
    }


def test_the_set_is_large_enough_and_names_only_seed_entries(seeded):
    assert len(QUERIES) >= 100
    known = {entry.slug for entry in seeded.entries}
    unknown = {slug for item in QUERIES for slug in item.relevant} - known
    assert not unknown


def test_with_the_thesaurus_people_find_what_they_want_in_the_first_five(figures):
    with_thesaurus = figures["thesaurus"]
    misses = "\n".join(f"  {query!r}: {top}" for query, top in with_thesaurus.misses)
    assert with_thesaurus.success_at_5 >= 0.93, (
        f"success@5 {with_thesaurus.success_at_5:.3f}; missed:\n{misses}"
    )
    assert with_thesaurus.mrr >= 0.85


def test_the_thesaurus_helps_and_the_search_is_ahead_of_fts5_on_every_figure(figures):
    ours, words_only, fts5 = figures["thesaurus"], figures["words only"], figures["FTS5"]
    assert ours.success_at_5 > words_only.success_at_5
    assert ours.mrr > words_only.mrr
    for name in ("success_at_5", "mrr", "ndcg_at_10"):
        assert getattr(ours, name) > getattr(fts5, name), name
