"""The catalogue words nearest to a word typed, for "did you mean", found with numpy.

Whoosh's corrector was too slow to keep (issue 11): it builds a Levenshtein automaton for the
word (1.2 s for a 500-letter word) and walks it over each segment's word list (~20 ms a word per
segment at 10,000 entries). And an index of several segments (a full build writes one per core)
is read through Whoosh's multi-segment reader, which measures the distance to every word of the
field in Python instead (~300 ms a word). Here each segment's words are kept as a matrix of code
points with a histogram of each word's characters. A typed word is measured only against the
words of nearby length whose characters differ by no more than the allowed edits could change
(an edit changes at most two histogram counts by one), and those distances are computed for all
of them at once, one row of the edit-distance table at a time, dropping words as soon as they
are out of reach. That takes about a millisecond a word at 10,000 entries.

The distance is Whoosh's own `damerau_levenshtein` (the optimal string alignment distance:
insertions, deletions, substitutions and swaps of neighbouring letters; a test holds the two
equal). Which of the near words may be offered is the caller's business (the engine offers only
words of entries the person may see).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

MAX_WORDS = 4  # unknown words corrected in one query; with more there is no suggestion
MAX_LENGTH = 24  # the longest word corrected: longer ones are left as typed
MAX_CANDIDATES = 64  # near words of one typed word that are checked, nearest first
_WIDTH = MAX_LENGTH + 2  # no longer catalogue word is within two edits of a word corrected
_BUCKETS = 32  # characters are counted by code point modulo this


def max_edits(word: str) -> int:
    """How far a correction may be from `word`: one edit for a short word, two for a longer one
    (two edits turn most three-letter words into hundreds of others)."""
    return 1 if len(word) <= 4 else 2


@dataclass(frozen=True)
class Words:
    """A list of words as arrays: never changed once made (one per index segment)."""

    words: list[str]
    codes: np.ndarray  # (word, position) -> code point, 0 after the word's end
    lengths: np.ndarray  # word -> its length
    histograms: np.ndarray  # (word, bucket) -> how many of its characters fall in the bucket

    @classmethod
    def of(cls, words: Iterable[str]) -> Words:
        kept = [w for w in words if 0 < len(w) <= _WIDTH]
        codes = np.array(kept, dtype=f"<U{_WIDTH}").view(np.uint32).reshape(len(kept), _WIDTH)
        lengths = np.array([len(w) for w in kept], dtype=np.int16)
        # Each word's characters counted by bucket, past-the-end positions in an extra bucket
        # that is then dropped: one bincount over every (word, bucket) pair.
        buckets = np.where(np.arange(_WIDTH) < lengths[:, None], codes % _BUCKETS, _BUCKETS)
        cells = (np.arange(len(kept))[:, None] * (_BUCKETS + 1) + buckets).ravel()
        counted = np.bincount(cells, minlength=len(kept) * (_BUCKETS + 1))
        histograms = counted.reshape(len(kept), _BUCKETS + 1)[:, :_BUCKETS].astype(np.int8)
        return cls(kept, codes, lengths, histograms)


def near_words(segments: list[Words], word: str, edits: int) -> dict[str, int]:
    """The words of `segments` within `edits` of `word` (other than `word`), with their
    distances. `word` must be at most MAX_LENGTH long: the work grows with its length."""
    if not 0 < len(word) <= MAX_LENGTH:
        raise ValueError(f"only words of 1 to {MAX_LENGTH} characters are corrected")
    typed = np.array([ord(c) for c in word], dtype=np.uint32)
    histogram = np.bincount(typed % _BUCKETS, minlength=_BUCKETS).astype(np.int8)
    found: dict[str, int] = {}
    for segment in segments:
        rows = np.flatnonzero(np.abs(segment.lengths - len(word)) <= edits)
        rows = rows[np.abs(segment.histograms[rows] - histogram).sum(axis=1) <= 2 * edits]
        for row, distance in zip(*_within(typed, segment, rows, edits), strict=True):
            found[segment.words[row]] = int(distance)
    found.pop(word, None)
    return found


def _within(typed: np.ndarray, segment: Words, rows: np.ndarray, edits: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, distances) of the words of `rows` within `edits` of `typed`: the edit-distance
    table's rows computed for all the words at once."""
    if not len(rows):
        return rows, rows
    width = int(segment.lengths[rows].max())
    codes = segment.codes[rows, :width]
    columns = np.arange(width + 1, dtype=np.int16)
    before = None
    last = np.broadcast_to(columns, (len(rows), width + 1)).copy()
    for i in range(1, len(typed) + 1):
        row = np.empty_like(last)
        row[:, 0] = i
        different = (codes != typed[i - 1]).astype(np.int16)
        row[:, 1:] = np.minimum(last[:, 1:] + 1, last[:, :-1] + different)  # deletion, substitution
        if before is not None:  # two neighbouring letters swapped
            swapped = (codes[:, :-1] == typed[i - 1]) & (codes[:, 1:] == typed[i - 2])
            row[:, 2:] = np.where(swapped, np.minimum(row[:, 2:], before[:, :-2] + 1), row[:, 2:])
        # Insertions: row[j] = min(row[j], row[j - 1] + 1), along the row, as a running minimum.
        row = np.minimum.accumulate(row - columns, axis=1) + columns
        reachable = row.min(axis=1) <= edits  # a row's minimum never falls further down the table
        if not reachable.all():
            rows, codes, row, last = rows[reachable], codes[reachable], row[reachable], last[reachable]
            if not len(rows):
                return rows, rows
        before, last = last, row
    distances = last[np.arange(len(rows)), segment.lengths[rows]]
    near = distances <= edits
    return rows[near], distances[near]


def best_correction(candidates: dict[str, int], occurrences: Callable[[str], int]) -> str | None:
    """The nearest candidate that occurs somewhere (`occurrences` counts where: the entries the
    person may see), the most frequent of equally near ones; None if none occurs.

    At most MAX_CANDIDATES are counted, nearest first, so a short word with hundreds of near
    words costs no more than one with a few; a candidate left uncounted is simply not offered.
    """
    ordered = sorted(candidates.items(), key=lambda item: (item[1], item[0]))[:MAX_CANDIDATES]
    best: tuple[int, int, str] | None = None
    for word, distance in ordered:
        if best is not None and distance > best[0]:
            break
        count = occurrences(word)
        if count and (best is None or (distance, -count, word) < best):
            best = (distance, -count, word)
    return best[2] if best else None


# Segment id -> its words: segments never change, so a new searcher reads only new segments.
_segments: dict[str, Words] = {}
_segments_lock = threading.Lock()
MAX_SEGMENTS_CACHED = 64


def segment_words(reader, field: str) -> Words:
    """The words of `field` in one segment's reader, as arrays (read once per segment)."""
    key = f"{reader.segment().segment_id()}/{field}"
    with _segments_lock:
        found = _segments.get(key)
    if found is None:
        found = Words.of(t.decode() if isinstance(t, bytes) else t for t in reader.lexicon(field))
        with _segments_lock:
            if len(_segments) >= MAX_SEGMENTS_CACHED:
                _segments.pop(next(iter(_segments)))
            _segments[key] = found
    return found
