"""A fix to whoosh-reloaded 2.7.5 (pinned), applied on import of the search package.

`W3PerDocReader._cached_reader` caches a column reader only when the column exists. Fields
without a length column (ID, KEYWORD, NUMERIC) were therefore looked up on disk again for every
posting written: profiling a rebuild of 10,000 entries showed a million `stat` calls and a fifth
of the build time there. A segment's columns never change once written, so "no such column" can
be cached like any other answer.
"""

from __future__ import annotations

from whoosh.codec.whoosh3 import W3PerDocReader


def _cached_reader(self, fieldname, column):
    try:
        return self._readers[fieldname]
    except KeyError:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader
        return reader


W3PerDocReader._cached_reader = _cached_reader
