"""/api/v1/datasets: the catalogue's entries."""

from __future__ import annotations

from flask import Response, redirect, request, url_for
from marshmallow import Schema, fields, validate
from marshmallow import ValidationError as SchemaValidationError

from marketplace.api.blueprint import bp
from marketplace.api.http import (
    cursor_links,
    if_match,
    json_body,
    json_line,
    json_response,
    page_links,
    stream_lines,
)
from marketplace.api.idempotency import idempotent
from marketplace.api.negotiation import produces
from marketplace.auth.bearer import current_actor
from marketplace.errors import BadRequestError
from marketplace.schemas.dataset_out import dump_change, dump_dataset
from marketplace.schemas.listing import ApiListParamsSchema, BulkParamsSchema, is_feed, load_list_params
from marketplace.schemas.quality_out import dump_quality
from marketplace.schemas.revision import RevisionOutSchema, load_page_params
from marketplace.services import catalogue, change_feed, datasets, finding, quality, related
from marketplace.services.search_log import filters_of, record_search

MAX_SUGGEST_LENGTH = 200
MAX_RELATED = 20


class RelatedParamsSchema(Schema):
    limit = fields.Integer(
        load_default=5,
        validate=validate.Range(min=1, max=MAX_RELATED, error=f"Must be from 1 to {MAX_RELATED}."),
        error_messages={"invalid": "Must be a whole number."},
        metadata={"description": f"How many related entries, 1 to {MAX_RELATED}."},
    )


def _entry_response(dataset, status: int = 200, headers: dict | None = None) -> Response:
    body = dump_dataset(dataset, current_actor())
    body["links"] = {
        "self": url_for("api.get_dataset", reference=dataset.slug, _external=True),
        "quality": url_for("api.get_quality", reference=dataset.slug, _external=True),
        "revisions": url_for("api.list_revisions", reference=dataset.slug, _external=True),
    }
    return json_response(body, status=status, etag=datasets.entry_etag(dataset), headers=headers)


@bp.get("/datasets")
def list_datasets() -> Response:
    try:
        params = load_list_params(request.args, ApiListParamsSchema())
    except SchemaValidationError as error:
        raise BadRequestError("Check the query parameters.", error.messages) from error
    actor = current_actor()
    if is_feed(params):
        return _feed_response(actor, params)
    page = finding.find_datasets(actor, params)
    if page.page == 1:  # a later page is the same search
        record_search(
            query=params.get("q"), filters=filters_of(params), result_count=page.total, source="api"
        )
    items = [dump_dataset(dataset, actor) for dataset in page.items]
    if page.highlights is not None:
        for item, dataset in zip(items, page.items, strict=True):
            item["highlights"] = page.highlights.get(dataset.id, {})
    body = {
        "items": items,
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "facets": page.facets,
        "suggestion": page.suggestion,
        "expanded": page.expanded,
        "all_words": page.all_words,
        "next_cursor": None,
        "links": page_links("api.list_datasets", page.page, page.per_page, page.total),
    }
    return json_response(body)


def _feed_response(actor, params: dict) -> Response:
    """A page of the change feed: entries, and with modified_since tombstones, in change order."""
    feed = change_feed.read_page(actor, params)
    body = {
        "items": [dump_change(change, actor) for change in feed.changes],
        "total": feed.total,
        "page": None,
        "per_page": feed.per_page,
        "facets": None,
        "suggestion": None,
        "expanded": None,
        "all_words": True,
        "next_cursor": feed.next_cursor,
        "links": cursor_links("api.list_datasets", feed.next_cursor),
    }
    return json_response(body)


@bp.get("/datasets.jsonl")
@produces("application/x-ndjson")
def download_datasets() -> Response:
    """Every entry the caller may list (or, with modified_since, every change), one JSON object a
    line, streamed in change order; gzip-compressed when the client accepts it."""
    try:
        params = load_list_params(request.args, BulkParamsSchema())
    except SchemaValidationError as error:
        raise BadRequestError("Check the query parameters.", error.messages) from error
    actor = current_actor()
    rows = change_feed.walk(actor, params)
    first = next(rows, None)  # a fault in the filters is a 400 before anything is sent

    def lines():
        if first is not None:
            yield json_line(dump_change(first, actor))
        for change in rows:
            yield json_line(dump_change(change, actor))

    return stream_lines(lines(), filename="datasets.jsonl")


@bp.get("/suggest")
def suggest() -> Response:
    text = request.args.get("q", "")
    if len(text) > MAX_SUGGEST_LENGTH:
        raise BadRequestError(
            "Check the query parameters.", {"q": [f"Must be {MAX_SUGGEST_LENGTH} characters or fewer."]}
        )
    return json_response({"q": text, "items": finding.suggest_titles(current_actor(), text)})


@bp.post("/datasets")
@idempotent
def create_dataset() -> Response:
    dataset = datasets.create_dataset(current_actor(), json_body())
    location = url_for("api.get_dataset", reference=dataset.slug, _external=True)
    return _entry_response(dataset, 201, {"Location": location})


@bp.get("/datasets/<reference>")
def get_dataset(reference: str) -> Response:
    dataset, moved = datasets.resolve_dataset(current_actor(), reference)
    if moved:
        return redirect(url_for("api.get_dataset", reference=dataset.slug), 301)
    return _entry_response(dataset)


@bp.get("/datasets/<reference>/related")
def list_related(reference: str) -> Response:
    try:
        limit = RelatedParamsSchema().load(request.args.to_dict())["limit"]
    except SchemaValidationError as error:
        raise BadRequestError("Check the query parameters.", error.messages) from error
    actor = current_actor()
    dataset, moved = datasets.resolve_dataset(actor, reference)
    if moved:
        return redirect(url_for("api.list_related", reference=dataset.slug, **request.args), 301)
    items = [dump_dataset(entry, actor) for entry in related.related_datasets(actor, dataset, limit)]
    return json_response({"items": items, "count": len(items)})


@bp.put("/datasets/<reference>")
def replace_dataset(reference: str) -> Response:
    dataset = datasets.update_dataset(current_actor(), reference, json_body(), if_match=if_match())
    return _entry_response(dataset)


@bp.patch("/datasets/<reference>")
def patch_dataset(reference: str) -> Response:
    merge = request.mimetype == "application/merge-patch+json"
    dataset = datasets.patch_dataset(
        current_actor(), reference, json_body(), if_match=if_match(), merge=merge
    )
    return _entry_response(dataset)


@bp.delete("/datasets/<reference>")
def delete_dataset(reference: str) -> Response:
    datasets.delete_dataset(current_actor(), reference, if_match=if_match())
    return Response(status=204)


@bp.get("/datasets/<reference>/quality")
def get_quality(reference: str) -> Response:
    actor = current_actor()
    dataset, moved = datasets.resolve_dataset(actor, reference)
    if moved:
        return redirect(url_for("api.get_quality", reference=dataset.slug), 301)
    return json_response(dump_quality(dataset, actor), etag=datasets.entry_etag(dataset))


@bp.put("/datasets/<reference>/quality")
def put_quality(reference: str) -> Response:
    actor = current_actor()
    dataset = quality.rate_quality(actor, reference, json_body(), if_match=if_match())
    return json_response(dump_quality(dataset, actor), etag=datasets.entry_etag(dataset))


@bp.get("/datasets/<reference>/revisions")
def list_revisions(reference: str) -> Response:
    page_number, per_page = load_page_params(request.args)
    history = catalogue.list_revisions(current_actor(), reference, page_number, per_page)
    if history.moved:
        return redirect(url_for("api.list_revisions", reference=history.dataset.slug, **request.args), 301)
    page = history.page
    schema = RevisionOutSchema(
        context_organisation=history.dataset.organisation.title, show_editors=history.show_editors
    )
    body = {
        "items": schema.dump(page.items, many=True),
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "links": page_links("api.list_revisions", page.page, page.per_page, page.total, reference=reference),
    }
    return json_response(body)
