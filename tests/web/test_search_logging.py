"""The find and organisation pages record each search once (services/search_log.py), with
nothing personal, and a failure to record never breaks the page."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models.search_log import SearchLog
from marketplace.services import search_log
from tests.factories import create_dataset, create_organisation, create_user


def _rows() -> list[SearchLog]:
    db.session.expire_all()
    return db.session.scalars(select(SearchLog)).all()


def test_a_signed_in_search_is_recorded_without_a_user_ip_session_or_token(client, signed_in):
    dft = create_organisation()
    create_dataset(organisation=dft, title="Road casualties")
    user = create_user(email="reader@department-for-transport.gov.uk", organisation=dft)
    signed_in(user)
    assert client.get("/datasets?q=  road   casualties&access_rights=OPEN").status_code == 200
    [row] = _rows()
    assert (row.query, row.filters, row.source, row.organisation_id) == (
        "road casualties",
        {"access_rights": ["OPEN"]},
        "page",
        None,
    )
    values = " ".join(str(getattr(row, c.name)) for c in SearchLog.__table__.columns)
    assert str(user.id) not in values
    assert user.email not in values
    assert "127.0.0.1" not in values


def test_a_later_page_of_the_same_search_is_not_recorded_again(client):
    client.get("/datasets?q=roads")
    client.get("/datasets?q=roads&page=2")
    assert len(_rows()) == 1


def test_a_search_on_an_organisation_page_is_recorded_for_that_organisation(client):
    dft = create_organisation()
    client.get(f"/organisations/{dft.slug}?q=trains")
    [row] = _rows()
    assert (row.source, row.organisation_id, row.filters) == ("organisation", dft.id, {})


def test_the_page_still_answers_when_recording_fails(client, monkeypatch):
    def broken_insert(**values):
        raise RuntimeError("database gone")

    monkeypatch.setattr(search_log, "_insert", broken_insert)
    assert client.get("/datasets?q=roads").status_code == 200


def test_an_api_search_is_recorded_once_and_an_unfiltered_listing_not_at_all(client):
    client.get("/api/v1/datasets")
    client.get("/api/v1/datasets?q=nhs&access_rights=OPEN")
    client.get("/api/v1/datasets?q=nhs&access_rights=OPEN&page=2")
    [row] = _rows()
    assert (row.query, row.source, row.filters) == ("nhs", "api", {"access_rights": ["OPEN"]})


def test_recording_a_search_costs_one_statement_and_loads_nothing_again(app, client):
    """Recorded on a connection of its own: the request's session keeps what it loaded (a commit
    there would expire every result and load each again as the page shows it)."""
    from tests.test_query_counts import queries_for

    app.config["SEARCH_LOG_ENABLED"] = False
    unrecorded = queries_for(client, "/datasets?q=statistics")
    app.config["SEARCH_LOG_ENABLED"] = True
    recorded = queries_for(client, "/datasets?q=statistics")
    assert recorded == unrecorded + 1
