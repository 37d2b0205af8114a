"""search/scoring.py scores queries as Whoosh does, over the seed catalogue, and stops reading
postings once an AND can match nothing (issue 11: 125 unknown words kept a search busy)."""

from __future__ import annotations

import numpy as np
import pytest

from marketplace.search import store
from marketplace.search.query import parse_query
from marketplace.search.scoring import TermScorer

# No exclusions: Whoosh's AndNot over a nested Or returned an entry holding the excluded word
# ("crime -police" gave "Police API"), where ours leaves it out.
QUERIES = [
    "road",
    "road casualties",
    "school census england",
    "flood OR drought",
    '"air pollution"',
    '"local bus passenger"',
    "road road road",
    "zzqx road",
    "road zzqx",
    "statistics data england wales population",  # optional words: AndMaybe
    "how many people live in my area",
]


@pytest.fixture
def searcher(seeded):
    with seeded.app.app_context():
        found, _ = store.searcher_for(store.index_root())
        yield found


@pytest.mark.parametrize("q", QUERIES)
def test_scores_are_whooshs_exact_scores(searcher, q):
    query = parse_query(q).query
    mask, scores = TermScorer(searcher).evaluate(query)
    expected = {docnum: score for score, docnum in searcher.search(query, limit=None, terms=False).top_n}
    assert set(np.flatnonzero(mask).tolist()) == set(expected)
    for docnum, score in expected.items():
        assert scores[docnum] == pytest.approx(score, rel=1e-9), docnum


def test_an_and_stops_at_the_first_word_that_matches_nothing(searcher, monkeypatch):
    asked: list[tuple[str, str]] = []
    scorer = TermScorer(searcher)
    frequency = scorer.frequency

    def counting(field: str, text: str) -> int:
        asked.append((field, text))
        return frequency(field, text)

    monkeypatch.setattr(scorer, "frequency", counting)
    words = ["zzqx", *(["road", "school", "crime"] * 40)]
    mask, scores = scorer.evaluate(parse_query(" ".join(words)).query)
    assert not mask.any() and not scores.any()
    assert {text for _, text in asked} == {"zzqx"}  # one word, in each text field
