"""The publish dashboard: a publisher's own organisation's entries, drafts included, and for a
member without the role, who to ask."""

from __future__ import annotations

import re

import pytest

from marketplace.services.datasets import patch_dataset
from tests.factories import ADMIN, create_dataset, create_organisation, create_user
from tests.web.pages import TITLE_SUFFIX, h1_of, page, title_of


@pytest.fixture
def dft(app):
    return create_organisation()


@pytest.fixture
def home_office(app):
    return create_organisation(slug="home-office", title="Home Office", abbreviation="HO")


def rows(html: str) -> list[str]:
    body = re.search(r'<tbody class="govuk-table__body">(.*?)</tbody>', html, re.DOTALL)
    return re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', body.group(1), re.DOTALL) if body else []


def test_the_dashboard_lists_the_organisations_drafts_and_published_entries_and_no_one_elses(
    dft, home_office, signed_in
):
    create_dataset(organisation=dft, status="draft", title="Bus statistics draft")
    published = create_dataset(organisation=dft, title="Road traffic estimates")
    withdrawn = create_dataset(organisation=dft, title="Old port statistics")
    patch_dataset(ADMIN, str(withdrawn.id), {"status": "withdrawn"})
    create_dataset(organisation=home_office, status="draft", title="Police workforce draft")
    create_dataset(organisation=home_office, title="Police workforce")
    client = signed_in(create_user(email="pat@dft.gov.uk", organisation=dft, roles=("publisher",)))

    html = page(client, "/publish", status=200).get_data(as_text=True)
    assert title_of(html) == "Your entries" + TITLE_SUFFIX
    assert "You publish for Department for Transport." in html
    found = rows(html)
    assert len(found) == 3
    assert "Police workforce" not in html
    by_title = {re.search(r">([^<]+)<span", row).group(1): row for row in found}
    assert "Draft</strong>" in by_title["Bus statistics draft"]
    assert "Published</strong>" in by_title["Road traffic estimates"]
    assert "Withdrawn</strong>" in by_title["Old port statistics"]
    # The title opens the entry's task list.
    assert f'href="/publish/datasets/{published.slug}"' in by_title["Road traffic estimates"]
    assert f'href="/datasets/{published.slug}"' in by_title["Road traffic estimates"]
    assert "Dataset" in by_title["Road traffic estimates"]
    assert 'href="/publish/datasets/new"' in html and 'href="/publish/import"' in html


def test_the_most_recently_changed_entry_comes_first(dft, signed_in):
    first = create_dataset(organisation=dft, title="Changed last")
    create_dataset(organisation=dft, title="Created second")
    patch_dataset(ADMIN, str(first.id), {"summary": "A newer summary."})
    client = signed_in(create_user(email="pat@dft.gov.uk", organisation=dft, roles=("publisher",)))
    titles = [
        re.search(r">([^<]+)<span", row).group(1) for row in rows(page(client, "/publish", status=200).text)
    ]
    assert titles == ["Changed last", "Created second"]


def test_the_date_column_is_when_the_record_was_edited_not_when_the_data_was_updated(dft, signed_in):
    # Results and entry pages say "Data last updated" for the data's own date; the dashboard's
    # column is the record's edit time, so it must not carry the same words.
    create_dataset(organisation=dft, title="Road traffic estimates")
    client = signed_in(create_user(email="pat@dft.gov.uk", organisation=dft, roles=("publisher",)))
    html = page(client, "/publish", status=200).text
    headers = re.findall(r'<th scope="col" class="govuk-table__header">([^<]+)</th>', html)
    assert headers[-1] == "Record last edited"
    assert "Last updated" not in html


def test_a_publisher_for_two_organisations_sees_both_and_which_is_which(dft, home_office, signed_in):
    create_dataset(organisation=dft, title="Road traffic estimates")
    create_dataset(organisation=home_office, status="draft", title="Police workforce draft")
    user = create_user(email="pat@dft.gov.uk", organisation=dft, roles=("publisher",))
    create_user(email="pat@dft.gov.uk", organisation=home_office, roles=("publisher",))
    html = page(signed_in(user), "/publish", status=200).get_data(as_text=True)
    assert "You publish for Department for Transport and Home Office." in html
    assert len(rows(html)) == 2 and ">HO<" in html


def test_a_publisher_with_no_entries_is_told_how_to_start(dft, signed_in):
    client = signed_in(create_user(email="pat@dft.gov.uk", organisation=dft, roles=("publisher",)))
    html = page(client, "/publish", status=200).get_data(as_text=True)
    assert "You have no entries yet." in html


def test_a_member_without_the_publisher_role_is_told_to_ask_their_org_admin(dft, signed_in):
    create_dataset(organisation=dft, status="draft", title="Bus statistics draft")
    client = signed_in(create_user(email="mo@dft.gov.uk", organisation=dft, roles=("member",)))
    html = page(client, "/publish", status=200).get_data(as_text=True)
    assert h1_of(html) == "You cannot publish yet"
    assert "ask an org admin of Department for Transport to give you the publisher role" in html
    assert "Bus statistics draft" not in html


def test_someone_in_no_organisation_is_told_to_ask_to_be_added(app, signed_in):
    client = signed_in(create_user(email="someone@example.gov.uk", roles=()))
    html = page(client, "/publish", status=200).get_data(as_text=True)
    assert "You are not a member of any organisation" in html


def test_the_dashboard_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/publish")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/publish")
