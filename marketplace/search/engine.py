"""Searching: one exact pass through Whoosh for the matches and their scores, then numpy for
visibility, filters, facets, sorting and the page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
from whoosh import query as wq

from marketplace.search import spelling, store
from marketplace.search.analysis import analyse
from marketplace.search.facets import FacetArrays, arrays_for, freshness_for
from marketplace.search.query import ParsedQuery, parse_query
from marketplace.search.schema import TEXT_FIELDS
from marketplace.search.scoring import TermScorer
from marketplace.search.thesaurus import Match, thesaurus

FACETS = ("organisation", "theme", "format", "licence", "access_rights", "type", "quality", "freshness")
FEW_RESULTS = 3
MAX_COMPLETIONS = 32  # words a typed prefix stands for in title completion
MAX_PREFIX_WORDS = 1024  # words starting with a prefix counted to choose them
PARSES_KEPT = 4096  # parsed queries remembered (popular searches repeat)


@dataclass(frozen=True)
class Audience:
    """Who is searching, as far as visibility goes (the rules of rules/permissions.py)."""

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
    expand: bool = True  # also search for what the thesaurus says the words typed mean


@dataclass
class SearchHits:
    ids: list[str]
    total: int
    facets: dict[str, dict[str, int]]
    suggestion: str | None
    terms: set[str]
    expansions: list[Match] = field(default_factory=list)  # what else was searched for
    all_words: bool = True  # False: no entry had them all; these have most of them


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


def _order(
    arrays: FacetArrays, docs: np.ndarray, scores: np.ndarray, sort: str, tier: np.ndarray | None
) -> np.ndarray:
    """The order of `docs` for `sort`; by relevance, a higher `tier` first, then the score: the
    tier is 1 for entries matching the words as typed when the thesaurus added others, or the
    number of parts matched when not all had to be."""
    modified = arrays.modified[docs]
    if sort == "title":
        return np.argsort(arrays.title_rank[docs], kind="stable")
    if sort == "relevance":
        keys = (arrays.title_rank[docs], -modified, -scores)
        return np.lexsort(keys if tier is None else (*keys, -tier))
    if sort == "quality":  # highest score first (none last), then as "updated"
        return np.lexsort((arrays.title_rank[docs], -modified, -arrays.quality_score[docs]))
    return np.lexsort((arrays.title_rank[docs], -modified))


def search_entries(root: Path, audience: Audience, request: SearchRequest) -> SearchHits:
    """Entries matching `request` that `audience` may list: one page of ids, in order, the
    exact total, facet counts, and a suggested query when there are few results.

    SearchUnavailable when there is no index or it cannot be read (removed or damaged under
    us): the caller lists from the database."""
    with store.reading(root):
        return _search(root, audience, request)


def _search(root: Path, audience: Audience, request: SearchRequest) -> SearchHits:
    searcher, cache = store.searcher_for(root)
    arrays = arrays_for(searcher, cache)
    parsed = _parsed(request.q, request.expand)
    visible = _visible(arrays, audience, request.statuses) & arrays.live_mask
    tier = None  # ranks before the score: parts matched, or matching the words as typed
    all_words, few = True, False
    if parsed.query is None:
        docs, scores = arrays.live, np.zeros(len(arrays.live))
    else:
        scorer = scorer_for(searcher, cache)
        mask, all_scores = scorer.evaluate(parsed.query)
        mask &= arrays.live_mask
        few = np.count_nonzero(mask & visible) < FEW_RESULTS
        none = not np.any(mask & visible)
        # An expression of the thesaurus is one part ("wind farms"): its words are the parts then.
        parts = parsed.parts
        if len(parts) < 2 and parsed.expansions:
            parts = _parsed(request.q, False).parts
        if none and len(parts) > 1:
            whole = (mask, all_scores)
            mask, all_scores, matched = _most_parts(scorer, parts, parsed, whole, arrays.live_mask)
            all_words = False
            docs = np.flatnonzero(mask)
            tier = matched[docs]
        else:
            docs = np.flatnonzero(mask)
            if parsed.expansions:
                tier = (
                    scorer.evaluate(parsed.exact)[0][docs].astype(np.int64)
                    if parsed.exact is not None
                    else np.zeros(len(docs), dtype=np.int64)
                )
        scores = all_scores[docs]
    fields = {**arrays.fields, "freshness": freshness_for(arrays, request.today or date.today(), cache)}
    base = visible[docs]
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
    tier = tier[chosen] if tier is not None else None
    sort = request.sort or ("relevance" if parsed.query is not None else "updated")
    order = _order(arrays, docs, scores, sort, tier)
    start = (request.page - 1) * request.per_page
    page_docs = docs[order[start : start + request.per_page]]
    ids = [searcher.stored_fields(int(docnum))["id"] for docnum in page_docs]
    suggestion = (
        _suggest(searcher, scorer_for(searcher, cache), request.q, parsed, visible)
        if few or len(docs) < FEW_RESULTS
        else None
    )
    terms, expansions = set(parsed.terms), list(parsed.expansions)  # copies: the parse is shared
    return SearchHits(ids, len(docs), facets, suggestion, terms, expansions, all_words)


@lru_cache(maxsize=PARSES_KEPT)
def _parsed(text: str, expand: bool) -> ParsedQuery:
    """parse_query with the thesaurus or without, remembered (a tenth of a search's time): the
    thesaurus is read once per process, so a text always parses the same. Shared: never changed."""
    return parse_query(text, thesaurus() if expand else None)


def _most_parts(
    scorer: TermScorer,
    parts: list[wq.Query],
    parsed: ParsedQuery,
    whole: tuple[np.ndarray, np.ndarray],
    live: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """(matched mask, scores, parts matched) of the entries holding at least half of `parts`
    (rounded up) and none of what the query excludes: for a search that finds nothing with all
    of them, as when people type a whole question ("how many people claim universal
    credit") whose every word no entry holds. Solr's minimum-should-match does the same for
    CKAN. What matched the whole query (`whole`: its live mask and scores) ranks first."""
    matched = np.zeros(scorer.size, dtype=np.int64)
    scores = np.zeros(scorer.size)
    for part in parts:
        part_mask, part_scores = scorer.evaluate(part)
        matched += part_mask
        scores += np.where(part_mask, part_scores, 0.0)
    whole_mask, whole_scores = whole
    matched[whole_mask] = len(parts)
    scores += np.where(whole_mask, whole_scores, 0.0)
    mask = (matched >= -(-len(parts) // 2)) & live
    if parsed.excluded:
        mask &= ~scorer.evaluate(wq.Or(parsed.excluded))[0]
    return mask, scores, matched


def expansions_of(text: str) -> list[Match]:
    """What the thesaurus would add to a search for `text`."""
    return parse_query(text, thesaurus()).expansions


def _suggest(searcher, scorer: TermScorer, text: str, parsed: ParsedQuery, visible: np.ndarray) -> str | None:
    """A query with each unknown word replaced by the nearest word of the entries the person
    may list (`visible`); None when nothing would change, or when more than
    spelling.MAX_WORDS words are unknown (every word must match, so a suggestion keeping one
    of them unknown would find nothing either, and each correction costs work).

    A word is known only if a visible entry holds it: a word only hidden entries hold is
    corrected like one no entry holds, so the answer never tells that it exists."""
    unknown = []
    for word in dict.fromkeys(w.lower() for w in parsed.words):
        if len(word) < 3 or word.isdigit() or thesaurus().knows(word) or _known(scorer, word, visible):
            continue
        unknown.append(word)
        if len(unknown) > spelling.MAX_WORDS:
            return None
    correctable = [word for word in unknown if len(word) <= spelling.MAX_LENGTH]
    if not correctable:
        return None
    segments = [spelling.segment_words(sub.reader(), "words") for sub, _ in searcher.leaf_searchers()]
    corrected = text
    for word in correctable:
        candidates = spelling.near_words(segments, word, spelling.max_edits(word))
        best = spelling.best_correction(candidates, lambda w: _occurrences(scorer, "words", w, visible))
        if best:
            corrected = re.sub(rf"\b{re.escape(word)}\b", best, corrected, flags=re.IGNORECASE)
    return corrected if corrected != text else None


def _occurrences(scorer: TermScorer, field: str, text: str, visible: np.ndarray) -> int:
    """How many of the `visible` entries hold `text` in `field`."""
    return int(np.count_nonzero(visible[scorer.documents(field, text)]))


def _known(scorer: TermScorer, word: str, visible: np.ndarray) -> bool:
    """Whether searching `word` alone would find one of the `visible` entries: it is a stop
    word, or a stem of it is in a text field of one. (The text fields hold the stems of
    everything the words field holds, and of descriptions too.)"""
    stems = analyse(word)
    if not stems:
        return True  # a stop word: searched for nothing, so nothing to correct
    return any(_occurrences(scorer, name, stem, visible) for stem in stems for name in TEXT_FIELDS)


def complete_titles(root: Path, audience: Audience, text: str, limit: int = 8) -> list[tuple[str, str]]:
    """Titles of visible published entries whose words start with what has been typed:
    (id, title) pairs, best first. SearchUnavailable as for `search_entries`."""
    words = re.findall(r"\w+", text.lower())
    if not words or len(words[-1]) < 2:
        return []
    with store.reading(root):
        return _complete(root, audience, words, limit)


def _complete(root: Path, audience: Audience, words: list[str], limit: int) -> list[tuple[str, str]]:
    searcher, cache = store.searcher_for(root)
    arrays = arrays_for(searcher, cache)
    scorer = scorer_for(searcher, cache)
    visible = arrays.live_mask & _visible(arrays, audience, ["published"])
    completions = _completions(searcher.reader(), scorer, words[-1], visible)
    if not completions:
        return []
    last = wq.Or([wq.Term("words", text) for text in completions])
    query = wq.And([*(wq.Term("words", w) for w in words[:-1]), last]) if len(words) > 1 else last
    mask, scores = scorer.evaluate(query)
    mask &= visible
    docs = np.flatnonzero(mask)
    docs = docs[np.lexsort((arrays.title_rank[docs], -scores[docs]))]
    out = []
    for docnum in docs[:limit]:
        stored = searcher.stored_fields(int(docnum))
        out.append((stored["id"], stored["title"]))
    return out


def _completions(reader, scorer: TermScorer, prefix: str, visible: np.ndarray) -> list[str]:
    """The words starting with `prefix` that the `visible` entries hold most often, at most
    MAX_COMPLETIONS (a short prefix has thousands of completions).

    Chosen among words of visible entries and by how many visible entries hold them, so words
    of hidden entries can neither take their places nor change their order. Only when the
    prefix has more than MAX_PREFIX_WORDS completions are the ones held by most entries of all
    counted (the cost of counting is one cached posting list a word)."""
    expanded = [t.decode() if isinstance(t, bytes) else t for t in reader.expand_prefix("words", prefix)]
    if len(expanded) > MAX_PREFIX_WORDS:
        expanded = sorted(expanded, key=lambda word: -scorer.frequency("words", word))[:MAX_PREFIX_WORDS]
    counts = {word: _occurrences(scorer, "words", word, visible) for word in expanded}
    return sorted((w for w in counts if counts[w]), key=lambda w: (-counts[w], w))[:MAX_COMPLETIONS]


def visible_entries(arrays: FacetArrays, audience: Audience) -> np.ndarray:
    """The published, not deleted entries `audience` may list, as a mask over docnums: the rule
    a search applies, for other readers of the index (related.py)."""
    return _visible(arrays, audience, ["published"]) & arrays.live_mask
