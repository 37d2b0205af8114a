"""Recording clicks on search results (services/search_log.py): a signed click of the search's
own result is kept once, with nothing personal; anything forged, malformed or replayed adds
nothing, and the setting that turns the log off turns clicks off too."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import inspect, select

from marketplace.extensions import db
from marketplace.models.search_log import SearchClick
from marketplace.services import search_log
from marketplace.services.search_log import click_signature, record_click, record_search


def _clicks() -> list[tuple[uuid.UUID, int, str]]:
    db.session.expire_all()
    rows = db.session.execute(select(SearchClick.search_id, SearchClick.rank, SearchClick.dataset_slug))
    return sorted(tuple(row) for row in rows)


def _logged_search() -> uuid.UUID:
    return record_search(query="road casualties", filters={}, result_count=12, source="page")


def _click(search_id: uuid.UUID, slug: str, rank: int, /, **changes: str | None) -> bool:
    arguments = {
        "search": search_id.hex,
        "slug": slug,
        "rank": str(rank),
        "signature": click_signature(search_id, slug, rank),
        **changes,
    }
    return record_click(**arguments)


def test_a_signed_click_is_recorded_with_its_search_entry_and_rank(app):
    search_id = _logged_search()
    assert _click(search_id, "road-casualties", 2) is True
    assert _clicks() == [(search_id, 2, "road-casualties")]
    row = db.session.scalars(select(SearchClick)).one()
    assert row.clicked_at is not None


def test_a_click_keeps_no_user_ip_session_or_token(app):
    columns = {c["name"] for c in inspect(db.engine).get_columns("search_clicks")}
    assert columns == {"id", "search_id", "rank", "dataset_slug", "clicked_at"}


def test_following_the_same_result_again_adds_nothing_but_another_result_counts(app):
    search_id = _logged_search()
    assert _click(search_id, "road-casualties", 1) is True
    assert _click(search_id, "road-casualties", 1) is False
    assert _click(search_id, "road-traffic-counts", 3) is True
    assert _clicks() == [(search_id, 1, "road-casualties"), (search_id, 3, "road-traffic-counts")]


@pytest.mark.parametrize(
    "changes",
    [
        {"signature": None},
        {"signature": ""},
        {"signature": "not-a-signature"},
        {"slug": "another-entry"},  # signed for road-casualties
        {"rank": "1"},  # signed for rank 2
        {"search": uuid.uuid4().hex},  # another search's id with this signature
        {"search": None},
        {"search": "not-a-uuid"},
        {"search": "'; drop table search_log; --"},
        {"rank": None},
        {"rank": "two"},
        {"rank": "-2"},
    ],
)
def test_a_forged_missing_or_malformed_click_is_refused(app, changes):
    search_id = _logged_search()
    assert _click(search_id, "road-casualties", 2, **changes) is False
    assert _clicks() == []


def test_ranks_beyond_the_largest_page_are_refused_even_when_signed(app):
    search_id = _logged_search()
    assert _click(search_id, "road-casualties", search_log.MAX_RANK + 1) is False
    assert _click(search_id, "road-casualties", 0) is False
    assert _clicks() == []


def test_a_signature_made_with_another_secret_is_refused(app):
    search_id = _logged_search()
    forged = click_signature(search_id, "road-casualties", 1)
    app.config["SECRET_KEY"] = "another secret"
    assert _click(search_id, "road-casualties", 1, signature=forged) is False
    assert _clicks() == []


def test_a_signed_click_on_a_search_that_is_not_in_the_log_adds_nothing(app):
    never_logged = uuid.uuid4()  # a pruned search looks the same
    assert _click(never_logged, "road-casualties", 1) is False
    assert _clicks() == []


def test_no_click_is_recorded_when_the_log_is_turned_off(app):
    search_id = _logged_search()
    app.config["SEARCH_LOG_ENABLED"] = False
    assert _click(search_id, "road-casualties", 1) is False
    app.config["SEARCH_LOG_ENABLED"] = True
    assert _clicks() == []


def test_a_failure_to_record_a_click_is_logged_and_not_raised(app, monkeypatch, caplog):
    search_id = _logged_search()

    def broken_insert(*arguments):
        raise RuntimeError("database gone")

    monkeypatch.setattr(search_log, "_insert_click", broken_insert)
    assert _click(search_id, "road-casualties", 1) is False
    assert "Could not record a click" in caplog.text
