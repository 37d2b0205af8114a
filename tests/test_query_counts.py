"""An N+1 cannot come back: the SQL a page of results costs does not grow with the number of
results on it (the API's lists, the find page and the access-request list)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from marketplace.extensions import db
from tests.access_request_factories import create_request, create_world
from tests.factories import create_dataset, create_organisation, create_token, create_user


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def queries_for(client, url: str, **kwargs) -> int:
    client.get(url, **kwargs)  # warm: the first request of a process loads what every request shares
    # The tests' app context keeps one session across requests: forget what it holds, or rows
    # already loaded would cost nothing and hide the queries a real request makes.
    db.session.expunge_all()
    with counting_queries() as statements:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return len(statements)


@pytest.fixture
def catalogue(app):
    dft = create_organisation()
    for number in range(24):
        create_dataset(
            organisation=dft,
            title=f"Road traffic counts {number}",
            keywords=["traffic", f"count {number}"],
            distributions=[
                {"title": f"File {number}.{n}", "download_url": f"https://data.dft.gov.uk/{number}/{n}.csv"}
                for n in range(3)
            ],
        )
    reader = create_user(email="reader@dft.gov.uk", organisation=dft)
    return {"Authorization": f"Bearer {create_token(user=reader, scopes=('read',))}"}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/datasets?per_page={n}",
        "/api/v1/datasets?q=traffic&per_page={n}",
        "/api/v1/datasets?sort=title&per_page={n}",
    ],
)
def test_an_api_page_costs_the_same_queries_for_5_results_as_for_20(client, catalogue, url):
    few = queries_for(client, url.format(n=5), headers=catalogue)
    many = queries_for(client, url.format(n=20), headers=catalogue)
    assert many == few, f"{url}: {few} queries for 5 results, {many} for 20"


@pytest.mark.parametrize("url", ["/datasets?page={n}", "/datasets?q=traffic&page={n}"])
def test_the_find_page_costs_the_same_queries_for_a_full_page_as_for_a_short_one(app, client, catalogue, url):
    # 24 open entries, as a signed-out visitor sees them: page 1 shows 20, page 2 shows 4.
    # Only page 1 is recorded in the search log (one statement more, tests/web/test_search_logging.py).
    app.config["SEARCH_LOG_ENABLED"] = False
    full = queries_for(client, url.format(n=1), headers=catalogue)
    short = queries_for(client, url.format(n=2), headers=catalogue)
    assert full == short, f"{url}: {full} queries for 20 results, {short} for 4"


def test_an_access_request_list_costs_the_same_queries_for_5_requests_as_for_20(client, app):
    world = create_world()
    for _ in range(20):
        create_request(world, "submitted")
    headers = {"Authorization": f"Bearer {world.token(world.reviewer)}"}
    url = f"/api/v1/access-requests?organisation={world.owner.slug}&per_page="
    few = queries_for(client, url + "5", headers=headers)
    many = queries_for(client, url + "20", headers=headers)
    assert many == few, f"{few} queries for 5 requests, {many} for 20"
