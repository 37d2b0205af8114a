"""Forms carry a token tied to the session; a form sent without it (from another site, or after the
session ended) is refused with a clear 400. The bearer-token JSON API needs no token."""

from __future__ import annotations

import re

from tests.factories import create_organisation, create_token, create_user, valid_entry
from tests.helpers import api, assert_problem
from tests.web.pages import h1_of, page

EXPIRED = "The form has expired or was not sent from this service."


def test_a_form_sent_without_its_token_gets_a_page_saying_it_expired(app_with_test_pages):
    client = app_with_test_pages.test_client()
    html = page(client, "/test-pages/form", method="POST", status=400, data={}).get_data(as_text=True)
    assert h1_of(html) == "The form has expired"
    assert EXPIRED in html and "Go back, refresh the page and try again." in html


def test_a_form_sent_with_a_forged_token_is_refused(app_with_test_pages):
    client = app_with_test_pages.test_client()
    page(client, "/test-pages/form", status=200)
    page(client, "/test-pages/form", method="POST", status=400, data={"csrf_token": "forged"})


def test_a_client_that_does_not_prefer_html_gets_the_refusal_as_problem_json(app_with_test_pages):
    response = api(app_with_test_pages.test_client(), "POST", "/test-pages/form", status=400, data={})
    assert assert_problem(response)["detail"].startswith(EXPIRED)


def test_a_form_sent_with_the_token_from_its_page_is_accepted(app_with_test_pages):
    client = app_with_test_pages.test_client()
    html = page(client, "/test-pages/form", status=200).get_data(as_text=True)
    [token] = re.findall(r'<input type="hidden" name="csrf_token" value="([^"]+)">', html)
    page(client, "/test-pages/form", method="POST", status=200, data={"csrf_token": token})


def test_the_json_api_takes_posts_with_a_bearer_token_and_no_csrf_token(client):
    organisation = create_organisation()
    user = create_user(email="ann@dft.gov.uk", organisation=organisation, roles=("publisher",))
    token = create_token(user=user)
    api(client, "POST", "/api/v1/datasets", status=201, token=token, json=valid_entry())
