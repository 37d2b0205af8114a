"""Fixes to whoosh-reloaded 2.7.5 (pinned), applied on import of the search package.

1. `W3PerDocReader._cached_reader` caches a column reader only when the column exists. Fields
   without a length column (ID, KEYWORD, NUMERIC) were therefore looked up on disk again for every
   posting written: profiling a rebuild of 10,000 entries showed a million `stat` calls and a fifth
   of the build time there. A segment's columns never change once written, so "no such column" can
   be cached like any other answer.

2. A segment is one compound file that Whoosh memory-maps, then opens each of its parts (terms,
   postings, stored fields, columns) as a `BufferFile`, which wraps the part in `BytesIO`: and
   `BytesIO` copies a memoryview it is given. So every searcher held a private copy of the whole
   index (about 250 MB in each worker at 100,000 entries, in every thread that searched) and
   spent 1.2 s making it. Here a part is read from the map itself, copying only the bytes asked
   for: the pages stay the kernel's, shared by every worker on the host. Reading through the file
   instead (`supports_mmap=False`) would save the memory too, but a segment's parts then share
   one file position, and workers died of segmentation faults under threads.
"""

from __future__ import annotations

from whoosh.codec.whoosh3 import W3PerDocReader
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import StorageError
from whoosh.filedb.structfile import BufferFile


def _cached_reader(self, fieldname, column):
    try:
        return self._readers[fieldname]
    except KeyError:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader
        return reader


PEEK_BYTES = 4096  # pickle asks to peek 64 KB ahead; a posting block's header is far smaller


class MappedPart:
    """The file methods StructFile uses, over a memoryview, without copying the view."""

    def __init__(self, view: memoryview) -> None:
        self._view = view
        self._position = 0

    def read(self, size: int | None = -1) -> bytes:
        start = self._position
        end = len(self._view) if size is None or size < 0 else min(start + size, len(self._view))
        self._position = max(start, end)
        return self._view[start:end].tobytes()

    def peek(self, size: int = 1) -> bytes:
        """The bytes from the position on, without moving it: what lets pickle.load read a block
        header in one call (it asks `peek` for a buffer, then reads what it used) instead of a
        `read` an opcode (twenty calls a header; a quarter of reading a term's postings)."""
        start = self._position
        return self._view[start : start + min(max(size, 1), PEEK_BYTES)].tobytes()

    def readline(self, size: int | None = -1) -> bytes:
        rest = self._view[self._position :]
        found = bytes(rest[: size if size is not None and size >= 0 else len(rest)])
        newline = found.find(b"\n")
        line = found if newline < 0 else found[: newline + 1]
        self._position += len(line)
        return line

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self._position, len(self._view))[whence]
        self._position = max(0, base + offset)
        return self._position

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        pass

    def close(self) -> None:
        # Not released: subsets may still read the same map. CompoundStorage.close() leaves
        # the map to the garbage collector while views of it are alive.
        self._view = memoryview(b"")


class MappedFile(BufferFile):
    """Whoosh's BufferFile over part of a segment's map, reading it in place."""

    def __init__(self, view: memoryview, name: str | None = None, onclose=None) -> None:
        super().__init__(b"", name=name, onclose=onclose)
        self._buf = view
        self.file = MappedPart(view)

    def subset(self, position: int, length: int, name: str | None = None) -> MappedFile:
        return MappedFile(self._buf[position : position + length], name=name or self._name)


_open_part = CompoundStorage.open_file


def _open_mapped_part(self, name, *args, **kwargs):
    if self.is_closed:
        raise StorageError("Storage was closed")
    if not self._source:  # not mapped (too large, or mapping refused): Whoosh's own sub-files
        return _open_part(self, name, *args, **kwargs)
    offset, length = self.range(name)
    return MappedFile(memoryview(self._source)[offset : offset + length], name=name)


W3PerDocReader._cached_reader = _cached_reader
CompoundStorage.open_file = _open_mapped_part
