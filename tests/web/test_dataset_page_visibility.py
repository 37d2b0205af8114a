"""Who sees an entry's page: drafts only their publishers, entries not open only those signed in,
withdrawn ones with a banner, deleted ones 410, old addresses redirected; signed out, a hidden
entry looks like one that does not exist; editors are named only to the owning organisation."""

from __future__ import annotations

import re

import pytest

from marketplace.rules.actors import Actor
from marketplace.services.datasets import delete_dataset, patch_dataset, withdraw_dataset
from tests.factories import ADMIN, create_dataset, create_user
from tests.web.pages import h1_of, html_of


def test_a_withdrawn_entry_stays_reachable_and_says_so_first(dft, client):
    dataset = withdraw_dataset(ADMIN, create_dataset(organisation=dft).slug)
    withdrawn_on = dataset.withdrawn_at
    html = html_of(client, f"/datasets/{dataset.slug}")
    banner = html.index("govuk-notification-banner")
    assert banner < html.index("<h1")
    assert f"This dataset was withdrawn on {withdrawn_on.day} {withdrawn_on:%B %Y}." in html
    assert "not listed in search results" in html
    assert re.search(r'<strong class="govuk-tag govuk-tag--red">\s*Withdrawn\s*</strong>', html)


def test_a_draft_is_shown_to_its_publishers_with_a_draft_tag_and_an_edit_link(dft, signed_in):
    dataset = create_dataset(organisation=dft, status="draft")
    publisher = create_user(email="publisher@dft.gov.uk", organisation=dft, roles=("publisher",))
    html = html_of(signed_in(publisher), f"/datasets/{dataset.slug}")
    assert re.search(r'<strong class="govuk-tag govuk-tag--grey">\s*Draft\s*</strong>', html)
    assert f'href="/publish/datasets/{dataset.slug}">Edit this entry' in html


@pytest.mark.parametrize("viewer", ["anonymous", "member of the same organisation", "another organisation"])
def test_a_draft_is_not_found_by_anyone_else(dft, ons, client, signed_in, viewer):
    dataset = create_dataset(organisation=dft, status="draft")
    if viewer == "member of the same organisation":
        client = signed_in(create_user(email="member@dft.gov.uk", organisation=dft))
    elif viewer == "another organisation":
        client = signed_in(create_user(email="publisher@ons.gov.uk", organisation=ons, roles=("publisher",)))
    html = html_of(client, f"/datasets/{dataset.slug}", status=404)
    # Signed out, the page says signing in may help; signed in, there is nothing more to try.
    expected = "You may need to sign in to see this" if viewer == "anonymous" else "Page not found"
    assert h1_of(html) == expected
    assert dataset.title not in html


def test_the_edit_link_is_only_for_the_organisations_publishers(dft, ons, client, signed_in):
    dataset = create_dataset(organisation=dft)
    assert "Edit this entry" not in html_of(client, f"/datasets/{dataset.slug}")
    outsider = create_user(email="publisher@ons.gov.uk", organisation=ons, roles=("publisher",))
    assert "Edit this entry" not in html_of(signed_in(outsider), f"/datasets/{dataset.slug}")


def test_an_entry_that_is_not_open_is_hidden_from_anonymous_visitors_and_shown_when_signed_in(
    dft, ons, client, signed_in
):
    dataset = create_dataset(organisation=dft, access_rights="INTERNAL")
    html_of(client, f"/datasets/{dataset.slug}", status=404)
    reader = create_user(email="analyst@ons.gov.uk", organisation=ons)
    html = html_of(signed_in(reader), f"/datasets/{dataset.slug}")
    assert "Internal to government" in html
    assert "Request access" not in html  # comes with the access-request issue


def test_a_deleted_entry_answers_410_and_an_unknown_one_404(dft, client):
    dataset = create_dataset(organisation=dft)
    delete_dataset(ADMIN, dataset.slug)
    assert h1_of(html_of(client, f"/datasets/{dataset.slug}", status=410)) == "This page has been removed"
    assert (
        h1_of(html_of(client, "/datasets/no-such-entry", status=404)) == "You may need to sign in to see this"
    )


def test_an_id_and_an_old_slug_redirect_permanently_to_the_current_slug(dft, client):
    dataset = create_dataset(organisation=dft, title="Road casualties")
    old_slug = dataset.slug
    response = client.get(f"/datasets/{dataset.id}")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/datasets/{old_slug}"
    patch_dataset(ADMIN, old_slug, {"slug": "reported-road-casualties-gb"})
    response = client.get(f"/datasets/{old_slug}")
    assert response.status_code == 301
    assert response.headers["Location"] == "/datasets/reported-road-casualties-gb"
    html_of(client, "/datasets/reported-road-casualties-gb")


def test_the_history_names_editors_only_to_the_owning_organisation(dft, ons, client, signed_in):
    publisher = create_user(email="publisher@dft.gov.uk", organisation=dft, roles=("publisher",))
    actor = Actor.for_user(publisher, "token", {"read", "publish"})
    dataset = create_dataset(organisation=dft, actor=actor)
    patch_dataset(actor, dataset.slug, {"summary": "A new summary.", "keywords": ["roads"]})
    colleague = create_user(email="member@dft.gov.uk", organisation=dft)
    html = html_of(signed_in(colleague), f"/datasets/{dataset.slug}")
    history = html[html.index("History of changes") :]
    assert history.count("publisher@dft.gov.uk") == 2
    assert 'Updated: <span class="app-changed-fields">Summary, Keywords</span>' in history
    assert "Created" in history

    outsider = create_user(email="analyst@ons.gov.uk", organisation=ons)
    outsiders_view = html_of(signed_in(outsider), f"/datasets/{dataset.slug}")
    with client.session_transaction() as session:
        session.clear()
    anonymous_view = html_of(client, f"/datasets/{dataset.slug}")
    for html in (outsiders_view, anonymous_view):
        history = html[html.index("History of changes") :]
        assert "publisher@dft.gov.uk" not in html
        assert history.count('<td class="govuk-table__cell">Department for Transport</td>') == 2


def test_signed_out_an_entry_shared_within_government_looks_like_one_that_does_not_exist(dft, client):
    dataset = create_dataset(organisation=dft, access_rights="INTERNAL", title="Hospital episode statistics")
    hidden = html_of(client, f"/datasets/{dataset.slug}", status=404)
    missing = html_of(client, "/datasets/no-such-entry", status=404)
    assert h1_of(hidden) == h1_of(missing) == "You may need to sign in to see this"
    # Nothing of the entry is named, and the two pages differ only in the address to come back to.
    for told in (dataset.title, dataset.organisation.title, str(dataset.id)):
        assert told not in hidden

    def shape(html: str, slug: str) -> str:
        return re.sub(r'nonce="[^"]*"', "", html).replace(slug, "X")

    assert shape(hidden, dataset.slug) == shape(missing, "no-such-entry")
    assert f'href="/login?next=%2Fdatasets%2F{dataset.slug}"' in hidden


def test_signed_out_a_client_asking_for_json_gets_the_problem_document(dft, client):
    dataset = create_dataset(organisation=dft, access_rights="INTERNAL")
    response = client.get(f"/datasets/{dataset.slug}", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_signed_in_an_entry_the_person_may_not_see_is_simply_not_found(dft, ons, signed_in):
    dataset = create_dataset(organisation=dft, status="draft")
    reader = signed_in(create_user(email="analyst@ons.gov.uk", organisation=ons))
    html = html_of(reader, f"/datasets/{dataset.slug}", status=404)
    assert h1_of(html) == "Page not found"
    assert "You may need to sign in" not in html
