"""Applying outbox rows to the index from a web process: right after a commit, and on an interval.

Neither ever fails the request that triggered it: the change is already committed and in the
outbox, so whatever is not applied now is applied by the next sync, in this process or another.

A sync that keeps failing (a full disk fails every try until space is freed) is logged once with
its traceback, then in one line at most every REPEAT_FAILURE_EVERY_S, and once more when a sync
works again: not a traceback every interval.
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
REPEAT_FAILURE_EVERY_S = 60.0
_started_in: int | None = None
_lock = threading.Lock()


class FailureLog:
    """This process's run of failed syncs (after a commit or on the interval), logged sparingly."""

    def __init__(self, every: float = REPEAT_FAILURE_EVERY_S) -> None:
        self.every = every
        self.failures = 0
        self.first: str | None = None
        self.last_logged = 0.0
        self._lock = threading.Lock()

    def failed(self, when: str, error: BaseException) -> None:
        cause = f"{type(error).__name__}: {error}"
        with self._lock:
            self.failures += 1
            now = time.monotonic()
            if self.failures == 1:
                self.first, self.last_logged = cause, now
                log.warning(
                    "could not index committed changes %s; the next sync will try again", when, exc_info=error
                )
            elif now - self.last_logged >= self.every:
                self.last_logged = now
                log.warning(
                    "indexing committed changes still fails (%d tries since the first failure): %s",
                    self.failures,
                    cause,
                )

    def succeeded(self) -> None:
        if not self.failures:  # the common case, without taking the lock
            return
        with self._lock:
            if self.failures:
                log.info(
                    "indexing committed changes works again after %d failed tries (the first: %s)",
                    self.failures,
                    self.first,
                )
                self.failures, self.first = 0, None


failures = FailureLog()


def index_committed_changes() -> None:
    """Bring the index up to date after a commit, if this app does so (SEARCH_INDEX_ON_COMMIT)."""
    if not current_app.config["SEARCH_INDEX_ON_COMMIT"]:
        return
    _sync("after a commit", writer_timeout=AFTER_COMMIT_WRITER_WAIT_S)


def _sync(when: str, **options: float) -> None:
    try:
        sync_index(index_root(), **options)
    except SearchUnavailable:
        return  # no index (or a damaged one): searches use the database until 'search reindex'
    except Exception as error:
        failures.failed(when, error)
        return
    failures.succeeded()


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
            _sync("in the background")
        time.sleep(interval)
