"""Where the index lives on disk, and opening it for reading and writing.

`SEARCH_INDEX_DIR` holds generations (`gen-<n>`) and a file `CURRENT` naming the one in use.
A rebuild writes a new generation and then replaces `CURRENT` atomically, so searches keep
answering from the old one until the switch. Whoosh pickles its schema into the index: an index
directory is trusted code, so only ever open one this service wrote.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from whoosh import index
from whoosh.index import FileIndex, LockError
from whoosh.searching import Searcher
from whoosh.writing import IndexWriter

from marketplace.search import whoosh_fixes  # noqa: F401  (patches Whoosh before any index is used)
from marketplace.search.schema import INDEX_FORMAT, build_schema

log = logging.getLogger(__name__)
POINTER = "CURRENT"
FORMAT_FILE = "FORMAT"  # in each generation: the INDEX_FORMAT its documents were written in
WRITER_TIMEOUT_S = 30.0
# Tries to open a searcher when the files it lists vanish under it (see _open_searcher).
OPEN_ATTEMPTS = 5


class SearchUnavailable(Exception):
    """There is no usable index (never built, or removed): callers fall back to the database."""


def index_root() -> Path:
    """The app's index directory (SEARCH_INDEX_DIR)."""
    return Path(current_app.config["SEARCH_INDEX_DIR"])


def current_generation(root: Path) -> Path:
    try:
        name = (root / POINTER).read_text().strip()
    except FileNotFoundError as error:
        raise SearchUnavailable(
            f"no search index in {root}: run 'flask --app marketplace search reindex'"
        ) from error
    path = root / name
    if not _has_contents(path):
        raise SearchUnavailable(f"the search index {path} is missing or damaged: run 'search reindex'")
    found = _format_of(path)
    if found != INDEX_FORMAT:
        raise SearchUnavailable(
            f"the search index {path} holds documents of format {found}, not {INDEX_FORMAT}: "
            "run 'search reindex'"
        )
    return path


def _has_contents(generation: Path) -> bool:
    """Whether `generation` holds a committed index, by listing it for a table of contents.

    Not `whoosh.index.exists_in`, which opens the index and so reads the newest table of contents:
    a writer in another process can remove that file between the listing and the reading (it does
    on every commit), and this runs before every search. Opening is left to `_open_searcher`,
    which looks again when that happens.
    """
    try:
        return any(name.startswith("_MAIN_") and name.endswith(".toc") for name in os.listdir(generation))
    except (FileNotFoundError, NotADirectoryError):
        return False


def _format_of(generation: Path) -> int:
    try:
        return int((generation / FORMAT_FILE).read_text())
    except (FileNotFoundError, ValueError):
        return 1  # written before the format was recorded


def open_index(root: Path) -> FileIndex:
    """The current generation, opened (for writing, or for reading its progress).

    Opening reads the newest table of contents, which a commit in another process can remove
    under us (see `_open_searcher`): look again a few times, then report the index unavailable.
    """
    for attempt in range(OPEN_ATTEMPTS):
        try:
            return index.open_dir(str(current_generation(root)))
        except (FileNotFoundError, index.EmptyIndexError) as error:
            if attempt == OPEN_ATTEMPTS - 1:
                raise SearchUnavailable(f"the index in {root} kept changing under us: {error}") from error
    raise AssertionError("unreachable")


def new_generation(root: Path) -> tuple[Path, FileIndex]:
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"gen-{time.time_ns()}"
    path.mkdir()
    (path / FORMAT_FILE).write_text(str(INDEX_FORMAT))
    return path, index.create_in(str(path), build_schema())


def switch_to(root: Path, generation: Path) -> None:
    """Make `generation` current (atomically), then remove the others."""
    temporary = root / f".{POINTER}.{os.getpid()}"
    temporary.write_text(generation.name)
    os.replace(temporary, root / POINTER)
    for other in root.glob("gen-*"):
        if other != generation:
            # Open searchers keep reading the files they hold; on POSIX removal waits for them.
            shutil.rmtree(other, ignore_errors=True)


def writer(ix: FileIndex, timeout: float = WRITER_TIMEOUT_S) -> IndexWriter:
    """A writer, waiting for another process's writer to finish rather than failing."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        try:
            return ix.writer(limitmb=128)
        except LockError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def abandon(writer: IndexWriter) -> None:
    """Give up a writer's changes and, whatever happens, its lock: a writer that failed part-way
    through a commit (a merge, say) would otherwise keep every later writer out."""
    try:
        writer.cancel()  # releases the lock
        return
    except Exception:
        log.exception("could not cancel a failed index writer; releasing its lock")
    lock = getattr(writer, "writelock", None)
    if lock is not None:
        try:
            lock.release()
        except Exception:
            log.exception("could not release the index lock")


@dataclass
class _Open:
    generation: Path
    searcher: Searcher
    cache: dict = field(default_factory=dict)


_local = threading.local()


def searcher_for(root: Path) -> tuple[Searcher, dict]:
    """This thread's searcher for the current generation, refreshed when the index has changed,
    with a cache of things derived from it (emptied whenever the searcher changes).

    Opening a searcher costs ~150 ms at 100,000 entries, so it is kept while the index is
    unchanged (checking costs microseconds). When it has changed a new one is opened: Whoosh's
    `refresh()` reuses its segment readers and so misses deletions made in those segments.
    """
    generation = current_generation(root)
    opened: _Open | None = getattr(_local, "opened", {}).get(root)
    if opened is not None and opened.generation == generation and opened.searcher.up_to_date():
        return opened.searcher, opened.cache
    if opened is not None:
        opened.searcher.close()
    generation, searcher = _open_searcher(root, generation)
    if not hasattr(_local, "opened"):
        _local.opened = {}
    _local.opened[root] = _Open(generation, searcher)
    return searcher, _local.opened[root].cache


def _open_searcher(root: Path, generation: Path) -> tuple[Path, Searcher]:
    """A searcher on the newest state of the current generation.

    Opening reads the newest table of contents (`_MAIN_N.toc`) Whoosh lists; another process can
    remove that file between the listing and the reading, by committing a newer one or by a
    reindex switching generations and removing this one. The newer state is then there to open:
    look again, a few times, before the caller falls back to the database.
    """
    for attempt in range(OPEN_ATTEMPTS):
        try:
            return generation, index.open_dir(str(generation)).searcher()
        except (FileNotFoundError, index.EmptyIndexError):  # the file, or the whole generation
            if attempt == OPEN_ATTEMPTS - 1:
                raise
            generation = current_generation(root)
    raise AssertionError("unreachable")


def close_searchers() -> None:
    for opened in getattr(_local, "opened", {}).values():
        opened.searcher.close()
    _local.opened = {}
