"""Every kind of entry, and the whole seeded catalogue, conform to the DCAT-AP 3.0.1 shapes
(shapes.ttl + range.ttl): no violation. Warnings against the recommended shapes are counted."""

from __future__ import annotations

import time

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.services.datasets import create_dataset as create_entry
from marketplace.vocabularies import ACCESS_RIGHTS, LICENCES, UPDATE_FREQUENCIES
from tests.dcat.entries import admin_token, entry_node, entry_slugs, fetch_graph
from tests.dcat.shacl import validate, violations
from tests.factories import ADMIN, create_dataset, create_organisation

SERVICE = {
    "type": "data_service",
    "distributions": [],
    "endpoint_url": "https://api.dft.gov.uk/v1/road-casualties",
    "endpoint_description": "https://api.dft.gov.uk/v1/openapi.json",
    "service_type": "REST",
    "service_status": "LIVE",
}
EVERYTHING = {
    "identifier": "DFT-RAS-0001",
    "alternative_titles": ["STATS19"],
    "version": "2024.1",
    "creators": ["Road Safety Statistics team", "STATS19 police forces"],
    "created": "2013-01-01",
    "related_resources": ["https://www.gov.uk/government/collections/road-accidents-and-safety-statistics"],
    "themes": ["transport-and-infrastructure", "health-and-care"],
    "distributions": [
        {
            "title": "Casualties 2024",
            "description": "One row per casualty.",
            "access_url": "https://www.data.gov.uk/dataset/road-casualties",
            "download_url": "https://data.dft.gov.uk/casualty-2024.csv",
            "media_type": "text/csv",
            "format": "CSV",
            "byte_size": 38211022,
            "licence": "https://creativecommons.org/licenses/by/4.0/",
            "issued": "2025-09-25",
            "modified": "2025-09-26",
        },
        {"title": "Guide", "access_url": "https://www.gov.uk/guidance/road-casualties"},
        {"title": "Odd format", "download_url": "https://example.gov.uk/data.xyz", "format": "XYZ"},
    ],
}


def _conforms(client, slug: str, token: str | None = None) -> Graph:
    graph = fetch_graph(client, f"/datasets/{slug}.ttl", token=token)
    findings = violations(graph)
    assert findings.violations == 0, findings.report
    return graph


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param(EVERYTHING, id="everything-filled"),
        pytest.param(
            {
                "keywords": [],
                "themes": [],
                "distributions": [],
                "issued": None,
                "spatial_coverage": None,
                "temporal_coverage": None,
                "update_frequency": None,
            },
            id="minimal-published",
        ),
        pytest.param({"temporal_coverage": {"start": "2020-01-01"}}, id="open-ended-period"),
        *(pytest.param({"access_rights": value}, id=f"access-{value}") for value in ACCESS_RIGHTS),
        *(pytest.param({"update_frequency": value}, id=f"frequency-{value}") for value in UPDATE_FREQUENCIES),
        *(pytest.param({"licence": licence.uri}, id=f"licence-{licence.id}") for licence in LICENCES),
    ],
)
def test_each_kind_of_dataset_conforms_to_the_dcat_ap_shapes(client, overrides):
    dataset = create_dataset(organisation=create_organisation(), **overrides)
    graph = _conforms(client, dataset.slug, admin_token())
    assert (entry_node(dataset.slug), RDF.type, DCAT.Dataset) in graph


def test_a_data_service_conforms_and_names_the_datasets_it_serves(client):
    organisation = create_organisation()
    served = create_dataset(organisation=organisation)
    service = create_dataset(organisation=organisation, serves_datasets=[served.slug], **SERVICE)
    graph = _conforms(client, service.slug)
    node = entry_node(service.slug)
    assert (node, RDF.type, DCAT.DataService) in graph
    assert (node, DCAT.endpointURL, URIRef(SERVICE["endpoint_url"])) in graph
    assert list(graph.objects(node, DCAT.servesDataset)) == [entry_node(served.slug)]


def test_a_bare_draft_shown_to_its_publisher_conforms(client):
    organisation = create_organisation()
    draft = create_entry(ADMIN, {"type": "dataset", "title": "Untitled work", "publisher": organisation.slug})
    _conforms(client, draft.slug, admin_token())


def test_the_shapes_do_catch_a_dataset_without_a_description_or_a_typed_publisher(client):
    # Proof that a pass means something: the same graph, broken two ways, fails.
    dataset = create_dataset(organisation=create_organisation())
    graph = fetch_graph(client, f"/datasets/{dataset.slug}.ttl")
    node = entry_node(dataset.slug)
    publisher = graph.value(node, DCTERMS.publisher)
    graph.remove((node, DCTERMS.description, None))
    graph.remove((publisher, RDF.type, None))
    report = violations(graph).report
    assert violations(graph).violations >= 2
    assert "dct:description" in report or str(DCTERMS.description) in report


def test_the_whole_seeded_catalogue_conforms_with_no_violations(runner, client):
    assert runner.invoke(args=["seed"]).exit_code == 0
    token = admin_token()
    published = db.session.scalar(
        select(func.count()).select_from(Dataset).where(Dataset.status == "published")
    )
    catalogue, page = Graph(), 1
    while True:
        catalogue += fetch_graph(client, f"/catalog.ttl?page={page}", token=token)
        if page * 100 >= published:
            break
        page += 1
    assert len(entry_slugs(catalogue)) == published

    started = time.perf_counter()
    findings = violations(catalogue)
    took = time.perf_counter() - started
    assert findings.violations == 0, findings.report
    started = time.perf_counter()
    recommended = validate(catalogue, "shapes_recommended.ttl")
    took_recommended = time.perf_counter() - started
    # The figures the closing note reports; -s shows them.
    print(
        f"\nDCAT-AP 3.0.1, seeded catalogue: {published} entries, {len(catalogue)} triples; "
        f"shapes+range: {findings.violations} violations in {took:.1f}s; "
        f"recommended: {recommended.warnings} warnings in {took_recommended:.1f}s"
    )


def test_a_distribution_names_the_data_services_giving_its_data_and_conforms(client):
    organisation = create_organisation()
    service = create_dataset(organisation=organisation, title="Road casualties API", **SERVICE)
    file = {
        "title": "Casualties",
        "access_url": SERVICE["endpoint_url"],
        "access_services": [str(service.id)],
    }
    dataset = create_dataset(organisation=organisation, distributions=[file])

    graph = _conforms(client, dataset.slug)

    [distribution] = graph.objects(entry_node(dataset.slug), DCAT.distribution)
    assert list(graph.objects(distribution, DCAT.accessService)) == [entry_node(service.slug)]
    assert (entry_node(service.slug), RDF.type, DCAT.DataService) in graph
