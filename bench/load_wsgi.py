"""wsgi:app with a proposed Whoosh fix applied first, to measure it under the load
(BENCH_LOAD_SETTINGS="gthread:2x4+nocopy"); the fix belongs in marketplace/search/whoosh_fixes.py.

whoosh-reloaded 2.7.5 memory-maps each compound segment file, then `BufferFile` copies every
sub-file it opens out of the map into a `BytesIO`: each searcher holds its own private copy of the
postings and term tables (about 190 MB at 100,000 entries), and gthread workers hold one searcher
per thread. Reading through the memoryview instead copies only what is read, and the pages stay
the kernel's page cache, shared by every worker on the host.
"""

from __future__ import annotations

from whoosh.filedb.structfile import BufferFile


class ViewFile:
    """A read-only file over a memoryview: a read copies only the bytes it returns."""

    def __init__(self, view: memoryview) -> None:
        self._view = view
        self._pos = 0

    def read(self, size: int | None = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else min(len(self._view), self._pos + size)
        data = self._view[self._pos : end].tobytes()
        self._pos = max(self._pos, end)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        limit = len(self._view) if size is None or size < 0 else min(len(self._view), self._pos + size)
        end = self._pos
        while end < limit and self._view[end] != 0x0A:
            end += 1
        return self.read(min(end + 1, limit) - self._pos)

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: len(self._view)}[whence]
        self._pos = base + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        pass

    def __iter__(self):
        while line := self.readline():
            yield line


def _buffer_file_init(self, buf, name=None, onclose=None) -> None:
    self._buf = buf
    self._name = name
    self.file = ViewFile(memoryview(buf))
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


BufferFile.__init__ = _buffer_file_init

from wsgi import app  # noqa: E402  (after the fix, so every searcher is opened with it)

__all__ = ["app"]
