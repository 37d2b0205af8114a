"""File formats, and whether each is open and machine-readable, for the metadata quality checks.

Sources:
- Names follow the EU Publications Office file-type authority table
  (http://publications.europa.eu/resource/authority/file-type), the vocabulary data.europa.eu's
  Metadata Quality Assessment (MQA) checks "format from a vocabulary" against; `eu_code` is the
  table's code, so DCAT exports can link to it.
- "Machine-readable" and "non-proprietary" follow the MQA's own lists (data.europa.eu,
  edp-vocabularies: `edp-machine-readable-format` and `edp-non-proprietary-format`): a format
  is non-proprietary when its specification is published and free to implement (an open
  standard), and machine-readable when software can extract its data structure without a
  person reading it. Documents and images (PDF, DOCX, PNG) are not machine-readable; office
  formats owned by one vendor (XLS, XLSX, DOC, MDB) and Esri's shapefile are proprietary.
- The media type for each format is its IANA registration (see `media_types.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.vocabularies.media_types import MEDIA_TYPES


@dataclass(frozen=True)
class FileFormat:
    name: str  # as our entries store it: upper case, e.g. "CSV"
    eu_code: str  # the EU file-type authority table code
    media_type: str | None  # the IANA media type it is published with
    machine_readable: bool
    non_proprietary: bool


def _f(name: str, eu_code: str, media_type: str | None, *, machine: bool, open_: bool) -> FileFormat:
    return FileFormat(name, eu_code, media_type, machine, open_)


_ALL = (
    # Tabular and structured data: the formats to recommend.
    _f("CSV", "CSV", "text/csv", machine=True, open_=True),
    _f("TSV", "TSV", "text/tab-separated-values", machine=True, open_=True),
    _f("JSON", "JSON", "application/json", machine=True, open_=True),
    _f("JSON-LD", "JSON_LD", "application/ld+json", machine=True, open_=True),
    _f("GEOJSON", "GEOJSON", "application/geo+json", machine=True, open_=True),
    _f("JSON-SEQ", "JSON", "application/json-seq", machine=True, open_=True),
    _f("XML", "XML", "application/xml", machine=True, open_=True),
    _f("YAML", "YAML", "application/yaml", machine=True, open_=True),
    _f("RDF", "RDF_XML", "application/rdf+xml", machine=True, open_=True),
    _f("TTL", "RDF_TURTLE", "text/turtle", machine=True, open_=True),
    _f("N3", "RDF_N_TRIPLES", "text/n3", machine=True, open_=True),
    _f("NT", "RDF_N_TRIPLES", "application/n-triples", machine=True, open_=True),
    _f("NQ", "RDF_N_QUADS", "application/n-quads", machine=True, open_=True),
    _f("TRIG", "RDF_TRIG", "application/trig", machine=True, open_=True),
    _f("SPARQL-JSON", "SPARQLQ", "application/sparql-results+json", machine=True, open_=True),
    _f("SPARQL-XML", "SPARQLQ", "application/sparql-results+xml", machine=True, open_=True),
    _f("ATOM", "ATOM", "application/atom+xml", machine=True, open_=True),
    _f("RSS", "RSS", "application/rss+xml", machine=True, open_=True),
    _f("ICS", "ICS", "text/calendar", machine=True, open_=True),
    _f("ODS", "ODS", "application/vnd.oasis.opendocument.spreadsheet", machine=True, open_=True),
    _f("PARQUET", "PARQUET", "application/vnd.apache.parquet", machine=True, open_=True),
    _f("ARROW", "ARROW", "application/vnd.apache.arrow.file", machine=True, open_=True),
    _f("AVRO", "AVRO", "application/vnd.apache.avro", machine=True, open_=True),
    _f("SQLITE", "SQLITE", "application/vnd.sqlite3", machine=True, open_=True),
    _f("SQL", "SQL", "application/sql", machine=True, open_=True),
    # Geospatial.
    _f("GML", "GML", "application/gml+xml", machine=True, open_=True),
    _f("KML", "KML", "application/vnd.google-earth.kml+xml", machine=True, open_=True),
    _f("KMZ", "KMZ", "application/vnd.google-earth.kmz", machine=True, open_=True),
    _f("GPKG", "GPKG", "application/vnd.geopackage+sqlite3", machine=True, open_=True),
    _f("SHP", "SHP", None, machine=True, open_=False),
    # Machine-readable but owned by one vendor.
    _f("XLS", "XLS", "application/vnd.ms-excel", machine=True, open_=False),
    _f(
        "XLSX",
        "XLSX",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        machine=True,
        open_=False,
    ),
    _f("XLSM", "XLSM", "application/vnd.ms-excel.sheet.macroEnabled.12", machine=True, open_=False),
    _f("MDB", "MDB", "application/vnd.ms-access", machine=True, open_=False),
    # For people to read, not for software to extract data from.
    _f("HTML", "HTML", "text/html", machine=False, open_=True),
    _f("TXT", "TXT", "text/plain", machine=False, open_=True),
    _f("MD", "MARKDOWN", "text/markdown", machine=False, open_=True),
    _f("PDF", "PDF", "application/pdf", machine=False, open_=True),
    _f("ODT", "ODT", "application/vnd.oasis.opendocument.text", machine=False, open_=True),
    _f("DOC", "DOC", "application/msword", machine=False, open_=False),
    _f(
        "DOCX",
        "DOCX",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        machine=False,
        open_=False,
    ),
    _f("PPT", "PPT", "application/vnd.ms-powerpoint", machine=False, open_=False),
    _f(
        "PPTX",
        "PPTX",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        machine=False,
        open_=False,
    ),
    _f("PNG", "PNG", "image/png", machine=False, open_=True),
    _f("JPEG", "JPEG", "image/jpeg", machine=False, open_=True),
    _f("TIFF", "TIFF", "image/tiff", machine=False, open_=True),
    _f("SVG", "SVG", "image/svg+xml", machine=False, open_=True),
    _f("JP2", "JPEG2000", "image/jp2", machine=False, open_=True),
    # Containers and unknown bytes: what is inside cannot be judged.
    _f("ZIP", "ZIP", "application/zip", machine=False, open_=True),
    _f("GZIP", "GZIP", "application/gzip", machine=False, open_=True),
    _f("RAR", "RAR", "application/vnd.rar", machine=False, open_=False),
    _f("BIN", "BIN", "application/octet-stream", machine=False, open_=False),
)

FORMATS: dict[str, FileFormat] = {f.name: f for f in _ALL}

# What people call each format, for pages (the name alone where people already use it, as with
# JSON and PDF). The media type stays in an entry's details for those who need it.
_TITLES = {
    "CSV": "CSV spreadsheet",
    "TSV": "Tab-separated spreadsheet",
    "JSON-LD": "Linked data JSON",
    "GEOJSON": "GeoJSON map data",
    "JSON-SEQ": "JSON records",
    "RDF": "RDF/XML linked data",
    "TTL": "Turtle linked data",
    "N3": "Notation3 linked data",
    "NT": "N-Triples linked data",
    "NQ": "N-Quads linked data",
    "TRIG": "TriG linked data",
    "SPARQL-JSON": "SPARQL results in JSON",
    "SPARQL-XML": "SPARQL results in XML",
    "ATOM": "Atom feed",
    "RSS": "RSS feed",
    "ICS": "Calendar",
    "ODS": "OpenDocument spreadsheet",
    "PARQUET": "Apache Parquet",
    "ARROW": "Apache Arrow",
    "AVRO": "Apache Avro",
    "SQLITE": "SQLite database",
    "SQL": "SQL script",
    "GML": "Geography Markup Language",
    "KML": "Google Earth map",
    "KMZ": "Google Earth map, zipped",
    "GPKG": "GeoPackage map data",
    "SHP": "Esri shapefile",
    "XLS": "Excel 97-2003 spreadsheet",
    "XLSX": "Excel spreadsheet",
    "XLSM": "Excel spreadsheet with macros",
    "MDB": "Access database",
    "HTML": "Web page",
    "TXT": "Plain text",
    "MD": "Markdown text",
    "PDF": "PDF document",
    "ODT": "OpenDocument text document",
    "DOC": "Word 97-2003 document",
    "DOCX": "Word document",
    "PPT": "PowerPoint 97-2003 presentation",
    "PPTX": "PowerPoint presentation",
    "PNG": "PNG image",
    "JPEG": "JPEG image",
    "TIFF": "TIFF image",
    "SVG": "SVG image",
    "JP2": "JPEG 2000 image",
    "ZIP": "ZIP archive",
    "GZIP": "Gzip archive",
    "RAR": "RAR archive",
    "BIN": "Binary file",
}

# Spellings publishers use for the same format.
_ALIASES = {"JSONLD": "JSON-LD", "GEO+JSON": "GEOJSON", "TURTLE": "TTL", "XHTML": "HTML", "JPG": "JPEG"}


def find_format(format_name: str | None, media_type: str | None = None) -> FileFormat | None:
    """The format a distribution is in, from its format name or else its media type."""
    if format_name:
        name = format_name.strip().upper().lstrip(".")
        found = FORMATS.get(_ALIASES.get(name, name))
        if found:
            return found
    if media_type and media_type in MEDIA_TYPES:
        return FORMATS.get(MEDIA_TYPES[media_type])
    return None


def format_label(format_name: str | None, media_type: str | None = None) -> str:
    """A distribution's format as people know it: "Excel spreadsheet (XLSX)"; a format we do not
    list keeps the publisher's own name; nothing given, "".
    """
    found = find_format(format_name, media_type)
    if found is None:
        return (format_name or "").strip()
    title = _TITLES.get(found.name)
    return f"{title} ({found.name})" if title else found.name


def media_type_for(format_name: str | None) -> str | None:
    """The IANA media type a format is published with, to suggest when one is missing."""
    found = find_format(format_name)
    return found.media_type if found else None
