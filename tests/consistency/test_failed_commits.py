"""A sync whose index commit fails part-way (in a merge, say) gives up its writer and its lock:
the next sync, in this process or another, must be able to write."""

from __future__ import annotations

import pytest
from flask import Flask
from whoosh.writing import SegmentWriter

from marketplace.search import index_root, sync_index
from tests.factories import create_dataset


def test_a_sync_whose_commit_fails_releases_the_index_for_the_next(
    app: Flask, runner, publisher, monkeypatch
):
    create_dataset(organisation=publisher.organisation, title="Road safety statistics")
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0

    def failing_commit(self, *args, **kwargs):
        raise RuntimeError("the merge failed")

    with monkeypatch.context() as patched:
        patched.setattr(SegmentWriter, "commit", failing_commit)
        # Indexed after its commit: that fails, is logged, and leaves the change in the outbox.
        create_dataset(organisation=publisher.organisation, title="Bus patronage statistics")
        with pytest.raises(RuntimeError, match="the merge failed"):
            sync_index(index_root(), writer_timeout=0.5)

    result = sync_index(index_root(), writer_timeout=0.5)  # LockError if a failed writer kept it
    assert result.applied >= 1
