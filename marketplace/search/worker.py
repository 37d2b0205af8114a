"""Applying outbox rows to the index from a web process: right after a commit, and on an interval.

Neither ever fails the request that triggered it: the change is already committed and in the
outbox, so whatever is not applied now is applied by the next sync, in this process or another.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from flask import Flask, current_app

from marketplace.search.indexing import sync_index
from marketplace.search.store import SearchUnavailable, index_root

log = logging.getLogger(__name__)
AFTER_COMMIT_WRITER_WAIT_S = 2.0
_started_in: int | None = None
_lock = threading.Lock()


def index_committed_changes() -> None:
    """Bring the index up to date after a commit, if this app does so (SEARCH_INDEX_ON_COMMIT)."""
    if not current_app.config["SEARCH_INDEX_ON_COMMIT"]:
        return
    try:
        sync_index(index_root(), writer_timeout=AFTER_COMMIT_WRITER_WAIT_S)
    except SearchUnavailable:
        pass  # no index yet (or removed): searches use the database until 'search reindex'
    except Exception:
        log.warning("could not index a committed change now; the next sync will", exc_info=True)


def start_background_sync(app: Flask) -> None:
    """Start this process's catch-up thread once (again after a fork: threads do not survive one)."""
    global _started_in
    interval = app.config["SEARCH_SYNC_INTERVAL"]
    if interval <= 0 or _started_in == os.getpid():
        return
    with _lock:
        if _started_in == os.getpid():
            return
        _started_in = os.getpid()
        threading.Thread(target=_run, args=(app, interval), name="search-sync", daemon=True).start()


def _run(app: Flask, interval: float) -> None:
    while True:
        with app.app_context():
            try:
                sync_index(index_root())
            except SearchUnavailable:
                pass
            except Exception:
                log.exception("background search sync failed")
        time.sleep(interval)
