"""The paged catalogue, read over real HTTP and parsed back with rdflib: 100 a page, newest
change first, Hydra links that walk every page once, the same graph in each format, and only
what the visitor may see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, RDF, XSD
from sqlalchemy import select, update

from marketplace.dcat.graph import HYDRA
from marketplace.extensions import db
from marketplace.models import Dataset
from tests.dcat.entries import admin_token, entry_node, entry_slugs, fetch_graph, parse, reader_token
from tests.factories import create_dataset, create_organisation


def _get(url: str, token: str | None = None) -> Graph:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.get(url, headers=headers, timeout=30)
    assert response.status_code == 200, response.text[:500]
    return parse(response.text, url.split("?")[0].rsplit(".", 1)[-1])


def _collection(graph: Graph) -> URIRef:
    (node,) = graph.subjects(RDF.type, HYDRA.PagedCollection)
    return node


def test_hydra_links_walk_every_page_of_the_seeded_catalogue_once_newest_first(app, runner, live_server):
    assert runner.invoke(args=["seed"]).exit_code == 0
    token = admin_token()
    newest_first = list(
        db.session.scalars(
            select(Dataset.slug)
            .where(Dataset.status == "published", Dataset.deleted_at.is_(None))
            .order_by(Dataset.updated_at.desc(), Dataset.id)
        )
    )
    assert len(newest_first) > 100  # so there are at least two pages

    url, pages, seen = f"{live_server}/catalog.ttl", [], []
    while url:
        graph = _get(url, token)
        collection = _collection(graph)
        pages.append((graph, collection))
        seen.append(entry_slugs(graph))
        following = graph.value(collection, HYDRA.next)
        url = str(following) if following else None

    last_number = -(-len(newest_first) // 100)
    assert len(pages) == last_number
    assert [len(slugs) for slugs in seen] == [100] * (last_number - 1) + [
        len(newest_first) - 100 * (last_number - 1)
    ]
    for number, slugs in enumerate(seen, start=1):
        assert slugs == set(newest_first[(number - 1) * 100 : number * 100])
    for number, (graph, collection) in enumerate(pages, start=1):
        assert graph.value(collection, HYDRA.totalItems).toPython() == len(newest_first)
        assert graph.value(collection, HYDRA.itemsPerPage).toPython() == 100
        assert str(graph.value(collection, HYDRA.first)).endswith("page=1")
        assert str(graph.value(collection, HYDRA.last)).endswith(f"page={last_number}")
        previous = graph.value(collection, HYDRA.previous)
        assert (previous is None) == (number == 1)
        if previous is not None:
            assert str(previous).endswith(f"page={number - 1}")


def test_the_catalogue_is_the_same_graph_in_turtle_json_ld_and_rdf_xml(client, live_server):
    organisation = create_organisation()
    create_dataset(organisation=organisation)
    create_dataset(organisation=organisation, temporal_coverage={"start": "2020-01-01"})
    graphs = {}
    for ext in ("ttl", "jsonld", "rdf"):
        graph = _get(f"{live_server}/catalog.{ext}")
        # Each format's page links lead to pages in the same format; the rest is the same.
        collection = _collection(graph)
        assert str(graph.value(collection, HYDRA.first)) == f"{live_server}/catalog.{ext}?page=1"
        graph.remove((collection, None, None))
        graphs[ext] = graph
    assert len(graphs["ttl"]) > 50
    assert isomorphic(graphs["ttl"], graphs["jsonld"])
    assert isomorphic(graphs["ttl"], graphs["rdf"])


def test_signed_out_visitors_get_only_open_entries_and_no_one_gets_drafts_or_withdrawn_ones(client):
    organisation = create_organisation()
    open_entry = create_dataset(organisation=organisation, title="Open roads")
    internal = create_dataset(organisation=organisation, title="Internal roads", access_rights="INTERNAL")
    create_dataset(organisation=organisation, title="Draft roads", status="draft")

    assert entry_slugs(fetch_graph(client, "/catalog.ttl")) == {open_entry.slug}
    assert entry_slugs(fetch_graph(client, "/catalog.ttl", token=reader_token())) == {
        open_entry.slug,
        internal.slug,
    }
    assert entry_slugs(fetch_graph(client, "/catalog.ttl", token=admin_token())) == {
        open_entry.slug,
        internal.slug,
    }
    everything = fetch_graph(client, "/catalog.ttl", token=admin_token()).serialize(format="turtle")
    assert "Draft roads" not in everything


def test_a_data_service_names_only_the_served_datasets_the_visitor_may_see(client):
    organisation = create_organisation()
    shown = create_dataset(organisation=organisation)
    hidden = create_dataset(organisation=organisation, access_rights="INTERNAL", title="Hidden prison data")
    service = create_dataset(
        organisation=organisation,
        type="data_service",
        distributions=[],
        endpoint_url="https://api.dft.gov.uk/v1/roads",
        serves_datasets=[shown.slug, hidden.slug],
    )
    signed_out = fetch_graph(client, "/catalog.ttl")
    assert set(signed_out.objects(entry_node(service.slug), DCAT.servesDataset)) == {entry_node(shown.slug)}
    assert "Hidden prison data" not in signed_out.serialize(format="turtle")
    signed_in = fetch_graph(client, "/catalog.ttl", token=reader_token())
    served = set(signed_in.objects(entry_node(service.slug), DCAT.servesDataset))
    assert served == {entry_node(shown.slug), entry_node(hidden.slug)}


def test_modified_since_and_q_narrow_the_catalogue_and_keep_in_the_page_links(client):
    organisation = create_organisation()
    old = create_dataset(organisation=organisation, title="Canal boat licences")
    recent = create_dataset(organisation=organisation, title="Bus punctuality")
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    db.session.execute(update(Dataset).where(Dataset.id == old.id).values(updated_at=long_ago))
    db.session.commit()

    since = (long_ago + timedelta(days=1)).date().isoformat()
    graph = fetch_graph(client, f"/catalog.ttl?modified_since={since}")
    assert entry_slugs(graph) == {recent.slug}
    assert f"modified_since={since}" in str(graph.value(_collection(graph), HYDRA.first))
    assert graph.value(_collection(graph), HYDRA.totalItems) == Literal(1, datatype=XSD.integer)
    at_a_moment = fetch_graph(client, "/catalog.ttl?modified_since=2019-12-31T23:00:00%2B00:00")
    assert entry_slugs(at_a_moment) == {old.slug, recent.slug}

    assert entry_slugs(fetch_graph(client, "/catalog.ttl?q=canal")) == {old.slug}
    assert entry_slugs(fetch_graph(client, "/catalog.ttl?q=canal&modified_since=2021-01-01")) == set()


def test_an_empty_catalogue_is_one_empty_page(client):
    graph = fetch_graph(client, "/catalog.jsonld", ext="jsonld")
    collection = _collection(graph)
    assert entry_slugs(graph) == set()
    assert graph.value(collection, HYDRA.totalItems).toPython() == 0
    assert str(graph.value(collection, HYDRA.last)).endswith("page=1")
    assert graph.value(collection, HYDRA.next) is None
    assert (None, RDF.type, DCAT.Catalog) in graph


def test_a_distribution_names_only_the_access_services_the_visitor_may_see(client):
    organisation = create_organisation()
    service = {"type": "data_service", "distributions": [], "endpoint_url": "https://api.dft.gov.uk/v1/roads"}
    shown = create_dataset(organisation=organisation, title="Open roads API", **service)
    hidden = create_dataset(
        organisation=organisation, title="Hidden prison API", access_rights="INTERNAL", **service
    )
    file = {
        "title": "Roads",
        "access_url": "https://api.dft.gov.uk/v1/roads",
        "access_services": [str(shown.id), str(hidden.id)],
    }
    dataset = create_dataset(organisation=organisation, distributions=[file])

    for path in ("/catalog.ttl", f"/datasets/{dataset.slug}.ttl"):
        signed_out = fetch_graph(client, path)
        [distribution] = signed_out.objects(entry_node(dataset.slug), DCAT.distribution)
        assert set(signed_out.objects(distribution, DCAT.accessService)) == {entry_node(shown.slug)}
        assert "Hidden prison API" not in signed_out.serialize(format="turtle")
        signed_in = fetch_graph(client, path, token=reader_token())
        [distribution] = signed_in.objects(entry_node(dataset.slug), DCAT.distribution)
        given_by = set(signed_in.objects(distribution, DCAT.accessService))
        assert given_by == {entry_node(shown.slug), entry_node(hidden.slug)}
