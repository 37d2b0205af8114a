"""What fq, facets and sort see of each entry (under CKAN's Solr field names), read as plain
rows rather than whole entries: a search works over every match, but builds packages only for
the page it returns."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Dataset, DatasetKeyword, DatasetTheme, Distribution, Organisation
from marketplace.queries.datasets import listable_condition
from marketplace.rules.actors import Actor
from marketplace.vocabularies import find_licence

Facts = dict[str, Any]


# The facts that take a query of their own (an entry has any number of each): read only when fq,
# a facet or the sort names them. At 100,000 entries each costs about 100 ms over every match.
GROUPED = ("tags", "res_format", "groups")


def listed_facts(
    actor: Actor,
    statuses: list[str],
    *,
    include_private: bool,
    among: Iterable[uuid.UUID] | None = None,
    grouped: Iterable[str] = GROUPED,
) -> list[Facts]:
    """The facts of every entry a list shows `actor` (queries.listable_condition, the rule of
    every other list), without private ones unless asked for; only those `among` when given
    (the search's matches, checked here against the database as every list checks them). Of the
    GROUPED facts, only those named in `grouped` are read; the others are left empty."""
    condition = listable_condition(actor, statuses)
    if not include_private:
        condition = condition & (Dataset.access_rights == "OPEN")
    if among is not None:
        among = list(among)
        if not among:
            return []
        condition = condition & Dataset.id.in_(among)
    return _facts(condition, set(grouped))


def _facts(condition: Any, grouped: set[str]) -> list[Facts]:
    rows = db.session.execute(
        select(
            Dataset.id, Dataset.slug, Dataset.title, Dataset.licence, Dataset.updated_at, Organisation.slug
        )
        .join(Organisation, Dataset.organisation_id == Organisation.id)
        .where(condition)
    ).all()
    matching = select(Dataset.id).where(condition)
    keywords = themes = formats = {}
    if "tags" in grouped:
        keyword_rows = select(DatasetKeyword.dataset_id, DatasetKeyword.keyword)
        keywords = _grouped(keyword_rows, DatasetKeyword, matching)
    if "groups" in grouped:
        themes = _grouped(select(DatasetTheme.dataset_id, DatasetTheme.theme), DatasetTheme, matching)
    if "res_format" in grouped:
        formats = _grouped(
            select(Distribution.dataset_id, Distribution.format).where(Distribution.format.is_not(None)),
            Distribution,
            matching,
        )
    licences: dict[str | None, set[str]] = {}
    facts = []
    for key, slug, title, licence, updated_at, organisation in rows:
        if licence not in licences:
            found = find_licence(licence) if licence else None
            licences[licence] = {found.ckan_id} if found else set()
        facts.append(
            {
                "key": key,
                "title": title,
                "organization": {organisation},
                "tags": keywords.get(key, set()),
                "res_format": formats.get(key, set()),
                "license_id": licences[licence],
                "groups": themes.get(key, set()),
                "name": {slug},
                "id": {str(key)},
                "metadata_modified": updated_at.replace(tzinfo=None),
            }
        )
    return facts


def _grouped(query: Any, model: Any, matching: Any) -> dict[uuid.UUID, set[str]]:
    values: dict[uuid.UUID, set[str]] = defaultdict(set)
    for key, value in db.session.execute(query.where(model.dataset_id.in_(matching))):
        values[key].add(value)
    return values
