"""The read actions (CKAN's side-effect-free ones), each `(actor, params) -> result`.

What a caller may see is decided where the REST API decides it (services and
queries.listable_condition); like CKAN, the lists leave private (not OPEN) entries out.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from marketplace.ckan.package_dict import organisation_slug, package_dict
from marketplace.ckan.params import Params
from marketplace.ckan.records import group_dict, license_dict, organization_dict
from marketplace.errors import NotFoundError, ValidationError
from marketplace.extensions import db
from marketplace.models import Dataset, DatasetKeyword, Distribution
from marketplace.queries.datasets import listable_condition
from marketplace.rules.actors import Actor
from marketplace.services import datasets
from marketplace.services.organisations import get_organisation, list_organisations
from marketplace.vocabularies import LICENCES, THEMES

MAX_LIST = 1000
# What ckanapi's `load` sends to *_show whatever the thing: harmless here, so accepted.
SHOW_EXTRAS = frozenset(
    {"include_datasets", "include_password_hash", "include_users", "use_default_schema", "include_tracking"}
)


def status_show(actor: Actor, params: Params) -> dict[str, Any]:
    params.finish()
    return {
        "site_title": "Data Marketplace",
        "site_description": "The UK government's catalogue of data",
        "site_url": current_app.config["BASE_URL"],
        "ckan_version": "2.10.0",
        "api_version": 3,
        "locale_default": "en_GB",
        "error_emails_to": None,
        "extensions": [],
    }


def site_read(actor: Actor, params: Params) -> bool:
    params.finish()
    return True


def _public(actor: Actor, *, private: bool = False, drafts: bool = False) -> Any:
    """Entries a CKAN list shows `actor`: public ones; private ones and drafts only when asked
    for, and then only those the actor may see anyway."""
    listable = listable_condition(actor, ["published", "draft"] if drafts else ["published"])
    return listable if private else listable & (Dataset.access_rights == "OPEN")


def package_show(actor: Actor, params: Params) -> dict[str, Any]:
    reference = params.required_string("id")
    params.read.update(SHOW_EXTRAS)
    params.finish()
    return package_dict(datasets.get_dataset(actor, reference), actor)


def package_list(actor: Actor, params: Params) -> list[str]:
    limit = params.integer("limit", MAX_LIST, maximum=MAX_LIST)
    offset = params.integer("offset", 0, maximum=10_000_000)
    private = params.boolean("include_private")
    drafts = params.boolean("include_drafts")
    params.boolean("include_deleted")  # deleted entries are never listed: they answer 404
    params.finish()
    query = (
        select(Dataset.slug)
        .where(_public(actor, private=private, drafts=drafts))
        .order_by(Dataset.slug)
        .limit(limit)
        .offset(offset)
    )
    return list(db.session.scalars(query))


def current_package_list_with_resources(actor: Actor, params: Params) -> list[dict[str, Any]]:
    limit = params.integer("limit", 10, minimum=1, maximum=MAX_LIST)
    offset = params.integer("offset", 0, maximum=10_000_000)
    page = params.integer("page", 0, maximum=10_000_000)
    params.finish()
    if page:
        offset = (page - 1) * limit if page > 0 else 0
    query = (
        select(Dataset)
        .where(_public(actor))
        .order_by(Dataset.updated_at.desc(), Dataset.id)
        .limit(limit)
        .offset(offset)
    )
    return [package_dict(dataset, actor) for dataset in db.session.scalars(query)]


def organization_list(actor: Actor, params: Params) -> list[Any]:
    all_fields = params.boolean("all_fields")
    limit = params.integer("limit", MAX_LIST, maximum=MAX_LIST)
    offset = params.integer("offset", 0, maximum=10_000_000)
    sort = params.string("sort", "name asc", max_length=50)
    wanted = params.string_list("organizations", max_items=MAX_LIST)
    params.read.update({"include_dataset_count", "include_extras"})
    params.finish()
    rows = list_organisations(actor)
    if wanted:
        rows = [(o, n) for o, n in rows if o.slug in wanted]
    key = {"name": lambda r: r[0].slug, "title": lambda r: r[0].title, "package_count": lambda r: r[1]}
    field, _, direction = (sort or "name asc").partition(" ")
    if field not in key or direction.strip() not in ("", "asc", "desc"):
        raise ValidationError({"sort": ["Use name, title or package_count, with asc or desc."]})
    rows.sort(key=key[field], reverse=direction.strip() == "desc")
    rows = rows[offset : offset + limit]
    if all_fields:
        return [organization_dict(o, n) for o, n in rows]
    return [o.slug for o, _ in rows]


def organization_show(actor: Actor, params: Params) -> dict[str, Any]:
    reference = params.required_string("id")
    include_datasets = params.boolean("include_datasets")
    params.read.update(SHOW_EXTRAS - {"include_datasets"})
    params.finish()
    organisation, count = get_organisation(actor, organisation_slug(reference))
    body = organization_dict(organisation, count)
    if include_datasets:
        query = (
            select(Dataset)
            .where(_public(actor), Dataset.organisation_id == organisation.id)
            .order_by(Dataset.slug)
            .limit(MAX_LIST)
        )
        body["packages"] = [package_dict(d, actor) for d in db.session.scalars(query)]
    return body


def tag_list(actor: Actor, params: Params) -> list[str]:
    text = params.string("query", max_length=100)
    params.read.update({"vocabulary_id", "all_fields"})
    params.finish()
    query = (
        select(DatasetKeyword.keyword)
        .join(Dataset, Dataset.id == DatasetKeyword.dataset_id)
        .where(_public(actor))
        .group_by(DatasetKeyword.keyword)
        .order_by(func.lower(DatasetKeyword.keyword))
        .limit(current_app.config.get("CKAN_TAG_LIST_LIMIT", 10_000))
    )
    if text:
        query = query.where(func.lower(DatasetKeyword.keyword).contains(text.lower(), autoescape=True))
    return list(db.session.scalars(query))


def license_list(actor: Actor, params: Params) -> list[dict[str, Any]]:
    params.finish()
    return [license_dict(licence) for licence in LICENCES]


def group_list(actor: Actor, params: Params) -> list[Any]:
    all_fields = params.boolean("all_fields")
    params.finish()
    return [group_dict(theme) for theme in THEMES] if all_fields else list(THEMES)


def resource_show(actor: Actor, params: Params) -> dict[str, Any]:
    reference = params.required_string("id")
    params.finish()
    try:
        distribution = db.session.get(Distribution, uuid.UUID(reference))
    except ValueError:
        distribution = None
    if distribution is None:
        raise NotFoundError(f"There is no resource {reference!r}.")
    dataset = datasets.get_dataset(actor, str(distribution.dataset_id))
    package = package_dict(dataset, actor)
    return next(r for r in package["resources"] if r["id"] == str(distribution.id))
