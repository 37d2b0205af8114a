"""The near-word search of search/spelling.py, held to Whoosh's own edit distance."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from whoosh.support.levenshtein import damerau_levenshtein

from marketplace.search.spelling import MAX_CANDIDATES, MAX_LENGTH, Words, best_correction, near_words

# Few letters, so that random words are often near one another; and a few beyond ASCII.
LETTERS = st.sampled_from("abcdeéß1")
WORD = st.text(LETTERS, min_size=1, max_size=MAX_LENGTH)
VOCABULARY = st.lists(st.text(LETTERS, min_size=1, max_size=MAX_LENGTH + 4), max_size=60, unique=True)


@settings(max_examples=300, deadline=None)
@given(VOCABULARY, VOCABULARY, WORD, st.sampled_from([1, 2]))
@example(["ab", "ba", "abc", "acb"], [], "ab", 1)
@example(["road", "rod", "roads", "rd"], ["broad"], "raod", 2)
def test_near_words_are_the_words_within_whooshs_distance(first, second, word, edits):
    found = near_words([Words.of(first), Words.of(second)], word, edits)
    expected = {}
    for other in first + second:
        distance = damerau_levenshtein(word, other)
        if distance <= edits and other != word:
            expected[other] = distance
    assert found == expected


def test_a_word_longer_than_the_limit_is_refused_before_any_work():
    with pytest.raises(ValueError):
        near_words([Words.of(["a" * MAX_LENGTH])], "a" * (MAX_LENGTH + 1), 2)


def test_the_correction_is_the_nearest_word_that_occurs_then_the_most_frequent():
    counts = {"road": 0, "rods": 5, "roam": 9, "rod": 2}
    candidates = {"road": 1, "rods": 1, "roam": 2, "rod": 1}
    assert best_correction(candidates, counts.__getitem__) == "rods"
    assert best_correction({"road": 1, "roam": 2}, counts.__getitem__) == "roam"
    assert best_correction({"road": 1}, counts.__getitem__) is None


def test_only_so_many_candidates_are_counted():
    asked = []

    def occurrences(word: str) -> int:
        asked.append(word)
        return 0

    candidates = {f"w{n:04d}": 1 for n in range(1000)}
    assert best_correction(candidates, occurrences) is None
    assert len(asked) == MAX_CANDIDATES
