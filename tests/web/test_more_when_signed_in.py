"""Signed-out visitors are told that signing in shows more entries (issue 12, point 2): how many,
never which, with a sign-in link that comes back to the same search."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from marketplace.auth.redirects import safe_next
from marketplace.services.datasets import delete_dataset, patch_dataset
from tests.factories import ADMIN, create_dataset, create_organisation, create_user
from tests.test_query_counts import counting_queries
from tests.web.pages import page


@pytest.fixture
def catalogue(app):
    dft = create_organisation()
    dhsc = create_organisation(slug="department-of-health-and-social-care", title="Department of Health")
    create_dataset(organisation=dft, title="Road casualties")  # OPEN: anyone sees it
    create_dataset(organisation=dft, title="Bus operators", access_rights="INTERNAL")
    create_dataset(organisation=dhsc, title="Hospital episodes", access_rights="INTERNAL")
    create_dataset(organisation=dhsc, title="Prescribing", access_rights="RESTRICTED")
    create_dataset(organisation=dhsc, title="Supplier prices", access_rights="COMMERCIAL")
    # Not counted: nobody signed in lists a draft, a withdrawn or a deleted entry as "more".
    create_dataset(organisation=dhsc, title="Draft tariffs", status="draft", access_rights="INTERNAL")
    withdrawn = create_dataset(organisation=dhsc, title="Old tariffs", access_rights="INTERNAL")
    patch_dataset(ADMIN, str(withdrawn.id), {"status": "withdrawn"})
    deleted = create_dataset(organisation=dhsc, title="Deleted tariffs", access_rights="INTERNAL")
    delete_dataset(ADMIN, str(deleted.id))
    return dft, dhsc


def inset(html: str) -> str | None:
    found = re.search(r'<div class="govuk-inset-text app-more-when-signed-in">(.*?)</div>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else None


def sign_in_link(html: str) -> str:
    block = re.search(r'app-more-when-signed-in">(.*?)</div>', html, re.S).group(1)
    return html_lib.unescape(re.search(r'href="([^"]+)"', block).group(1))


def test_the_find_page_says_how_many_more_entries_signing_in_shows(catalogue, client):
    html = page(client, "/datasets", status=200).text
    assert inset(html) == (
        "4 more entries are shared only within government. "
        "Sign in with your government email address to see them."
    )


def test_the_sign_in_link_comes_back_to_the_same_search(catalogue, client):
    link = sign_in_link(page(client, "/datasets?q=road&sort=title", status=200).text)
    assert link == "/login?next=%2Fdatasets%3Fq%3Droad%26sort%3Dtitle"
    # The sign-in flow accepts it as a path on this site, query included.
    assert safe_next("/datasets?q=road&sort=title") == "/datasets?q=road&sort=title"
    assert sign_in_link(page(client, "/datasets", status=200).text) == "/login?next=%2Fdatasets"


def test_the_count_is_of_the_whole_catalogue_not_of_the_search(catalogue, client):
    # Counting per search would tell a signed-out visitor which words hidden entries contain.
    assert inset(page(client, "/datasets?q=zzzunknownword", status=200).text).startswith("4 more entries")
    assert inset(page(client, "/datasets?q=hospital", status=200).text).startswith("4 more entries")


def test_an_organisation_page_counts_that_organisations_entries(catalogue, client):
    dft, dhsc = catalogue
    assert inset(page(client, f"/organisations/{dhsc.slug}", status=200).text).startswith(
        "3 more entries are shared only within government."
    )
    assert inset(page(client, f"/organisations/{dft.slug}", status=200).text) == (
        "1 more entry is shared only within government. Sign in with your government email address to see it."
    )


def test_nothing_is_said_when_everything_is_open(app, client):
    create_dataset(organisation=create_organisation(), title="Road casualties")
    assert inset(page(client, "/datasets", status=200).text) is None


def test_signed_in_people_are_not_told_to_sign_in(catalogue, signed_in):
    dft, _ = catalogue
    member = signed_in(create_user(email="analyst@dft.gov.uk", organisation=dft))
    assert inset(page(member, "/datasets", status=200).text) is None
    assert inset(page(member, f"/organisations/{dft.slug}", status=200).text) is None


def test_a_search_with_bad_parameters_still_says_so(catalogue, client):
    html = page(client, "/datasets?sort=nonsense", status=400).text
    assert "There is a problem" in html
    assert inset(html).startswith("4 more entries")


def test_the_count_follows_every_change_to_an_entry(catalogue, client):
    dft, _ = catalogue
    assert inset(page(client, "/datasets", status=200).text).startswith("4 more entries")
    bus = create_dataset(organisation=dft, title="Bus timetables", access_rights="INTERNAL")
    assert inset(page(client, "/datasets", status=200).text).startswith("5 more entries")
    patch_dataset(ADMIN, str(bus.id), {"access_rights": "OPEN"})
    assert inset(page(client, "/datasets", status=200).text).startswith("4 more entries")
    assert inset(page(client, f"/organisations/{dft.slug}", status=200).text).startswith("1 more entry")


def test_the_count_is_not_taken_again_while_nothing_has_changed(catalogue, client):
    # It reads every published entry: 70 ms of a find page at 100,000 entries on PostgreSQL.
    page(client, "/datasets", status=200)
    with counting_queries() as statements:
        page(client, "/datasets?q=road", status=200)
    assert not [s for s in statements if "access_rights !=" in s or "access_rights <>" in s]
