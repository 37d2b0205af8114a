"""What a signed-in person or a token's holder is shown is kept out of caches (issue 11, section 6).

A signed-in person's pages, files, error pages and API answers read with the cookie are
`no-store`: a shared computer's browser keeps no copy to show after signing out. A token's holder
gets `private, no-cache`: no shared cache keeps it, and the client may still revalidate with the
entity tag (a 304) rather than download again. What anyone may see stays as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import requests

from tests.auth.signin import configure_provider, sign_in_as, sign_out
from tests.factories import create_dataset, create_organisation, create_token, create_user
from tests.web.pages import BROWSER_ACCEPT

PUBLISHER = "publisher@dft.gov.uk"
MEMBER = "member@dft.gov.uk"


def directives(response: requests.Response) -> set[str]:
    header = response.headers.get("Cache-Control", "")
    return {part.strip().lower() for part in header.split(",") if part.strip()}


@dataclass(frozen=True)
class Site:
    url: str
    token: str  # the publisher's API token


@pytest.fixture
def site(app, live_server) -> Site:
    dft = create_organisation(slug="department-for-transport", email_domains=["dft.gov.uk"])
    publisher = create_user(email=PUBLISHER, organisation=dft, roles=("publisher",))
    create_user(email=MEMBER, organisation=dft, roles=("member",))
    create_dataset(organisation=dft, title="Road casualties", slug="road-casualties")
    create_dataset(organisation=dft, title="A draft", slug="a-draft", status="draft")
    token = create_token(user=publisher, scopes=("read",))
    configure_provider(live_server, reset=True)
    return Site(live_server, token)


@pytest.fixture
def publisher(site) -> requests.Session:
    session, response = sign_in_as(site.url, PUBLISHER, next_path="/")
    assert response.status_code == 200, response.text[:500]
    session.headers["Accept"] = BROWSER_ACCEPT
    return session


SIGNED_IN_PAGES = [
    ("/", 200),
    ("/account", 200),
    ("/account/tokens", 200),
    ("/publish", 200),
    ("/publish/import", 200),
    ("/datasets", 200),
    ("/datasets/a-draft", 200),  # only its publishers can see it
    ("/quality", 200),
    ("/logout", 200),  # the confirmation page
    ("/nowhere", 404),
    ("/publish/datasets/no-such-entry/edit", 404),
]


@pytest.mark.parametrize(("path", "status"), SIGNED_IN_PAGES)
def test_a_signed_in_persons_pages_and_error_pages_are_never_stored(site, publisher, path, status):
    response = publisher.get(f"{site.url}{path}", timeout=10)
    assert response.status_code == status, response.text[:500]
    assert response.headers["Content-Type"].startswith("text/html")
    assert directives(response) == {"no-store"}, response.headers.get("Cache-Control")


def test_a_refusal_page_for_a_signed_in_person_is_never_stored(site):
    member, _ = sign_in_as(site.url, MEMBER, next_path="/")
    response = member.get(f"{site.url}/publish/import", headers={"Accept": BROWSER_ACCEPT}, timeout=10)
    assert response.status_code == 403
    assert directives(response) == {"no-store"}


@pytest.mark.parametrize("path", ["/quality.csv", "/publish/import/template.csv"])
def test_files_downloaded_by_a_signed_in_person_are_never_stored(site, publisher, path):
    response = publisher.get(f"{site.url}{path}", timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert directives(response) == {"no-store"}


API_ANSWERS = [
    ("/api/v1/me", 200),
    ("/api/v1/datasets", 200),
    ("/api/v1/datasets/a-draft", 200),
    ("/api/v1/nowhere", 404),
]


@pytest.mark.parametrize(("path", "status"), API_ANSWERS)
def test_api_answers_read_with_the_sign_in_cookie_are_never_stored(site, publisher, path, status):
    response = publisher.get(f"{site.url}{path}", headers={"Accept": "application/json"}, timeout=10)
    assert response.status_code == status, response.text[:500]
    assert directives(response) == {"no-store"}


@pytest.mark.parametrize(("path", "status"), API_ANSWERS)
def test_a_token_holders_answers_stay_private_to_that_client(site, path, status):
    token = site.token
    response = requests.get(f"{site.url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert response.status_code == status, response.text[:500]
    assert directives(response) == {"private", "no-cache"}


def test_a_token_holder_can_still_revalidate_with_the_entity_tag(site):
    auth = {"Authorization": f"Bearer {site.token}"}
    first = requests.get(f"{site.url}/api/v1/datasets/a-draft", headers=auth, timeout=10)
    assert first.status_code == 200 and first.headers["ETag"]
    revalidate = {**auth, "If-None-Match": first.headers["ETag"]}
    again = requests.get(f"{site.url}/api/v1/datasets/a-draft", headers=revalidate, timeout=10)
    assert again.status_code == 304
    assert directives(again) == {"private", "no-cache"}


def test_a_problem_for_a_token_that_does_not_check_out_is_not_shared(site):
    wrong = {"Authorization": "Bearer not-a-token"}
    response = requests.get(f"{site.url}/api/v1/me", headers=wrong, timeout=10)
    assert response.status_code == 401
    assert "public" not in directives(response)
    assert {"private", "no-cache"} <= directives(response) or "no-store" in directives(response)


@pytest.mark.parametrize("path", ["/", "/datasets", "/datasets/road-casualties", "/quality", "/nowhere"])
def test_pages_anyone_may_see_are_not_marked_private(site, path):
    response = requests.get(f"{site.url}{path}", headers={"Accept": BROWSER_ACCEPT}, timeout=10)
    assert response.status_code in {200, 404}
    assert not directives(response) & {"no-store", "private"}, response.headers.get("Cache-Control")


def test_anonymous_api_answers_keep_revalidation_and_are_not_marked_private(site):
    response = requests.get(f"{site.url}/api/v1/datasets", timeout=10)
    assert response.status_code == 200
    assert directives(response) == {"no-cache"}
    assert {"Authorization", "Cookie"} <= {v.strip() for v in response.headers["Vary"].split(",")}


def test_after_signing_out_the_pages_are_no_longer_marked_private(site, publisher):
    sign_out(site.url, publisher)
    response = publisher.get(f"{site.url}/", timeout=10)
    assert response.status_code == 200 and "Sign in" in response.text
    assert not directives(response) & {"no-store", "private"}


def test_a_signed_in_persons_assets_stay_cacheable(site, publisher):
    # Stylesheets and scripts are the same for everyone: storing them leaks nothing.
    response = publisher.get(f"{site.url}/assets/init.js", timeout=10)
    assert response.status_code == 200
    assert "no-store" not in directives(response) and "private" not in directives(response)


def test_an_answer_that_sets_the_sign_in_cookie_is_never_stored(site):
    # /login keeps the sign-in's state in the cookie: a stored copy would give it to another browser.
    response = requests.get(f"{site.url}/login", allow_redirects=False, timeout=10)
    assert response.status_code == 302 and "Set-Cookie" in response.headers
    assert directives(response) == {"no-store"}
