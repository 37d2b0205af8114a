"""Applying outbox rows to the index from a web process: right after a commit, and before a request
when the last catch-up is more than SEARCH_SYNC_INTERVAL old.

The catch-up runs in the thread that is about to answer, not in a thread of its own. Under load on
CPython 3.11.7 (this machine's), a worker running app code in two threads at once died of memory
corruption (segmentation faults in the allocator, in dict resizing, in the garbage collector) in 6
of 7 runs of bench/load.py, whichever the two threads were: a request thread beside this module's
old background thread, or two request threads. With one thread, catching up in it, none did; nor
on CPython 3.12.1 with two. So gunicorn runs one thread a worker (gunicorn.conf.py), and a
worker with no requests does not catch up until one comes, which it does before answering it.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask, current_app

from marketplace.search.indexing import sync_index
from marketplace.search.store import SearchUnavailable, index_root

log = logging.getLogger(__name__)
AFTER_COMMIT_WRITER_WAIT_S = 2.0
REPEAT_FAILURE_EVERY_S = 60.0
_due_at = 0.0  # time.monotonic() at which this process's next catch-up is due
_catching_up = threading.Lock()


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


def catch_up_if_due(app: Flask) -> None:
    """Apply what other processes committed, if the last catch-up is SEARCH_SYNC_INTERVAL old.

    Does not wait for another process's writer: that one is applying the same rows, and what this
    request reads is at most the interval behind either way. One thread at a time catches up.
    """
    global _due_at
    interval = app.config["SEARCH_SYNC_INTERVAL"]
    if interval <= 0 or time.monotonic() < _due_at or not _catching_up.acquire(blocking=False):
        return
    try:
        _due_at = time.monotonic() + interval
        _sync("before a request", writer_timeout=0.0)
    finally:
        _catching_up.release()
