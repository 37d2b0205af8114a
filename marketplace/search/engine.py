"""Searching: one exact pass through Whoosh for the matches and their scores, then numpy for
visibility, filters, facets, sorting and the page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
from whoosh import highlight
from whoosh import query as wq

from marketplace.search import store
from marketplace.search.analysis import TEXT_ANALYZER, analyse
from marketplace.search.facets import FacetArrays, arrays_for, freshness_for
from marketplace.search.query import ParsedQuery, parse_query
from marketplace.search.schema import TEXT_FIELDS
from marketplace.search.scoring import TermScorer

FACETS = ("organisation", "theme", "format", "licence", "access_rights", "type", "quality", "freshness")
FEW_RESULTS = 3
MAX_COMPLETIONS = 32


@dataclass(frozen=True)
class Audience:
    """Who is searching, as far as visibility goes (the rules of services/permissions.py)."""

    signed_in: bool = False
    sees_everything: bool = False
    publishes_for: frozenset[str] = frozenset()  # organisation slugs whose drafts they may list


@dataclass
class SearchRequest:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    statuses: list[str] = field(default_factory=lambda: ["published"])
    sort: str | None = None
    page: int = 1
    per_page: int = 20
    today: date | None = None  # the day freshness is judged on; None for today


@dataclass
class SearchHits:
    ids: list[str]
    total: int
    facets: dict[str, dict[str, int]]
    suggestion: str | None
    terms: set[str]


def scorer_for(searcher, cache: dict) -> TermScorer:
    if "scorer" not in cache:
        cache["scorer"] = TermScorer(searcher)
    return cache["scorer"]


def _visible(arrays: FacetArrays, audience: Audience, statuses: list[str]) -> np.ndarray:
    status = arrays.fields["status"]
    organisation = arrays.fields["organisation"]
    visible = np.zeros(status.ords.shape[0], dtype=bool)
    for wanted in set(statuses):
        mask = status.mask([wanted])
        if wanted == "published":
            if not audience.signed_in and not audience.sees_everything:
                mask &= arrays.fields["access_rights"].mask(["OPEN"])
        elif not audience.sees_everything:
            mask &= organisation.mask(sorted(audience.publishes_for))
        visible |= mask
    return visible


def _order(arrays: FacetArrays, docs: np.ndarray, scores: np.ndarray, sort: str) -> np.ndarray:
    modified = arrays.modified[docs]
    if sort == "title":
        return np.argsort(arrays.title_rank[docs], kind="stable")
    if sort == "relevance":
        return np.lexsort((arrays.title_rank[docs], -modified, -scores))
    if sort == "quality":  # highest score first (none last), then as "updated"
        return np.lexsort((arrays.title_rank[docs], -modified, -arrays.quality_score[docs]))
    return np.lexsort((arrays.title_rank[docs], -modified))


def search_entries(root: Path, audience: Audience, request: SearchRequest) -> SearchHits:
    """Entries matching `request` that `audience` may list: one page of ids, in order, the
    exact total, facet counts, and a suggested query when there are few results."""
    try:
        searcher, cache = store.searcher_for(root)
        arrays = arrays_for(searcher, cache)
        parsed = parse_query(request.q)
        if parsed.query is None:
            docs, scores = arrays.live, np.zeros(len(arrays.live))
        else:
            mask, all_scores = scorer_for(searcher, cache).evaluate(parsed.query)
            mask &= arrays.live_mask
            docs = np.flatnonzero(mask)
            scores = all_scores[docs]
    except (OSError, EOFError) as error:  # the index went away under us
        store.close_searchers()
        raise store.SearchUnavailable(str(error)) from error

    fields = {**arrays.fields, "freshness": freshness_for(arrays, request.today or date.today(), cache)}
    base = _visible(arrays, audience, request.statuses)[docs]
    selected = {name: fields[name].mask(values)[docs] for name, values in request.filters.items() if values}
    chosen = base.copy()
    for mask in selected.values():
        chosen &= mask
    facets = {}
    for name in FACETS:
        # Each facet counts as if its own selection were cleared, so people can widen a choice.
        mask = base.copy()
        for other, other_mask in selected.items():
            if other != name:
                mask &= other_mask
        facets[name] = fields[name].counts(docs[mask])

    docs, scores = docs[chosen], scores[chosen]
    sort = request.sort or ("relevance" if parsed.query is not None else "updated")
    order = _order(arrays, docs, scores, sort)
    start = (request.page - 1) * request.per_page
    page_docs = docs[order[start : start + request.per_page]]
    ids = [searcher.stored_fields(int(docnum))["id"] for docnum in page_docs]
    suggestion = _suggest(searcher, request.q, parsed) if len(docs) < FEW_RESULTS else None
    return SearchHits(ids, len(docs), facets, suggestion, parsed.terms)


def _suggest(searcher, text: str, parsed: ParsedQuery) -> str | None:
    """A query with each unknown word replaced by the nearest word of the catalogue's own."""
    reader = searcher.reader()
    corrector = searcher.corrector("words")
    corrected = text
    for word in dict.fromkeys(w.lower() for w in parsed.words):
        if len(word) < 3 or word.isdigit() or _known(reader, word):
            continue
        options = corrector.suggest(word, limit=1, maxdist=2)
        if options and options[0] != word:
            corrected = re.sub(rf"\b{re.escape(word)}\b", options[0], corrected, flags=re.IGNORECASE)
    return corrected if corrected != text else None


def _known(reader, word: str) -> bool:
    """Whether the index knows `word`, as typed or as searched (stemmed, in any text field)."""
    if ("words", word) in reader:
        return True
    return any((name, stem) in reader for stem in analyse(word) for name in TEXT_FIELDS)


def complete_titles(root: Path, audience: Audience, text: str, limit: int = 8) -> list[tuple[str, str]]:
    """Titles of visible published entries whose words start with what has been typed:
    (id, title) pairs, best first."""
    words = re.findall(r"\w+", text.lower())
    if not words or len(words[-1]) < 2:
        return []
    searcher, cache = store.searcher_for(root)
    arrays = arrays_for(searcher, cache)
    reader = searcher.reader()
    # The typed prefix stands for its most common completions (a short prefix has thousands).
    completions = sorted(
        (
            text.decode() if isinstance(text, bytes) else text
            for text in reader.expand_prefix("words", words[-1])
        ),
        key=lambda text: -reader.doc_frequency("words", text),
    )[:MAX_COMPLETIONS]
    if not completions:
        return []
    last = wq.Or([wq.Term("words", text) for text in completions])
    query = wq.And([*(wq.Term("words", w) for w in words[:-1]), last]) if len(words) > 1 else last
    mask, scores = scorer_for(searcher, cache).evaluate(query)
    mask &= arrays.live_mask & _visible(arrays, audience, ["published"])
    docs = np.flatnonzero(mask)
    docs = docs[np.lexsort((arrays.title_rank[docs], -scores[docs]))]
    out = []
    for docnum in docs[:limit]:
        stored = searcher.stored_fields(int(docnum))
        out.append((stored["id"], stored["title"]))
    return out


class _MarkFormatter(highlight.HtmlFormatter):
    def __init__(self) -> None:
        super().__init__(tagname="mark", between=" … ")

    def format_token(self, text, token, replace=False):
        return f"<mark>{highlight.htmlescape(highlight.get_text(text, token, replace))}</mark>"


_FORMATTER = _MarkFormatter()


def highlight_text(text: str | None, terms: set[str], *, whole: bool = False) -> str | None:
    """`text` with the query's terms marked (HTML-escaped, ``<mark>``), or None if none occur.

    Titles are marked whole; descriptions give the best fragment around the matches.
    """
    if not text or not terms:
        return None
    fragmenter = (
        highlight.WholeFragmenter() if whole else highlight.ContextFragmenter(maxchars=240, surround=60)
    )
    marked = highlight.highlight(text, frozenset(terms), TEXT_ANALYZER, fragmenter, _FORMATTER, top=2)
    return marked or None
