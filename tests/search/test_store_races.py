"""Opening a searcher while another process changes the index under it: the newer state is
opened rather than the search falling back to the database."""

from __future__ import annotations

import shutil

import pytest

from marketplace.search import store


def _generation_with(root, *ids: str):
    path, ix = store.new_generation(root)
    writer = ix.writer()
    for entry_id in ids:
        writer.add_document(id=entry_id)
    writer.commit()
    return path


def race_first_open(monkeypatch) -> list:
    """Make the first open fail as Whoosh does when another process's commit removed the table of
    contents it had listed; later opens work. Returns the paths opened, in order."""
    real_open_index, calls = store._open_index, []

    def open_index_racing(path):
        calls.append(path)
        if len(calls) == 1:
            raise FileNotFoundError(f"{path}/_MAIN_1.toc")
        return real_open_index(path)

    monkeypatch.setattr(store, "_open_index", open_index_racing)
    return calls


def test_a_generation_removed_after_its_name_was_read_opens_the_new_one(tmp_path):
    # A reindex switched generations (and removed the old one) between reading the pointer and
    # opening the index.
    old = _generation_with(tmp_path, "a")
    new = _generation_with(tmp_path, "a", "b")
    store.switch_to(tmp_path, new)
    assert not old.exists()

    generation, searcher = store._open_searcher(tmp_path, old)
    try:
        assert generation == new and searcher.doc_count() == 2
    finally:
        searcher.close()


def test_a_table_of_contents_replaced_by_a_newer_commit_opens_the_newer(tmp_path, monkeypatch):
    # A writer in another process committed, and cleaned up the table of contents this process
    # had just listed: the first open fails as Whoosh would, the next finds the new one.
    generation = _generation_with(tmp_path, "a")
    store.switch_to(tmp_path, generation)
    calls = race_first_open(monkeypatch)
    opened, searcher = store._open_searcher(tmp_path, generation)
    try:
        assert opened == generation and searcher.doc_count() == 1 and len(calls) >= 2
    finally:
        searcher.close()


def test_an_index_that_stays_gone_is_reported_so_search_falls_back(tmp_path):
    generation = _generation_with(tmp_path, "a")
    store.switch_to(tmp_path, generation)
    shutil.rmtree(generation)
    with pytest.raises(store.SearchUnavailable):
        store._open_searcher(tmp_path, generation)


def test_a_search_does_not_read_the_table_of_contents_before_the_retrying_open(tmp_path, monkeypatch):
    # Finding the current generation only lists it: reading its table of contents there (as
    # whoosh.index.exists_in does) raced with every commit in another process and escaped the
    # retries, so one search in ninety under four publishing processes fell back to the database.
    generation = _generation_with(tmp_path, "a")
    store.switch_to(tmp_path, generation)
    calls = race_first_open(monkeypatch)
    try:
        searcher, _ = store.searcher_for(tmp_path)
        assert searcher.doc_count() == 1 and len(calls) >= 2
    finally:
        store.close_searchers()


def test_a_generation_without_a_committed_table_of_contents_is_unavailable(tmp_path):
    path = tmp_path / "gen-1"
    path.mkdir()
    (tmp_path / store.POINTER).write_text(path.name)
    with pytest.raises(store.SearchUnavailable):
        store.current_generation(tmp_path)


def test_opening_for_writing_looks_again_when_a_commit_replaced_the_table_of_contents(tmp_path, monkeypatch):
    generation = _generation_with(tmp_path, "a")
    store.switch_to(tmp_path, generation)
    calls = race_first_open(monkeypatch)
    assert store.open_index(tmp_path).doc_count() == 1 and len(calls) == 2


def test_opening_for_writing_an_index_that_keeps_vanishing_reports_it_unavailable(tmp_path, monkeypatch):
    generation = _generation_with(tmp_path, "a")
    store.switch_to(tmp_path, generation)

    def open_index_always_racing(path):
        raise FileNotFoundError(f"{path}/_MAIN_1.toc")

    monkeypatch.setattr(store, "_open_index", open_index_always_racing)
    with pytest.raises(store.SearchUnavailable):
        store.open_index(tmp_path)
