"""Related entries by content: the entries most like one entry in title, keywords, summary,
description and themes.

Whoosh's key terms (Bo1 over the index's term statistics) of each of those texts make one
weighted OR query, scored by the index's BM25F, plus a bonus for each shared theme. The best
matches are then scored again by how many of the entry's key terms each shares (a second stage
over the bounded candidates): a match on one strongly weighted word is often a false friend
("fuel" in fuel poverty and in road fuel prices, "API" in two unrelated APIs). The visibility
of a search (engine.visible_entries) decides who sees what, so there is no second rule. The
same organisation only breaks ties.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from whoosh import classify
from whoosh import query as wq

from marketplace.search import store
from marketplace.search.engine import Audience, visible_entries
from marketplace.search.entries import load_entries
from marketplace.search.facets import FacetArrays, arrays_for
from marketplace.search.schema import IndexedEntry

# Field -> (how many key terms to take from its text, the weight of each term's Bo1 score in the
# query). Tuned on tests/search/judged_related.json: more terms from the longer texts helped,
# keywords and summary a little above the rest helped, weighting the title above them did not;
# Bo2 and KL models and unnormalised term scores did worse than Bo1 normalised. 15 description
# terms rather than 30 changed precision@5 by 0.003 (noise) and cost less at 100,000 entries.
KEY_TERMS = {
    "title": (5, 1.0),
    "keywords": (20, 1.5),
    "summary": (20, 1.5),
    "description": (15, 1.0),
}
# Added to a match's score for each theme it shares: a weak sign alone, useful among the texts'
# matches. Added after the search, not as a query term: a theme's posting list is a large share of
# the catalogue, and walking it was most of the cost of a call at 100,000 entries.
THEME_BONUS = 3.0
MODEL = classify.Bo1Model
# Key terms in more than this share of the entries (and more than COMMON_FLOOR, so that a small
# catalogue keeps its terms) say little about any one of them and cost the most to score: their
# posting lists are the longest. At 100,000 entries keeping them cost over a second a call.
COMMON_SHARE = 0.02
COMMON_FLOOR = 20
# How many of the best matches to score in full, as a multiple of those asked for, plus headroom
# for the entry itself and for entries the audience may not list. Scoring every match (a shared
# theme alone matches thousands at 100,000 entries) cost seconds; when too few of the best are
# visible, every match is scored after all, so the answer never depends on the bound.
CANDIDATES_PER_RESULT = 4
CANDIDATE_HEADROOM = 20
# A match's score is multiplied by the share of the entry's distinct key terms it has, to this
# power. On the judged set precision@5 was 0.693 without it (power 0), 0.707 at 0.25 and 0.5,
# 0.693 at 0.75 and 0.673 at 1; at 0.5 each half of the set gained (0.680 -> 0.687, 0.707 ->
# 0.727), and how many candidates were scored (2 to 100 per result) made no difference.
SHARED_TERMS_POWER = 0.5
# Tried on the judged set and not kept, none above 0.72 (one of its 300 judged places is 0.003):
# a larger theme bonus or one weighted by the theme's rarity; each key term searched in every
# field instead of its own; a term counted once however many fields hold it; capped or
# square-rooted term scores; terms weighted by how unevenly the themes use them; the TF-IDF cosine
# of the texts; feedback from the best matches' key terms (Rocchio); the match's query scoring
# the entry back; neighbours of neighbours; shared whole keywords, title words, acronyms or
# thesaurus groups; a hand-written list of subjects; the same organisation as a bonus. A logistic
# model of most of these scored 0.70 out of sample. Most misses are entries the judges chose
# among several on one subject, or words shared in two senses.


def related_ids(root: Path, audience: Audience, entry_id: uuid.UUID, limit: int) -> list[str]:
    """The ids of up to `limit` published entries that `audience` may list, most like the entry
    `entry_id` first; never the entry itself. An empty list when the entry is not in the
    database. SearchUnavailable when there is no index or it cannot be read."""
    entry = load_entries([entry_id]).get(entry_id)
    if entry is None:
        return []
    with store.reading(root):
        return _related(root, audience, entry, limit)


def _related(root: Path, audience: Audience, entry: IndexedEntry, limit: int) -> list[str]:
    searcher, cache = store.searcher_for(root)
    arrays = arrays_for(searcher, cache)
    query = _query(searcher, entry)
    if query is None:
        return []
    visible = visible_entries(arrays, audience)
    bound = limit * CANDIDATES_PER_RESULT + CANDIDATE_HEADROOM
    results = searcher.search(query, limit=bound)
    if results.scored_length() == bound and sum(bool(visible[hit.docnum]) for hit in results) <= limit:
        results = searcher.search(query, limit=None)
    organisation = arrays.fields["organisation"].mask([entry.organisation])
    themes = _shared_themes(arrays, entry)
    hits = [(hit.docnum, hit.score) for hit in results if visible[hit.docnum]]
    shared = _shared_key_terms(searcher, query.subqueries, [docnum for docnum, _ in hits])
    key_terms = len({term.text for term in query.subqueries})

    def score(docnum: int, bm25: float) -> float:
        share = shared[docnum] / key_terms
        return round((bm25 + THEME_BONUS * themes[docnum]) * share**SHARED_TERMS_POWER, 6)

    scored = [(score(docnum, bm25), bool(organisation[docnum]), docnum) for docnum, bm25 in hits]
    # Highest score first; among equal scores the same organisation, then the title.
    scored.sort(key=lambda item: (-item[0], not item[1], arrays.title_rank[item[2]]))
    ids = []
    for _, _, docnum in scored:
        found = searcher.stored_fields(int(docnum))["id"]
        if found != entry.id:
            ids.append(found)
        if len(ids) == limit:
            break
    return ids


def _shared_themes(arrays: FacetArrays, entry: IndexedEntry) -> np.ndarray:
    """How many of the entry's themes each indexed entry has."""
    themes = arrays.fields["theme"]
    rows = [themes.values.index(t) for t in entry.themes if t in themes.values]
    if not rows:
        return np.zeros(themes.matrix.shape[1], dtype=int)
    return themes.matrix[rows].sum(axis=0)


def _shared_key_terms(searcher, terms: Iterable[wq.Term], docnums: list[int]) -> dict[int, int]:
    """How many of the distinct words of `terms` each of `docnums` has (in the field where the
    query looks for it). Each term's postings are walked only to the documents asked about,
    skipping the rest a block at a time: the candidates are few and the postings are long."""
    wanted = sorted(set(docnums))
    found: defaultdict[int, set[str]] = defaultdict(set)
    reader = searcher.reader()
    for term in terms:
        postings = reader.postings(term.fieldname, term.text)
        for docnum in wanted:
            if postings.is_active() and postings.id() < docnum:
                postings.skip_to(docnum)
            if not postings.is_active():
                break
            if postings.id() == docnum:
                found[docnum].add(term.text)
    return defaultdict(int, {docnum: len(words) for docnum, words in found.items()})


def _query(searcher, entry: IndexedEntry) -> wq.Query | None:
    texts = {
        "title": entry.title,
        "keywords": " ".join(entry.keywords),
        "summary": entry.summary or "",
        "description": entry.description or "",
    }
    common = max(COMMON_SHARE * searcher.doc_count(), COMMON_FLOOR)
    terms: list[wq.Query] = []
    for name, (numterms, weight) in KEY_TERMS.items():
        if not texts[name].strip():
            continue
        for text, score in searcher.key_terms_from_text(name, texts[name], numterms=numterms, model=MODEL):
            if searcher.doc_frequency(name, text) <= common:
                terms.append(wq.Term(name, text, boost=weight * score))
    return wq.Or(terms) if terms else None
