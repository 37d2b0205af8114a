"""Pruning the search log (services/pruning.py): searches older than SEARCH_LOG_RETENTION_DAYS go,
and their clicks with them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models.search_log import SearchClick, SearchLog
from marketplace.models.types import utcnow
from marketplace.services.pruning import prune


def _search(days_ago: int) -> SearchLog:
    row = SearchLog(query=f"q{days_ago}", filters={}, result_count=1, source="page")
    row.searched_at = utcnow() - timedelta(days=days_ago)
    db.session.add(row)
    db.session.flush()
    db.session.add(SearchClick(search_id=row.id, rank=1, dataset_slug="an-entry"))
    db.session.commit()
    return row


def test_searches_past_their_retention_are_pruned_with_their_clicks(app):
    app.config["SEARCH_LOG_RETENTION_DAYS"] = 30
    old, recent = _search(31), _search(29)
    old_id, recent_id = old.id, recent.id
    outcomes = {o.name: o.deleted for o in prune(only=("search_log",))}
    assert outcomes == {"search_log": 1}
    db.session.expire_all()
    assert db.session.scalars(select(SearchLog.id)).all() == [recent_id]
    assert db.session.scalars(select(SearchClick.search_id)).all() == [recent_id]
    assert old_id != recent_id


def test_the_default_retention_keeps_a_search_of_89_days(app):
    _search(89)
    assert {o.name: o.deleted for o in prune(only=("search_log",))} == {"search_log": 0}
