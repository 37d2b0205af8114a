"""Bulk import of entries from CSV (the operator's export and restore are services/export.py and
services/restore.py).

A CSV row becomes the JSON body an API client would send (`schemas/csv_entry.py`) and goes in
through `create_datasets`, so it meets the same schema and permission rules as the API. A file
is checked as a whole first, with every problem reported by row and column; then all its rows
are created in one transaction, or none.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import inspect, select

from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.models import Dataset, Organisation
from marketplace.rules.actors import Actor
from marketplace.rules.permissions import require_publisher
from marketplace.schemas.csv_entry import COLUMN_NAMES, COLUMNS, column_for, entry_from_row, normalise_header
from marketplace.schemas.fields import EMPTY_VALUE_MESSAGES
from marketplace.services.datasets import create_datasets, load_entry
from marketplace.services.entry_uniqueness import identifiers_taken
from marketplace.spreadsheet_cells import csv_writer

# The most rows one file may hold, so that a file is checked and created within one web request
# (on the web the 1 MB upload limit usually binds first: a fully filled row is about 600 bytes).
MAX_ROWS = 5000
FILE_FIELD = "file"
FILE_REFUSED = "The file cannot be imported."


@dataclass(frozen=True)
class CsvRow:
    """One entry's row: `number` is the row as a spreadsheet numbers it (the header is row 1)."""

    number: int
    values: dict[str, str]
    # Set when the row cannot be read as an entry at all (more cells than the header has columns).
    problem: str | None = None


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # "" when the message is about the whole row
    message: str


@dataclass
class ImportReport:
    rows: int
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows_with_errors(self) -> int:
        return len({e.row for e in self.errors})

    @property
    def summary(self) -> str:
        """'1 of 3 rows has errors', for every place that reports a rejected file."""
        verb = "has" if self.rows_with_errors == 1 else "have"
        return f"{self.rows_with_errors} of {self.rows} rows {verb} errors"

    def lines(self) -> list[str]:
        """The report as text, one problem a line (for the command line)."""
        return [
            f"Row {e.row}, {e.column}: {e.message}" if e.column else f"Row {e.row}: {e.message}"
            for e in self.errors
        ]


class ImportRejectedError(ValidationError):
    """Some rows cannot be created; nothing was. `report` says which, and why."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        errors: dict[str, list[str]] = {}
        for e in report.errors:
            errors.setdefault(f"row {e.row}" + (f".{e.column}" if e.column else ""), []).append(e.message)
        super().__init__(
            errors,
            f"{report.summary}, so nothing was imported.",
        )


def file_error(message: str) -> ValidationError:
    return ValidationError({FILE_FIELD: [message]}, FILE_REFUSED)


def decode_csv(data: bytes) -> str:
    """The text of an uploaded file, which must be UTF-8 (a byte order mark, as Excel writes, is fine)."""
    if not data.strip():
        raise file_error("The selected file is empty.")
    if data.startswith(b"PK\x03\x04"):
        raise file_error("The selected file is a spreadsheet, not a CSV file: save it as 'CSV UTF-8'.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise file_error("The selected file is UTF-16 text: save it as 'CSV UTF-8' instead.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise file_error(
            f"The selected file is not UTF-8 text (byte {error.start + 1} cannot be read): "
            "save it as 'CSV UTF-8'."
        ) from error
    if "\x00" in text:
        raise file_error("The selected file is not a CSV file: it holds binary data.")
    return text


def parse_csv(text: str) -> list[CsvRow]:
    """The rows of a CSV file with a header row of our column names.

    Tolerates a byte order mark, CRLF or LF line ends, Excel's quoting, header names in any case,
    blank rows and trailing empty cells. Refuses (ValidationError on `file`) an empty file, a
    header with an unknown, repeated or missing `title` column, a file with no rows, more than
    MAX_ROWS rows, and text that is not CSV.
    """
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise file_error("The selected file is empty.")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = _header(next(reader))
        rows = []
        # Numbered as a spreadsheet numbers rows: the header is row 1, blank rows count.
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue  # a blank row (spreadsheets leave them at the end)
            if len(rows) == MAX_ROWS:
                raise file_error(
                    f"The selected file has more than {MAX_ROWS:,} rows: split it into smaller files."
                )
            rows.append(_row(number, header, cells))
    except csv.Error as error:
        raise file_error(
            f"The selected file is not a valid CSV file (line {reader.line_num}: {error})."
        ) from error
    if not rows:
        raise file_error("The selected file has a header row but no entries.")
    return rows


def _header(cells: list[str]) -> list[str]:
    names = [normalise_header(c) for c in cells]
    while names and not names[-1]:
        names.pop()  # trailing empty header cells
    if len(names) == 1 and any(sep in cells[0] for sep in ";\t|"):
        raise file_error("The header row has one column: separate the columns with commas.")
    problems = []
    unknown = [n or "(blank)" for n in names if n not in COLUMN_NAMES]
    if unknown:
        problems.append(
            f"The header row has unknown columns: {', '.join(unknown)}. Use the columns of the template."
        )
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if repeated:
        problems.append(f"The header row repeats columns: {', '.join(repeated)}.")
    if "title" not in names:
        problems.append("The header row has no title column: every entry needs a title.")
    if problems:
        raise ValidationError({FILE_FIELD: problems}, FILE_REFUSED)
    return names


def _row(number: int, header: list[str], cells: list[str]) -> CsvRow:
    if any(c.strip() for c in cells[len(header) :]):
        # A row error rather than a file error, so that the report says which row it is.
        problem = f"This row has {len(cells)} cells but the header row has only {len(header)} columns."
        return CsvRow(number, {}, problem)
    return CsvRow(number, dict(zip(header, cells, strict=False)))


def publishing_organisations(actor: Actor) -> list[Organisation]:
    """The organisations `actor` may import entries for, by title."""
    query = select(Organisation).order_by(Organisation.title)
    if not actor.is_site_admin:
        query = query.where(Organisation.id.in_(actor.publishing_organisation_ids()))
    return list(db.session.scalars(query))


def check_rows(actor: Actor, organisation: Organisation, rows: Sequence[CsvRow]) -> ImportReport:
    """Whether each row would be created for `organisation`, with every problem by row and column.

    Raises PermissionDeniedError unless `actor` is a publisher of `organisation`.
    """
    require_publisher(actor, organisation)
    report = ImportReport(rows=len(rows))
    identifiers: dict[int, tuple[str, str]] = {}
    for row in rows:
        report.errors.extend(_row_errors(row, organisation, identifiers))
    report.errors.extend(_identifier_errors(organisation, identifiers))
    report.errors.sort(key=lambda error: error.row)  # stable: a row's own errors keep their order
    return report


# The schema's messages are written for API clients; a person filling in a spreadsheet is told
# what to type instead (by the start of the message, as some carry the value typed).
SPREADSHEET_WORDS = (
    ("Not a valid integer", "Enter a whole number, like 1048576, with no commas, spaces or units"),
    ("Not a valid date", "Enter a date as year-month-day, like 2024-03-27"),
    ("Not a valid e-mail address", "Enter an email address, like roadsafety.stats@dft.gov.uk"),
    (
        "Not a valid web address",
        "Enter a full web address starting with https://, like https://www.gov.uk/example",
    ),
)


def _plain(column: str, message: str) -> str:
    if message in EMPTY_VALUE_MESSAGES:
        return f"Enter a value in the {column} column"
    if column.endswith("licence") and "is not a licence we list" in message:
        return (
            "Enter a licence by its short name, like OGL-UK-3.0 for the Open Government Licence v3.0 "
            "(the import page lists them all)"
        )
    for start, words in SPREADSHEET_WORDS:
        if message.startswith(start):
            return words
    return message


def _row_errors(
    row: CsvRow, organisation: Organisation, identifiers: dict[int, tuple[str, str]]
) -> list[RowError]:
    """The row's own problems; notes its identifier in `identifiers` (checked across rows after)."""
    if row.problem:
        return [RowError(row.number, "", row.problem)]
    try:
        data = load_entry(entry_from_row(row.values, organisation.slug))
    except ValidationError as error:
        # One message for each cell, the first: a bad licence is also "required to publish", and
        # saying so twice does not help.
        first: dict[str, str] = {}
        for name, messages in (error.errors or {}).items():
            column = column_for(name)
            first.setdefault(column, _plain(column, messages[0]))
        return [RowError(row.number, column, message) for column, message in first.items()]
    if data["status"] == "withdrawn":
        return [RowError(row.number, "status", "A new entry can be a draft or published, not withdrawn.")]
    if data.get("identifier"):
        identifiers[row.number] = (data["type"], data["identifier"])
    return []


def _identifier_errors(organisation: Organisation, identifiers: dict[int, tuple[str, str]]) -> list[RowError]:
    """Each entry of an organisation has its own identifier among entries of its type: not one of
    another entry's, nor one an earlier row of the file has."""
    taken = {
        entry_type: identifiers_taken(
            organisation, [i for t, i in identifiers.values() if t == entry_type], entry_type
        )
        for entry_type in {t for t, _ in identifiers.values()}
    }
    first_row: dict[tuple[str, str], int] = {}
    errors = []
    for number, (entry_type, identifier) in identifiers.items():
        if identifier in taken[entry_type]:
            by = taken[entry_type][identifier]
            message = f"Already used by {by}: each entry of {organisation.title} needs its own"
        elif (entry_type, identifier) in first_row:
            message = (
                f"Row {first_row[entry_type, identifier]} has the same identifier: each entry needs its own"
            )
        else:
            first_row[entry_type, identifier] = number
            continue
        errors.append(RowError(number, column_for("identifier"), message))
    return errors


def import_rows(actor: Actor, organisation: Organisation, rows: Sequence[CsvRow]) -> list[Dataset]:
    """Create an entry from each row for `organisation`: all of them, or none.

    Everything is checked again first (the catalogue may have changed since the file was
    checked); ImportRejectedError carries the report if any row fails.
    """
    report = check_rows(actor, organisation, rows)
    if not report.ok:
        raise ImportRejectedError(report)
    created: list[Dataset] = []
    create_datasets(
        actor,
        ((None, entry_from_row(row.values, organisation.slug)) for row in rows),
        on_created=created.append,
    )
    # The commit expired them: reload in a few queries rather than one per entry (ids are
    # read from the identity key, which does not trigger a load).
    ids = [inspect(d).identity[0] for d in created]
    for start in range(0, len(ids), 500):
        db.session.scalars(select(Dataset).where(Dataset.id.in_(ids[start : start + 500]))).all()
    return created


def csv_template() -> str:
    """A CSV file with every column and one example row."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(COLUMN_NAMES)
    writer.writerow([c.example for c in COLUMNS])
    return out.getvalue()
