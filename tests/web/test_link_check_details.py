"""The dataset page shows what the link checker found on the entry's links (what a link answered,
and when) to the entry's publishers only, by the same rule as the API (issue 11, section 3)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from marketplace.services.link_checks import check_links
from marketplace.services.outbound import AddressPolicy
from tests.factories import create_dataset, create_organisation, create_user
from tests.link_server import LinkServer, serving
from tests.web.pages import page

ANSWERED = "it answered 401 when checked on"


@pytest.fixture
def links() -> Iterator[LinkServer]:
    with serving() as server:
        yield server


@pytest.fixture
def dft(app):
    return create_organisation()


@pytest.fixture
def entry(dft, links):
    """A published OPEN entry whose download link answered 401 when checked."""
    dataset = create_dataset(
        organisation=dft,
        distributions=[{"title": "Casualties 2024", "download_url": links.url("/secret")}],
    )
    check_links(timeout=2, address_policy=AddressPolicy(allow_private=True))
    return dataset


def test_the_entrys_publisher_reads_what_the_link_answered(dft, entry, signed_in):
    client = signed_in(create_user(email="ann@dft.gov.uk", organisation=dft, roles=("publisher",)))

    html = page(client, f"/datasets/{entry.slug}", status=200).get_data(as_text=True)

    assert f"Fix or replace the download link of “Casualties 2024”: {ANSWERED}" in html


@pytest.mark.parametrize("who", ["anonymous", "reader", "member without the role", "other publisher"])
def test_no_one_else_reads_what_the_link_answered(dft, entry, client, signed_in, who):
    home_office = create_organisation(
        slug="home-office", title="Home Office", abbreviation="HO", email_domains=["homeoffice.gov.uk"]
    )
    people = {
        "reader": lambda: create_user(email="carol@cabinetoffice.gov.uk", roles=()),
        "member without the role": lambda: create_user(email="max@dft.gov.uk", organisation=dft),
        "other publisher": lambda: create_user(
            email="sam@homeoffice.gov.uk", organisation=home_office, roles=("publisher",)
        ),
    }
    viewer = client if who == "anonymous" else signed_in(people[who]())

    html = page(viewer, f"/datasets/{entry.slug}", status=200).get_data(as_text=True)

    # The link itself holds a random port, which may contain "401": look for the words around it.
    assert "answered 401" not in html and "checked on" not in html
    assert "Its publisher can see what would raise the score." in html
