"""The judged sets (judged_queries.json, and judged_queries_second.json written by someone else):
queries as people type them, in their own words and abbreviations, over the seed catalogue. With
the thesaurus, success@5 is 0.95 or more and the mean reciprocal rank 0.85 or more (issue 18's
goals), and the search is ahead of SQLite FTS5 on every figure. Reached: 0.993 / 0.961 on the
first set, 0.995 / 0.929 on the second; held a little below, so that they cannot slip back
unseen. `make bench` prints the figures and the queries missed (bench/judged.py)."""

from __future__ import annotations

import pytest

from tests.search.judging import JUDGED_QUERIES, Fts5Baseline, judge, judged_queries
from tests.search.searching import search, slugs

QUERIES = judged_queries()
SECOND = judged_queries(JUDGED_QUERIES.with_name("judged_queries_second.json"))
# (success@5, MRR) held with the thesaurus, per set.
HELD = {"first": (0.99, 0.95), "second": (0.99, 0.92)}


@pytest.fixture(scope="module", params=["first", "second"])
def figures(seeded, request):
    queries = {"first": QUERIES, "second": SECOND}[request.param]

    def ours(expand: bool):
        def rank(query: str) -> list[str]:
            body = search(seeded.client, query, token=seeded.reader, per_page=100, expand=str(expand).lower())
            return slugs(body)

        return rank

    with seeded.app.app_context():
        fts5 = Fts5Baseline()
    return {
        "set": request.param,
        "thesaurus": judge(queries, ours(True)),
        "words only": judge(queries, ours(False)),
        "FTS5": judge(queries, fts5.rank),
    }


def test_the_sets_are_large_enough_and_name_only_seed_entries(seeded):
    assert len(QUERIES) >= 100 and len(SECOND) >= 100
    known = {entry.slug for entry in seeded.entries}
    unknown = {slug for item in QUERIES + SECOND for slug in item.relevant} - known
    assert not unknown


def test_with_the_thesaurus_people_find_what_they_want_in_the_first_five(figures):
    with_thesaurus = figures["thesaurus"]
    success_at_5, mrr = HELD[figures["set"]]
    misses = "\n".join(f"  {query!r}: {top}" for query, top in with_thesaurus.misses)
    assert with_thesaurus.success_at_5 >= success_at_5, (
        f"success@5 {with_thesaurus.success_at_5:.3f}; missed:\n{misses}"
    )
    assert with_thesaurus.mrr >= mrr


def test_the_thesaurus_helps_and_the_search_is_ahead_of_fts5_on_every_figure(figures):
    ours, words_only, fts5 = figures["thesaurus"], figures["words only"], figures["FTS5"]
    assert ours.success_at_5 > words_only.success_at_5
    assert ours.mrr > words_only.mrr
    for name in ("success_at_5", "mrr", "ndcg_at_10"):
        assert getattr(ours, name) > getattr(fts5, name), name
