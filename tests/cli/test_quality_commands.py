"""``quality check-links`` and ``quality recompute``, run as an operator would, against a web
server on loopback (allowed by LINK_CHECK_ALLOW_PRIVATE_ADDRESSES, as on a private network)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from marketplace.extensions import db
from marketplace.models import Dataset, LinkCheck
from marketplace.models.types import utcnow
from tests.factories import create_dataset, create_organisation
from tests.link_server import closed_port_url, serving


@pytest.fixture
def server():
    with serving() as server:
        yield server


@pytest.fixture(autouse=True)
def private_addresses_allowed(app):
    app.config["LINK_CHECK_ALLOW_PRIVATE_ADDRESSES"] = True


@pytest.fixture
def dft(app):
    return create_organisation()


@pytest.fixture
def home_office(app):
    return create_organisation(slug="home-office", title="Home Office", abbreviation="HO")


def create_entry_linking(organisation, *urls: str) -> Dataset:
    return create_dataset(
        organisation=organisation,
        distributions=[{"title": f"File {n}", "download_url": url} for n, url in enumerate(urls, 1)],
    )


def checked_urls() -> list[str]:
    return sorted(db.session.scalars(select(LinkCheck.url)))


def test_check_links_stores_every_outcome_and_ends_with_a_summary(runner, dft, server):
    create_entry_linking(
        dft, server.url("/ok"), server.url("/missing"), server.url("/slow"), closed_port_url()
    )

    result = runner.invoke(args=["quality", "check-links", "--timeout", "0.5"])

    assert result.exit_code == 0, result.output
    assert "Checked 4 links in" in result.output
    assert "1 ok, 3 broken." in result.output
    assert "  HTTP 404: 1\n  connection refused: 1\n  timed out: 1\n" in result.output
    assert "Recomputed the metadata quality of 1 entries." in result.output
    assert len(checked_urls()) == 4


def test_check_links_with_an_organisation_checks_only_its_entries(runner, dft, home_office, server):
    create_entry_linking(dft, server.url("/file/dft"))
    create_entry_linking(home_office, server.url("/file/ho"))

    result = runner.invoke(args=["quality", "check-links", "--org", "home-office"])

    assert result.exit_code == 0, result.output
    assert "Checked 1 links" in result.output
    assert checked_urls() == [server.url("/file/ho")]


def test_check_links_for_an_unknown_organisation_is_refused(runner, dft, server):
    create_entry_linking(dft, server.url("/ok"))

    result = runner.invoke(args=["quality", "check-links", "--org", "no-such-department"])

    assert result.exit_code == 1
    assert "There is no organisation called 'no-such-department'." in result.output
    assert server.requests == []


def test_check_links_older_than_skips_recently_checked_urls(runner, dft, server):
    create_entry_linking(dft, server.url("/file/old"), server.url("/file/recent"))
    assert runner.invoke(args=["quality", "check-links"]).exit_code == 0
    db.session.execute(
        update(LinkCheck)
        .where(LinkCheck.url == server.url("/file/old"))
        .values(checked_at=utcnow() - timedelta(hours=7))
    )
    db.session.commit()
    server.requests.clear()

    result = runner.invoke(args=["quality", "check-links", "--older-than", "6"])

    assert result.exit_code == 0, result.output
    assert "Checked 1 links" in result.output
    assert "Skipped 1 links checked recently." in result.output
    assert list(server.paths_requested()) == ["/file/old"]


def test_check_links_honours_the_per_host_limit_given(runner, dft, server):
    create_entry_linking(dft, *(server.url(f"/busy/{n}") for n in range(12)))

    result = runner.invoke(args=["quality", "check-links", "--concurrency", "6", "--per-host", "3"])

    assert result.exit_code == 0, result.output
    assert server.most_in_flight == 3


@pytest.mark.parametrize(
    "option",
    [["--concurrency", "0"], ["--per-host", "0"], ["--timeout", "0"], ["--older-than", "-1"]],
)
def test_check_links_refuses_options_out_of_range(runner, dft, server, option):
    create_entry_linking(dft, server.url("/ok"))

    result = runner.invoke(args=["quality", "check-links", *option])

    assert result.exit_code == 2
    assert server.requests == []


def test_check_links_refuses_loopback_unless_the_setting_allows_it(runner, app, dft, server):
    create_entry_linking(dft, server.url("/ok"))
    app.config["LINK_CHECK_ALLOW_PRIVATE_ADDRESSES"] = False

    result = runner.invoke(args=["quality", "check-links"])

    assert result.exit_code == 0, result.output
    assert "0 ok, 1 broken." in result.output
    assert "  address not allowed: 1\n" in result.output
    assert server.requests == []
    assert db.session.get(LinkCheck, server.url("/ok")).error == "address not allowed"


def test_recompute_scores_every_entry_with_the_stored_checks(runner, dft, home_office, server):
    dataset = create_entry_linking(dft, server.url("/file/data.csv"))
    create_entry_linking(home_office, server.url("/file/other.csv"))
    before = dataset.metadata_score
    db.session.add(LinkCheck(url=server.url("/file/data.csv"), status_code=200, ok=True, checked_at=utcnow()))
    db.session.commit()

    result = runner.invoke(args=["quality", "recompute", "--org", "department-for-transport"])

    assert result.exit_code == 0, result.output
    assert "Recomputed the metadata quality of 1 entries." in result.output
    db.session.expire_all()
    assert db.session.get(Dataset, dataset.id).metadata_score == before + 80


def test_recompute_for_an_unknown_organisation_is_refused(runner, dft):
    result = runner.invoke(args=["quality", "recompute", "--org", "no-such-department"])

    assert result.exit_code == 1
    assert "There is no organisation called 'no-such-department'." in result.output
