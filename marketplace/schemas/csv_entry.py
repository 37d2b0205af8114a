"""An entry as one row of a CSV file: the columns, a row turned into the API's body, and the
API's field names turned back into column names for error reports.

The row becomes exactly the JSON body a client would send, so it is validated by the one entry
schema (`DatasetInputSchema`) like every other way in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# What separates the terms of a list column (keywords, themes).
LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class Column:
    name: str
    hint: str
    example: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("title", "Required. Up to 200 characters.", "Reported road casualties in Great Britain"),
    Column("summary", "Up to 250 characters.", "Casualties in reported road collisions, by severity."),
    Column(
        "description",
        "Markdown. Required to publish.",
        "Statistics on **reported road casualties** in Great Britain, from STATS19 police records.",
    ),
    Column("type", "dataset (the default) or data_service.", "dataset"),
    Column("status", "draft (the default) or published.", "published"),
    Column("access_rights", "OPEN, INTERNAL, COMMERCIAL or RESTRICTED. Required to publish.", "OPEN"),
    Column(
        "security_classification",
        "OFFICIAL, OFFICIAL_SENSITIVE or NOT_APPLICABLE. Required to publish.",
        "OFFICIAL",
    ),
    Column(
        "licence",
        "A licence URI from the list, or DATA_SHARE_AGREEMENT. Required to publish.",
        "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    ),
    Column("themes", "Data Marketplace themes, separated by ;", "transport-and-infrastructure"),
    Column("keywords", "Separated by ;", "road safety;casualties"),
    Column("update_frequency", "For example daily, monthly, annual, irregular.", "annual"),
    Column("issued", "A date: YYYY-MM-DD (DD/MM/YYYY also works).", "2013-06-27"),
    Column("modified", "A date, not in the future. Required to publish.", "2025-09-25"),
    Column("created", "A date.", ""),
    Column("temporal_coverage_start", "A date.", "1979-01-01"),
    Column("temporal_coverage_end", "A date.", "2024-12-31"),
    Column("spatial_coverage", "Up to 255 characters.", "Great Britain"),
    Column("contact_name", "A team or role. Required to publish.", "Road Safety Statistics"),
    Column("contact_email", "A shared mailbox. Required to publish.", "roadacc.stats@dft.gov.uk"),
    Column("identifier", "Your own identifier for the entry.", ""),
    Column("version", "Up to 50 characters.", ""),
    Column("endpoint_url", "Data services only. Required to publish a data service.", ""),
    Column("endpoint_description", "Data services only: a web address.", ""),
    Column("service_type", "Data services only: REST, SOAP, EVENT, GRAPHQL or RPC.", ""),
    Column("service_kind", "Data services only: BULK, TRANSACTIONAL or INFORMATION.", ""),
    Column("service_status", "Data services only: for example BETA or LIVE.", ""),
    Column("distribution_title", "One distribution per row: its title.", "Casualties 2024"),
    Column("distribution_description", "", ""),
    Column(
        "distribution_download_url",
        "A download URL or an access URL is needed for a distribution.",
        "https://data.dft.gov.uk/road-accidents-safety-data/casualty-2024.csv",
    ),
    Column("distribution_access_url", "", ""),
    Column("distribution_media_type", "An IANA media type, for example text/csv.", "text/csv"),
    Column("distribution_format", "For example CSV; taken from the media type if left empty.", ""),
    Column("distribution_byte_size", "A whole number of bytes.", "38211022"),
    Column("distribution_licence", "If it differs from the entry's licence.", ""),
    Column("distribution_issued", "A date.", ""),
    Column("distribution_modified", "A date.", ""),
)
COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)

_SCALARS = (
    "title",
    "summary",
    "description",
    "type",
    "status",
    "access_rights",
    "security_classification",
    "licence",
    "update_frequency",
    "issued",
    "modified",
    "created",
    "spatial_coverage",
    "identifier",
    "version",
    "endpoint_url",
    "endpoint_description",
    "service_type",
    "service_kind",
    "service_status",
)
_LISTS = ("themes", "keywords")
_DATES = frozenset(
    {
        "issued",
        "modified",
        "created",
        "temporal_coverage_start",
        "temporal_coverage_end",
        "distribution_issued",
        "distribution_modified",
    }
)
_DISTRIBUTION_PREFIX = "distribution_"
# Excel in a UK locale saves dates as it shows them: 25/09/2025.
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
# ASCII digits only, and at most 30 (no field holds more than 19): a longer run stays text and is
# reported, instead of reaching int() (which refuses more than 4,300 digits with a ValueError).
_WHOLE_NUMBER = re.compile(r"^[0-9]{1,3}(,[0-9]{3}){1,9}$|^[0-9]{1,30}$")


def normalise_header(name: str) -> str:
    """A header cell as a column name: `Contact email` and `contact-email` mean contact_email."""
    return re.sub(r"[\s-]+", "_", name.strip()).lower()


def entry_from_row(values: dict[str, str], publisher: str) -> dict[str, Any]:
    """The API body a row stands for; empty cells are left out, as a client would leave them out."""
    cells = {name: _cell(name, value) for name, value in values.items()}
    cells = {name: value for name, value in cells.items() if value}
    # The defaults of a new entry, as create_dataset applies them, so that checking sees them too.
    body: dict[str, Any] = {"publisher": publisher, "type": "dataset", "status": "draft"}
    for name in _SCALARS:
        if name in cells:
            body[name] = cells[name]
    for name in _LISTS:
        if name in cells:
            body[name] = [t.strip() for t in cells[name].split(LIST_SEPARATOR) if t.strip()]
    contact = {k: cells[f"contact_{k}"] for k in ("name", "email") if f"contact_{k}" in cells}
    if contact:
        body["contact_point"] = contact
    temporal = {
        k: cells[f"temporal_coverage_{k}"] for k in ("start", "end") if f"temporal_coverage_{k}" in cells
    }
    if temporal:
        body["temporal_coverage"] = temporal
    distribution: dict[str, Any] = {
        name.removeprefix(_DISTRIBUTION_PREFIX): value
        for name, value in cells.items()
        if name.startswith(_DISTRIBUTION_PREFIX)
    }
    if distribution:
        size = distribution.get("byte_size")
        if size is not None and _WHOLE_NUMBER.match(size):
            distribution["byte_size"] = int(size.replace(",", ""))
        body["distributions"] = [distribution]
    return body


def column_for(field: str) -> str:
    """The column to blame for an error the entry schema reported under `field` (a dotted path);
    "" when the error is about the whole row."""
    parts = field.split(".")
    head = parts[0]
    if head == "contact_point":
        return f"contact_{parts[1]}" if len(parts) > 1 else "contact_name"
    if head == "temporal_coverage":
        return f"temporal_coverage_{parts[1]}" if len(parts) > 1 else "temporal_coverage_start"
    if head == "distributions":
        # distributions.0.download_url; a message about a whole distribution goes to its title.
        if len(parts) > 2 and f"{_DISTRIBUTION_PREFIX}{parts[2]}" in COLUMN_NAMES:
            return f"{_DISTRIBUTION_PREFIX}{parts[2]}"
        return "distribution_title"
    if head in COLUMN_NAMES:
        return head
    return ""


def _cell(name: str, value: str) -> str:
    text = value.strip().replace("\r\n", "\n")
    if name in _DATES and (match := _UK_DATE.match(text)):
        day, month, year = match.groups()
        text = f"{year}-{int(month):02d}-{int(day):02d}"
    return text
