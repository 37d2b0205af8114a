"""An organisation's API clients: the pages where its org admins register, rotate and revoke the
machine clients its own systems use to get tokens (OAuth 2.0 client credentials).

Thin views over services.api_clients, the same rules as `flask clients`. A new or rotated secret
is shown on the page that answers the POST, once and never cached: only its hash is stored.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from marketplace.auth.session import session_actor
from marketplace.errors import NotFoundError, ValidationError
from marketplace.models import ApiClient
from marketplace.models.types import utcnow
from marketplace.services.api_clients import (
    create_client,
    find_client,
    list_clients,
    require_client_manager,
    revoke_client,
    rotate_secret,
)
from marketplace.services.organisations import find_organisation
from marketplace.web.access import sign_in_required
from marketplace.web.filters import govuk_date

bp = Blueprint("api_clients", __name__)

SCOPE_CHOICES = (
    ("discover", "Find and read your organisation's records"),
    ("publish", "Create and change records"),
    ("delete", "Delete records"),
)
NEVER = "never"
EXPIRY_CHOICES = (("30", "30 days"), ("90", "90 days"), ("365", "1 year"), (NEVER, "No expiry"))
DEFAULT_FORM = {"name": "", "scope": ["discover"], "expires": "90", "public_jwks": ""}
# The token endpoint the pages show: the Data Marketplace specification's own path (/oauth/token
# works too).
GET_TOKEN_PATH = "/ClientAuth/get-token"
NO_STORE = {"Cache-Control": "no-store"}


def client_status(client: ApiClient, now: datetime | None = None) -> tuple[str, str, str]:
    """(tag, tag colour class, detail) for the list: revoked, expired or active."""
    now = now or utcnow()
    if client.revoked_at is not None:
        by = f" by {client.revoked_by_label}" if client.revoked_by_label else ""
        return "Revoked", "govuk-tag--red", f"Revoked on {govuk_date(client.revoked_at)}{by}"
    if client.expires_at is not None and client.expires_at <= now:
        return "Expired", "govuk-tag--grey", f"Expired on {govuk_date(client.expires_at)}"
    if client.expires_at is not None:
        return "Active", "govuk-tag--green", f"Expires on {govuk_date(client.expires_at)}"
    return "Active", "govuk-tag--green", "Does not expire"


@bp.get("/organisations/<slug>/api-clients")
@sign_in_required
def clients(slug: str):
    return _list_page(slug)


def _list_page(slug: str, errors=None, status: int = 200):
    organisation = find_organisation(slug)
    page = render_template(
        "api_clients/list.html",
        organisation=organisation,
        clients=list_clients(session_actor(), organisation.slug),
        status_of=client_status,
        errors=errors or {},
    )
    return page, status


@bp.get("/organisations/<slug>/api-clients/new")
@sign_in_required
def new_client(slug: str):
    return _form_page(slug)


def _form_page(slug: str, errors=None, form=None, status: int = 200):
    organisation = find_organisation(slug)
    require_client_manager(session_actor(), organisation, writing=False)
    page = render_template(
        "api_clients/new.html",
        organisation=organisation,
        scope_choices=SCOPE_CHOICES,
        expiry_choices=EXPIRY_CHOICES,
        errors=errors or {},
        form=form or DEFAULT_FORM,
    )
    return page, status


@bp.post("/organisations/<slug>/api-clients/new")
@sign_in_required
def register_client(slug: str):
    form = {
        "name": request.form.get("name", ""),
        "scope": request.form.getlist("scope"),
        "expires": request.form.get("expires", ""),
        "public_jwks": request.form.get("public_jwks", "").strip(),
    }
    if form["expires"] not in dict(EXPIRY_CHOICES):
        return _form_page(
            slug, errors={"expires": ["Choose when the client expires."]}, form=form, status=400
        )
    try:
        client, secret = create_client(
            session_actor(),
            slug,
            name=form["name"],
            scopes=form["scope"],
            expires_days=None if form["expires"] == NEVER else int(form["expires"]),
            public_jwks=form["public_jwks"] or None,
        )
    except ValidationError as error:
        return _form_page(slug, errors=_form_errors(error.errors), form=form, status=400)
    return _secret_page(client, secret, new=True)


def _form_errors(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """The service's messages, reworded where a page says it better, under the form's field ids."""
    messages = dict(errors)
    if "name" in messages:
        messages["name"] = ["Enter a name for the client, up to 100 characters."]
    if "scope" in messages:
        messages["scope"] = ["Choose what the client may do: discover, publish or delete."]
    if "expires_days" in messages:
        messages["expires"] = ["Choose when the client expires."]
        del messages["expires_days"]
    return messages


def _secret_page(client: ApiClient, secret: str | None, *, new: bool):
    page = render_template(
        "api_clients/secret.html",
        organisation=client.organisation,
        client=client,
        secret=secret,
        new=new,
        get_token_url=current_app.config["BASE_URL"] + GET_TOKEN_PATH,
    )
    # Shown this once: no browser or proxy may keep a copy.
    return page, 200, NO_STORE


def _client_of(slug: str, client_id: str) -> ApiClient:
    """The client named in the URL, if it is the organisation's: any other is not found here."""
    organisation = find_organisation(slug)
    require_client_manager(session_actor(), organisation, writing=False)
    client = find_client(client_id)
    if client is None or client.organisation_id != organisation.id:
        raise NotFoundError(f"{organisation.title} has no API client {client_id!r}.")
    return client


@bp.get("/organisations/<slug>/api-clients/<client_id>/rotate")
@sign_in_required
def confirm_rotate(slug: str, client_id: str):
    client = _client_of(slug, client_id)
    problem = _why_not_rotatable(client)
    if problem:
        return _list_page(slug, errors={"_schema": [problem]}, status=409)
    return render_template("api_clients/rotate.html", organisation=client.organisation, client=client)


def _why_not_rotatable(client: ApiClient) -> str | None:
    if client.revoked_at is not None:
        return f"The API client '{client.name}' is revoked: register a new one."
    if client.public_jwks:
        return f"The API client '{client.name}' signs with its own keys: it has no secret to rotate."
    return None


@bp.post("/organisations/<slug>/api-clients/<client_id>/rotate")
@sign_in_required
def rotate(slug: str, client_id: str):
    client = _client_of(slug, client_id)
    try:
        client, secret = rotate_secret(session_actor(), client.client_id)
    except ValidationError as error:  # revoked in another tab since the question was asked
        return _list_page(slug, errors={"_schema": _messages(error)}, status=409)
    return _secret_page(client, secret, new=False)


def _messages(error: ValidationError) -> list[str]:
    return [message for messages in error.errors.values() for message in messages]


@bp.get("/organisations/<slug>/api-clients/<client_id>/revoke")
@sign_in_required
def confirm_revoke(slug: str, client_id: str):
    client = _client_of(slug, client_id)
    if client.revoked_at is not None:
        flash(f"The API client '{client.name}' was already revoked.")
        return redirect(url_for("api_clients.clients", slug=slug))
    return render_template("api_clients/revoke.html", organisation=client.organisation, client=client)


@bp.post("/organisations/<slug>/api-clients/<client_id>/revoke")
@sign_in_required
def revoke(slug: str, client_id: str):
    client = revoke_client(session_actor(), _client_of(slug, client_id).client_id)
    flash(f"The API client '{client.name}' has been revoked. Its tokens no longer work.")
    return redirect(url_for("api_clients.clients", slug=slug))
