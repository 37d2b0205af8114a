"""The API page tells a developer how to get a token and what each resource does."""

from __future__ import annotations

from marketplace.api.openapi import build_document
from marketplace.web.api_docs import operations
from tests.web.pages import TITLE_SUFFIX, page, title_of


def test_the_api_page_explains_tokens_and_lists_every_resource(client, app):
    html = page(client, "/api", status=200).get_data(as_text=True)
    assert title_of(html) == "Use the Data Marketplace API" + TITLE_SUFFIX
    assert 'href="/account/tokens"' in html and "Authorization: Bearer" in html
    # Examples name the service's own address (BASE_URL), never the Host the request came with.
    assert f"{app.config['BASE_URL']}/api/v1/datasets?q=road+casualties" in html
    forged = client.get("/api", headers={"Host": "localhost:9999"}).get_data(as_text=True)
    assert "localhost:9999" not in forged
    assert 'href="/api/v1/openapi.json"' in html


def test_the_api_page_describes_every_operation_of_the_openapi_document(client, app):
    html = page(client, "/api", status=200).get_data(as_text=True)
    document = build_document(app)
    listed = operations(document)
    assert {(o.method.lower(), o.path) for o in listed} == {
        (method, path) for path, methods in document["paths"].items() for method in methods
    }
    for operation in listed:
        assert f'id="{operation.id}"><code>{operation.method} {operation.path}</code>' in html
        for status, _ in operation.responses:
            assert f'<dt class="govuk-summary-list__key">{status}</dt>' in html
    assert "<code>modified_since</code>" in html and "<code>If-Match</code>" in html


def test_the_api_page_tells_metadata_quality_from_the_publishers_rating(client):
    html = page(client, "/api", status=200).get_data(as_text=True)
    assert "Metadata quality</strong>, computed by the service" in html
    assert "not the data itself" in html
    assert "The publisher\u2019s rating of the data</strong>: <code>declared</code>" in html
    assert "<code>excellent</code> (351 to 405), <code>good</code> (221 to 350), " in html
    assert "<code>sufficient</code> (121 to 220) or <code>bad</code> (0 to 120)" in html
