"""The permission rules, in one place for pages, the REST API, the CKAN API and the CLI."""

from __future__ import annotations

from marketplace.errors import AuthenticationError, PermissionDeniedError
from marketplace.models import Dataset, Organisation
from marketplace.rules.actors import Actor


def can_publish_for(actor: Actor, organisation: Organisation) -> bool:
    return actor.is_site_admin or organisation.id in actor.publishing_organisation_ids()


def can_publish_anywhere(actor: Actor) -> bool:
    """Whether `actor` publishes for any organisation: the pages offer "Publish" only then."""
    return actor.is_site_admin or bool(actor.publishing_organisation_ids())


def require_publisher(actor: Actor, organisation: Organisation, *, deleting: bool = False) -> None:
    """Raise unless `actor` may create and change (or, `deleting`, delete) `organisation`'s entries."""
    if not actor.is_authenticated:
        raise AuthenticationError("Send an API token: Authorization: Bearer <token>.")
    if deleting and not actor.may_delete:
        raise PermissionDeniedError(
            "This client was not granted the delete scope."
            if actor.client is not None
            else read_only_message(actor)
        )
    if not deleting and not actor.may_write:
        raise PermissionDeniedError(read_only_message(actor))
    if not can_publish_for(actor, organisation):
        raise PermissionDeniedError(
            f"You are not a publisher for {organisation.title}, so you cannot change its entries."
        )


def read_only_message(actor: Actor) -> str:
    if actor.client is not None:
        return "This client was not granted the publish scope."
    if actor.via == "session":
        return "Changes through the API need an API token: create one at /account/tokens."
    return "This token may only read. Create a token with the publish scope to make changes."


def can_view(actor: Actor, dataset: Dataset) -> bool:
    """Whether `actor` may read the entry at its URL (search and lists are narrower: no withdrawn)."""
    if actor.is_site_admin or dataset.organisation_id in actor.publishing_organisation_ids():
        return True
    if dataset.status not in {"published", "withdrawn"}:
        return False
    return actor.is_authenticated or dataset.access_rights == "OPEN"


def can_see_editors(actor: Actor, dataset: Dataset) -> bool:
    """Whether `actor` may see who (by e-mail) changed the entry, rather than just the organisation."""
    return actor.is_site_admin or dataset.organisation_id in actor.organisation_ids()


def can_list(actor: Actor, dataset: Dataset, statuses: list[str]) -> bool:
    """Python form of queries.datasets.listable_condition, for rows already fetched by id."""
    if dataset.deleted_at is not None or dataset.status not in statuses:
        return False
    if dataset.status == "published":
        return can_view(actor, dataset)
    return actor.is_site_admin or dataset.organisation_id in actor.publishing_organisation_ids()
