"""Per-searcher arrays of every entry's filter, facet and sort values.

Built once per searcher (tens of milliseconds at 100,000 entries, see bench/search.py) by
walking each value's postings, then every search filters, counts facets and sorts with
numpy instead of asking Whoosh per document. Whoosh's own grouping re-reads a multi-valued
facet for the whole index on every search, which is what made the defaults slow.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

import numpy as np
from whoosh.searching import Searcher

from marketplace.search.schema import NUMBER_COLUMNS as NUMBERS

SINGLE_VALUED = ("organisation", "licence", "access_rights", "type", "status", "quality", "kind")
MULTI_VALUED = ("theme", "format")
# Freshness states, judged from the day numbers and today (the rule of rules/freshness.py).
FRESHNESS = ("fresh", "due", "overdue", "unknown")


@dataclass
class SingleValued:
    values: list[str]
    ords: np.ndarray  # docnum -> index into values, -1 for none

    def index_of(self, value: str) -> int:
        try:
            return self.values.index(value)
        except ValueError:
            return -2  # matches no document (not even those with no value)

    def mask(self, wanted: list[str]) -> np.ndarray:
        indexes = [self.index_of(v) for v in wanted]
        if len(indexes) == 1:  # the usual case (every search asks for "published"): no sort as isin does
            return self.ords == indexes[0]
        return np.isin(self.ords, indexes)

    def counts(self, docs: np.ndarray) -> dict[str, int]:
        ords = self.ords[docs]
        counted = np.bincount(ords[ords >= 0], minlength=len(self.values))
        return {self.values[i]: int(n) for i, n in enumerate(counted) if n}


@dataclass
class MultiValued:
    values: list[str]
    matrix: np.ndarray  # (value, docnum) -> has it

    def mask(self, wanted: list[str]) -> np.ndarray:
        rows = [self.values.index(v) for v in wanted if v in self.values]
        if not rows:
            return np.zeros(self.matrix.shape[1], dtype=bool)
        return self.matrix[rows].any(axis=0)

    def counts(self, docs: np.ndarray) -> dict[str, int]:
        counted = self.matrix[:, docs].sum(axis=1)
        return {self.values[i]: int(n) for i, n in enumerate(counted) if n}


@dataclass
class FacetArrays:
    live: np.ndarray  # docnums of entries not deleted (the position document excluded)
    live_mask: np.ndarray  # the same as a mask over all docnums
    fields: dict[str, SingleValued | MultiValued]
    modified: np.ndarray  # docnum -> date ordinal
    title_rank: np.ndarray  # docnum -> position in title order
    quality_score: np.ndarray  # docnum -> metadata score, NO_SCORE for none
    fresh_until: np.ndarray  # docnum -> date ordinal, 0 for none
    overdue_after: np.ndarray  # docnum -> date ordinal, 0 for none


def _values(reader, name: str) -> list[str]:
    return [value.decode() if isinstance(value, bytes) else value for value in reader.lexicon(name)]


@dataclass
class _SegmentValues:
    """One segment's values, by local docnum: never changes once the segment is written."""

    single: dict[str, tuple[list[str], np.ndarray]]  # field -> (values, ords)
    multi: dict[str, tuple[list[str], np.ndarray]]  # field -> (values, (value, doc) matrix)
    numbers: dict[str, np.ndarray]  # NUMBERS field -> values
    titles: list[str]


def _column(reader, name: str, default) -> list:
    # A segment holding only documents without the field (the position document) has no column.
    if reader.has_column(name):
        return list(reader.column_reader(name))
    return [default] * reader.doc_count_all()


def _segment_values(reader) -> _SegmentValues:
    size = reader.doc_count_all()
    single = {}
    for name in SINGLE_VALUED:
        values = _values(reader, name)
        ords = np.full(size, -1, dtype=np.int32)
        for i, value in enumerate(values):
            ords[list(reader.postings(name, value).all_ids())] = i
        single[name] = (values, ords)
    multi = {}
    for name in MULTI_VALUED:
        values = _values(reader, name)
        matrix = np.zeros((len(values), size), dtype=bool)
        for i, value in enumerate(values):
            matrix[i, list(reader.postings(name, value).all_ids())] = True
        multi[name] = (values, matrix)
    numbers = {name: np.array(_column(reader, name, none), dtype=np.int64) for name, none in NUMBERS.items()}
    # UTF-8 bytes sort as their text does (by code point).
    return _SegmentValues(single, multi, numbers, _column(reader, "title_sort", b""))


# Segment id -> its values. A searcher opened after a change reuses every unchanged segment's
# values, so only the new segment is read (bounded: old segments disappear as they merge).
_segments: dict[str, _SegmentValues] = {}
_segments_lock = threading.Lock()
MAX_SEGMENTS_CACHED = 64


def _values_of(reader) -> _SegmentValues:
    key = reader.segment().segment_id()
    with _segments_lock:
        found = _segments.get(key)
    if found is None:
        found = _segment_values(reader)
        with _segments_lock:
            if len(_segments) >= MAX_SEGMENTS_CACHED:
                _segments.pop(next(iter(_segments)))
            _segments[key] = found
    return found


def build_arrays(searcher: Searcher) -> FacetArrays:
    leaves = [(sub.reader(), offset) for sub, offset in searcher.leaf_searchers()]
    parts = [_values_of(reader) for reader, _ in leaves]
    size = searcher.reader().doc_count_all()
    fields: dict[str, SingleValued | MultiValued] = {}
    for name in SINGLE_VALUED:
        values = sorted({v for part in parts for v in part.single[name][0]})
        index = {v: i for i, v in enumerate(values)}
        ords = []
        for part in parts:
            local_values, local_ords = part.single[name]
            mapping = np.array([index[v] for v in local_values] + [-1], dtype=np.int32)
            ords.append(mapping[local_ords])  # -1 indexes the trailing -1: no value
        fields[name] = SingleValued(values, np.concatenate(ords) if ords else np.full(size, -1, np.int32))
    for name in MULTI_VALUED:
        values = sorted({v for part in parts for v in part.multi[name][0]})
        index = {v: i for i, v in enumerate(values)}
        matrix = np.zeros((len(values), size), dtype=bool)
        for part, (_, offset) in zip(parts, leaves, strict=True):
            local_values, local_matrix = part.multi[name]
            for row, value in enumerate(local_values):
                matrix[index[value], offset : offset + local_matrix.shape[1]] = local_matrix[row]
        fields[name] = MultiValued(values, matrix)
    live = _live_docnums(searcher, leaves, size)
    kind = fields.pop("kind")
    live = live[kind.ords[live] == kind.index_of("entry")]
    numbers = {
        name: np.concatenate([part.numbers[name] for part in parts])
        if parts
        else np.full(size, none, np.int64)
        for name, none in NUMBERS.items()
    }
    titles = np.array([title for part in parts for title in part.titles], dtype=object)
    rank = np.empty(size, dtype=np.int64)
    rank[np.argsort(titles, kind="stable")] = np.arange(size)
    live_mask = np.zeros(size, dtype=bool)
    live_mask[live] = True
    return FacetArrays(
        live,
        live_mask,
        fields,
        numbers["modified"],
        rank,
        numbers["quality_score"],
        numbers["fresh_until"],
        numbers["overdue_after"],
    )


def _live_docnums(searcher: Searcher, leaves: list, size: int) -> np.ndarray:
    """Docnums not deleted, in order: from each segment's set of deletions (asking Whoosh doc by
    doc took 0.7 s at 100,000 entries, most of building the arrays)."""
    if not all(hasattr(reader, "deleted_docs_set") for reader, _ in leaves):
        return np.fromiter(searcher.reader().all_doc_ids(), dtype=np.int64)
    live = np.ones(size, dtype=bool)
    for reader, offset in leaves:
        if reader.has_deletions():
            deleted = np.fromiter(reader.deleted_docs_set, dtype=np.int64)  # a cached property
            live[offset + deleted] = False
    return np.flatnonzero(live).astype(np.int64)


def _state_of(searcher: Searcher) -> tuple | None:
    """What the arrays depend on: each segment (ids are unique across indexes) and its deletions;
    None for a reader that is not a segment's (an empty index), whose arrays are not shared."""
    if not all(hasattr(sub.reader(), "segment") for sub, _ in searcher.leaf_searchers()):
        return None
    return tuple(
        (sub.reader().segment().segment_id(), sub.reader().doc_count_all(), sub.reader().doc_count(), offset)
        for sub, offset in searcher.leaf_searchers()
    )


# The arrays of the newest index states, shared by every thread of the process. Each thread has
# its own searcher (store.py); built per searcher, a gthread worker held one copy a thread and
# rebuilt each of them after every change. They are only read once built.
_shared: dict[tuple, FacetArrays] = {}
_shared_lock = threading.Lock()
MAX_STATES_SHARED = 2


def arrays_for(searcher: Searcher, cache: dict) -> FacetArrays:
    if "arrays" not in cache:
        key = _state_of(searcher)
        if key is None:
            cache["arrays"] = build_arrays(searcher)
            return cache["arrays"]
        # One thread builds while the others of the same state wait for it, rather than all
        # building the same arrays at once after a change.
        with _shared_lock:
            arrays = _shared.get(key)
            if arrays is None:
                arrays = build_arrays(searcher)
                while len(_shared) >= MAX_STATES_SHARED:
                    _shared.pop(next(iter(_shared)))
                _shared[key] = arrays
        cache["arrays"] = arrays
    return cache["arrays"]


def freshness_states(arrays: FacetArrays, today: date) -> SingleValued:
    """Each document's freshness on `today`, as a facet over FRESHNESS: judged now rather than
    indexed, so the facet is right every day without reindexing (a millisecond at 100,000).

    Unknown without both dates; fresh while today is on or before `fresh_until`; due until
    `overdue_after`; overdue after it.
    """
    day = today.toordinal()
    known = (arrays.fresh_until > 0) & (arrays.overdue_after > 0)
    ords = np.select(
        [~known, day <= arrays.fresh_until, day <= arrays.overdue_after],
        [FRESHNESS.index("unknown"), FRESHNESS.index("fresh"), FRESHNESS.index("due")],
        FRESHNESS.index("overdue"),
    ).astype(np.int32)
    return SingleValued(list(FRESHNESS), ords)


def freshness_for(arrays: FacetArrays, today: date, cache: dict) -> SingleValued:
    """freshness_states, kept with the searcher's other arrays for the day it was asked for."""
    key = ("freshness", today)
    if key not in cache:
        for old in [k for k in cache if isinstance(k, tuple) and k[0] == "freshness"]:
            del cache[old]
        cache[key] = freshness_states(arrays, today)
    return cache[key]
