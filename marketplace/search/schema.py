"""What the index holds for each entry, and how an entry becomes a document.

Text fields are stemmed English and weighted so that a word in the title or keywords counts
for more than one in the description (BM25F field boosts). They are handed to Whoosh already
analysed (lists of stems, see analysis.py), which Whoosh indexes as they are. Everything a
filter or facet needs is an untokenised field; what sorting needs is a column. Both are read
into arrays once per segment (see facets.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any

from whoosh import columns, fields

from marketplace.search.analysis import TEXT_ANALYZER, WORD_ANALYZER, stems, words

# Field -> BM25F boost of the text fields a query searches.
# The description's boost is below 1 so that a word repeated in a long description does not
# outrank the same word in a title.
# Alternative titles count as the title does: "Road accidents and safety data" and "NPS" are
# what some people call the entry. The identifier ("HMLR-NPS") carries the acronym too, but
# also the organisation's prefix, so it counts less.
TEXT_FIELDS = {
    "title": 4.0,
    "alternative_titles": 4.0,
    "keywords": 3.0,
    "summary": 2.0,
    "organisation_name": 1.5,
    "identifier": 1.5,
    "description": 0.5,
}
META_ID = "__position__"
# The unstemmed words of these go into `words`, for "did you mean" and title completion.
WORD_SOURCES = ("title", "alternative_titles", "summary", "keywords", "organisation_name", "identifier")
# Phrases of up to this many words are matched through shingle fields (see scoring.py).
SHINGLE_SIZES = (2, 3)
# What the documents hold. Bump it whenever a field or what goes into one changes: an index of
# another format is treated as missing (store.py), so searches use the database until
# `search sync` or `search reindex` builds a new one.
# 3: text handed over analysed; numbers and the title's sort key as columns only.
# 4: alternative titles and the identifier are searched.
# 5: words stemmed by Snowball's English stemmer (Porter2), not Porter.
INDEX_FORMAT = 5
# Stored for an entry with no metadata score, so that sorting by quality puts it last.
NO_SCORE = -1
# Numeric columns: the value of a document that has none (the position document).
NUMBER_COLUMNS = {"modified": 0, "quality_score": NO_SCORE, "fresh_until": 0, "overdue_after": 0}


def shingle_field(name: str) -> str:
    return f"{name}_shingles"


def shingles(terms: list[str]) -> list[str]:
    """Runs of 2 and 3 adjacent stems (SHINGLE_SIZES), joined by "_", each once."""
    pairs = [f"{a}_{b}" for a, b in pairwise(terms)]
    triples = [f"{a}_{b}_{c}" for a, b, c in zip(terms, terms[1:], terms[2:], strict=False)]
    return list(dict.fromkeys(pairs + triples))


class TermSet(fields.KEYWORD):
    """A field whose value is a list of distinct terms that are matched but not scored (the
    shingles): each occurs once, so bulk.py can write its postings without counting them."""

    def __init__(self) -> None:
        super().__init__(scorable=False)


def build_schema() -> fields.Schema:
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        kind=fields.ID(),  # "entry", or "meta" for the document holding the outbox position
        title=fields.TEXT(analyzer=TEXT_ANALYZER, field_boost=TEXT_FIELDS["title"], stored=True),
        alternative_titles=fields.TEXT(analyzer=TEXT_ANALYZER, field_boost=TEXT_FIELDS["alternative_titles"]),
        keywords=fields.TEXT(analyzer=TEXT_ANALYZER, field_boost=TEXT_FIELDS["keywords"]),
        identifier=fields.TEXT(analyzer=TEXT_ANALYZER, field_boost=TEXT_FIELDS["identifier"]),
        summary=fields.TEXT(analyzer=TEXT_ANALYZER, field_boost=TEXT_FIELDS["summary"]),
        organisation_name=fields.TEXT(analyzer=TEXT_ANALYZER, field_boost=TEXT_FIELDS["organisation_name"]),
        description=fields.TEXT(analyzer=TEXT_ANALYZER, field_boost=TEXT_FIELDS["description"]),
        words=fields.TEXT(analyzer=WORD_ANALYZER, phrase=False),
        organisation=fields.ID(),
        theme=fields.KEYWORD(commas=True),
        format=fields.KEYWORD(commas=True),
        licence=fields.ID(),
        access_rights=fields.ID(),
        type=fields.ID(),
        status=fields.ID(),
        quality=fields.ID(),  # the metadata quality band
        # Day numbers (date ordinals, 0 for none); freshness is judged from the last two at
        # query time. Columns only: nothing searches them as terms.
        **{
            name: fields.COLUMN(columns.NumericColumn("i", default=none))
            for name, none in NUMBER_COLUMNS.items()
        },
        title_sort=fields.COLUMN(columns.VarBytesColumn()),  # the casefolded title, UTF-8
        position=fields.NUMERIC(int, bits=64, stored=True),
        gaps=fields.STORED(),
        **{shingle_field(name): TermSet() for name in TEXT_FIELDS},
    )


@dataclass
class IndexedEntry:
    """What the index needs to know of an entry (read from the database by entries.py)."""

    id: str
    title: str
    summary: str | None
    description: str | None
    organisation: str  # slug
    organisation_title: str
    organisation_abbreviation: str | None
    licence: str | None
    access_rights: str | None
    type: str
    status: str
    modified: date | None
    metadata_score: int | None
    metadata_band: str | None
    fresh_until: date | None
    overdue_after: date | None
    identifier: str | None
    alternative_titles: list[str] | None
    keywords: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)


def entry_texts(entry: IndexedEntry) -> dict[str, str]:
    """The text of each of TEXT_FIELDS for `entry`: what a search reads."""
    return {
        "title": entry.title,
        "alternative_titles": " ".join(entry.alternative_titles or []),
        "keywords": " ".join(entry.keywords),
        "summary": entry.summary or "",
        "organisation_name": f"{entry.organisation_title} {entry.organisation_abbreviation or ''}",
        "identifier": entry.identifier or "",
        "description": entry.description or "",
    }


def entry_document(entry: IndexedEntry) -> dict[str, Any]:
    texts = entry_texts(entry)
    text_words = {name: words(text) for name, text in texts.items()}
    text_stems = {name: stems(found) for name, found in text_words.items()}
    band = {"quality": entry.metadata_band} if entry.metadata_band else {}
    return {
        **text_stems,
        **band,
        **{shingle_field(name): shingles(found) for name, found in text_stems.items()},
        "_stored_title": entry.title,
        "id": entry.id,
        "kind": "entry",
        "words": [w for name in WORD_SOURCES for w in text_words[name]],
        "organisation": entry.organisation,
        "theme": ",".join(entry.themes),
        "format": ",".join(sorted({f.upper() for f in entry.formats if f})),
        "licence": entry.licence or "",
        "access_rights": entry.access_rights or "",
        "type": entry.type,
        "status": entry.status,
        "modified": _day(entry.modified),
        "quality_score": NO_SCORE if entry.metadata_score is None else entry.metadata_score,
        "fresh_until": _day(entry.fresh_until),
        "overdue_after": _day(entry.overdue_after),
        "title_sort": entry.title.casefold()[:100].encode(),
    }


def _day(value: date | None) -> int:
    return value.toordinal() if value else 0
