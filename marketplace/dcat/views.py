"""The DCAT routes: the paged catalogue and each entry, in Turtle, JSON-LD or RDF/XML.

Thin: read the parameters, ask paging.py which entries the visitor may see, map them with
graph.py, serialise. Errors are problem+json whatever the Accept header, as these are for
machines; the dataset page hands RDF requests to `entry_response`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, current_app, redirect, request, url_for
from rdflib import Graph, URIRef
from werkzeug.wrappers import Response

from marketplace.auth.bearer import current_actor
from marketplace.dcat.graph import (
    Addresses,
    add_entry,
    add_paging,
    add_theme_scheme,
    catalogue_graph,
    new_graph,
)
from marketplace.dcat.paging import access_services, catalogue_page, read_page_params, served_datasets
from marketplace.errors import MarketplaceError, NotFoundError, problem
from marketplace.models import Dataset
from marketplace.rules.actors import Actor
from marketplace.services.datasets import resolve_dataset
from marketplace.vocabularies import THEMES

bp = Blueprint("dcat", __name__)

# Extension -> (rdflib format, media type); the media types are also what Accept may name.
FORMATS = {
    "ttl": ("turtle", "text/turtle"),
    "jsonld": ("json-ld", "application/ld+json"),
    "rdf": ("xml", "application/rdf+xml"),
}
MEDIA_TYPES = {media_type: extension for extension, (_, media_type) in FORMATS.items()}


@bp.errorhandler(MarketplaceError)
def machine_error(error: MarketplaceError) -> Response:
    return problem(error.status, error.title, error.detail, error.errors)


@bp.get("/catalog.<ext>")
def catalogue(ext: str) -> Response:
    """A page of the catalogue, with Hydra links to the first, last, next and previous pages."""
    _check_extension(ext)
    number, q, since = read_page_params(request.args)
    page = catalogue_page(current_actor(), page=number, q=q, since=since)
    graph = catalogue_graph(_addresses(), page.entries, page.served, page.modified, services=page.services)
    add_paging(graph, lambda n: _page_url(ext, n), page.page, page.last_page, page.total)
    return _serialised(graph, ext)


@bp.get("/catalog/themes")
@bp.get("/catalog/themes/<value>")
def themes(value: str | None = None) -> Response:
    """Our theme scheme, so that every theme URI in the catalogue answers: as Turtle unless
    Accept prefers JSON-LD or RDF/XML."""
    if value is not None and value not in THEMES:
        raise NotFoundError(f"There is no theme called {value!r}.")
    graph = new_graph()
    add_theme_scheme(graph, _addresses())
    return _serialised(graph, rdf_extension_wanted() or "ttl")


@bp.get("/datasets/<slug>.<ext>")
def entry(slug: str, ext: str) -> Response:
    _check_extension(ext)
    dataset, moved = resolve_dataset(current_actor(), slug)
    if moved or slug != dataset.slug:
        return redirect(url_for("dcat.entry", slug=dataset.slug, ext=ext), 301)
    return entry_response(current_actor(), dataset, ext)


def entry_response(actor: Actor, dataset: Dataset, ext: str) -> Response:
    """One entry (that `actor` may see) as RDF in the format of `ext`."""
    graph = new_graph()
    served = served_datasets(actor, [dataset]).get(dataset.slug, ())
    add_entry(graph, _addresses(), dataset, served, services=access_services(actor, [dataset]))
    return _serialised(graph, ext)


def rdf_extension_wanted() -> str | None:
    """The extension of the RDF format the request's Accept ranks above HTML, or None for a page."""
    best = request.accept_mimetypes.best_match(["text/html", *MEDIA_TYPES])
    return MEDIA_TYPES.get(best or "")


def _check_extension(ext: str) -> None:
    if ext not in FORMATS:
        raise NotFoundError(f"There is no .{ext} version; use .ttl, .jsonld or .rdf.")


def _addresses() -> Addresses:
    return Addresses((current_app.config.get("BASE_URL") or request.url_root).rstrip("/"))


def _page_url(ext: str, page: int) -> URIRef:
    params = {name: request.args[name] for name in ("q", "modified_since") if request.args.get(name)}
    params["page"] = str(page)
    return URIRef(f"{_addresses().base}/catalog.{ext}?{urlencode(params)}")


def _serialised(graph: Graph, ext: str) -> Response:
    rdf_format, media_type = FORMATS[ext]
    body = graph.serialize(format=rdf_format)
    response = current_app.response_class(body, mimetype=media_type)
    response.vary.add("Accept")
    # What is exported depends on who asks (signed in, or by token).
    response.vary.add("Cookie")
    response.vary.add("Authorization")
    return response
