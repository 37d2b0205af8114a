"""Account pages: who you are, your API tokens, and (for org admins) people and roles.

Thin views: each form is read here and handed to the same service the API and CLI use, so the
permission rules and validation are the ones everywhere else.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for

from marketplace.auth.session import current_user, session_actor
from marketplace.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from marketplace.services.organisations import find_organisation
from marketplace.services.roles import (
    GRANTABLE_ROLES,
    OWN_ADMIN_ROLE,
    can_manage_roles,
    find_member,
    grant_role,
    list_members,
    list_role_changes,
    may_remove_role,
    revoke_role,
)
from marketplace.services.tokens import (
    SCOPES,
    count_active_tokens,
    create_token,
    get_token,
    list_tokens,
    revoke_token,
)
from marketplace.web.access import sign_in_required

bp = Blueprint("account", __name__)

# Expiry choices offered on the tokens page, in days, besides the configured default; "never"
# only to site admins (the service refuses it to anyone else).
TOKEN_EXPIRY_DAYS = (30, 90, 365)
NEVER = "never"
ROLE_LABELS = {"member": "Member", "publisher": "Publisher", "reviewer": "Reviewer", "org_admin": "Org admin"}
# A new token's secret waits in the session for the page the creation redirects to, which shows it
# once (post/redirect/get: refreshing that page cannot make a second token). Flask's session
# cookie is signed, not encrypted, so the secret goes in it encrypted with a key derived from
# SECRET_KEY, and only for a few minutes.
NEW_TOKEN_KEY = "new_api_token"
NEW_TOKEN_SECONDS = 600


@bp.get("/account")
@sign_in_required
def account():
    user = current_user()
    organisations: dict = {}
    for membership in user.memberships:
        organisations.setdefault(membership.organisation, set()).add(membership.role)
    rows = [
        (
            organisation,
            [ROLE_LABELS[r] for r in ("member", *GRANTABLE_ROLES) if r in roles],
            "org_admin" in roles,
        )
        for organisation, roles in sorted(organisations.items(), key=lambda item: item[0].title)
    ]
    return render_template("account/account.html", user=user, organisations=rows)


@bp.get("/account/tokens")
@sign_in_required
def tokens():
    new_token, new_secret = _take_new_token()
    return _tokens_page(new_secret=new_secret, new_token=new_token)


def _new_token_cipher() -> Fernet:
    digest = hashlib.sha256(b"api-token-shown-once:" + current_app.secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _keep_new_token(token, secret: str) -> None:
    sealed = _new_token_cipher().encrypt(json.dumps({"id": str(token.id), "secret": secret}).encode())
    session[NEW_TOKEN_KEY] = sealed.decode()


def _take_new_token():
    """The token made just before this page and its secret, once; (None, None) after that."""
    sealed = session.pop(NEW_TOKEN_KEY, None)
    if not sealed:
        return None, None
    try:
        kept = json.loads(_new_token_cipher().decrypt(sealed.encode(), ttl=NEW_TOKEN_SECONDS))
        token = get_token(session_actor(), kept["id"])
    except (InvalidToken, ValueError, KeyError, NotFoundError, PermissionDeniedError):
        return None, None
    return token, kept["secret"]


def _expiry_days() -> list[int]:
    return sorted({*TOKEN_EXPIRY_DAYS, current_app.config["TOKEN_DEFAULT_EXPIRY_DAYS"]})


def _expiry_choices(user) -> list[tuple[str, str]]:
    choices = [
        (str(d), "In a year" if d == 365 else f"In {d} day{'s' if d != 1 else ''}") for d in _expiry_days()
    ]
    return [*choices, (NEVER, "Never")] if user.is_site_admin else choices


def _tokens_page(errors=None, form=None, new_secret=None, new_token=None, status=200):
    actor = session_actor()
    default = {"scope": ["read"], "expires": str(current_app.config["TOKEN_DEFAULT_EXPIRY_DAYS"])}
    page = render_template(
        "account/tokens.html",
        tokens=list_tokens(actor, actor.user),
        active_count=count_active_tokens(actor.user),
        max_active=current_app.config["MAX_ACTIVE_TOKENS"],
        scopes=SCOPES,
        expiry_choices=_expiry_choices(actor.user),
        errors=errors or {},
        form=form or default,
        new_secret=new_secret,
        new_token=new_token,
    )
    headers = {"Cache-Control": "no-store"} if new_secret else {}
    return page, status, headers


@bp.post("/account/tokens")
@sign_in_required
def create_api_token():
    actor = session_actor()
    form = {
        "name": request.form.get("name", ""),
        "scope": request.form.getlist("scope"),
        "expires": request.form.get("expires", ""),
    }
    # "Never" is offered only to site admins; anyone else who sends it is told why by the service.
    expires = form["expires"]
    if expires != NEVER and expires not in {str(d) for d in _expiry_days()}:
        return _tokens_page(errors={"expires": ["Choose when the token expires."]}, form=form, status=400)
    try:
        token, secret = create_token(
            actor,
            actor.user.email,
            name=form["name"],
            scopes=form["scope"],
            expires_days=None if expires == NEVER else int(expires),
            never_expires=expires == NEVER,
        )
    except ValidationError as error:
        messages = dict(error.errors)
        if "scope" in messages:
            messages["scope"] = ["Choose what the token may do: read, publish, or both."]
        if "name" in messages:
            messages["name"] = ["Enter a name for the token, up to 100 characters."]
        if "expires_days" in messages:
            messages["expires"] = messages.pop("expires_days")
        return _tokens_page(errors=messages, form=form, status=400)
    except ConflictError as error:
        limit = error.extra["limit"]
        message = (
            f"You already have {limit} active tokens, the most you can have. "
            "Revoke a token you no longer use, then create a new one."
        )
        return _tokens_page(errors={"_schema": [message]}, form=form, status=error.status)
    # Shown once, on the page this redirects to: it is stored as a hash and cannot be shown again.
    _keep_new_token(token, secret)
    return redirect(url_for("account.tokens", _anchor="new-token-heading"), 303)


@bp.get("/account/tokens/<token_id>/revoke")
@sign_in_required
def confirm_revoke_api_token(token_id: str):
    token = get_token(session_actor(), token_id)
    if token.revoked_at is not None:
        flash(f"The token '{token.name}' was already revoked.")
        return redirect(url_for("account.tokens"))
    return render_template("account/revoke_token.html", token=token)


@bp.post("/account/tokens/<token_id>/revoke")
@sign_in_required
def revoke_api_token(token_id: str):
    token = revoke_token(session_actor(), token_id)
    flash(f"The token '{token.name}' has been revoked. It can no longer be used.")
    return redirect(url_for("account.tokens"))


@bp.get("/organisations/<slug>/people")
@sign_in_required
def people(slug: str):
    return _people_page(slug)


def _people_page(slug: str, errors=None, form=None, status=200):
    actor = session_actor()
    organisation = find_organisation(slug)
    if not can_manage_roles(actor, organisation):
        raise PermissionDeniedError(
            f"Only an org admin of {organisation.title} can manage its people and roles."
        )
    page = render_template(
        "account/people.html",
        organisation=organisation,
        members=list_members(actor, organisation),
        changes=list_role_changes(actor, organisation, page=1, per_page=50),
        role_labels=ROLE_LABELS,
        grantable=GRANTABLE_ROLES,
        may_remove=lambda user, role: may_remove_role(actor, user, role),
        errors=errors or {},
        form=form or {},
    )
    return page, status


@bp.post("/organisations/<slug>/people")
@sign_in_required
def grant(slug: str):
    organisation = find_organisation(slug)
    form = {"email": request.form.get("email", "").strip(), "role": request.form.get("role", "")}
    errors = {}
    if not form["email"]:
        errors["email"] = ["Enter the person's government email address."]
    if form["role"] not in GRANTABLE_ROLES:
        errors["role"] = ["Choose the role to give."]
    if not errors:
        try:
            granted = grant_role(session_actor(), organisation, form["email"], form["role"])
        except ValidationError as error:
            errors = dict(error.errors)
        else:
            label = ROLE_LABELS[form["role"]].lower()
            flash(
                f"{form['email']} is now {'an' if label[0] in 'aeiou' else 'a'} {label}."
                if granted
                else f"{form['email']} already had that role."
            )
            return redirect(url_for("account.people", slug=slug))
    return _people_page(slug, errors=errors, form=form, status=400)


@bp.get("/organisations/<slug>/people/<user_id>/remove/<role>")
@sign_in_required
def confirm_revoke(slug: str, user_id: str, role: str):
    """Are you sure? A role is taken away only from this page's button, never from the list."""
    actor = session_actor()
    organisation = find_organisation(slug)
    if not can_manage_roles(actor, organisation):
        raise PermissionDeniedError(
            f"Only an org admin of {organisation.title} can manage its people and roles."
        )
    member = find_member(actor, organisation, user_id)
    if role not in GRANTABLE_ROLES or role not in member.roles:
        raise NotFoundError(f"{member.user.email} does not have that role.")
    if not may_remove_role(actor, member.user, role):
        return _people_page(
            slug,
            errors={"_schema": [OWN_ADMIN_ROLE]},
            status=409,
        )
    return render_template(
        "account/remove_role.html",
        organisation=organisation,
        member=member,
        role=role,
        role_labels=ROLE_LABELS,
    )


@bp.post("/organisations/<slug>/people/revoke")
@sign_in_required
def revoke(slug: str):
    organisation = find_organisation(slug)
    email, role = request.form.get("email", ""), request.form.get("role", "")
    try:
        revoke_role(session_actor(), organisation, email, role)
    except (ConflictError, NotFoundError, ValidationError) as error:
        return _people_page(slug, errors={"_schema": [error.detail]}, status=error.status)
    flash(f"{email} is no longer {ROLE_LABELS.get(role, role).lower()}.")
    return redirect(url_for("account.people", slug=slug))
