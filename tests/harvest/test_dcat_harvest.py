"""Harvesting a DCAT catalogue over HTTP, through the CLI a site admin runs: entries come in
through our validation, a second run changes only what changed, records gone are withdrawn, a
local edit is never lost silently, and a source that fails changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Dataset, Organisation
from marketplace.models.harvest import HarvestRun
from marketplace.rules.actors import Actor
from marketplace.services.datasets import patch_dataset
from tests.dcat.shacl import violations
from tests.factories import create_organisation, create_user
from tests.harvest.source_server import Answer, SourceServer, source_server

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
EU = "http://publications.europa.eu/resource/authority/"
OGL = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


def _dataset(
    graph: Graph,
    iri: str,
    title: str,
    *,
    email: str | None = "stats@other.gov.uk",
    frequency: str = EU + "frequency/ANNUAL",
    theme: str = "https://example.gov.uk/themes/transport-and-infrastructure",
) -> None:
    node = URIRef(iri)
    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCTERMS.title, Literal(title, lang="en")))
    graph.add((node, DCTERMS.description, Literal(f"About {title.lower()}.")))
    graph.add((node, DCTERMS.modified, Literal("2026-10-01", datatype=XSD.date)))
    graph.add((node, DCAT.keyword, Literal("roads")))
    graph.add((node, DCTERMS.license, URIRef(OGL)))
    graph.add((node, DCTERMS.accessRights, URIRef(EU + "access-right/PUBLIC")))
    graph.add((node, DCTERMS.accrualPeriodicity, URIRef(frequency)))
    graph.add((node, DCAT.theme, URIRef(theme)))
    publisher = BNode()
    graph.add((node, DCTERMS.publisher, publisher))
    graph.add((publisher, RDF.type, FOAF.Organization))
    graph.add((publisher, FOAF.name, Literal("Other Office")))
    if email:
        contact = BNode()
        graph.add((node, DCAT.contactPoint, contact))
        graph.add((contact, RDF.type, VCARD.Organization))
        graph.add((contact, VCARD.fn, Literal("Statistics team")))
        graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{email}")))
    distribution = BNode()
    graph.add((node, DCAT.distribution, distribution))
    graph.add((distribution, RDF.type, DCAT.Distribution))
    graph.add((distribution, DCTERMS.title, Literal(f"{title} (CSV)")))
    graph.add((distribution, DCAT.downloadURL, URIRef(f"{iri}/data.csv")))
    graph.add((distribution, DCAT.mediaType, URIRef("https://www.iana.org/assignments/media-types/text/csv")))
    graph.add((distribution, DCAT.byteSize, Literal(1024, datatype=XSD.nonNegativeInteger)))


def _pages(server: SourceServer, titles: dict[str, str], *, per_page: int = 2, **options) -> None:
    """Serve `titles` (IRI -> title) as a DCAT catalogue of pages linked by hydra:next."""
    items = sorted(titles.items())
    pages = [items[start : start + per_page] for start in range(0, len(items), per_page)] or [[]]
    for number, page in enumerate(pages, start=1):
        graph = Graph()
        catalogue = URIRef(server.url("/catalog.ttl"))
        graph.add((catalogue, RDF.type, DCAT.Catalog))
        for iri, title in page:
            _dataset(graph, iri, title, **options.get(iri, {}))
            graph.add((catalogue, DCAT.dataset, URIRef(iri)))
        collection = URIRef(server.url(f"/catalog.ttl?page={number}"))
        graph.add((collection, RDF.type, HYDRA.PagedCollection))
        if number < len(pages):
            graph.add((collection, HYDRA.next, URIRef(server.url(f"/catalog-{number + 1}.ttl"))))
        path = "/catalog.ttl" if number == 1 else f"/catalog-{number}.ttl"
        server.set(path, Answer(body=graph.serialize(format="turtle").encode(), media_type="text/turtle"))


@pytest.fixture
def server() -> Iterator[SourceServer]:
    with source_server() as running:
        yield running


@pytest.fixture
def cli(app):
    create_organisation(slug="other-office", title="Other Office")
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(args=["harvest", *args])

    return invoke


def _entries() -> dict[str, Dataset]:
    db.session.expire_all()
    return {d.title: d for d in db.session.scalars(select(Dataset).where(Dataset.deleted_at.is_(None)))}


def _last_run() -> HarvestRun:
    db.session.expire_all()
    return db.session.scalars(select(HarvestRun).order_by(HarvestRun.id.desc())).first()


def _add(cli, server: SourceServer):
    url = server.url("/catalog.ttl")
    added = cli("add", "other", "--type", "dcat", "--url", url, "--org", "other-office")
    assert added.exit_code == 0, added.output


def test_a_dcat_catalogue_comes_in_as_published_entries_of_the_organisation(app, cli, server):
    iris = {f"https://other.gov.uk/dataset/road-{n}": f"Road counts {n}" for n in range(1, 6)}
    _pages(server, iris)
    _add(cli, server)
    result = cli("run", "other")
    assert result.exit_code == 0, result.output
    assert "5 records; 5 created" in result.output
    entries = _entries()
    assert set(entries) == set(iris.values())
    road = entries["Road counts 1"]
    assert road.status == "published" and road.organisation.slug == "other-office"
    assert road.slug == "road-1"  # the source's own address for it
    assert road.licence == OGL and road.access_rights == "OPEN" and road.update_frequency == "annual"
    assert road.contact_email == "stats@other.gov.uk" and road.security_classification == "OFFICIAL"
    assert [t.theme for t in road.themes] == ["transport-and-infrastructure"]
    assert road.distributions[0].media_type == "text/csv" and road.distributions[0].byte_size == 1024
    assert server.count("/catalog-3.ttl") == 1  # every page, through hydra:next


def test_a_second_run_changes_only_what_changed_and_withdraws_what_has_gone(app, cli, server):
    iris = {f"https://other.gov.uk/dataset/road-{n}": f"Road counts {n}" for n in range(1, 4)}
    _pages(server, iris)
    _add(cli, server)
    assert cli("run", "other").exit_code == 0
    again = cli("run", "other")
    assert "3 records; 3 unchanged" in again.output
    changed = {**iris, "https://other.gov.uk/dataset/road-2": "Road counts two"}
    del changed["https://other.gov.uk/dataset/road-3"]
    changed["https://other.gov.uk/dataset/rail-1"] = "Rail counts"
    _pages(server, changed)
    result = cli("run", "other")
    assert result.exit_code == 0, result.output
    assert _last_run().counts == {"created": 1, "unchanged": 1, "updated": 1, "withdrawn": 1}
    entries = _entries()
    assert entries["Road counts two"].slug == "road-2"  # updated in place, keeping its address
    assert entries["Road counts 3"].status == "withdrawn"
    assert "No longer in the catalogue" in entries["Road counts 3"].withdrawal_reason
    assert entries["Rail counts"].status == "published"
    # Back in the source: published again.
    _pages(server, {**changed, "https://other.gov.uk/dataset/road-3": "Road counts 3"})
    assert cli("run", "other").exit_code == 0
    assert _entries()["Road counts 3"].status == "published"


def test_an_entry_edited_here_is_reported_as_a_conflict_and_left_alone_unless_overwritten(app, cli, server):
    iris = {"https://other.gov.uk/dataset/road-1": "Road counts 1"}
    _pages(server, iris)
    _add(cli, server)
    assert cli("run", "other").exit_code == 0
    office = db.session.scalar(select(Organisation).where(Organisation.slug == "other-office"))
    editor = create_user(email="editor@other.gov.uk", organisation=office, roles=("publisher",))
    person = Actor.for_user(editor, "session", {"read", "publish"})
    patch_dataset(person, "road-1", {"summary": "Edited here."})
    _pages(server, {"https://other.gov.uk/dataset/road-1": "Road counts, revised"})
    result = cli("run", "other")
    assert "conflict: https://other.gov.uk/dataset/road-1" in result.output
    assert "Changed here since it was harvested" in result.output
    assert _last_run().counts == {"conflict": 1}
    assert _entries()["Road counts 1"].summary == "Edited here."
    overwritten = cli("run", "other", "--overwrite")
    assert overwritten.exit_code == 0 and _last_run().counts == {"updated": 1}
    assert _entries()["Road counts, revised"].summary is None


def test_a_record_our_validation_refuses_is_reported_and_the_rest_come_in(app, cli, server):
    iris = {f"https://other.gov.uk/dataset/road-{n}": f"Road counts {n}" for n in range(1, 4)}
    _pages(server, iris, **{"https://other.gov.uk/dataset/road-2": {"email": None}})
    _add(cli, server)
    result = cli("run", "other")
    assert result.exit_code == 0, result.output
    assert _last_run().counts == {"created": 2, "failed": 1}
    assert "failed: https://other.gov.uk/dataset/road-2 (Road counts 2)" in result.output
    assert "contact_point" in result.output
    assert set(_entries()) == {"Road counts 1", "Road counts 3"}


@pytest.mark.parametrize(
    "answer",
    [
        Answer(status=500, body=b"down"),
        Answer(body=b"@prefix broken <", media_type="text/turtle"),
        Answer(body=b"<html>not rdf</html>", media_type="text/html"),
    ],
    ids=["500", "malformed turtle", "not rdf"],
)
def test_a_source_that_fails_fails_the_run_and_changes_nothing(app, cli, server, answer):
    iris = {f"https://other.gov.uk/dataset/road-{n}": f"Road counts {n}" for n in range(1, 4)}
    _pages(server, iris)
    _add(cli, server)
    assert cli("run", "other").exit_code == 0
    before = {title: (d.status, d.updated_at) for title, d in _entries().items()}
    server.set("/catalog-2.ttl", answer)  # the second page fails: the first was read already
    result = cli("run", "other")
    assert result.exit_code == 1
    assert "failed:" in result.output and "Nothing was changed" in result.output
    assert _last_run().status == "failed" and _last_run().counts == {}
    assert {title: (d.status, d.updated_at) for title, d in _entries().items()} == before


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["add", "Bad Name", "--type", "dcat", "--url", "https://x.uk/", "--org", "other-office"], "name"),
        (["add", "x", "--type", "dcat", "--url", "ftp://x.uk/", "--org", "other-office"], "url"),
        (["add", "x", "--type", "dcat", "--url", "https://x.uk/", "--org", "nobody"], "org"),
        (["add", "x", "--type", "dcat", "--url=https://x.uk", "--org=other-office", "--every=0"], "every"),
        (["run", "missing"], None),
    ],
)
def test_bad_commands_are_refused_naming_what_to_change(app, cli, args, field):
    result = cli(*args)
    assert result.exit_code != 0
    if field:
        assert f"{field}:" in result.output
    else:
        assert "There is no harvest source called 'missing'" in result.output


def test_run_due_runs_only_the_sources_whose_hours_have_passed(app, cli, server):
    _pages(server, {"https://other.gov.uk/dataset/road-1": "Road counts 1"})
    url = server.url("/catalog.ttl")
    assert cli("add", "hourly", "--type=dcat", "--url", url, "--org=other-office", "--every=1").exit_code == 0
    assert cli("add", "by-hand", "--type", "dcat", "--url", url, "--org", "other-office").exit_code == 0
    first = cli("run", "--due")
    assert "Harvesting hourly" in first.output and "by-hand" not in first.output
    assert "Harvesting" not in cli("run", "--due").output  # ran less than an hour ago
    run = _last_run()
    run.started_at -= timedelta(hours=2)
    db.session.commit()
    assert "Harvesting hourly" in cli("run", "--due").output
    assert cli("run", "hourly", "--due").exit_code == 2


def test_a_harvested_entry_says_where_it_came_from_in_the_api(app, cli, server):
    _pages(server, {"https://other.gov.uk/dataset/road-1": "Road counts 1"})
    _add(cli, server)
    assert cli("run", "other").exit_code == 0
    body = app.test_client().get("/api/v1/datasets/road-1").get_json()
    assert body["harvested_from"]["source"] == "other"
    assert body["harvested_from"]["catalogue"] == server.url("/catalog.ttl")
    assert body["harvested_from"]["identifier"] == "https://other.gov.uk/dataset/road-1"
    assert app.test_client().get("/api/v1/datasets?per_page=5").get_json()["items"][0]["harvested_from"]


def test_values_outside_our_vocabularies_are_left_out_and_reported_and_the_entry_comes_in(app, cli, server):
    odd = {"frequency": EU + "frequency/EVERY_FULL_MOON", "theme": EU + "data-theme/AGRI"}
    _pages(
        server,
        {"https://other.gov.uk/dataset/road-1": "Road counts 1"},
        **{"https://other.gov.uk/dataset/road-1": odd},
    )
    _add(cli, server)
    result = cli("run", "other")
    assert result.exit_code == 0, result.output
    assert _last_run().counts == {"created": 1}
    assert "noted: https://other.gov.uk/dataset/road-1" in result.output
    assert (
        f"update_frequency: {EU}frequency/EVERY_FULL_MOON is not a frequency we know: left out."
        in result.output
    )
    assert f"themes: {EU}data-theme/AGRI is not a theme we know: left out." in result.output
    road = _entries()["Road counts 1"]
    assert road.update_frequency is None and road.themes == []


@pytest.mark.parametrize(
    ("rdf_format", "media_type"), [("json-ld", "application/ld+json"), ("xml", "application/rdf+xml")]
)
def test_a_catalogue_in_json_ld_or_rdf_xml_is_read_as_turtle_is(app, cli, server, rdf_format, media_type):
    graph = Graph()
    _dataset(graph, "https://other.gov.uk/dataset/road-1", "Road counts 1")
    body = graph.serialize(format=rdf_format).encode()
    server.set("/catalog.ttl", Answer(body=body, media_type=media_type))
    _add(cli, server)
    result = cli("run", "other")
    assert result.exit_code == 0, result.output
    assert _last_run().counts == {"created": 1}
    assert _entries()["Road counts 1"].licence == OGL


def test_a_harvested_entry_says_where_it_came_from_on_its_page(app, cli, server):
    _pages(server, {"https://other.gov.uk/dataset/road-1": "Road counts 1"})
    _add(cli, server)
    assert cli("run", "other").exit_code == 0
    html = app.test_client().get("/datasets/road-1", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Harvested from" in html
    catalogue = server.url("/catalog.ttl")
    assert f'<a class="govuk-link" href="{catalogue}">{catalogue}</a>' in html
    assert "Its identifier there: " in html and 'href="https://other.gov.uk/dataset/road-1"' in html


def test_a_harvested_entry_says_where_it_came_from_in_dcat_and_still_conforms(app, cli, server):
    _pages(server, {"https://other.gov.uk/dataset/road-1": "Road counts 1"})
    _add(cli, server)
    assert cli("run", "other").exit_code == 0
    turtle = app.test_client().get("/datasets/road-1.ttl").get_data(as_text=True)
    graph = Graph().parse(data=turtle, format="turtle")
    adms = Namespace("http://www.w3.org/ns/adms#")
    node = next(graph.subjects(RDF.type, DCAT.Dataset))
    identifier = next(graph.objects(node, adms.identifier))
    assert str(next(graph.objects(identifier, SKOS.notation))) == "https://other.gov.uk/dataset/road-1"
    provenance = next(graph.objects(node, DCTERMS.provenance))
    assert str(next(graph.objects(provenance, RDFS.label))) == f"Harvested from {server.url('/catalog.ttl')}"
    assert violations(graph).violations == 0
