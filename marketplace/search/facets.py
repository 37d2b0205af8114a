"""Per-searcher arrays of every entry's filter, facet and sort values.

Built once per searcher (tens of milliseconds at 100,000 entries, see bench/search.py) by
walking each value's postings, then every search filters, counts facets and sorts with
numpy instead of asking Whoosh per document. Whoosh's own grouping re-reads a multi-valued
facet for the whole index on every search, which is what made the defaults slow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh.searching import Searcher

SINGLE_VALUED = ("organisation", "licence", "access_rights", "type", "status", "kind")
MULTI_VALUED = ("theme", "format")


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
        return np.isin(self.ords, [self.index_of(v) for v in wanted])

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


def _values(reader, name: str) -> list[str]:
    return [value.decode() if isinstance(value, bytes) else value for value in reader.lexicon(name)]


def _column(searcher: Searcher, name: str, default) -> list:
    """A sortable column's value for every document, segment by segment: a segment holding only
    documents without the field (the position document) has no column at all."""
    values: list = []
    for sub, _ in searcher.leaf_searchers():
        reader = sub.reader()
        if reader.has_column(name):
            values.extend(reader.column_reader(name))
        else:
            values.extend([default] * reader.doc_count_all())
    return values


def build_arrays(searcher: Searcher) -> FacetArrays:
    reader = searcher.reader()
    size = reader.doc_count_all()
    fields: dict[str, SingleValued | MultiValued] = {}
    for name in SINGLE_VALUED:
        values = _values(reader, name)
        ords = np.full(size, -1, dtype=np.int32)
        for i, value in enumerate(values):
            ords[list(reader.postings(name, value).all_ids())] = i
        fields[name] = SingleValued(values, ords)
    for name in MULTI_VALUED:
        values = _values(reader, name)
        matrix = np.zeros((len(values), size), dtype=bool)
        for i, value in enumerate(values):
            matrix[i, list(reader.postings(name, value).all_ids())] = True
        fields[name] = MultiValued(values, matrix)
    live = np.fromiter(reader.all_doc_ids(), dtype=np.int64)
    kind = fields.pop("kind")
    live = live[kind.ords[live] == kind.index_of("entry")]
    modified = np.array(_column(searcher, "modified", 0), dtype=np.int64)
    titles = _column(searcher, "title_sort", "")
    rank = np.empty(size, dtype=np.int64)
    rank[sorted(range(size), key=titles.__getitem__)] = np.arange(size)
    live_mask = np.zeros(size, dtype=bool)
    live_mask[live] = True
    return FacetArrays(live, live_mask, fields, modified, rank)


def arrays_for(searcher: Searcher, cache: dict) -> FacetArrays:
    if "arrays" not in cache:
        cache["arrays"] = build_arrays(searcher)
    return cache["arrays"]
