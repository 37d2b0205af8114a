"""The layout every page shares: GOV.UK header, service navigation, phase banner and footer, and
GOV.UK Frontend's files served from /assets."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace

from flask import render_template

from marketplace import web
from tests.factories import create_organisation, create_user
from tests.web.pages import TITLE_SUFFIX, h1_of, page, title_of

STATIC = Path(web.__file__).parent / "static"


def test_the_home_page_renders_in_the_govuk_layout(client):
    html = page(client, "/", status=200).get_data(as_text=True)
    assert title_of(html) == "Find and use UK government data" + TITLE_SUFFIX
    assert h1_of(html) == "Find and use UK government data"
    assert 'class="govuk-header"' in html
    assert re.search(r'<a href="/" class="govuk-service-navigation__link">\s*Data Marketplace\s*</a>', html)
    for text, href in [("Find data", "/datasets"), ("Organisations", "/organisations"), ("API", "/api")]:
        assert re.search(rf'href="{href}">\s*{text}\s*</a>', html), text
    assert "Open Government Licence v3.0" in html


def test_the_phase_is_alpha_and_asks_for_feedback_with_a_link_that_says_where_from(client):
    html = page(client, "/datasets?q=road", status=200).get_data(as_text=True)
    banner = re.search(r'<div class="govuk-phase-banner[^"]*">(.*?)</div>', html, re.S).group(1)
    assert re.search(r"govuk-phase-banner__content__tag\">\s*Alpha", banner)
    # The path only: a query can hold what someone typed (or, on the provider's pages, a token hint).
    assert 'href="/feedback?from=%2Fdatasets">feedback</a>' in banner


def test_the_footer_links_the_service_pages_and_not_raw_json(client):
    html = page(client, "/", status=200).get_data(as_text=True)
    footer = html[html.index('<div class="govuk-footer">') :]
    links = re.findall(r'class="govuk-footer__link" href="([^"]+)">\s*([^<]+?)\s*</a>', footer)
    assert links[:5] == [
        ("/accessibility-statement", "Accessibility statement"),
        ("/cookies", "Cookies"),
        ("/privacy", "Privacy"),
        ("/feedback", "Feedback"),
        ("/api", "API documentation"),
    ]
    assert "/api/v1/datasets" not in footer


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


def test_a_signed_in_user_gets_the_one_login_header_with_sign_out_and_their_account(app):
    with app.test_request_context("/"):
        html = render_template("home.html", current_user=SimpleNamespace(email="ann@dft.gov.uk"))
    # GOV.UK One Login's service header replaces the GOV.UK header once signed in.
    assert 'data-module="one-login-header"' in html and 'class="govuk-header"' not in html
    assert 'href="https://home.account.gov.uk/"' in html and "GOV.UK One Login" in html
    assert "/assets/one-login-header/service-header.min.css" in html
    assert 'href="/account">Your account</a>' in html
    # Signing out is a form that posts with the session's CSRF token, never a link.
    form = re.search(r'<form method="post" class="[^"]*" action="/logout">(.*?)</form>', html, re.S)
    assert form and 'name="csrf_token"' in form.group(1) and "Sign out" in form.group(1)
    assert 'href="/logout"' not in html
    assert "Sign in" not in html


def test_the_one_login_home_link_is_configured(app):
    app.config["ONE_LOGIN_HOME_URL"] = "https://home.integration.account.gov.uk/"
    with app.test_request_context("/"):
        html = render_template("home.html", current_user=SimpleNamespace(email="ann@dft.gov.uk"))
    assert 'href="https://home.integration.account.gov.uk/"' in html


def test_signed_out_pages_keep_the_govuk_header_and_load_no_one_login_styles(client):
    html = page(client, "/", status=200).get_data(as_text=True)
    assert 'class="govuk-header"' in html and "one-login-header" not in html


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
        ("/assets/one-login-header/service-header.min.css", "text/css"),
        ("/assets/one-login-header/service-header.js", "text/javascript"),
        ("/assets/fonts/bold-b542beb274-v2.woff2", "font/woff2"),
        ("/assets/images/favicon.svg", "image/svg+xml"),
    ]:
        with client.get(path) as response:
            assert response.status_code == 200, path
            assert response.mimetype == mimetype, path
            assert response.get_data(), path


def test_every_file_the_stylesheets_refer_to_is_served(client):
    css = (STATIC / "govuk-frontend.min.css").read_text()
    urls = set(re.findall(r"url\((/assets/[^)]+)\)", css))
    assert len(urls) >= 5, urls
    one_login = (STATIC / "one-login-header" / "service-header.min.css").read_text()
    urls |= set(re.findall(r"url\(([^)]+)\)", one_login))
    for url in urls:
        with client.get(url) as response:
            assert response.status_code == 200, url


def test_the_vendored_govuk_frontend_is_the_version_the_jinja_macros_are_made_for():
    # govuk-frontend-jinja 4.1.0 renders the markup of GOV.UK Frontend 6.3.0 (see `make vendor`).
    assert version("govuk-frontend-jinja") == "4.1.0"
    assert (STATIC / "VERSION").read_text().startswith("govuk-frontend 6.3.0\n")
    assert '--govuk-frontend-version:"6.3.0"' in (STATIC / "govuk-frontend.min.css").read_text()


def _navigation(html: str) -> list[str]:
    nav = re.search(r'<ul class="govuk-service-navigation__list"[^>]*>(.*?)</ul>', html, re.S).group(1)
    return [" ".join(text.split()) for text in re.findall(r"<a[^>]*>(.*?)</a>", nav, re.S)]


def test_publish_is_in_the_navigation_only_for_people_who_publish(app, client, signed_in):
    dft = create_organisation()
    assert _navigation(page(client, "/", status=200).text) == ["Find data", "Organisations", "API", "Sign in"]
    for email, roles, expected in [
        ("analyst@dft.gov.uk", (), ["Find data", "Organisations", "API", "Your account"]),
        ("pat@dft.gov.uk", ("publisher",), ["Find data", "Organisations", "Publish", "API", "Your account"]),
        (
            "admin@dft.gov.uk",
            ("org_admin",),
            ["Find data", "Organisations", "Publish", "API", "Your account"],
        ),
    ]:
        user = create_user(email=email, organisation=dft, roles=roles)
        assert _navigation(page(signed_in(user), "/", status=200).text) == expected, email
    site_admin = create_user(email="sam@cabinetoffice.gov.uk", roles=("site_admin",))
    assert "Publish" in _navigation(page(signed_in(site_admin), "/", status=200).text)
