"""The link checker against a real web server on loopback: every kind of answer is stored as it
should be, none stops the run, and it is polite (a User-Agent, a limit per host).

The server is on loopback, which the checker refuses by default (tests/services/test_link_safety.py):
each run here is given the policy that `LINK_CHECK_ALLOW_PRIVATE_ADDRESSES` sets."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from marketplace.extensions import db
from marketplace.models import Dataset, Distribution, LinkCheck
from marketplace.models.types import utcnow
from marketplace.services.link_checks import USER_AGENT, check_links
from marketplace.services.outbound import AddressPolicy
from tests.factories import create_dataset, create_organisation
from tests.link_server import closed_port_url, serving

TIMEOUT = 0.5
PRIVATE_ALLOWED = AddressPolicy(allow_private=True)


@pytest.fixture
def server():
    with serving() as server:
        yield server


@pytest.fixture
def dft(app):
    return create_organisation()


def create_entry_linking(organisation, *urls: str) -> Dataset:
    """A published dataset with a distribution downloading each of `urls`."""
    return create_dataset(
        organisation=organisation,
        distributions=[{"title": f"File {n}", "download_url": url} for n, url in enumerate(urls, 1)],
    )


def set_download_url(dataset: Dataset, url: str) -> None:
    """Store a URL the schemas would refuse today, as older records may hold."""
    db.session.execute(
        update(Distribution)
        .where(Distribution.dataset_id == dataset.id)
        .values(download_url=url, access_url=url)
    )
    db.session.commit()


def stored(url: str) -> LinkCheck:
    check = db.session.get(LinkCheck, url)
    assert check is not None, f"no check stored for {url}"
    return check


def test_each_kind_of_answer_is_stored_and_none_stops_the_run(dft, server):
    refused = closed_port_url()
    urls = {
        path: server.url(path)
        for path in ("/ok", "/missing", "/error", "/redirect", "/loop", "/no-head", "/slow")
    }
    create_entry_linking(dft, *urls.values(), refused)

    summary = check_links(timeout=TIMEOUT, address_policy=PRIVATE_ALLOWED)

    expected = {
        "/ok": (200, True, None),
        "/missing": (404, False, None),
        "/error": (500, False, None),
        "/redirect": (200, True, None),
        "/loop": (302, False, "too many redirects"),
        "/no-head": (200, True, None),
        "/slow": (None, False, "timed out"),
    }
    for path, (status_code, ok, error) in expected.items():
        check = stored(urls[path])
        assert (check.status_code, check.ok, check.error) == (status_code, ok, error), path
        assert check.checked_at > utcnow() - timedelta(minutes=1)
        assert check.elapsed_ms is not None
    assert (stored(refused).status_code, stored(refused).ok, stored(refused).error) == (
        None,
        False,
        "connection refused",
    )
    assert summary.checked == 8
    assert summary.ok == 3
    assert summary.broken == {
        "HTTP 404": 1,
        "HTTP 500": 1,
        "too many redirects": 1,
        "timed out": 1,
        "connection refused": 1,
    }
    assert summary.rate > 0


def test_head_refused_is_asked_again_with_get_and_others_only_with_head(dft, server):
    create_entry_linking(dft, server.url("/no-head"), server.url("/ok"))

    check_links(timeout=TIMEOUT, address_policy=PRIVATE_ALLOWED)

    assert server.methods_for("/no-head") == ["HEAD", "GET"]
    assert server.methods_for("/ok") == ["HEAD"]


def test_a_redirect_loop_is_followed_a_bounded_number_of_times(dft, server):
    create_entry_linking(dft, server.url("/loop"))

    check_links(timeout=TIMEOUT, address_policy=PRIVATE_ALLOWED)

    assert 2 <= server.paths_requested()["/loop"] <= 20


def test_requests_name_the_service(dft, server):
    create_entry_linking(dft, server.url("/ok"))

    check_links(timeout=TIMEOUT, address_policy=PRIVATE_ALLOWED)

    assert server.user_agents == {USER_AGENT}
    assert "DataMarketplace" in USER_AGENT and "https://" in USER_AGENT


def test_urls_that_are_not_http_are_refused_without_a_request(dft, server):
    ftp = create_entry_linking(dft, server.url("/ok"))
    host, port = server.server_address[:2]
    set_download_url(ftp, f"ftp://{host}:{port}/file/ftp")
    broken = create_entry_linking(dft, server.url("/ok"))
    set_download_url(broken, "http://[::1/file.csv")
    no_host = create_entry_linking(dft, server.url("/ok"))
    set_download_url(no_host, "http:///file.csv")

    summary = check_links(timeout=TIMEOUT, address_policy=PRIVATE_ALLOWED)

    assert stored(f"ftp://{host}:{port}/file/ftp").error == "not an http(s) URL"
    assert stored("http://[::1/file.csv").error == "invalid URL"
    assert stored("http:///file.csv").error == "invalid URL"
    assert server.requests == []
    assert summary.broken == {"not an http(s) URL": 1, "invalid URL": 2}


def test_access_download_and_endpoint_urls_are_all_checked_once_each(dft, server):
    create_dataset(
        organisation=dft,
        distributions=[
            {
                "title": "Page",
                "access_url": server.url("/file/page"),
                "download_url": server.url("/file/a.csv"),
            },
            {"title": "Same file again", "download_url": server.url("/file/a.csv")},
        ],
    )
    create_entry_linking(dft, server.url("/file/a.csv"))
    create_dataset(
        organisation=dft, type="data_service", distributions=[], endpoint_url=server.url("/file/api")
    )

    summary = check_links(timeout=TIMEOUT, address_policy=PRIVATE_ALLOWED)

    assert summary.checked == 3
    assert server.paths_requested() == {"/file/page": 1, "/file/a.csv": 1, "/file/api": 1}


def test_no_more_than_the_per_host_limit_is_in_flight_at_once(dft, server):
    create_entry_linking(dft, *(server.url(f"/busy/{n}") for n in range(24)))

    check_links(concurrency=8, per_host=2, timeout=5, address_policy=PRIVATE_ALLOWED)

    assert server.most_in_flight == 2


def test_the_per_host_limit_does_not_hold_back_other_hosts(dft, server):
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.2", 0))
        except OSError as error:  # pragma: no cover - a loopback without 127.0.0.2
            pytest.skip(f"cannot listen on 127.0.0.2: {error}")
    with serving("127.0.0.2") as other:
        create_entry_linking(dft, *(server.url(f"/busy/{n}") for n in range(16)))
        create_entry_linking(dft, *(other.url(f"/busy/{n}") for n in range(16)))

        summary = check_links(concurrency=8, per_host=2, timeout=5, address_policy=PRIVATE_ALLOWED)

    assert summary.ok == 32
    assert (server.most_in_flight, other.most_in_flight) == (2, 2)


def test_recently_checked_urls_are_skipped_with_older_than(dft, server):
    create_entry_linking(dft, server.url("/file/old"), server.url("/file/recent"))
    check_links(timeout=TIMEOUT, address_policy=PRIVATE_ALLOWED)
    db.session.execute(
        update(LinkCheck)
        .where(LinkCheck.url == server.url("/file/old"))
        .values(checked_at=utcnow() - timedelta(hours=30))
    )
    db.session.commit()
    create_entry_linking(dft, server.url("/file/new"))
    server.requests.clear()

    summary = check_links(older_than=timedelta(hours=24), timeout=TIMEOUT, address_policy=PRIVATE_ALLOWED)

    assert sorted(server.paths_requested()) == ["/file/new", "/file/old"]
    assert (summary.checked, summary.skipped) == (2, 1)
    assert stored(server.url("/file/old")).checked_at > utcnow() - timedelta(minutes=1)


def test_an_organisation_restricts_the_run_to_its_entries(dft, server):
    other = create_organisation(slug="home-office", title="Home Office", abbreviation="HO")
    create_entry_linking(dft, server.url("/file/dft"))
    create_entry_linking(other, server.url("/file/ho"))

    summary = check_links(organisation_id=other.id, timeout=TIMEOUT, address_policy=PRIVATE_ALLOWED)

    assert summary.checked == 1
    assert db.session.scalars(select(LinkCheck.url)).all() == [server.url("/file/ho")]


def test_a_later_run_replaces_the_stored_outcome(dft, server):
    create_entry_linking(dft, server.url("/ok"))
    check_links(timeout=TIMEOUT, address_policy=PRIVATE_ALLOWED)
    earlier = utcnow() - timedelta(days=3)
    db.session.execute(
        update(LinkCheck).values(ok=False, status_code=404, error="timed out", checked_at=earlier)
    )
    db.session.commit()

    check_links(timeout=TIMEOUT, address_policy=PRIVATE_ALLOWED)

    db.session.expire_all()
    check = stored(server.url("/ok"))
    assert (check.status_code, check.ok, check.error) == (200, True, None)
    assert check.checked_at > earlier
    assert db.session.query(LinkCheck).count() == 1


def test_a_checked_download_url_that_answers_gains_the_reachability_points(dft, server):
    dataset = create_entry_linking(dft, server.url("/file/data.csv"))
    before = db.session.get(Dataset, dataset.id).metadata_score

    check_links(timeout=TIMEOUT, address_policy=PRIVATE_ALLOWED)

    db.session.expire_all()
    after = db.session.get(Dataset, dataset.id).metadata_score
    # accessURL reachable 50 and downloadURL reachable 30 (REFERENCE §B)
    assert after - before == 80


def test_a_run_over_many_urls_stores_them_all(dft, server):
    urls = [server.url(f"/file/{n}.csv") for n in range(200)]
    for start in range(0, len(urls), 100):
        create_entry_linking(dft, *urls[start : start + 100])

    summary = check_links(timeout=5, address_policy=PRIVATE_ALLOWED)

    assert (summary.checked, summary.ok) == (200, 200)
    assert len(db.session.scalars(select(LinkCheck.url)).all()) == 200
