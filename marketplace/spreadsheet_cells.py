"""Every CSV file we write goes through `csv_writer`, so no cell opens as a formula.

A spreadsheet (Excel, LibreOffice, Google Sheets) runs a cell that starts with `=`, `+`, `-` or
`@` as a formula, even when the CSV quotes it, and one formula can fetch a web address or, in
older Excel, start a program. It skips blanks and control characters before them, and some
versions also read the full-width forms (U+FF1D for `=`) and a leading `|`. Following OWASP's CSV
injection advice, such a cell gets a leading apostrophe, which every spreadsheet shows as text.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable
from typing import Any, TextIO

# What starts a formula, compared after NFKC, which maps the full-width forms (U+FF1D, U+FF0B,
# U+FF0D, U+FF20, U+FF5C) and the small forms (U+FE66, U+FE62, U+FE63, U+FE6B) to these.
FORMULA_STARTS = frozenset("=+-@|")
# Before a formula a spreadsheet skips these: spaces of every kind, line breaks, tabs, and
# invisible format characters (a zero-width space, a byte order mark).
_SKIPPED_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})


def spreadsheet_safe(value: Any) -> Any:
    """`value` unchanged, unless it is text a spreadsheet would read as a formula: then with an
    apostrophe in front. Numbers are left alone (a negative number is not a formula)."""
    if not isinstance(value, str) or not value:
        return value
    # A cell that starts with a control character (tab, carriage return, line feed, NUL) is quoted
    # whatever follows: OWASP lists tab and carriage return as formula starts in their own right.
    if unicodedata.category(value[0]) == "Cc":
        return "'" + value
    for character in value:
        if unicodedata.category(character) in _SKIPPED_CATEGORIES:
            continue
        return "'" + value if unicodedata.normalize("NFKC", character)[:1] in FORMULA_STARTS else value
    return value


class SafeCsvWriter:
    """`csv.writer` with each cell passed through `spreadsheet_safe`."""

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out, lineterminator="\r\n")

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([spreadsheet_safe(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: TextIO) -> SafeCsvWriter:
    """A CSV writer (CRLF line ends, as RFC 4180 and Excel expect) that no cell can turn into a formula."""
    return SafeCsvWriter(out)
