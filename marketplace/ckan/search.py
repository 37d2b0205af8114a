"""package_search over our search engine.

`q` goes to services.finding, so the order is the find page's ranking (with no words, every
entry the caller may list matches, and the index is not asked). fq, facets, sort and the page are
then worked out here over the matches' facts (ckan/facts.py; at most SEARCH_WINDOW matches of
words), because Solr's filter syntax (negation, OR across fields, date ranges) has no
counterpart in our engine. Only the page returned is built into packages.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from marketplace.ckan.envelope import SearchQueryError
from marketplace.ckan.facts import GROUPED, Facts, listed_facts
from marketplace.ckan.filter_query import FilterQueryError, parse_filter_query
from marketplace.ckan.listing import facet_counts, listed_page, visible
from marketplace.ckan.package_dict import package_dict
from marketplace.ckan.params import Params
from marketplace.extensions import db
from marketplace.models import Dataset, Organisation
from marketplace.rules.actors import Actor
from marketplace.services import finding
from marketplace.vocabularies import LICENCES, THEMES, find_licence

MAX_ROWS = 1000
MAX_START = 100_000
MAX_QUERY_LENGTH = 500
# The most matches fq, facets and sorting are worked out over: the search's own result window.
SEARCH_WINDOW = 10_000
FACET_FIELDS = ("organization", "tags", "res_format", "license_id", "groups")
# CKAN's facets that the search index counts too, by the index's name for them (tags it does not).
INDEX_FACETS = {
    "organization": "organisation",
    "res_format": "format",
    "license_id": "licence",
    "groups": "theme",
}
DEFAULT_SORT = "score desc, metadata_modified desc"
SORT_KEYS = ("score", "metadata_modified", "title_string", "name", "id")
# Parameters CKAN clients send that change nothing here (facets are always counted when asked for).
IGNORED = frozenset({"facet", "include_deleted", "use_default_schema"})


def package_search(actor: Actor, params: Params) -> dict[str, Any]:
    """CKAN's package_search result: count, results (full package dicts), facets, search_facets."""
    for dotted in ("facet.field", "facet.limit", "facet.mincount"):
        # Python clients write facet_field=[…], a keyword argument cannot hold a dot.
        underscored = dotted.replace(".", "_")
        if underscored in params and dotted not in params:
            params.data[dotted] = params.data.pop(underscored)
    q = (params.string("q", "", max_length=MAX_QUERY_LENGTH) or "").strip()
    fq = params.string("fq", "", max_length=100_000) or ""  # its length is the parser's to refuse
    rows = params.integer("rows", 10, maximum=MAX_ROWS)
    start = params.integer("start", 0, maximum=MAX_START)
    sort = params.string("sort", DEFAULT_SORT, max_length=200) or DEFAULT_SORT
    facet_fields = params.string_list("facet.field", max_items=len(FACET_FIELDS))
    facet_limit = params.integer("facet.limit", 50, minimum=-1, maximum=1000)
    facet_mincount = params.integer("facet.mincount", 1, maximum=1_000_000)
    include_private = params.boolean("include_private")
    include_drafts = params.boolean("include_drafts")
    params.read.update(IGNORED)
    params.finish()

    try:
        matches = parse_filter_query(fq)
    except FilterQueryError as error:
        raise SearchQueryError(str(error)) from error
    order = _sort_keys(sort)
    unknown = [name for name in facet_fields if name not in FACET_FIELDS]
    if unknown:
        raise SearchQueryError(f"Cannot facet on {', '.join(unknown)}: use {', '.join(FACET_FIELDS)}.")

    if q in ("*:*", "*"):
        q = ""
    # Drafts and private entries only widen the search to what the caller may already see.
    statuses = ["published", "draft"] if include_drafts else ["published"]
    ranked = None
    if q and not fq.strip() and order[0] == ("score", True) and set(facet_fields) <= set(INDEX_FACETS):
        # Words (and facets the index counts), by relevance: the search's own page, total and
        # counts, without reading every match's facts (460 ms for a common word at 100,000).
        ranked = _ranked_page(actor, q, statuses, include_private, start, rows)
    if ranked is not None and (ranked.facets is not None or not facet_fields):
        count, page = ranked.total, ranked.ids
        facets: dict[str, list[dict[str, Any]]] = _facet_items(
            _index_counts(ranked.facets or {}, facet_fields), facet_limit, facet_mincount
        )
    elif not q and not fq.strip():
        # Every entry the caller may list: counted, faceted and paged by the database.
        condition = visible(actor, statuses, include_private)
        count, page = listed_page(condition, order, start, rows)
        facets = _facet_items(facet_counts(condition, facet_fields), facet_limit, facet_mincount)
    else:
        # A field named anywhere in fq is read, whether or not the parser would need it: reading one
        # more than needed costs time, one fewer would answer wrongly.
        grouped = [name for name in GROUPED if name in facet_fields or name in fq]
        found = [facts for facts in _matches(actor, q, statuses, include_private, grouped) if matches(facts)]
        for key, descending in reversed(order):
            found.sort(key=lambda facts, key=key: _sort_value(key, facts), reverse=descending)
        counts = {name: Counter(value for facts in found for value in facts[name]) for name in facet_fields}
        facets = _facet_items(counts, facet_limit, facet_mincount)
        count, page = len(found), [facts["key"] for facts in found[start : start + rows]]
    by_id = {d.id: d for d in db.session.scalars(select(Dataset).where(Dataset.id.in_(page)))}
    return {
        "count": count,
        "sort": sort,
        "results": [package_dict(by_id[key], actor) for key in page if key in by_id],
        "facets": {name: {item["name"]: item["count"] for item in items} for name, items in facets.items()},
        "search_facets": {name: {"title": name, "items": items} for name, items in facets.items()},
    }


def _sort_keys(sort: str) -> list[tuple[str, bool]]:
    keys = []
    for clause in sort.split(","):
        parts = clause.split()
        if len(parts) != 2 or parts[0] not in SORT_KEYS or parts[1].lower() not in ("asc", "desc"):
            raise SearchQueryError(
                f"Can't sort by {clause.strip()!r}: use one of {', '.join(SORT_KEYS)} with asc or desc."
            )
        keys.append((parts[0], parts[1].lower() == "desc"))
    return keys


def _matches(
    actor: Actor, q: str, statuses: list[str], include_private: bool, grouped: list[str]
) -> list[Facts]:
    """Every entry the words match, in the find page's order, each with its rank; with no words,
    every entry the caller may list (all score the same, and the index would add nothing)."""
    if not q:
        return [
            {**facts, "rank": 0}
            for facts in listed_facts(actor, statuses, include_private=include_private, grouped=grouped)
        ]
    wanted: dict[str, Any] = {"q": q, "status": statuses, "page": 1, "per_page": SEARCH_WINDOW}
    if not include_private:
        wanted["access_rights"] = ["OPEN"]
    # Only the ids from the index: loading and highlighting up to SEARCH_WINDOW whole entries
    # took 1.5 s for one word at 100,000 entries. Their facts are read checked (listed_facts).
    ids = finding.find_dataset_ids(actor, wanted)
    listed = listed_facts(actor, statuses, include_private=include_private, among=ids, grouped=grouped)
    facts = {f["key"]: f for f in listed}
    return [{**facts[key], "rank": rank} for rank, key in enumerate(ids) if key in facts]


@dataclass
class _Ranked:
    total: int
    ids: list[Any]
    facets: dict[str, list[dict[str, Any]]] | None  # the index's counts; None if it did not answer


def _index_counts(facets: dict[str, list[dict[str, Any]]], names: list[str]) -> dict[str, Counter]:
    """The index's facet counts under CKAN's names and values: as ckan/facts.py counts them (a
    licence by its CKAN id, several of ours may share one; none for a licence CKAN has no id for)."""
    counts: dict[str, Counter] = {}
    for name in names:
        counted: Counter = Counter()
        for item in facets.get(INDEX_FACETS[name], []):
            value = item["value"]
            if name == "license_id":
                licence = find_licence(value) if value else None
                value = licence.ckan_id if licence else None
            if value:
                counted[value] += item["count"]
        counts[name] = counted
    return counts


def _ranked_page(
    actor: Actor, q: str, statuses: list[str], include_private: bool, start: int, rows: int
) -> _Ranked:
    # Harvesters page with start a multiple of rows: then the search's page is exactly the one asked
    # for; otherwise everything up to it is read, and the front cut off.
    aligned = rows > 0 and start % rows == 0
    page, per_page = (start // rows + 1, rows) if aligned else (1, max(1, start + rows))
    wanted: dict[str, Any] = {"q": q, "status": statuses, "page": page, "per_page": per_page}
    if not include_private:
        wanted["access_rights"] = ["OPEN"]
    found = finding.find_datasets(actor, wanted)
    items = found.items if aligned else found.items[start : start + rows]
    return _Ranked(found.total, [dataset.id for dataset in items], found.facets)


def _sort_value(key: str, facts: Facts) -> Any:
    if key == "score":
        return -facts["rank"]  # the engine's order is its ranking
    if key == "metadata_modified":
        return facts["metadata_modified"]
    if key == "title_string":
        return facts["title"].lower()
    return min(facts[key])  # name and id hold one value each


def _facet_items(counts: dict[str, Counter], limit: int, mincount: int) -> dict[str, list[dict[str, Any]]]:
    """Each facet's values as CKAN lists them: most entries first, then by value."""
    labels = _labels(list(counts))
    facets = {}
    for name, counted in counts.items():
        items = [
            {"name": value, "display_name": labels.get(name, {}).get(value, value), "count": count}
            for value, count in sorted(counted.items(), key=lambda pair: (-pair[1], pair[0]))
            if count >= mincount
        ]
        facets[name] = items if limit < 0 else items[:limit]
    return facets


def _labels(names: list[str]) -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = {"groups": dict(THEMES)}
    if "organization" in names:
        labels["organization"] = {o.slug: o.title for o in db.session.scalars(select(Organisation))}
    if "license_id" in names:
        labels["license_id"] = {licence.ckan_id: licence.title for licence in LICENCES}
    return labels
