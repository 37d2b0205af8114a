"""Writing a whole index at once: postings grouped in memory, segments written in parallel.

Whoosh's `SegmentWriter` sends every posting through an external sort (pickled runs on disk,
then a heap merge), so that it can index any amount in bounded memory. Profiling a full
reindex showed that sort, with the per-posting bookkeeping around it, as half the time.
A rebuild knows its input, so here each term's postings are kept in a list as documents are
added (in docnum order, so already sorted) and only the terms are sorted when the segment is
written, through Whoosh's own codec. Memory is bounded by writing a segment every
SEGMENT_DOCS documents. Each process reads its share of the entries from the database itself
and writes its own segments; the parent then lists them all in the index's table of contents,
as Whoosh's own multi-segment MpWriter does.

Only what this service's schema uses is supported: no per-document boosts, spelling fields or
term vectors (checked when a writer starts).
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import queue
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from flask import Flask, current_app
from whoosh import formats
from whoosh.analysis import IDTokenizer
from whoosh.index import FileIndex
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from marketplace.extensions import db
from marketplace.search import store
from marketplace.search.entries import load_entries
from marketplace.search.schema import TermSet, entry_document

log = logging.getLogger(__name__)
# Documents per segment: bounds a writer's memory (a few hundred MB at this size) while keeping
# the number of segments a search walks small (four at 100,000 entries).
SEGMENT_DOCS = 25_000
BATCH = 1_000  # entries read from the database at a time
# Below this many entries one process is quicker than starting others.
PARALLEL_FROM = 5_000


class BulkSegmentWriter(SegmentWriter):
    """A writer of one new segment whose postings are grouped in memory (see the module)."""

    def __init__(self, ix: FileIndex, *, lock: bool = False) -> None:
        # The lock taken here, not by Whoosh's writer, so that it is released if setting up fails
        # (see store.locked_writer).
        writelock = store.write_lock(ix) if lock else None
        try:
            super().__init__(ix, _lk=False)
            for name, field in self.schema.items():
                if field.separate_spelling() or field.vector:
                    raise ValueError(f"the bulk writer cannot write field {name!r}'s spelling or vectors")
        except BaseException:
            if writelock is not None:
                writelock.release()
            raise
        self.writelock = writelock
        self._terms: dict[str, dict[bytes, list[tuple[int, float, bytes]]]] = {}
        self._lengths: dict[str, dict[int, int]] = {}  # scorable field -> docnum -> stored length
        self._term_sets: dict[str, list[tuple[int, list[str]]]] = {}  # TermSet field -> (docnum, terms)

    def add_document(self, **fields: Any) -> None:
        self._check_state()
        schema, docnum, perdoc = self.schema, self.docnum, self.perdocwriter
        names = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, names)
        perdoc.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                length = 0
                if isinstance(field, TermSet):
                    if not isinstance(value, list) or len(set(value)) != len(value):
                        raise ValueError(f"{name} must be a list of distinct terms")
                    self._term_sets.setdefault(name, []).append((docnum, value))
                elif field.indexed:
                    terms = self._terms.setdefault(name, {})
                    for text, freq, weight, encoded in _postings(field, value):
                        length += freq
                        postings = terms.get(text)
                        if postings is None:
                            terms[text] = [(docnum, weight, encoded)]
                        else:
                            postings.append((docnum, weight, encoded))
                    if not field.scorable:
                        length = 0
                    elif length:
                        # What Whoosh's own writer passes on: the length as stored (one byte).
                        self._lengths.setdefault(name, {})[docnum] = byte_to_length(length_to_byte(length))
                stored = fields.get(f"_stored_{name}", value)
                perdoc.add_field(name, field, stored if field.stored else None, length)
                if field.column_type and stored is not None:
                    perdoc.add_column_value(name, field.column_type, field.to_column_value(stored))
        except BaseException:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        out = self.fieldwriter
        for name in sorted({*self._terms, *self._term_sets}):
            field = self.schema[name]
            out.start_field(name, field)
            if name in self._term_sets:
                # Each posting of a term set is (doc, 1 x the field's boost, a frequency of 1).
                weight, once = field.format.field_boost, pack_uint(1)
                by_term = _group_term_sets(self._term_sets[name])
                for text in sorted(by_term):  # code point order is UTF-8 byte order
                    out.start_term(text.encode())
                    _add_set_postings(out._postwriter, by_term[text], weight, once)
                    out.finish_term()
            else:
                lengths = self._lengths.get(name, {})
                terms = self._terms[name]
                for text in sorted(terms):
                    out.start_term(text)
                    _add_postings(out._postwriter, terms[text], lengths)
                    out.finish_term()
            out.finish_field()
        self.fieldwriter.close()
        self._terms, self._lengths, self._term_sets = {}, {}, {}

    def finish_segment(self):
        """Write this segment's files and return it (to be listed by `commit_segments`)."""
        return self._finalize_segment()

    def commit_segments(self, segments: Sequence) -> None:
        """Make the index consist of its segments, `segments` and this writer's own."""
        final = [*self.segments, *segments]
        if self._added:
            final.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(final)
        self._finish()


def _postings(field, value) -> Iterable[tuple[bytes, int, float, bytes]]:
    """(term, frequency, weight, encoded value) for each distinct term of a field's value:
    what `field.index(value)` gives, computed directly for the lists of analysed words this
    service hands over (Whoosh makes and discards a Token object per word to get there)."""
    kind = type(field.format)
    if isinstance(value, str) and kind is formats.Existence and type(field.analyzer) is IDTokenizer:
        return [(value.encode(), 1, field.format.field_boost, b"")]  # the whole value is the term
    if isinstance(value, list) and kind in (formats.Positions, formats.Frequency):
        boost = field.format.field_boost
        if kind is formats.Positions:
            places: dict[str, list[int]] = {}
            for place, term in enumerate(value):
                places.setdefault(term, []).append(place)
            encode = field.format.encode
            return [(t.encode(), len(p), len(p) * boost, encode(p)) for t, p in places.items()]
        return [(t.encode(), n, n * boost, pack_uint(n)) for t, n in Counter(value).items()]
    return field.index(value)


def _group_term_sets(documents: list[tuple[int, list[str]]]) -> dict[str, list[int]]:
    """term -> the docnums (in order) of the documents whose set holds it."""
    by_term: dict[str, list[int]] = {}
    for docnum, terms in documents:
        for term in terms:
            found = by_term.get(term)
            if found is None:
                by_term[term] = [docnum]
            else:
                found.append(docnum)
    return by_term


def _add_postings(writer, postings: list[tuple[int, float, bytes]], lengths: dict[int, int]) -> None:
    """Add one term's postings (in docnum order) to Whoosh's W3PostingsWriter a block at a
    time, with the block statistics its `add_posting` keeps one posting at a time."""
    limit = writer._blocklimit
    for start in range(0, len(postings), limit):
        if writer._ids:
            writer._write_block()
        docs, weights, values = zip(*postings[start : start + limit], strict=True)
        writer._ids.extend(docs)
        writer._weights.extend(weights)
        writer._values.extend(value for value in values if value)
        writer._maxweight = max(writer._maxweight, *weights)
        known = [lengths[doc] for doc in docs if lengths.get(doc)]
        if known:
            writer._minlength = min(known)
            writer._maxlength = max(known)


def _add_set_postings(writer, docs: list[int], weight: float, value: bytes) -> None:
    """`_add_postings` for postings that share one weight and value and carry no length."""
    limit = writer._blocklimit
    for start in range(0, len(docs), limit):
        if writer._ids:
            writer._write_block()
        block = docs[start : start + limit]
        writer._ids.extend(block)
        writer._weights.extend([weight] * len(block))
        writer._values.extend([value] * len(block))
        writer._maxweight = max(writer._maxweight, weight)


def write_segments(
    ix: FileIndex, ids: Sequence[uuid.UUID], report: Callable[[int], None] | None = None
) -> list:
    """Segments holding the entries `ids` (those that exist and are not deleted)."""
    # Millions of small tuples are made and kept until a segment is written, and none of them
    # can be part of a cycle: the cyclic garbage collector would walk them all, again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _write_segments(ix, ids, report)
    finally:
        if collecting:
            gc.enable()


def _write_segments(ix: FileIndex, ids: Sequence[uuid.UUID], report: Callable[[int], None] | None) -> list:
    segments = []
    writer = None
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        for entry in load_entries(chunk).values():
            if writer is None:
                writer = BulkSegmentWriter(ix)
            writer.add_document(**entry_document(entry))
            if writer.docnum >= SEGMENT_DOCS:
                segments.append(writer.finish_segment())
                writer = None
        db.session.commit()  # end each batch's read transaction
        if report:
            report(len(chunk))
    if writer is not None:
        segments.append(writer.finish_segment())
    return segments


def build_segments(
    ix: FileIndex,
    ids: Sequence[uuid.UUID],
    processes: int,
    progress: Callable[[int, int], None] | None = None,
) -> list:
    """Segments for all of `ids`, written by `processes` processes (each reading its own share)."""
    done = 0

    def report(count: int) -> None:
        nonlocal done
        done += count
        if progress:
            progress(done, len(ids))

    if processes <= 1 or len(ids) < PARALLEL_FROM:
        return write_segments(ix, ids, report)
    return _in_processes(current_app._get_current_object(), ix, ids, processes, report)


def _in_processes(app: Flask, ix: FileIndex, ids: Sequence[uuid.UUID], processes: int, report) -> list:
    # fork: the children start with the app and the open index as they are, with nothing to
    # pickle; each drops the database connections it inherited and opens its own.
    context = multiprocessing.get_context("fork")
    messages = context.Queue()
    share = -(-len(ids) // processes)
    children = [
        context.Process(target=_child, args=(app, ix, ids[i : i + share], messages), daemon=True)
        for i in range(0, len(ids), share)
    ]
    db.session.commit()  # no transaction may be open across the fork
    for child in children:
        child.start()
    segments, finished = [], 0
    try:
        while finished < len(children):
            try:
                kind, value = messages.get(timeout=1.0)
            except queue.Empty:
                failed = [c for c in children if c.exitcode not in (None, 0)]
                if failed:
                    code = failed[0].exitcode
                    raise RuntimeError(f"an index-writing process exited with code {code}") from None
                continue
            if kind == "progress":
                report(value)
            elif kind == "segments":
                segments.extend(value)
                finished += 1
            else:
                raise RuntimeError(f"an index-writing process failed:\n{value}")
    finally:
        for child in children:
            if child.is_alive() and finished < len(children):
                child.terminate()
            child.join()
    return segments


def _child(app: Flask, ix: FileIndex, ids: Sequence[uuid.UUID], messages) -> None:
    try:
        with app.app_context():
            db.engine.dispose(close=False)  # the parent's connections are the parent's
            segments = write_segments(ix, ids, lambda count: messages.put(("progress", count)))
        messages.put(("segments", segments))
    except BaseException:
        messages.put(("error", traceback.format_exc()))
        raise
