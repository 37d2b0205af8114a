"""What the link checker found on an entry's links (what a link answered, and when) is shown
through the API only to the entry's publishers; everyone else who can read the entry reads that
a link does not work (issue 11, section 3). The score itself is the same for all.

Over real HTTP: the entry's link is on a web server on loopback that answers 401, and the
checker is run for real (allowed to ask loopback, as a test must)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from marketplace.rules.mqa_indicators import LINK_DOES_NOT_WORK
from marketplace.services.link_checks import check_links
from marketplace.services.outbound import AddressPolicy
from tests.factories import create_dataset, create_organisation, create_token, create_user
from tests.link_server import LinkServer, serving


@pytest.fixture
def links() -> Iterator[LinkServer]:
    with serving() as server:
        yield server


@pytest.fixture
def entry(app, links):
    """A published OPEN entry whose download link answered 401 when checked."""
    dft = create_organisation()
    dataset = create_dataset(
        organisation=dft,
        distributions=[{"title": "Casualties 2024", "download_url": links.url("/secret")}],
    )
    check_links(timeout=2, address_policy=AddressPolicy(allow_private=True))
    return dataset


def token_of(email: str, organisation=None, roles: tuple[str, ...] = ()) -> str:
    return create_token(user=create_user(email=email, organisation=organisation, roles=roles))


def quality(base: str, slug: str, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    entry = requests.get(f"{base}/api/v1/datasets/{slug}", headers=headers, timeout=10)
    alone = requests.get(f"{base}/api/v1/datasets/{slug}/quality", headers=headers, timeout=10)
    listed = requests.get(f"{base}/api/v1/datasets", headers=headers, timeout=10)
    assert (entry.status_code, alone.status_code, listed.status_code) == (200, 200, 200)
    [item] = [i for i in listed.json()["items"] if i["slug"] == slug]
    # The entry, its quality on its own and the list all say the same.
    assert entry.json()["quality"] == alone.json() == item["quality"]
    return alone.json()


@pytest.mark.parametrize("who", ["anonymous", "reader", "member without the role", "other publisher"])
def test_others_read_only_that_a_link_does_not_work(live_server, entry, who):
    dft = entry.organisation
    home_office = create_organisation(
        slug="home-office", title="Home Office", abbreviation="HO", email_domains=["homeoffice.gov.uk"]
    )
    token = {
        "anonymous": None,
        "reader": lambda: token_of("carol@cabinetoffice.gov.uk"),
        "member without the role": lambda: token_of("max@dft.gov.uk", dft, ("member",)),
        "other publisher": lambda: token_of("sam@homeoffice.gov.uk", home_office, ("publisher",)),
    }[who]

    seen = quality(live_server, entry.slug, token() if token else None)

    assert LINK_DOES_NOT_WORK in seen["fixes"]
    assert not any("401" in fix or "checked on" in fix for fix in seen["fixes"])
    assert seen["metadata_score"] == entry.metadata_score


@pytest.mark.parametrize("who", ["publisher", "organisation admin", "site admin"])
def test_the_entrys_publishers_read_what_the_link_answered(live_server, entry, who):
    dft = entry.organisation
    token = {
        "publisher": lambda: token_of("ann@dft.gov.uk", dft, ("publisher",)),
        "organisation admin": lambda: token_of("olu@dft.gov.uk", dft, ("org_admin",)),
        "site admin": lambda: token_of("sue@cabinetoffice.gov.uk", None, ("site_admin",)),
    }[who]()

    seen = quality(live_server, entry.slug, token)

    assert any(
        fix.startswith(
            "Fix or replace the download link of “Casualties 2024”: it answered 401 when checked on"
        )
        for fix in seen["fixes"]
    ), seen["fixes"]
    assert LINK_DOES_NOT_WORK not in seen["fixes"]
