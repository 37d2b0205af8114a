"""What the index holds for each entry, and how an entry becomes a document.

Text fields are stemmed English and weighted so that a word in the title or keywords counts
for more than one in the description (BM25F field boosts). Everything a filter, facet or sort
needs is an untokenised field, read into arrays once per searcher (see facets.py).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from whoosh import fields
from whoosh.analysis import StandardAnalyzer, StemmingAnalyzer

from marketplace.models import Dataset

# Words are runs of letters and digits, kept whole across "&" ("A&E", "R&D") and inner dots
# ("3.5"); Whoosh's default pattern also keeps "*", so "road*" would look for "road*".
WORD_PATTERN = r"\w+(?:&\w+)*(?:\.?\w+)*"
TEXT_ANALYZER = StemmingAnalyzer(expression=WORD_PATTERN)
# Unstemmed words of titles, summaries, keywords and organisation names: "did you mean" and
# completion must offer real words, and a stemmed field would offer stems ("burglari").
WORD_ANALYZER = StandardAnalyzer(expression=WORD_PATTERN)

# Field -> BM25F boost of the text fields a query searches.
# The description's boost is below 1 so that a word repeated in a long description does not
# outrank the same word in a title.
TEXT_FIELDS = {"title": 4.0, "keywords": 3.0, "summary": 2.0, "organisation_name": 1.5, "description": 0.5}
META_ID = "__position__"
# Phrases of up to this many words are matched through shingle fields (see scoring.py).
SHINGLE_SIZES = (2, 3)
# What the documents hold. Bump it whenever a field or what goes into one changes: an index of
# another format is treated as missing (store.py), so searches use the database until
# `search sync` or `search reindex` builds a new one.
INDEX_FORMAT = 2
# Stored for an entry with no metadata score, so that sorting by quality puts it last.
NO_SCORE = -1


def shingle_field(name: str) -> str:
    return f"{name}_shingles"


def shingles(text: str) -> str:
    """Runs of 2 and 3 adjacent analysed words, joined by "_", as one space-separated string."""
    tokens = [token.text for token in TEXT_ANALYZER(text)]
    runs = ("_".join(tokens[i : i + n]) for n in SHINGLE_SIZES for i in range(len(tokens) - n + 1))
    return " ".join(dict.fromkeys(runs))


def build_schema() -> fields.Schema:
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        kind=fields.ID(),  # "entry", or "meta" for the document holding the outbox position
        title=fields.TEXT(analyzer=TEXT_ANALYZER, field_boost=TEXT_FIELDS["title"], stored=True),
        keywords=fields.TEXT(analyzer=TEXT_ANALYZER, field_boost=TEXT_FIELDS["keywords"]),
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
        modified=fields.NUMERIC(int, bits=32, sortable=True, stored=False),
        quality_score=fields.NUMERIC(int, bits=32, sortable=True, stored=False),
        # Day numbers (date ordinals, 0 for none): freshness is judged from them at query time.
        fresh_until=fields.NUMERIC(int, bits=32, sortable=True, stored=False),
        overdue_after=fields.NUMERIC(int, bits=32, sortable=True, stored=False),
        title_sort=fields.ID(sortable=True),
        position=fields.NUMERIC(int, bits=64, stored=True),
        gaps=fields.STORED(),
        **{shingle_field(name): fields.KEYWORD() for name in TEXT_FIELDS},
    )


def entry_document(dataset: Dataset) -> dict[str, Any]:
    keywords = [k.keyword for k in dataset.keywords]
    formats = sorted({d.format.upper() for d in dataset.distributions if d.format})
    organisation = dataset.organisation
    texts = {
        "title": dataset.title,
        "keywords": " ".join(keywords),
        "summary": dataset.summary or "",
        "organisation_name": f"{organisation.title} {organisation.abbreviation or ''}",
        "description": dataset.description or "",
    }
    band = {"quality": dataset.metadata_band} if dataset.metadata_band else {}
    return {
        **texts,
        **band,
        **{shingle_field(name): shingles(text) for name, text in texts.items()},
        "id": str(dataset.id),
        "kind": "entry",
        "words": " ".join([texts["title"], texts["summary"], *keywords, texts["organisation_name"]]),
        "organisation": organisation.slug,
        "theme": ",".join(t.theme for t in dataset.themes),
        "format": ",".join(formats),
        "licence": dataset.licence or "",
        "access_rights": dataset.access_rights or "",
        "type": dataset.type,
        "status": dataset.status,
        "modified": _day(dataset.modified),
        "quality_score": NO_SCORE if dataset.metadata_score is None else dataset.metadata_score,
        "fresh_until": _day(dataset.fresh_until),
        "overdue_after": _day(dataset.overdue_after),
        "title_sort": dataset.title.casefold()[:100],
    }


def _day(value: date | None) -> int:
    return value.toordinal() if value else 0
