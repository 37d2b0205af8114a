"""package_search with neither words nor fq: every entry the caller may list, counted, faceted and
paged by the database.

Reading every entry's facts to count and sort them in Python (ckan/facts.py, which fq needs)
took 2.2 s a page for a harvester walking 100,000 entries, and 3 s for a faceted browse. With no
fq nothing needs an entry's facts, so the same answer comes from one count, one page of ids and
one GROUP BY per facet. Values and counts are those of ckan/facts.py: each entry counts once
per value, however often it holds it.
"""

from __future__ import annotations

import uuid
from collections import Counter

from sqlalchemy import ColumnElement, func, select

from marketplace.extensions import db
from marketplace.models import Dataset, DatasetKeyword, DatasetTheme, Distribution, Organisation
from marketplace.queries.datasets import listable_condition
from marketplace.rules.actors import Actor
from marketplace.vocabularies import find_licence

# With no words every entry scores the same, so "score" orders nothing; ties go by id, as the
# sort is otherwise left to the database.
ORDER_BY = {
    "metadata_modified": Dataset.updated_at,
    "title_string": func.lower(Dataset.title),
    "name": Dataset.slug,
    "id": Dataset.id,
}


def visible(actor: Actor, statuses: list[str], include_private: bool) -> ColumnElement[bool]:
    condition = listable_condition(actor, statuses)
    if not include_private:
        condition = condition & (Dataset.access_rights == "OPEN")
    return condition


def listed_page(
    condition: ColumnElement[bool], order: list[tuple[str, bool]], start: int, rows: int
) -> tuple[int, list[uuid.UUID]]:
    """How many entries `condition` lists, and the ids of rows `start` to `start + rows` in `order`."""
    total = db.session.scalar(select(func.count()).where(condition)) or 0
    keys = [
        ORDER_BY[key].desc() if descending else ORDER_BY[key].asc()
        for key, descending in order
        if key in ORDER_BY
    ]
    stmt = select(Dataset.id).where(condition).order_by(*keys, Dataset.id).offset(start).limit(rows)
    return total, list(db.session.scalars(stmt)) if rows else []


def facet_counts(condition: ColumnElement[bool], names: list[str]) -> dict[str, Counter]:
    """Per facet in `names`, how many listed entries hold each value."""
    listed = select(Dataset.id).where(condition)
    counts: dict[str, Counter] = {}
    for name in names:
        if name == "organization":
            stmt = (
                select(Organisation.slug, func.count(Dataset.id))
                .join(Dataset, Dataset.organisation_id == Organisation.id)
                .where(condition)
                .group_by(Organisation.slug)
            )
            counts[name] = Counter(dict(db.session.execute(stmt).all()))
        elif name == "license_id":
            counts[name] = _licence_counts(condition)
        else:
            column, owner = {
                "tags": (DatasetKeyword.keyword, DatasetKeyword.dataset_id),
                "groups": (DatasetTheme.theme, DatasetTheme.dataset_id),
                "res_format": (Distribution.format, Distribution.dataset_id),
            }[name]
            stmt = (
                select(column, func.count(owner.distinct()))
                .where(owner.in_(listed), column.is_not(None))
                .group_by(column)
            )
            counts[name] = Counter(dict(db.session.execute(stmt).all()))
    return counts


def _licence_counts(condition: ColumnElement[bool]) -> Counter:
    """By CKAN licence id: several of our ways of naming a licence can share one."""
    stmt = select(Dataset.licence, func.count(Dataset.id)).where(condition).group_by(Dataset.licence)
    counts: Counter = Counter()
    for licence, number in db.session.execute(stmt).all():
        found = find_licence(licence) if licence else None
        if found is not None:
            counts[found.ckan_id] += number
    return counts
