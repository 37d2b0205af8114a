"""Reading a CKAN catalogue: its Action API over HTTP, or a `ckanapi dump datasets` file."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from marketplace.harvest.client import SourceClient, SourceError
from marketplace.harvest.records import Record

# Packages asked for a page. CKAN allows up to 1,000; 100 keeps each answer small enough that
# a slow source still answers within the timeout.
ROWS = 100


def read_ckan(client: SourceClient, url: str, *, max_pages: int) -> list[Record]:
    """Every public package, a page at a time in a stable order (id ascending, as harvesters do),
    until a page comes back short or empty. More than `max_pages` pages fails the run: a partial
    read would withdraw the entries on the pages not read."""
    endpoint = url.rstrip("/") + "/api/3/action/package_search"
    records: dict[str, Record] = {}
    start = 0
    for _ in range(max_pages):
        body = client.get_json(endpoint, params={"rows": ROWS, "start": start, "sort": "id asc"})
        result = body.get("result") if isinstance(body, dict) and body.get("success") is True else None
        if not isinstance(result, dict) or not isinstance(result.get("results"), list):
            raise SourceError(f"{endpoint} did not answer as CKAN's package_search does.")
        page = [_record(package, f"{endpoint} (start={start})") for package in result["results"]]
        records.update((record.identifier, record) for record in page)
        start += len(page)
        if len(page) < ROWS or start >= _count(result):
            return list(records.values())
    raise SourceError(
        f"{url} has more than {max_pages} pages of {ROWS}: raise HARVEST_MAX_PAGES to read it all."
    )


def read_ckan_dump(lines: Iterable[str], name: str) -> list[Record]:
    """The packages in a `ckanapi dump datasets` file: one JSON package dict a line."""
    records: dict[str, Record] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            package = json.loads(line)
        except ValueError as error:
            raise SourceError(f"{name}, line {number}: not valid JSON ({error}).") from error
        record = _record(package, f"{name}, line {number}")
        records[record.identifier] = record
    return list(records.values())


def _record(package: Any, where: str) -> Record:
    if not isinstance(package, dict):
        raise SourceError(f"{where}: a package that is not a JSON object.")
    identifier = package.get("id") or package.get("name")
    if not isinstance(identifier, str) or not identifier.strip():
        raise SourceError(f"{where}: a package with neither an id nor a name.")
    title = package.get("title") if isinstance(package.get("title"), str) else None
    modified = package.get("metadata_modified") if isinstance(package.get("metadata_modified"), str) else None
    return Record(identifier=identifier.strip(), title=title, modified=modified, data=package)


def _count(result: dict[str, Any]) -> int:
    count = result.get("count")
    return count if isinstance(count, int) and count >= 0 else 2**63
