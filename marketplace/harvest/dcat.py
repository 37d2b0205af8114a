"""Reading a DCAT catalogue: its pages (Turtle, JSON-LD or RDF/XML), followed by their Hydra
links, and each dcat:Dataset and dcat:DataService read into our entry's fields.

Terms are read as DCAT-AP 3 and REFERENCE §E write them, and the UK values as our own DCAT
output writes them (marketplace/dcat); a value we cannot place (a theme outside our scheme, a
frequency or access right we do not know) is left out, and our validation then says what is
missing.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS

from marketplace.dcat.graph import (
    DCAT_VERSION,
    EU_ACCESS_RIGHTS,
    EU_FREQUENCIES,
    HYDRA,
    MARKETPLACE,
    VCARD,
)
from marketplace.harvest.client import SourceClient, SourceError
from marketplace.harvest.records import Record
from marketplace.vocabularies import ACCESS_RIGHTS, THEMES, UPDATE_FREQUENCIES, find_licence
from marketplace.vocabularies.formats import FORMATS

ACCEPT = "text/turtle, application/ld+json;q=0.9, application/rdf+xml;q=0.8"
PARSERS = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/json": "json-ld",
    "application/rdf+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
}
SUFFIXES = {".ttl": "turtle", ".jsonld": "json-ld", ".rdf": "xml", ".xml": "xml"}
# Read back with the tables our own DCAT is written with (marketplace/dcat/graph.py), inverted,
# so the two cannot drift; the Dublin Core frequency URIs themselves end in our keys.
FROM_EU_FREQUENCY = {eu: ours for ours, eu in EU_FREQUENCIES.items()} | {"UPDATE_CONT": "continuous"}
FROM_EU_ACCESS_RIGHT = {eu: ours for ours, eu in EU_ACCESS_RIGHTS.items()}
FROM_EU_FILE_TYPE = {found.eu_code: name for name, found in FORMATS.items()}


def read_dcat(client: SourceClient, url: str, *, max_pages: int) -> list[Record]:
    """Every dataset and data service on the catalogue's pages, from `url` through each page's
    hydra:next (or hydra:nextPage), at most `max_pages` of them."""
    records: dict[str, Record] = {}
    seen: set[str] = set()
    page_url: str | None = url
    for _ in range(max_pages):
        if page_url is None:
            return list(records.values())
        seen.add(page_url)
        graph = _page(client, page_url)
        for node in _entries(graph):
            record = _record(graph, node)
            records[record.identifier] = record
        following = _next_page(graph, page_url)
        page_url = following if following and following not in seen else None
    if page_url is None:
        return list(records.values())
    raise SourceError(f"{url} has more than {max_pages} pages: raise HARVEST_MAX_PAGES to read it all.")


def _page(client: SourceClient, url: str) -> Graph:
    body, media_type = client.get_typed(url, accept=ACCEPT)
    parser = PARSERS.get(media_type) or next(
        (name for suffix, name in SUFFIXES.items() if url.split("?")[0].endswith(suffix)), None
    )
    if parser is None:
        raise SourceError(f"{url} sent {media_type or 'no media type'}, not Turtle, JSON-LD or RDF/XML.")
    graph = Graph()
    try:
        with warnings.catch_warnings():
            # rdflib 7.6's JSON-LD parser warns about its own use of a deprecated API.
            warnings.simplefilter("ignore", DeprecationWarning)
            graph.parse(data=body, format=parser, publicID=url)
    except Exception as error:  # rdflib's parsers raise many kinds; each means the same here
        raise SourceError(f"{url} did not send valid {parser} RDF: {error}") from error
    return graph


def _entries(graph: Graph) -> list[URIRef]:
    nodes = set(graph.subjects(RDF.type, DCAT.Dataset)) | set(graph.subjects(RDF.type, DCAT.DataService))
    return sorted((node for node in nodes if isinstance(node, URIRef)), key=str)


def _next_page(graph: Graph, url: str) -> str | None:
    for term in (HYDRA.next, HYDRA.nextPage):
        for value in graph.objects(None, term):
            return urljoin(url, str(value))
    return None


def _record(graph: Graph, node: URIRef) -> Record:
    notes: dict[str, list[str]] = {}
    entry = entry_from_dcat(graph, node, notes)
    return Record(str(node), entry.get("title"), entry.get("modified"), data=entry, notes=notes)


def _text(graph: Graph, node: Any, term: URIRef) -> str | None:
    """The value of `term`, preferring English or no language tag."""
    values = [value for value in graph.objects(node, term) if isinstance(value, Literal)]
    values.sort(key=lambda value: (value.language not in {None, "en", "en-gb"}, str(value)))
    return str(values[0]).strip() if values else None


def _date(graph: Graph, node: Any, term: URIRef) -> str | None:
    text = _text(graph, node, term)
    return text[:10] if text else None


def _last_segment(value: Any) -> str:
    return str(value).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def entry_from_dcat(graph: Graph, node: Any, notes: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """One dcat:Dataset or dcat:DataService as our entry's fields; what cannot be placed in our
    vocabularies is left out and said in `notes`."""
    notes = {} if notes is None else notes

    def unplaced(field: str, value: Any, what: str) -> None:
        notes.setdefault(field, []).append(f"{value} is not {what} we know: left out.")

    is_service = (node, RDF.type, DCAT.DataService) in graph
    entry: dict[str, Any] = {
        "type": "data_service" if is_service else "dataset",
        "title": _text(graph, node, DCTERMS.title),
        "description": _text(graph, node, DCTERMS.description),
        "identifier": _text(graph, node, DCTERMS.identifier),
        "issued": _date(graph, node, DCTERMS.issued),
        "modified": _date(graph, node, DCTERMS.modified),
        "keywords": sorted({str(k).strip() for k in graph.objects(node, DCAT.keyword) if str(k).strip()}),
        "themes": _themes(graph, node, unplaced),
        "version": _text(graph, node, DCAT_VERSION),
    }
    if isinstance(node, URIRef) and str(node).startswith(("http://", "https://")):
        entry.setdefault("slug", _last_segment(node).lower())
    contact = next(iter(graph.objects(node, DCAT.contactPoint)), None)
    if contact is not None:
        email = _text(graph, contact, VCARD.hasEmail) or next(
            (str(value) for value in graph.objects(contact, VCARD.hasEmail)), None
        )
        entry["contact_point"] = {
            "name": _text(graph, contact, VCARD.fn) or _text(graph, contact, FOAF.name),
            "email": email.removeprefix("mailto:") if email else None,
        }
    licence = next(iter(graph.objects(node, DCTERMS.license)), None)
    if licence is not None:
        found = _licence(licence)
        entry["licence"] = found or unplaced("licence", licence, "a licence")
    access = next(iter(graph.objects(node, DCTERMS.accessRights)), None)
    if access is not None:
        code = _last_segment(access)
        entry["access_rights"] = FROM_EU_ACCESS_RIGHT.get(code) or (
            code if code in ACCESS_RIGHTS else unplaced("access_rights", access, "an access right")
        )
    frequency = next(iter(graph.objects(node, DCTERMS.accrualPeriodicity)), None)
    if frequency is not None:
        code = _last_segment(frequency)
        entry["update_frequency"] = FROM_EU_FREQUENCY.get(code) or (
            code if code in UPDATE_FREQUENCIES else unplaced("update_frequency", frequency, "a frequency")
        )
    entry["security_classification"] = _security_classification(graph, node)
    if is_service:
        endpoint = next(iter(graph.objects(node, DCAT.endpointURL)), None)
        description = next(iter(graph.objects(node, DCAT.endpointDescription)), None)
        entry["endpoint_url"] = str(endpoint) if endpoint is not None else None
        entry["endpoint_description"] = str(description) if isinstance(description, URIRef) else None
    else:
        entry["distributions"] = [
            _distribution(graph, distribution) for distribution in graph.objects(node, DCAT.distribution)
        ]
        for distribution in entry["distributions"]:
            # A distribution carries its dataset's licence in DCAT when it has none of its own.
            if distribution.get("licence") == entry.get("licence"):
                distribution.pop("licence", None)
    return {key: value for key, value in entry.items() if value not in (None, [], "")}


def _themes(graph: Graph, node: Any, unplaced: Callable[[str, Any, str], None]) -> list[str]:
    """Our themes, by the last part of their address or by their label; any other is noted."""
    labels = {label.lower(): value for value, label in THEMES.items()}
    themes = set()
    for theme in graph.objects(node, DCAT.theme):
        code = _last_segment(theme)
        label = (_text(graph, theme, SKOS.prefLabel) or "").lower()
        if code in THEMES:
            themes.add(code)
        elif label in labels:
            themes.add(labels[label])
        else:
            unplaced("themes", theme, "a theme")
    return sorted(themes)


def _security_classification(graph: Graph, node: Any) -> str:
    value = _text(graph, node, MARKETPLACE.securityClassification)
    if value:
        return value.upper().replace("-", "_").replace(" ", "_")
    # A public catalogue's entries are OFFICIAL information published openly.
    return "OFFICIAL"


def _distribution(graph: Graph, node: Any) -> dict[str, Any]:
    media_type = next(iter(graph.objects(node, DCAT.mediaType)), None)
    file_format = next(iter(graph.objects(node, DCTERMS["format"])), None)
    size = _text(graph, node, DCAT.byteSize)
    access = next(iter(graph.objects(node, DCAT.accessURL)), None)
    download = next(iter(graph.objects(node, DCAT.downloadURL)), None)
    licence = next(iter(graph.objects(node, DCTERMS.license)), None)
    distribution = {
        "title": _text(graph, node, DCTERMS.title)
        or (_last_segment(file_format) if file_format is not None else None)
        or "Data",
        "description": _text(graph, node, DCTERMS.description),
        "access_url": str(access) if access is not None else None,
        "download_url": str(download) if download is not None else None,
        "format": _format_name(file_format),
        "media_type": _media_type(media_type),
        "byte_size": int(size) if size and size.isdigit() and len(size) < 20 else None,
        "licence": _licence(licence) if licence is not None else None,
        "issued": _date(graph, node, DCTERMS.issued),
        "modified": _date(graph, node, DCTERMS.modified),
    }
    return {key: value for key, value in distribution.items() if value is not None}


def _licence(value: Any) -> str | None:
    """Ours for a licence URI; our data share agreement is written under our own namespace."""
    found = find_licence(str(value)) or find_licence(_last_segment(value))
    return found.uri if found else None


def _format_name(value: Any) -> str | None:
    """Our format name for an EU file type (its code, as our DCAT writes it), or the name given."""
    if value is None:
        return None
    if isinstance(value, URIRef):
        code = _last_segment(value).upper()
        return FROM_EU_FILE_TYPE.get(code, code)
    return str(value).strip().upper() or None


def _media_type(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    # IANA's register: https://www.iana.org/assignments/media-types/text/csv
    marker = "/assignments/media-types/"
    return text.split(marker, 1)[1] if marker in text else text
