"""An entry's DCAT: at /datasets/<slug>.ttl|.jsonld|.rdf, by Accept on /datasets/<slug>, and
linked from its page, both in the head and where people can see it."""

from __future__ import annotations

import pytest
from flask import current_app
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF, SKOS

from marketplace.services.datasets import patch_dataset
from tests.dcat.entries import entry_node, fetch_graph, parse
from tests.factories import ADMIN, create_dataset, create_organisation

TYPES = {"ttl": "text/turtle", "jsonld": "application/ld+json", "rdf": "application/rdf+xml"}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("ext", TYPES)
def test_accept_on_the_entry_address_gets_the_same_rdf_as_its_extension(client, ext):
    dataset = create_dataset(organisation=create_organisation())
    response = client.get(f"/datasets/{dataset.slug}", headers={"Accept": TYPES[ext]})
    assert response.status_code == 200
    assert response.mimetype == TYPES[ext]
    assert "Accept" in response.headers["Vary"]
    negotiated = parse(response.get_data(as_text=True), ext)
    assert (entry_node(dataset.slug), RDF.type, DCAT.Dataset) in negotiated
    assert isomorphic(negotiated, fetch_graph(client, f"/datasets/{dataset.slug}.{ext}", ext=ext))


@pytest.mark.parametrize("accept", [BROWSER, "*/*", "text/html, text/turtle;q=0.5", ""])
def test_browsers_and_clients_that_prefer_nothing_get_the_page(client, accept):
    dataset = create_dataset(organisation=create_organisation())
    headers = {"Accept": accept} if accept else {}
    response = client.get(f"/datasets/{dataset.slug}", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "Accept" in response.headers["Vary"]


def test_the_page_links_each_dcat_version_in_its_head_and_in_its_body(client):
    dataset = create_dataset(organisation=create_organisation())
    html = client.get(f"/datasets/{dataset.slug}").get_data(as_text=True)
    head = html[: html.index("</head>")]
    body = html[html.index("<body") :]
    for ext, media_type in TYPES.items():
        href = f"/datasets/{dataset.slug}.{ext}"
        assert f'<link rel="alternate" type="{media_type}" href="{href}">' in head
        visible_link = f'<a class="govuk-link" type="{media_type}" href="{href}">'
        assert visible_link in body
        graph = fetch_graph(client, href, ext=ext)
        assert graph.value(entry_node(dataset.slug), DCTERMS.title) is not None


def test_an_old_slug_redirects_to_the_current_one_in_the_same_format(client):
    dataset = create_dataset(organisation=create_organisation(), title="Bus journeys")
    old_slug = dataset.slug
    patch_dataset(ADMIN, old_slug, {"slug": "bus-journeys-by-region"})
    response = client.get(f"/datasets/{old_slug}.jsonld")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/datasets/bus-journeys-by-region.jsonld")


def test_an_entry_the_visitor_may_not_see_is_not_found_in_every_format(client):
    hidden = create_dataset(
        organisation=create_organisation(), title="Prison capacity", access_rights="INTERNAL"
    )
    for response in (
        client.get(f"/datasets/{hidden.slug}.ttl"),
        client.get(f"/datasets/{hidden.slug}", headers={"Accept": "text/turtle"}),
    ):
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
        assert "Prison capacity" not in response.get_data(as_text=True)


def test_every_theme_uri_in_the_catalogue_answers_with_our_concept_scheme(client):
    create_dataset(organisation=create_organisation(), themes=["education", "energy"])
    catalogue = fetch_graph(client, "/catalog.ttl")
    themes = set(catalogue.objects(None, DCAT.theme))
    assert len(themes) == 2
    for theme in themes:
        path = str(theme).removeprefix(current_app.config["BASE_URL"].rstrip("/"))
        scheme = fetch_graph(client, path)
        assert (theme, RDF.type, SKOS.Concept) in scheme
        assert (theme, SKOS.inScheme, catalogue.value(None, DCAT.themeTaxonomy)) in scheme
    response = client.get("/catalog/themes/astrology", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
