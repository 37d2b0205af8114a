"""The layout every page shares: GOV.UK header, service navigation, phase banner and footer, and
GOV.UK Frontend's files served from /assets."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace

from flask import render_template

from marketplace import web
from tests.web.pages import TITLE_SUFFIX, h1_of, page, title_of

STATIC = Path(web.__file__).parent / "static"


def test_the_home_page_renders_in_the_govuk_layout(client):
    html = page(client, "/", status=200).get_data(as_text=True)
    assert title_of(html) == "Find and use UK government data" + TITLE_SUFFIX
    assert h1_of(html) == "Find and use UK government data"
    assert 'class="govuk-header"' in html
    assert re.search(r'<a href="/" class="govuk-service-navigation__link">\s*Data Marketplace\s*</a>', html)
    for text, href in [
        ("Find data", "/datasets"),
        ("Organisations", "/organisations"),
        ("Publish", "/publish"),
    ]:
        assert re.search(rf'href="{href}">\s*{text}\s*</a>', html), text
    assert re.search(r'href="/api">\s*API\s*</a>', html)
    assert "govuk-phase-banner" in html and re.search(
        r"govuk-phase-banner__content__tag\">\s*Prototype", html
    )
    assert "Open Government Licence v3.0" in html
    assert 'class="govuk-footer__link" href="/api/v1/datasets"' in html


def test_the_home_page_searches_the_datasets_with_a_labelled_box(client):
    html = page(client, "/", status=200).get_data(as_text=True)
    form = re.search(r'<form action="/datasets" method="get"[^>]*>(.*?)</form>', html, re.DOTALL)
    assert form, "no search form"
    assert re.search(r'<label class="govuk-label[^"]*" for="q">\s*Search for data', form.group(1))
    assert re.search(r'<input[^>]*id="q" name="q" type="search"', form.group(1))


def test_a_visitor_who_is_not_signed_in_is_offered_sign_in_that_comes_back_to_the_page(client):
    html = page(client, "/?q=bus+stops", status=200).get_data(as_text=True)
    assert 'href="/login?next=%2F%3Fq%3Dbus%2Bstops">Sign in</a>' in html
    assert "Sign out" not in html and "Your account" not in html


def test_a_signed_in_user_is_offered_their_account_and_sign_out(app):
    with app.test_request_context("/"):
        html = render_template("home.html", current_user=SimpleNamespace(email="ann@dft.gov.uk"))
    assert 'href="/account">Your account</a>' in html
    # Signing out is a form that posts with the session's CSRF token, never a link.
    form = re.search(r'<form class="app-sign-out" method="post" action="/logout">(.*?)</form>', html, re.S)
    assert form and 'name="csrf_token"' in form.group(1) and ">Sign out</button>" in form.group(1)
    assert 'href="/logout"' not in html
    assert "Sign in" not in html


def test_the_navigation_marks_the_section_the_page_is_in(app):
    with app.test_request_context("/datasets/bus-stops"):
        html = render_template("home.html")
    [active] = re.findall(r'govuk-service-navigation__item--active">\s*<a[^>]*href="([^"]+)"', html)
    assert active == "/datasets"


def test_govuk_frontend_styles_scripts_and_fonts_are_served_at_assets(client):
    for path, mimetype in [
        ("/assets/govuk-frontend.min.css", "text/css"),
        ("/assets/govuk-frontend.min.js", "text/javascript"),
        ("/assets/init.js", "text/javascript"),
        ("/assets/fonts/bold-b542beb274-v2.woff2", "font/woff2"),
        ("/assets/images/favicon.svg", "image/svg+xml"),
    ]:
        with client.get(path) as response:
            assert response.status_code == 200, path
            assert response.mimetype == mimetype, path
            assert response.get_data(), path


def test_every_file_the_stylesheet_refers_to_is_served(client):
    css = (STATIC / "govuk-frontend.min.css").read_text()
    urls = set(re.findall(r"url\((/assets/[^)]+)\)", css))
    assert len(urls) >= 5, urls
    for url in urls:
        with client.get(url) as response:
            assert response.status_code == 200, url


def test_the_vendored_govuk_frontend_is_the_version_the_jinja_macros_are_made_for():
    # govuk-frontend-jinja 4.1.0 renders the markup of GOV.UK Frontend 6.3.0 (see `make vendor`).
    assert version("govuk-frontend-jinja") == "4.1.0"
    assert (STATIC / "VERSION").read_text().startswith("govuk-frontend 6.3.0\n")
    assert '--govuk-frontend-version:"6.3.0"' in (STATIC / "govuk-frontend.min.css").read_text()
