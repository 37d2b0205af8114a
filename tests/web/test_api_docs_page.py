"""The API page tells a developer how to get a token and what each resource does."""

from __future__ import annotations

import re

from marketplace.api.blueprint import bp as api_bp
from marketplace.web.api_docs import ENDPOINTS
from tests.web.pages import TITLE_SUFFIX, page, title_of


def test_the_api_page_explains_tokens_and_lists_every_resource(client, app):
    html = page(client, "/api", status=200).get_data(as_text=True)
    assert title_of(html) == "Use the Data Marketplace API" + TITLE_SUFFIX
    assert 'href="/account/tokens"' in html and "Authorization: Bearer" in html
    # Examples name the service's own address (BASE_URL), never the Host the request came with.
    assert f"{app.config['BASE_URL']}/api/v1/datasets?q=road+casualties" in html
    forged = client.get("/api", headers={"Host": "localhost:9999"}).get_data(as_text=True)
    assert "localhost:9999" not in forged
    for _, path, _, _ in ENDPOINTS:
        assert path.replace("<", "&lt;").replace(">", "&gt;") in html


def test_every_listed_resource_exists_and_every_api_route_is_listed(app):
    rules = {
        re.sub(r"<[^>]+>", "<?>", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(api_bp.name + ".")
    }
    listed = {re.sub(r"<[^>]+>", "<?>", path.split("?")[0]) for _, path, _, _ in ENDPOINTS}
    assert listed <= rules, listed - rules
    assert rules <= listed, rules - listed


def test_the_api_page_tells_metadata_quality_from_the_publishers_rating(client):
    html = page(client, "/api", status=200).get_data(as_text=True)
    assert "Metadata quality</strong>, computed by the service" in html
    assert "not the data itself" in html
    assert "The publisher\u2019s rating of the data</strong>: <code>declared</code>" in html
    assert "<code>excellent</code> (351 to 405), <code>good</code> (221 to 350), " in html
    assert "<code>sufficient</code> (121 to 220) or <code>bad</code> (0 to 120)" in html
