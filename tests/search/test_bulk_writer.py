"""The bulk writer (search/bulk.py) writes the index Whoosh's own writer would.

A full reindex goes through a hand-written writer and a hand-written analysis, so each is held
to what Whoosh itself does with the same documents: the same terms, in the same documents,
with the same weights, encoded values, lengths and statistics, read back through Whoosh.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from whoosh import index

from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.search import bulk, rebuild_index
from marketplace.search.analysis import TEXT_ANALYZER, WORD_ANALYZER, analyse, words
from marketplace.search.bulk import BulkSegmentWriter, _postings, build_segments
from marketplace.search.entries import load_entries
from marketplace.search.schema import TermSet, build_schema, entry_document
from marketplace.search.store import POINTER, current_generation

TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from(list(" &.-_'\"AEae0123")),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_analyse_gives_the_words_whoosh_analyzers_give(text):
    assert analyse(text) == [token.text for token in TEXT_ANALYZER(text)]
    assert words(text) == [token.text for token in WORD_ANALYZER(text)]


TERMS = st.lists(st.sampled_from(["road", "traffic", "data", "a&e", "3.5", "é", "road_traffic"]), max_size=12)


FIELD_NAMES = ["title", "alternative_titles", "identifier", "description", "words", "keywords", "theme"]


@settings(max_examples=200, deadline=None)
@given(TERMS, st.sampled_from([*FIELD_NAMES, "id", "organisation"]))
def test_postings_of_a_value_are_those_whoosh_fields_give(terms, name):
    field = build_schema()[name]
    value = (
        ",".join(terms) if name == "theme" else (" ".join(terms) if name in ("id", "organisation") else terms)
    )
    assert sorted(_postings(field, value)) == sorted(field.index(value))


def test_a_term_set_with_a_repeated_term_is_refused(tmp_path):
    ix = index.create_in(str(tmp_path), build_schema())
    writer = BulkSegmentWriter(ix)
    with pytest.raises(ValueError, match="distinct"):
        writer.add_document(id="x", title_shingles=["road_traffic", "road_traffic"])
    writer.cancel()
    assert isinstance(build_schema()["title_shingles"], TermSet)


def _entries(app):
    ids = list(
        db.session.scalars(select(Dataset.id).where(Dataset.deleted_at.is_(None)).order_by(Dataset.id))
    )
    found = load_entries(ids)
    return ids, [found[i] for i in ids if i in found]


def _whoosh_index(path: Path, entries) -> index.FileIndex:
    """The same entries written by Whoosh's own writer, one posting at a time."""
    path.mkdir()
    ix = index.create_in(str(path), build_schema())
    writer = ix.writer()
    for entry in entries:
        writer.add_document(**entry_document(entry))
    writer.commit()
    return ix


def _contents(ix: index.FileIndex) -> dict:
    """Everything a search reads, keyed by entry id rather than docnum (which may differ)."""
    out: dict = {}
    with ix.searcher() as searcher:
        reader = searcher.reader()
        entry_of = {doc: fields["id"] for doc, fields in reader.iter_docs()}
        for doc, entry in entry_of.items():
            out[("stored", entry)] = reader.stored_fields(doc)
            for name in ("title", "summary", "description", "keywords", "organisation_name", "words"):
                out[("length", name, entry)] = reader.doc_field_length(doc, name)
        for name in ("modified", "quality_score", "fresh_until", "overdue_after", "title_sort"):
            column = reader.column_reader(name)
            out[("column", name)] = {entry_of[doc]: column[doc] for doc in entry_of}
        for name in reader.indexed_field_names():
            out[("field length", name)] = reader.field_length(name)
            for term in reader.lexicon(name):
                matcher = reader.postings(name, term)
                postings = {}
                while matcher.is_active():
                    postings[entry_of[matcher.id()]] = (matcher.weight(), matcher.value())
                    matcher.next()
                info = reader.term_info(name, term)
                out[("term", name, term)] = (
                    postings,
                    info.weight(),
                    info.doc_frequency(),
                    info.min_length(),
                    info.max_length(),
                    info.max_weight(),
                )
    return out


@pytest.fixture
def catalogue(seeded):
    with seeded.app.app_context():
        yield _entries(seeded.app)
        db.session.remove()


def test_a_bulk_segment_holds_what_whoosh_own_writer_writes(seeded, catalogue, tmp_path):
    ids, entries = catalogue
    with seeded.app.app_context():
        (tmp_path / "bulk").mkdir()
        ix = index.create_in(str(tmp_path / "bulk"), build_schema())
        segments = build_segments(ix, ids, processes=1)
        BulkSegmentWriter(ix, lock=True).commit_segments(segments)
        assert len(segments) == 1
        assert _contents(ix) == _contents(_whoosh_index(tmp_path / "whoosh", entries))


def test_segments_written_by_two_processes_hold_the_same_entries(seeded, catalogue, tmp_path, monkeypatch):
    ids, entries = catalogue
    monkeypatch.setattr(bulk, "PARALLEL_FROM", 0)
    monkeypatch.setattr(bulk, "SEGMENT_DOCS", 40)  # several segments per process
    monkeypatch.setattr(bulk, "BATCH", 25)
    with seeded.app.app_context():
        (tmp_path / "bulk").mkdir()
        ix = index.create_in(str(tmp_path / "bulk"), build_schema())
        segments = build_segments(ix, ids, processes=2)
        BulkSegmentWriter(ix, lock=True).commit_segments(segments)
        assert len(segments) == 6  # 89 and 89 entries, 40 to a segment
        whoosh = _contents(_whoosh_index(tmp_path / "whoosh", entries))

    def by_entry(contents):
        # Term statistics are per segment; what a search sees of each entry must be the same.
        return {key: value[0] if key[0] == "term" else value for key, value in contents.items()}

    assert by_entry(_contents(ix)) == by_entry(whoosh)


def test_a_failed_rebuild_leaves_the_index_in_use_untouched(seeded, monkeypatch):
    monkeypatch.setattr(bulk, "PARALLEL_FROM", 0)

    def broken(entry):
        raise RuntimeError("cannot read this entry")

    with seeded.app.app_context():
        root = Path(seeded.app.config["SEARCH_INDEX_DIR"])
        before = current_generation(root)
        monkeypatch.setattr(bulk, "entry_document", broken)
        with pytest.raises(RuntimeError, match="cannot read this entry"):
            rebuild_index(root, processes=2)
        assert current_generation(root) == before
        assert (root / POINTER).read_text().strip() == before.name
        assert [p.name for p in root.glob("gen-*")] == [before.name]
        db.session.remove()


def test_progress_is_reported_for_every_entry(seeded, tmp_path):
    with seeded.app.app_context():
        root = tmp_path / "index"
        seen = []
        result = rebuild_index(root, progress=lambda done, total: seen.append((done, total)))
        assert seen[-1] == (result.applied, result.applied)
        shutil.rmtree(root)
        db.session.remove()
