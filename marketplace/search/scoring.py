"""Exact BM25F scoring of term queries with numpy over Whoosh's own postings.

Whoosh scores one posting at a time in Python, which is most of a query's cost (see
bench/search.py and the profile in the closing note of the search issue). Here each term's
postings are read a block at a time into arrays, cached per segment (segments never change;
deletions are applied through the live-document mask), and scored with the same formula as
Whoosh's BM25F: ``idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * fl / avgfl))``, with Whoosh's
idf and average field lengths. And sums, Or sums what matched, AndNot subtracts; phrases are
left to Whoosh, which knows positions. Results equal Whoosh's exact ranking (tested).

This reads private attributes of whoosh-reloaded 2.7.5 (`_read_ids`, `_ids`, `_weights`,
`_next_block`, the `_<field>_len` length columns), which is why that version is pinned.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from math import log

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from marketplace.search.schema import SHINGLE_SIZES, shingle_field

K1, B = 1.2, 0.75
_BYTE_TO_LENGTH = np.array([byte_to_length(i) for i in range(256)], dtype=np.float64)
# Postings of (segment, field, term) are immutable: keep the most recently used, bounded by size.
_CACHE_BYTES = 64 * 1024 * 1024
_cache: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
_cache_size = 0
# What an entry costs besides its arrays' data (key, tuple, array headers): without it, the
# empty postings of a term some segments lack would count as nothing and never be evicted.
_ENTRY_OVERHEAD = 512
_cache_lock = threading.Lock()
MAX_FREQUENCIES_KEPT = 100_000  # per searcher


def _cached(key: tuple, make):
    global _cache_size
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    value = make()
    size = _ENTRY_OVERHEAD + sum(a.nbytes for a in value)
    with _cache_lock:
        _cache[key] = value
        _cache_size += size
        while _cache_size > _CACHE_BYTES and len(_cache) > 1:
            _, old = _cache.popitem(last=False)
            _cache_size -= _ENTRY_OVERHEAD + sum(a.nbytes for a in old)
    return value


def _segment_key(reader) -> str:
    return reader.segment().segment_id()


def _segment_postings(reader, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        matcher = _matcher(reader, field, text)
    except TermNotFound:
        return np.empty(0, np.int64), np.empty(0, np.float64)
    ids, weights = [], []
    if isinstance(matcher, W3LeafMatcher):
        while matcher.is_active():
            block_ids, block_weights = _block(matcher)
            ids.append(block_ids)
            weights.append(block_weights)
            matcher._next_block()
    else:  # inlined postings of a rare term
        while matcher.is_active():
            ids.append(np.array([matcher.id()], dtype=np.int64))
            weights.append(np.array([matcher.weight()], dtype=np.float64))
            matcher.next()
    if not ids:
        return np.empty(0, np.int64), np.empty(0, np.float64)
    return np.concatenate(ids), np.concatenate(weights)


def _matcher(reader, field: str, text: str):
    """The segment's own matcher of the term's postings, deleted documents included (they are
    masked out after, by the live-document mask); TermNotFound if it has none. Not
    `reader.postings`, which looks the term up a second time after `in` and, in a segment with
    deletions, wraps the matcher in one skipping them a posting at a time in Python."""
    if not hasattr(reader, "_terms"):  # not a segment's reader (an empty index)
        if (field, text) not in reader:
            raise TermNotFound(f"{field}:{text!r}")
        return reader.postings(field, text)
    if field not in reader.schema:
        raise TermNotFound(f"no field {field}")
    return reader._terms.matcher(field, reader._text_to_bytes(field, text), reader.schema[field].format)


def _block(matcher: W3LeafMatcher) -> tuple[np.ndarray, np.ndarray]:
    """The ids and weights of the matcher's current block: what its `_read_ids` and
    `_read_weights` give, decoded with numpy rather than a Python step a posting (reading a
    term's postings the first time was most of a search at 10,000 entries)."""
    if matcher._data is None:
        matcher._read_data()
    ids, weights = matcher._data[0], matcher._data[1]
    ids = np.asarray(ids, dtype=np.int64)
    if not matcher._byteids:  # delta-encoded
        ids = np.cumsum(ids)
    if weights is None:  # all 1.0
        return ids, np.ones(matcher._blocklength)
    if isinstance(weights, float):  # all the same, which Whoosh holds as 32-bit floats
        return ids, np.full(matcher._blocklength, np.float32(weights), dtype=np.float64)
    return ids, np.asarray(weights, dtype=np.float64)


def _segment_lengths(reader, field: str) -> tuple[np.ndarray]:
    column = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    size = reader.doc_count_all()
    if column is None:
        return (np.ones(size),)
    raw = (
        np.frombuffer(bytes(column[i] for i in range(size)), dtype=np.uint8)
        if size
        else np.empty(0, np.uint8)
    )
    lengths = _BYTE_TO_LENGTH[raw]
    lengths[raw == 0] = 1  # Whoosh's doc_field_length default for a missing length
    return (lengths,)


class TermScorer:
    """Dense score and match arrays for the term queries of one searcher."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.size = searcher.reader().doc_count_all()
        self.leaves = [(sub.reader(), offset) for sub, offset in searcher.leaf_searchers()]
        self._lengths: dict[str, np.ndarray] = {}
        self._frequencies: dict[tuple[str, str], int] = {}

    def lengths(self, field: str) -> np.ndarray:
        if field not in self._lengths:
            parts = [
                _cached(("len", _segment_key(reader), field), lambda r=reader: _segment_lengths(r, field))[0]
                for reader, _ in self.leaves
            ]
            self._lengths[field] = np.concatenate(parts) if parts else np.ones(0)
        return self._lengths[field]

    def _postings(self, reader, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        return _cached(
            ("post", _segment_key(reader), field, text), lambda: _segment_postings(reader, field, text)
        )

    def frequency(self, field: str, text: str) -> int:
        """How many documents hold `text` in `field` (deleted ones included), remembered: a
        query asks it of every term, and for each segment of the index."""
        key = (field, text)
        found = self._frequencies.get(key)
        if found is None:
            if len(self._frequencies) >= MAX_FREQUENCIES_KEPT:  # mostly words no entry holds
                self._frequencies.clear()
            found = self._frequencies[key] = self.searcher.doc_frequency(field, text)
        return found

    def idf(self, field: str, text: str) -> float:
        """Whoosh's idf for BM25F (`WeightingModel.idf`: log(N / (n + 1)) + 1, deleted documents
        counted in both), from the remembered frequency: `searcher.idf` looked the term up in
        every segment again the first time, a sixth of a search with new words."""
        return log(self.size / (self.frequency(field, text) + 1)) + 1

    def documents(self, field: str, text: str) -> np.ndarray:
        """The docnums holding `text` in `field`, deleted ones included (mask them out): what
        "does this word occur in an entry this person may see" is asked of, from the cache."""
        if self.frequency(field, text) == 0:
            return np.empty(0, np.int64)
        parts = [self._postings(reader, field, text)[0] + offset for reader, offset in self.leaves]
        return np.concatenate(parts)

    def term(self, field: str, text: str, boost: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """(matched mask, scores) of one term in one field, over all documents."""
        mask = np.zeros(self.size, dtype=bool)
        scores = np.zeros(self.size)
        self._add_term(field, text, mask, scores, boost)
        return mask, scores

    def _add_term(
        self, field: str, text: str, mask: np.ndarray, scores: np.ndarray, boost: float = 1.0
    ) -> None:
        """Mark the term's documents in `mask` and add its scores to `scores`, in place (an OR
        of terms then makes no arrays per term; the sums are the same, in the same order).
        `boost` scales the scores, as Whoosh's query boost does (the thesaurus's weight)."""
        if self.frequency(field, text) == 0:
            return
        idf = self.idf(field, text) * boost
        avgfl = self.searcher.avg_field_length(field) or 1
        for reader, offset in self.leaves:
            docs, numerator, denominator = self._weighted(reader, offset, field, text, avgfl)
            if not len(docs):
                continue
            scores[docs] += idf * numerator / denominator
            mask[docs] = True

    def _weighted(
        self, reader, offset: int, field: str, text: str, avgfl: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A segment's docnums of the term, and the parts of its BM25F formula that do not
        depend on the term's idf: cached, as they change only with the average field length,
        so a search does two operations a posting rather than eight (exactly the same sums)."""

        def make() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            ids, tf = self._postings(reader, field, text)
            fl = self.lengths(field)[ids + offset]
            return ids + offset, tf * (K1 + 1), tf + K1 * ((1 - B) + B * fl / avgfl)

        return _cached(("bm25", _segment_key(reader), offset, field, text, avgfl), make)

    def evaluate(self, query: wq.Query) -> tuple[np.ndarray, np.ndarray]:
        """(matched mask, scores) of `query` over all documents, as Whoosh would score it."""
        if isinstance(query, wq.Term):
            return self.term(query.fieldname, query.text, query.boost)
        if isinstance(query, wq.And):
            mask, scores = np.ones(self.size, dtype=bool), np.zeros(self.size)
            for sub in query.subqueries:
                sub_mask, sub_scores = self.evaluate(sub)
                mask &= sub_mask
                if not mask.any():  # nothing left to match: the rest cannot change that
                    return mask, np.zeros(self.size)
                scores += sub_scores
            return mask, np.where(mask, scores, 0.0)
        if isinstance(query, wq.Or):
            mask, scores = np.zeros(self.size, dtype=bool), np.zeros(self.size)
            for sub in query.subqueries:
                if isinstance(sub, wq.Term):
                    self._add_term(sub.fieldname, sub.text, mask, scores, sub.boost)
                    continue
                sub_mask, sub_scores = self.evaluate(sub)
                mask |= sub_mask
                scores += np.where(sub_mask, sub_scores, 0.0)
            return mask, scores
        if isinstance(query, wq.AndMaybe):  # what `a` matches; `b` adds to the score where it matches
            mask, scores = self.evaluate(query.a)
            _, extra = self.evaluate(query.b)
            return mask, np.where(mask, scores + extra, 0.0)
        if isinstance(query, wq.AndNot):
            mask, scores = self.evaluate(query.a)
            excluded, _ = self.evaluate(query.b)
            mask = mask & ~excluded
            return mask, np.where(mask, scores, 0.0)
        if isinstance(query, wq.Phrase) and len(query.words) in SHINGLE_SIZES and query.slop == 1:
            # The shingle field says which documents hold the words side by side; Whoosh scores a
            # phrase as the sum of its words' scores, so the term arrays give the score.
            mask, _ = self.term(shingle_field(query.fieldname), "_".join(query.words))
            scores = np.zeros(self.size)
            for word in query.words:
                scores += self.term(query.fieldname, word, query.boost)[1]
            return mask, np.where(mask, scores, 0.0)
        if isinstance(query, wq.Every):
            return np.ones(self.size, dtype=bool), np.zeros(self.size)
        # Phrases and anything else: Whoosh itself, exact (limit=None).
        mask, scores = np.zeros(self.size, dtype=bool), np.zeros(self.size)
        for score, docnum in self.searcher.search(query, limit=None, terms=False).top_n:
            mask[docnum] = True
            scores[docnum] = score
        return mask, scores
