"""Fetching DCAT over HTTP in tests and reading it back with rdflib."""

from __future__ import annotations

from flask import current_app
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, RDF

from marketplace.models import User
from tests.factories import create_token, create_user

PARSERS = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml"}


def fetch_graph(client: FlaskClient, path: str, *, token: str | None = None, ext: str = "ttl") -> Graph:
    """GET `path` (200 expected) and parse the body as the format its extension names."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.get(path, headers=headers)
    assert response.status_code == 200, (
        f"{path}: {response.status_code} {response.get_data(as_text=True)[:500]}"
    )
    return Graph().parse(data=response.get_data(as_text=True), format=PARSERS[ext])


def entry_node(slug: str) -> URIRef:
    """The URI our DCAT gives the entry `slug`: its page's address on this site."""
    return URIRef(f"{current_app.config['BASE_URL'].rstrip('/')}/datasets/{slug}")


def entry_slugs(graph: Graph) -> set[str]:
    """Slugs of the datasets and data services the catalogue node lists."""
    nodes = set(graph.objects(None, DCAT.dataset)) | set(graph.objects(None, DCAT.service))
    return {str(node).rsplit("/", 1)[-1] for node in nodes if isinstance(node, URIRef)}


def typed(graph: Graph, kind: URIRef) -> set[str]:
    return {str(node).rsplit("/", 1)[-1] for node in graph.subjects(RDF.type, kind)}


def admin_token() -> str:
    """A read token of a site admin, who may see every published entry."""
    user: User = create_user(email="admin@cabinetoffice.gov.uk", roles=("site_admin",))
    return create_token(user=user, scopes=("read",))


def reader_token() -> str:
    """A read token of a signed-in civil servant who publishes for no one: sees what is shared
    within government, and no drafts."""
    user = create_user(email="reader@example-department.gov.uk")
    return create_token(user=user, scopes=("read",))
