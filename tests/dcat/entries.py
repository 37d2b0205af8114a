"""Fetching DCAT in tests and reading it back with rdflib; the tokens of who is asking."""

from __future__ import annotations

import warnings

from flask import current_app
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT

from tests.factories import create_organisation, create_token, create_user

PARSERS = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml"}


def fetch_graph(client: FlaskClient, path: str, *, token: str | None = None, ext: str = "ttl") -> Graph:
    """GET `path` (200 expected) and parse the body as the format `ext` names."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.get(path, headers=headers)
    body = response.get_data(as_text=True)
    assert response.status_code == 200, f"{path}: {response.status_code} {body[:500]}"
    return parse(body, ext)


def parse(body: str, ext: str) -> Graph:
    """`body` parsed as the RDF format extension `ext` names."""
    with warnings.catch_warnings():
        # rdflib 7.6's own JSON-LD parser goes through its deprecated ConjunctiveGraph and
        # warns about it; the warning is rdflib's business, not a fault in what we parse.
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="rdflib")
        return Graph().parse(data=body, format=PARSERS[ext])


def entry_node(slug: str) -> URIRef:
    """The URI our DCAT gives the entry `slug`: its page's address on this site."""
    return URIRef(f"{current_app.config['BASE_URL'].rstrip('/')}/datasets/{slug}")


def entry_slugs(graph: Graph) -> set[str]:
    """Slugs of the datasets and data services the catalogue node lists."""
    nodes = set(graph.objects(None, DCAT.dataset)) | set(graph.objects(None, DCAT.service))
    return {str(node).rsplit("/", 1)[-1] for node in nodes if isinstance(node, URIRef)}


def admin_token() -> str:
    """A read token of a site admin, who may see every published entry."""
    user = create_user(email="admin@cabinetoffice.gov.uk", roles=("site_admin",))
    return create_token(user=user, scopes=("read",))


def reader_token() -> str:
    """A read token of a civil servant of another department who publishes for no one: sees
    what is shared within government, and no drafts."""
    organisation = create_organisation(
        slug="office-for-national-statistics",
        title="Office for National Statistics",
        abbreviation="ONS",
        email_domains=["ons.gov.uk"],
    )
    user = create_user(email="reader@ons.gov.uk", organisation=organisation, roles=("member",))
    return create_token(user=user, scopes=("read",))
