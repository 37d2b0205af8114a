"""Site admins read harvesting on pages: the sources, each source's runs with their counts, and
each run's records failed or left alone with why; nobody else may."""

from __future__ import annotations

import pytest

from marketplace.harvest.records import Record
from marketplace.services.harvesting import add_source, apply_records, fail_run, start_run
from tests.factories import ADMIN, create_organisation, create_user
from tests.web.conftest import signed_in  # noqa: F401  (the fixture)
from tests.web.pages import TITLE_SUFFIX, h1_of, page, title_of

ENTRY = {
    "title": "Road counts",
    "description": "Traffic counts.",
    "contact_point": {"name": "Stats", "email": "stats@other.gov.uk"},
    "access_rights": "OPEN",
    "security_classification": "OFFICIAL",
    "licence": "OGL-UK-3.0",
    "modified": "2026-10-01",
}


@pytest.fixture
def source(app):
    create_organisation(slug="other-office", title="Other Office")
    found = add_source(
        ADMIN, name="other", type="dcat", url="https://other.gov.uk/catalog.ttl", organisation="other-office"
    )
    records = [
        Record("https://other.gov.uk/d/1", "Road counts", "2026-10-01", ENTRY),
        Record(
            "https://other.gov.uk/d/2",
            "<b>Bad</b> record",
            None,
            {**ENTRY, "title": "Bad", "licence": "nope"},
        ),
    ]
    apply_records(start_run(found), records, lambda record: dict(record.data))
    fail_run(start_run(found), "https://other.gov.uk/catalog.ttl answered 500 Internal Server Error.")
    return found


@pytest.fixture
def admin(app, signed_in):  # noqa: F811
    return signed_in(create_user(email="sam@cabinetoffice.gov.uk", roles=("site_admin",)))


def test_the_sources_page_lists_each_source_and_its_last_run(source, admin):
    html = page(admin, "/harvest", status=200).text
    assert title_of(html) == f"Harvest sources{TITLE_SUFFIX}" and h1_of(html) == "Harvest sources"
    assert 'href="/harvest/other"' in html and "DCAT catalogue" in html and "Other Office" in html
    assert "(failed)" in html  # the last run failed


def test_a_sources_page_lists_its_runs_newest_first_with_their_counts(source, admin):
    html = page(admin, "/harvest/other", status=200).text
    assert h1_of(html) == "other" and "https://other.gov.uk/catalog.ttl" in html
    runs = [source.runs[0].id, source.runs[1].id]
    assert html.index(f"/harvest/other/runs/{runs[0]}") < html.index(f"/harvest/other/runs/{runs[1]}")
    assert "Failed" in html and "Finished" in html


def test_a_runs_page_shows_each_problem_with_its_fields_escaped(source, admin):
    finished = source.runs[1]
    html = page(admin, f"/harvest/other/runs/{finished.id}", status=200).text
    assert "Records failed, left alone, or with values left out or filled in" in html
    assert "Failed: &lt;b&gt;Bad&lt;/b&gt; record" in html and "<b>Bad</b>" not in html
    assert "licence" in html and "https://other.gov.uk/d/2" in html
    failed = page(admin, f"/harvest/other/runs/{source.runs[0].id}", status=200).text
    assert "Failed: nothing was changed" in failed and "answered 500 Internal Server Error" in failed


def test_unknown_sources_and_runs_are_not_found(source, admin):
    page(admin, "/harvest/nobody", status=404)
    page(admin, "/harvest/other/runs/999999", status=404)


@pytest.mark.parametrize("roles", [("member",), ("publisher",), ("org_admin",)])
def test_only_site_admins_may_read_harvesting(app, source, signed_in, roles):  # noqa: F811
    signed_out = app.test_client().get("/harvest", headers={"Accept": "text/html"})
    assert signed_out.status_code == 302 and signed_out.headers["Location"].startswith("/login")
    member = create_user(email="ann@dft.gov.uk", organisation=create_organisation(), roles=roles)
    for path in ("/harvest", "/harvest/other", f"/harvest/other/runs/{source.runs[0].id}"):
        page(signed_in(member), path, status=403)
