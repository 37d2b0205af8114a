"""Where the index lives on disk, and opening it for reading and writing.

`SEARCH_INDEX_DIR` holds generations (`gen-<n>`) and a file `CURRENT` naming the one in use.
A rebuild writes a new generation and then replaces `CURRENT` atomically, so searches keep
answering from the old one until the switch. Whoosh pickles its schema into the index: an index
directory is trusted code, so only ever open one this service wrote.

A damaged index (files overwritten, truncated or missing) is reported as SearchUnavailable like a
missing one, whatever Whoosh raised reading it: searches fall back to the database, /readyz says
degraded, and `search sync` or `search reindex` builds a new generation.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from flask import current_app
from whoosh import index
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.index import FileIndex, LockError
from whoosh.searching import Searcher
from whoosh.util.filelock import LockBase
from whoosh.writing import IndexWriter, SegmentWriter

from marketplace.search import whoosh_fixes  # noqa: F401  (patches Whoosh before any index is used)
from marketplace.search.schema import INDEX_FORMAT, build_schema

log = logging.getLogger(__name__)
POINTER = "CURRENT"
FORMAT_FILE = "FORMAT"  # in each generation: the INDEX_FORMAT its documents were written in
WRITER_TIMEOUT_S = 30.0
# Tries to open a searcher when the files it lists vanish under it (see _open_searcher).
OPEN_ATTEMPTS = 5
# Causes of unreadable indexes already logged with their traceback by this process (bounded: a
# damaged index is read on every search, and one traceback per cause says it).
MAX_REPORTED_CAUSES = 100
W = TypeVar("W")


class SearchUnavailable(Exception):
    """There is no usable index (never built, removed or damaged): callers fall back to the database."""


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
    except (OSError, ValueError) as error:  # unreadable, or not text
        raise SearchUnavailable(f"the search index pointer {root / POINTER} is damaged: {error}") from error
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
    except (OSError, ValueError):  # gone, not a directory, or a damaged pointer naming nothing
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
        generation = current_generation(root)
        try:
            return _open_index(generation)
        except (FileNotFoundError, index.EmptyIndexError) as error:
            if attempt == OPEN_ATTEMPTS - 1:
                raise SearchUnavailable(f"the index in {root} kept changing under us: {error}") from error
        except Exception as error:  # a damaged table of contents
            raise _unreadable(root, error) from error
    raise AssertionError("unreachable")


@contextmanager
def reading(root: Path) -> Iterator[None]:
    """Report whatever reading the index in `root` raises as SearchUnavailable.

    Whoosh raises what its decoding meets in damaged files (struct.error, EOFError, pickle's
    errors, ValueError, MemoryError, OSError...), and a search must fall back to the database
    rather than fail. The first time this process meets a cause it is logged with its traceback.
    """
    try:
        yield
    except SearchUnavailable:
        raise
    except Exception as error:
        close_searchers()  # whatever this thread holds open may be part of the damage
        raise _unreadable(root, error) from error


_reported_causes: set[tuple[str, str, str]] = set()


def _unreadable(root: Path, error: Exception) -> SearchUnavailable:
    _close_files_left_open(error)
    what = f"{type(error).__name__}: {str(error)[:200]}"
    cause = (str(root), type(error).__name__, str(error)[:200])
    if isinstance(error, FileNotFoundError | index.EmptyIndexError):
        pass  # the index changing under us (retried by the callers), or removed: not worth a traceback
    elif cause not in _reported_causes and len(_reported_causes) < MAX_REPORTED_CAUSES:
        _reported_causes.add(cause)
        log.error(
            "the search index in %s cannot be read (%s): searching the database instead until "
            "'flask --app marketplace search reindex' rebuilds it",
            root,
            what,
            exc_info=error,
        )
    return SearchUnavailable(f"the search index in {root} cannot be read ({what}): run 'search reindex'")


def _close_files_left_open(error: BaseException) -> None:
    """Close the files Whoosh was decoding when `error` stopped it: it leaves them open (reading a
    table of contents or a segment's directory), for the garbage collector to close some time."""
    trace = error.__traceback__
    while trace is not None:
        for value in list(trace.tb_frame.f_locals.values()):
            if isinstance(value, StructFile) and isinstance(value.file, io.IOBase) and not value.is_closed:
                try:
                    value.close()
                except Exception:
                    log.debug("could not close %r", value, exc_info=True)
        trace = trace.tb_next


def new_generation(root: Path) -> tuple[Path, FileIndex]:
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"gen-{time.time_ns()}"
    path.mkdir()
    try:
        (path / FORMAT_FILE).write_text(str(INDEX_FORMAT))
        return path, index.create_in(str(path), build_schema())
    except BaseException:  # a full disk, say: leave nothing half-made behind
        shutil.rmtree(path, ignore_errors=True)
        raise


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
    return locked_writer(ix, lambda: SegmentWriter(ix, _lk=False, limitmb=128), timeout)


def locked_writer(ix: FileIndex, make: Callable[[], W], timeout: float = 0.0) -> W:
    """`make()` a writer of `ix` (one that does not lock: `_lk=False`) holding the index's write
    lock, waiting up to `timeout` for another process's writer to finish (LockError after that).

    The lock is taken here rather than by Whoosh's writer, which takes it first and then creates
    its files and reads the table of contents: when that failed (a full disk, a damaged index)
    the lock stayed held until the garbage collector happened to free the writer, and every
    writer in every process waited for it meanwhile.
    """
    lock = write_lock(ix, timeout)
    try:
        made = make()
    except BaseException:
        lock.release()
        raise
    made.writelock = lock  # released by the writer's commit or cancel (and by `abandon`)
    return made


def write_lock(ix: FileIndex, timeout: float = 0.0) -> LockBase:
    """The index's write lock, acquired (waiting up to `timeout`, then LockError): its holder must
    release it whatever happens."""
    lock = ix.lock("WRITELOCK")
    deadline = time.monotonic() + timeout
    delay = 0.05
    while not lock.acquire():
        if time.monotonic() >= deadline:
            raise LockError(f"another process is writing the index in {ix.storage.folder}")
        time.sleep(delay)
        delay = min(delay * 2, 0.5)
    return lock


def abandon(writer: IndexWriter) -> None:
    """Give up a writer's changes and, whatever happens, its lock: a writer that failed part-way
    through a commit (a merge, say) would otherwise keep every later writer out."""
    try:
        writer.cancel()  # releases the lock
        return
    except Exception as error:
        # Usually what failed the writer failing again (a full disk): the caller reports that.
        log.debug("could not cancel a failed index writer (%s); releasing its lock", error, exc_info=True)
    lock = getattr(writer, "writelock", None)
    if lock is not None:
        try:
            lock.release()
        except Exception:
            log.exception("could not release the index lock")


# A file as it was when a searcher was opened: (inode, size, modification time), None if absent.
FileState = tuple[int, int, int] | None


@dataclass
class _Open:
    generation: Path
    searcher: Searcher
    files: dict[str, FileState]  # the generation's index files when the searcher was opened
    cache: dict = field(default_factory=dict)


_local = threading.local()
# Per index directory, the generation and files (as `_index_files` found them) that this process
# could not open, and why: the same answer until something there changes.
_damaged: dict[Path, tuple[Path, dict[str, FileState], str]] = {}


def searcher_for(root: Path) -> tuple[Searcher, dict]:
    """This thread's searcher for the current generation, refreshed when the index has changed,
    with a cache of things derived from it (emptied whenever the searcher changes).

    Opening a searcher costs ~150 ms at 100,000 entries, so it is kept while the index is
    unchanged (checking costs microseconds). When it has changed a new one is opened: Whoosh's
    `refresh()` reuses its segment readers and so misses deletions made in those segments.
    Changed means a new commit, or the files it was opened from replaced or rewritten in place
    (a restored backup, damage): Whoosh's own check compares only the commit's number.
    """
    generation = current_generation(root)
    held: dict[Path, _Open] = _held()
    opened = held.get(root)
    if (
        opened is not None
        and opened.generation == generation
        and _unchanged(generation, opened.files)
        and opened.searcher.up_to_date()
    ):
        return opened.searcher, opened.cache
    if opened is not None:
        _close(held.pop(root))
    held[root] = _open_current(root, generation)
    return held[root].searcher, held[root].cache


def read_current(root: Path, read: Callable[[Searcher], W]) -> W:
    """`read(searcher)` on the index's newest commit: through this thread's kept searcher when it
    holds one (threads that answer searches do), else through one opened for it and closed at once.

    A searcher copies the index's term and posting tables into memory (about 190 MB at 100,000
    entries), so a thread that only reads the index's position now and then (the background sync)
    must not keep one: it doubled every worker's share of the index.
    """
    if root in _held():
        return read(searcher_for(root)[0])
    opened = _open_current(root, current_generation(root))
    try:
        with reading(root):
            return read(opened.searcher)
    finally:
        _close(opened)


def commit_state(root: Path) -> tuple[Path, dict[str, FileState]]:
    """The current generation and the state of its files, which changes with every commit,
    rebuild and rewrite: what was read from the index while this is unchanged still holds."""
    generation = current_generation(root)
    return generation, _index_files(generation)


def _open_current(root: Path, generation: Path) -> _Open:
    files = _index_files(generation)
    known = _damaged.get(root)
    if known is not None and known[:2] == (generation, files):
        raise SearchUnavailable(known[2])  # failed to open as it is: not again on every search
    try:
        with reading(root):
            opened_generation, searcher = _open_searcher(root, generation)
    except SearchUnavailable as error:
        _damaged[root] = (generation, files, str(error))
        raise
    _damaged.pop(root, None)
    if opened_generation != generation:  # switched while opening: its files as they are now
        files = _index_files(opened_generation)
    return _Open(opened_generation, searcher, files)


class _Kept(dict):
    """A thread's searchers, closed when the thread ends rather than whenever the garbage
    collector comes by: each holds its segments' files or maps open."""

    def __del__(self) -> None:
        for opened in self.values():
            _close(opened)


def _held() -> dict[Path, _Open]:
    if not hasattr(_local, "opened"):
        _local.opened = _Kept()
    return _local.opened


def _index_files(generation: Path) -> dict[str, FileState]:
    """The state of `generation`'s tables of contents and segment files, listed before opening
    it (so that a file replaced while it is being opened is seen as changed afterwards)."""
    try:
        names = [name for name in os.listdir(generation) if name.endswith((".toc", ".seg"))]
    except OSError:
        return {}
    return {name: _state(generation / name) for name in names}


def _state(path: Path) -> FileState:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_ino, found.st_size, found.st_mtime_ns


def _unchanged(generation: Path, files: dict[str, FileState]) -> bool:
    return all(_state(generation / name) == state for name, state in files.items())


def _open_searcher(root: Path, generation: Path) -> tuple[Path, Searcher]:
    """A searcher on the newest state of the current generation.

    Opening reads the newest table of contents (`_MAIN_N.toc`) Whoosh lists; another process can
    remove that file between the listing and the reading, by committing a newer one or by a
    reindex switching generations and removing this one. The newer state is then there to open:
    look again, a few times, before the caller falls back to the database.
    """
    for attempt in range(OPEN_ATTEMPTS):
        try:
            return generation, _searcher_on(generation)
        except (FileNotFoundError, index.EmptyIndexError):  # the file, or the whole generation
            if attempt == OPEN_ATTEMPTS - 1:
                raise
            generation = current_generation(root)
    raise AssertionError("unreachable")


def _searcher_on(generation: Path) -> Searcher:
    """A searcher on `generation`'s newest commit.

    Not `FileIndex.searcher()`, whose reader tries again on any OSError, ten times 50 ms apart,
    leaving a file open each time: a damaged segment cost half a second on every search. What a
    commit in another process causes, `_open_searcher` looks again for.
    """
    ix = _open_index(generation)
    toc = ix._read_toc()
    return Searcher(ix._reader(ix.storage, toc.schema, toc.segments, toc.generation), fromindex=ix)


def _open_index(generation: Path) -> FileIndex:
    """`generation` opened, its segments memory-mapped (Whoosh's default) and read in place
    (whoosh_fixes.py): every searcher in every worker on the host reads the same pages of the
    kernel's cache, rather than each holding its own copy of the index.
    """
    return FileStorage(str(generation)).open_index()


def _close(opened: _Open) -> None:
    try:
        opened.searcher.close()
    except Exception:  # a damaged or vanished index may fail to close; it is dropped either way
        log.debug("could not close a searcher", exc_info=True)


def close_searchers() -> None:
    held = dict(_held())
    _held().clear()
    for opened in held.values():
        _close(opened)
