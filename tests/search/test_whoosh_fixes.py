"""Searchers read a segment's parts from its memory map in place (marketplace/search/whoosh_fixes.py):
what a search reads is what Whoosh's own file reading gives, and opening one copies no part."""

from __future__ import annotations

import pickle
import random
import threading
import tracemalloc
from pathlib import Path

import pytest
from whoosh import fields
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import FileStorage
from whoosh.qparser import QueryParser

from marketplace.search.whoosh_fixes import MappedFile

WORDS = [f"word{n}" for n in range(400)]
SCHEMA = fields.Schema(
    id=fields.ID(stored=True, unique=True),
    body=fields.TEXT(stored=True),
    tag=fields.KEYWORD(stored=True),
    number=fields.NUMERIC(stored=True, sortable=True),
)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One compound segment of 3,000 documents (about 2 MB)."""
    directory = tmp_path_factory.mktemp("whoosh-fixes")
    chooser = random.Random(17)
    ix = FileStorage(str(directory)).create_index(SCHEMA)
    with ix.writer() as writer:
        for n in range(3000):
            writer.add_document(
                id=f"doc-{n}",
                body=" ".join(chooser.choice(WORDS) for _ in range(60)),
                tag=chooser.choice(WORDS[:20]),
                number=n,
            )
    return directory


def everything_read(storage: FileStorage, words: list[str]) -> list:
    ix = storage.open_index()
    with ix.searcher() as searcher:
        parser = QueryParser("body", ix.schema)
        results = [
            [(hit["id"], round(hit.score, 6)) for hit in searcher.search(parser.parse(word), limit=50)]
            for word in words
        ]
        stored = [searcher.stored_fields(docnum) for docnum in range(0, searcher.doc_count_all(), 97)]
        terms = list(searcher.reader().lexicon("tag"))
        numbers = list(searcher.reader().column_reader("number"))[:200]
    return [results, stored, terms, numbers]


def test_a_mapped_index_reads_the_same_as_whoosh_reading_the_file(index_dir: Path):
    words = WORDS[::7]
    mapped = everything_read(FileStorage(str(index_dir)), words)
    through_the_file = everything_read(FileStorage(str(index_dir), supports_mmap=False), words)
    assert mapped == through_the_file
    assert mapped[0][0], "the queries match something"


def test_the_parts_of_a_segment_are_read_from_the_map(index_dir: Path):
    ix = FileStorage(str(index_dir)).open_index()
    segment = ix._segments()[0]
    compound = segment.open_compound_file(ix.storage)
    try:
        assert isinstance(compound, CompoundStorage) and compound._source is not None
        part = compound.open_file(compound.list()[0])
        assert isinstance(part, MappedFile)
        assert isinstance(part.subset(0, 4), MappedFile)
    finally:
        compound.close()


def test_opening_a_searcher_and_searching_copies_no_part_of_the_segment(index_dir: Path):
    segment_bytes = sum(path.stat().st_size for path in index_dir.glob("*.seg"))
    assert segment_bytes > 1_000_000
    ix = FileStorage(str(index_dir)).open_index()
    tracemalloc.start()
    try:
        with ix.searcher() as searcher:
            searcher.search(QueryParser("body", ix.schema).parse("word3 OR word5"), limit=20)
            _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Whoosh's BufferFile copied every part it opened (the postings alone are most of the file).
    assert peak < segment_bytes / 4, (peak, segment_bytes)


def test_threads_searching_at_once_each_read_what_one_thread_reads(index_dir: Path):
    words = WORDS[:60]
    expected = everything_read(FileStorage(str(index_dir)), words)
    storage = FileStorage(str(index_dir))
    ix = storage.open_index()
    got: list = []
    failures: list[BaseException] = []
    start = threading.Barrier(4)

    def search() -> None:
        try:
            start.wait()
            got.append(everything_read(storage, words))
        except BaseException as error:  # reported below: a thread's exception is otherwise lost
            failures.append(error)

    threads = [threading.Thread(target=search) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert got == [expected] * 4
    ix.close()


def test_pickles_read_from_a_map_in_one_peek_are_the_pickles_written_one_after_another():
    # pickle.load peeks ahead, then reads only what it used: the next load starts after it.
    values = [("ids", list(range(300))), 3.5, None, "x" * 5000, {"a": [1, 2]}]
    written = b"".join(pickle.dumps(value) for value in values)
    part = MappedFile(memoryview(written)).file
    assert [pickle.load(part) for _ in values] == values
    assert part.tell() == len(written) and part.peek() == b""
