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
    real_open_dir, calls = store.index.open_dir, []

    def open_dir_racing(path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 1:
            raise FileNotFoundError(f"{path}/_MAIN_1.toc")
        return real_open_dir(path, *args, **kwargs)

    monkeypatch.setattr(store.index, "open_dir", open_dir_racing)
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
