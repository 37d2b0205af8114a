"""A CKAN source that fails part way (an error answer, silence, malformed JSON, an answer that is
not CKAN's) fails the run with the reason, and changes nothing already harvested."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.models.harvest import HarvestRun
from tests.factories import create_organisation
from tests.harvest.source_server import Answer, source_server
from tests.harvest.test_ckan_dump_import import dgu_package

SEARCH = "/api/3/action/package_search"


def _page(packages: list[dict], count: int) -> Answer:
    return Answer(
        body=json.dumps({"success": True, "result": {"count": count, "results": packages}}).encode()
    )


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (Answer(status=500, body=b"oops"), "answered 500"),
        (Answer(status=503, body=b"busy"), "answered 503"),
        (
            Answer(body=b'{"success": true, "result": {"count": 2, "results": [', delay=0),
            "did not send valid JSON",
        ),
        (
            Answer(body=b'{"success": false, "error": {"__type": "Search Query Error"}}'),
            "did not answer as CKAN",
        ),
        (Answer(body=b"[]"), "did not answer as CKAN"),
        (Answer(body=b"{}", delay=5.0), "did not answer in time"),
    ],
    ids=["500", "503", "malformed json", "ckan error", "not ckan", "silence"],
)
def test_a_failing_ckan_source_fails_the_run_and_changes_nothing(app, failure, reason):
    app.config["HARVEST_RETRIES"] = 1  # one retry, so the failures that are retried stay quick
    create_organisation(slug="other-office", title="Other Office")
    runner = app.test_cli_runner()
    with source_server() as server:
        server.set(SEARCH, _page([dgu_package(1)], count=1))
        url = server.base_url
        assert (
            runner.invoke(
                args=["harvest", "add", "other", "--type=ckan", f"--url={url}", "--org=other-office"]
            ).exit_code
            == 0
        )
        assert runner.invoke(args=["harvest", "run", "other"]).exit_code == 0
        db.session.expire_all()
        before = {d.slug: (d.title, d.status, d.updated_at) for d in db.session.scalars(select(Dataset))}
        server.set(SEARCH, failure)
        result = runner.invoke(args=["harvest", "run", "other"])
    assert result.exit_code == 1, result.output
    assert reason in result.output and "Nothing was changed" in result.output
    db.session.expire_all()
    run = db.session.scalars(select(HarvestRun).order_by(HarvestRun.id.desc())).first()
    assert run.status == "failed" and reason in run.error
    assert {d.slug: (d.title, d.status, d.updated_at) for d in db.session.scalars(select(Dataset))} == before


def test_a_ckan_source_is_read_a_page_at_a_time_in_id_order_until_a_short_page(app):
    create_organisation(slug="other-office", title="Other Office")
    runner = app.test_cli_runner()
    with source_server() as server:
        server.set(SEARCH, _page([dgu_package(n) for n in range(1, 4)], count=3))
        url = server.base_url
        runner.invoke(args=["harvest", "add", "other", "--type=ckan", f"--url={url}", "--org=other-office"])
        result = runner.invoke(args=["harvest", "run", "other"])
        assert result.exit_code == 0, result.output
        assert server.requests == [f"{SEARCH}?rows=100&start=0&sort=id+asc"]
    assert "3 records; 3 created" in result.output
