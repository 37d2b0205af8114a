"""Browsers get GOV.UK error pages; the APIs, curl and every client that does not prefer HTML
get problem+json, as before."""

from __future__ import annotations

import pytest

from tests.factories import create_organisation, create_user
from tests.helpers import api, assert_problem
from tests.web.pages import BROWSER_ACCEPT, TITLE_SUFFIX, h1_of, page, title_of


@pytest.mark.parametrize(
    ("path", "status", "heading"),
    [
        ("/nowhere", 404, "Page not found"),
        ("/test-pages/gone", 410, "This page has been removed"),
        ("/test-pages/forbidden", 403, "You do not have permission to see this page"),
        ("/test-pages/boom", 500, "Sorry, there is a problem with the service"),
        ("/test-pages/unavailable", 503, "Sorry, the service is unavailable"),
    ],
)
def test_a_browser_gets_a_govuk_error_page_with_the_status(app_with_test_pages, path, status, heading):
    html = page(app_with_test_pages.test_client(), path, status=status).get_data(as_text=True)
    assert h1_of(html) == heading
    assert title_of(html) == heading + TITLE_SUFFIX
    assert 'class="govuk-header"' in html and "govuk-footer" in html


@pytest.mark.parametrize("accept", ["*/*", None, "application/json", "text/html, application/json"])
@pytest.mark.parametrize(
    ("path", "status"), [("/nowhere", 404), ("/test-pages/gone", 410), ("/test-pages/boom", 500)]
)
def test_a_client_that_does_not_prefer_html_gets_problem_json(app_with_test_pages, accept, path, status):
    headers = {"Accept": accept} if accept else {}
    response = api(app_with_test_pages.test_client(), "GET", path, status=status, headers=headers)
    assert_problem(response)


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing", "/api/v1/datasets/no-such-entry"])
def test_the_api_answers_browsers_with_problem_json_too(client, path):
    assert_problem(api(client, "GET", path, status=404, headers={"Accept": BROWSER_ACCEPT}))


def test_the_page_for_an_unexpected_error_shows_nothing_of_the_error(app_with_test_pages):
    html = page(app_with_test_pages.test_client(), "/test-pages/boom", status=500).get_data(as_text=True)
    for leak in ("Traceback", "secret internals", "SELECT", "RuntimeError"):
        assert leak not in html, leak


def test_the_page_for_a_refused_request_says_why(app_with_test_pages):
    html = page(app_with_test_pages.test_client(), "/test-pages/forbidden", status=403).get_data(as_text=True)
    assert "Only publishers of this organisation can edit it." in html


def test_a_browser_using_a_method_a_page_does_not_take_gets_a_page_and_allow(client):
    response = page(client, "/healthz", method="POST", status=405)
    assert h1_of(response.get_data(as_text=True)) == "Sorry, you cannot do that on this page"
    assert {m.strip() for m in response.headers["Allow"].split(",")} == {"GET", "HEAD", "OPTIONS"}


def test_a_browser_sending_too_much_gets_a_page_naming_the_limit(app_with_test_pages):
    limit = app_with_test_pages.config["MAX_CONTENT_LENGTH"]
    client = app_with_test_pages.test_client()
    response = page(client, "/test-pages/form", method="POST", status=413, data={"x": "y" * (limit + 1)})
    assert f"limit of {limit} bytes" in response.get_data(as_text=True)


def test_when_the_error_page_itself_fails_the_problem_document_is_sent(app_with_test_pages):
    def broken_context() -> dict:
        raise RuntimeError("the layout's data is down too")

    app_with_test_pages.context_processor(broken_context)
    response = api(
        app_with_test_pages.test_client(),
        "GET",
        "/test-pages/boom",
        status=500,
        headers={"Accept": BROWSER_ACCEPT},
    )
    assert assert_problem(response)["title"] == "Internal server error"


def test_signed_out_the_not_found_page_says_signing_in_may_show_more(client, signed_in):
    html = page(client, "/nowhere", status=404).get_data(as_text=True)
    assert "Some pages are shared only within government" in html
    assert 'href="/login?next=%2Fnowhere"' in html

    dft = create_organisation(email_domains=["dft.gov.uk"])
    signed_in(create_user(email="analyst@dft.gov.uk", organisation=dft))
    html = page(client, "/nowhere", status=404).get_data(as_text=True)
    assert "Some pages are shared only within government" not in html
