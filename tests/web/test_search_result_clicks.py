"""Following a search result (web/search_clicks.py): the find and organisation pages link each
result of a logged search through /datasets/<slug>/from-search, which records the click and
sends the visitor on to the entry; a bad or missing search id still reaches the entry, no
address ever leads off the site, and with the log off the results link straight to entries."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update

from marketplace.extensions import db
from marketplace.models.search_log import SearchClick, SearchLog
from marketplace.models.types import utcnow
from marketplace.search import index_root, rebuild_index
from marketplace.search.store import close_searchers
from marketplace.services.pruning import prune
from tests.factories import create_dataset, create_organisation, create_user


@pytest.fixture
def dft(app) -> Iterator:
    organisation = create_organisation()
    for title in ("Road casualties", "Road traffic counts", "Rail passenger numbers"):
        create_dataset(organisation=organisation, title=title, summary=f"{title} in England.")
    rebuild_index(index_root())
    yield organisation
    close_searchers()


def _result_links(client, address: str) -> dict[str, str]:
    """Each result's title and where it links."""
    body = client.get(address).get_data(as_text=True)
    found = re.findall(r'app-result__title">\s*<a class="govuk-link" href="([^"]+)">(.*?)</a>', body, re.S)
    return {re.sub(r"<[^>]+>", "", title).strip(): html.unescape(href) for href, title in found}


def _clicks() -> list[tuple]:
    db.session.expire_all()
    rows = db.session.execute(
        select(SearchLog.query, SearchLog.source, SearchClick.rank, SearchClick.dataset_slug).join(
            SearchClick, SearchClick.search_id == SearchLog.id
        )
    )
    return sorted(tuple(row) for row in rows)


def test_a_result_links_through_the_click_recorder_to_the_entry(client, dft):
    links = _result_links(client, "/datasets?q=road")
    href = links["Road casualties"]
    assert urlsplit(href).path == "/datasets/road-casualties/from-search"
    assert set(parse_qs(urlsplit(href).query)) == {"search", "rank", "sig"}
    response = client.get(href)
    assert response.status_code == 302
    assert response.headers["Location"] == "/datasets/road-casualties"
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get(response.headers["Location"]).status_code == 200
    rank = int(parse_qs(urlsplit(href).query)["rank"][0])
    assert _clicks() == [("road", "page", rank, "road-casualties")]


def test_a_click_from_a_signed_in_search_keeps_no_trace_of_the_person(client, dft, signed_in):
    user = create_user(email="reader@department-for-transport.gov.uk", organisation=dft)
    signed_in(user)
    client.get(_result_links(client, "/datasets?q=road")["Road traffic counts"])
    [click] = db.session.scalars(select(SearchClick)).all()
    values = " ".join(str(getattr(click, c.name)) for c in SearchClick.__table__.columns)
    assert str(user.id) not in values and user.email not in values and "127.0.0.1" not in values


def test_a_result_on_an_organisation_page_records_its_click_against_that_search(client, dft):
    href = _result_links(client, f"/organisations/{dft.slug}?q=rail")["Rail passenger numbers"]
    assert client.get(href).headers["Location"] == "/datasets/rail-passenger-numbers"
    assert _clicks() == [("rail", "organisation", 1, "rail-passenger-numbers")]


def test_following_a_result_twice_or_another_result_of_the_same_search(client, dft):
    links = _result_links(client, "/datasets?q=road")
    client.get(links["Road casualties"])
    client.get(links["Road casualties"])
    client.get(links["Road traffic counts"])
    assert [slug for *_, slug in _clicks()] == ["road-casualties", "road-traffic-counts"]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?search=&rank=&sig=",
        "?search=not-a-uuid&rank=1&sig=x",
        "?search=00000000000000000000000000000000&rank=1&sig=AAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "?rank=99999999999999999999999999&search=%7B%7D&sig=%C3%A9",
        "?search=1&search=2&rank=1&rank=2",
    ],
)
def test_a_missing_or_bad_search_id_still_reaches_the_entry_and_records_nothing(client, dft, query):
    response = client.get(f"/datasets/road-casualties/from-search{query}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/datasets/road-casualties"
    assert _clicks() == []


def test_a_link_signed_for_one_entry_does_not_record_another(client, dft):
    href = _result_links(client, "/datasets?q=road")["Road casualties"]
    moved = href.replace("/road-casualties/", "/rail-passenger-numbers/")
    assert client.get(moved).headers["Location"] == "/datasets/rail-passenger-numbers"
    assert _clicks() == []


@pytest.mark.parametrize(
    "slug",
    [
        "https:",
        "@evil.example",
        "%5Cevil.example",
        "..",
        "%2e%2e",
        "evil.example%3Fx=1",
        "%0d%0aSet-Cookie:x=1",
    ],
)
def test_the_redirect_never_leads_off_the_site(client, slug):
    response = client.get(f"/datasets/{slug}/from-search?next=https://evil.example&url=//evil.example")
    location = response.headers["Location"]
    assert response.status_code == 302
    assert location.startswith("/datasets/") and "\r" not in location and "\n" not in location
    assert urlsplit(location).netloc == ""


def test_a_slash_in_the_entry_cannot_make_an_address_for_another_host(client):
    # Werkzeug merges the slashes (308, to the host asked); the redirect then names an entry here.
    merged = urlsplit(client.get("/datasets//evil.example/from-search").headers["Location"])
    assert (merged.netloc, merged.path) == ("localhost", "/datasets/evil.example/from-search")
    assert client.get(merged.path).headers["Location"] == "/datasets/evil.example"


def test_with_the_log_off_results_link_straight_to_entries_and_no_click_is_kept(app, client, dft):
    logged_href = _result_links(client, "/datasets?q=road")["Road casualties"]
    app.config["SEARCH_LOG_ENABLED"] = False
    assert _result_links(client, "/datasets?q=road")["Road casualties"] == "/datasets/road-casualties"
    assert client.get(logged_href).headers["Location"] == "/datasets/road-casualties"
    assert _clicks() == []


def test_later_pages_which_are_not_logged_link_straight_to_entries(client, dft):
    [href] = _result_links(client, "/datasets?q=road&per_page=1&page=2").values()
    assert href in ("/datasets/road-casualties", "/datasets/road-traffic-counts")


def test_pruning_a_search_removes_its_clicks(app, client, dft):
    client.get(_result_links(client, "/datasets?q=road")["Road casualties"])
    client.get(_result_links(client, "/datasets?q=rail")["Rail passenger numbers"])
    long_ago = utcnow() - timedelta(days=app.config["SEARCH_LOG_RETENTION_DAYS"] + 1)
    db.session.execute(update(SearchLog).where(SearchLog.query == "road").values(searched_at=long_ago))
    db.session.commit()
    assert {o.name: o.deleted for o in prune(only=("search_log",))} == {"search_log": 1}
    assert _clicks() == [("rail", "page", 1, "rail-passenger-numbers")]
    assert db.session.scalar(select(db.func.count()).select_from(SearchClick)) == 1


def test_following_a_result_costs_one_statement(client, dft):
    """The click is one INSERT … SELECT on a connection of its own: nothing is loaded for it."""
    from tests.test_query_counts import counting_queries

    href = _result_links(client, "/datasets?q=road")["Road casualties"]
    with counting_queries() as statements:
        assert client.get(href).status_code == 302
    assert len(statements) == 1 and statements[0].lstrip().upper().startswith("INSERT INTO SEARCH_CLICKS")
