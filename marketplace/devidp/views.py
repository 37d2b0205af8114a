"""The routes of the embedded provider, mounted at /dev-idp (development and tests only)."""

from __future__ import annotations

import logging
import re
from typing import Any

from authlib.oauth2 import OAuth2Error
from flask import Blueprint, Response, current_app, jsonify, render_template, request
from sqlalchemy import select

from marketplace.devidp import settings
from marketplace.devidp.backchannel import log_out
from marketplace.devidp.server import (
    ASSERTION_ALGORITHMS,
    SCOPES,
    VTR_SUPPORTED,
    ProviderServer,
    StoredAuthorizationRequest,
    query_client,
)
from marketplace.devidp.state import current, issuer
from marketplace.errors import BadRequestError
from marketplace.extensions import csrf, db
from marketplace.models import User

bp = Blueprint("devidp", __name__, url_prefix="/dev-idp", template_folder="templates")
log = logging.getLogger(__name__)

JWKS_MAX_AGE = 300
LISTED_USERS = 50


def server() -> ProviderServer:
    return current_app.extensions["devidp_server"]


@bp.get("/.well-known/openid-configuration")
def discovery() -> Response:
    base = issuer()
    return jsonify(
        {
            "issuer": base,
            "authorization_endpoint": base + "authorize",
            "token_endpoint": base + "token",
            "userinfo_endpoint": base + "userinfo",
            "jwks_uri": base + ".well-known/jwks.json",
            "end_session_endpoint": base + "logout",
            "scopes_supported": list(SCOPES),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
            "id_token_signing_alg_values_supported": list(settings.ID_TOKEN_ALGORITHMS),
            "subject_types_supported": ["pairwise"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "email", "email_verified", "phone_number", "phone_number_verified"],
            "claim_types_supported": ["normal"],
            "ui_locales_supported": ["en", "cy"],
            "vtr_values_supported": list(VTR_SUPPORTED),
            "trustmarks": base + "trustmark",
            "backchannel_logout_supported": True,
            "backchannel_logout_session_supported": True,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
        }
    )


@bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    publish_next = current().config()["keys"]["publish_next"]
    response = jsonify(current().keys.published(include_next=publish_next))
    response.headers["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE}"
    return response


@bp.get("/trustmark")
def trustmark() -> Response:
    return jsonify(
        {"idp": issuer(), "trustmark_provider": issuer(), "C": ["Cl", "Cm"], "P": ["P0", "P1", "P2"]}
    )


@bp.route("/authorize", methods=["GET", "POST"])
def authorize() -> Response | tuple[str, int]:
    if request.method == "POST":
        return _chosen_user()
    client = query_client(request.args.get("client_id"))
    if client is None:
        return _refusal("The service asking you to sign in is not registered here (unknown client_id).")
    if not client.check_redirect_uri(request.args.get("redirect_uri", "")):
        return _refusal(
            "The service asked to send you back to an address it has not registered (redirect_uri)."
        )
    try:
        grant = server().get_consent_grant(end_user=None)
    except OAuth2Error as error:
        return _authorize_error(error)
    config = current().config()
    if not config["interactive"]:
        user = current().user_for(config["user"]["email"])
        return server().create_authorization_response(grant_user=user, grant=grant)
    request_id = current().remember_pending(request.url, request.args.to_dict())
    return _sign_in_page(request_id)


def _chosen_user() -> Response | tuple[str, int]:
    request_id = request.form.get("request_id", "")
    expired = "This sign-in has expired or has already been used. Go back to the service and sign in again."
    if current().pending(request_id) is None:
        return _refusal(expired)
    email, errors = _read_choice(has_users=bool(_sign_in_choices()))
    if errors:
        return _sign_in_page(request_id, errors=errors, status=400)
    pending = current().take_pending(request_id)  # once only, even if two forms race
    if pending is None:
        return _refusal(expired)
    user = current().user_for(email)
    stored = StoredAuthorizationRequest(pending.uri, pending.params)
    try:
        grant = server().get_consent_grant(request=stored, end_user=user)
    except OAuth2Error as error:
        return _authorize_error(error)
    return server().create_authorization_response(request=stored, grant_user=user, grant=grant)


def _read_choice(*, has_users: bool) -> tuple[str, dict[str, str]]:
    choice = request.form.get("user", "")
    typed = request.form.get("email", "").strip()
    if choice and choice != "other":
        email = choice
    elif choice == "other" or typed or not has_users:
        if not typed:
            return "", {"email": "Enter an e-mail address"}
        email = typed
    else:
        return "", {"user": "Select who to sign in as, or type an e-mail address"}
    if not settings.is_email(email):
        return "", {"email": "Enter an e-mail address in the correct format, like name@department.gov.uk"}
    return email, {}


def _sign_in_page(
    request_id: str, *, errors: dict[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    choice = request.form.get("user", "")
    page = render_template(
        "devidp/sign_in.html",
        request_id=request_id,
        users=_sign_in_choices(),
        client_id=current().config()["client"]["client_id"],
        errors=errors or {},
        errors_as_lists={field: [message] for field, message in (errors or {}).items()},
        chosen=choice,
        typed=request.form.get("email", ""),
    )
    return page, status


def _sign_in_choices() -> list[tuple[str, str]]:
    users = db.session.scalars(select(User).order_by(User.email).limit(LISTED_USERS)).all()
    return [(user.email, _roles(user)) for user in users]


def _roles(user: User) -> str:
    """Each organisation's roles, e.g. "publisher, Department for Transport"."""
    by_organisation: dict[str, set[str]] = {}
    for membership in user.memberships:
        by_organisation.setdefault(membership.organisation.title, set()).add(membership.role)
    parts = ["site admin"] if user.is_site_admin else []
    for title in sorted(by_organisation):
        roles = sorted(by_organisation[title] - {"member"}) or ["member"]
        parts.append(", ".join(role.replace("_", " ") for role in roles) + ", " + title)
    return "; ".join(parts) or "no roles yet"


def _authorize_error(error: OAuth2Error) -> Response | tuple[str, int]:
    if error.redirect_uri:
        return server().handle_error_response(None, error)
    return _refusal(error.get_error_description() or error.error)


def _refusal(message: str) -> tuple[str, int]:
    return render_template("devidp/refused.html", message=message), 400


@bp.post("/token")
@csrf.exempt  # machine to machine: the client authenticates with private_key_jwt
def token() -> Response:
    # One Login refuses a token request without a User-Agent; so does this provider.
    if not request.headers.get("User-Agent"):
        return _oauth_error("invalid_request", "Requests without a User-Agent header are refused.")
    return server().create_token_response()


@bp.get("/userinfo")
def userinfo() -> Response:
    authorization = request.headers.get("Authorization", "")
    if not authorization:
        # RFC 6750 §3.1: no error code when the request carries no credentials at all.
        response = _oauth_error("invalid_request", "Send the access token as a Bearer token.", 401)
        response.headers["WWW-Authenticate"] = 'Bearer realm="dev-idp"'
        return response
    if not re.fullmatch(r"Bearer +\S+", authorization, flags=re.IGNORECASE):
        response = _oauth_error("invalid_token", "The access token is missing or malformed.", 401)
        response.headers["WWW-Authenticate"] = 'Bearer realm="dev-idp", error="invalid_token"'
        return response
    return server().create_endpoint_response("userinfo")


@bp.get("/logout")
def logout() -> Response | tuple[str, int]:
    try:
        end_session = server().validate_endpoint_request("end_session")
    except OAuth2Error as error:
        log.info("logout refused: %s", error.get_error_description())
        return render_template("devidp/signed_out.html", problem=error.get_error_description()), 400
    redirect = server().create_endpoint_response("end_session", end_session)
    return redirect or render_template("devidp/signed_out.html", problem=None)


@bp.route("/config", methods=["GET", "POST"])
@csrf.exempt  # JSON for scripts and tests, development only
def config() -> Response:
    if request.method == "POST":
        if not request.is_json:
            raise BadRequestError("Send the configuration as JSON (Content-Type: application/json).")
        return jsonify(current().update_config(request.get_json(silent=True)))
    return jsonify(current().config())


@bp.post("/sessions/end")
@csrf.exempt  # JSON for scripts and tests, development only
def end_sessions() -> Response:
    """End a user's provider sessions as an administrator would, sending back-channel logout."""
    body = request.get_json(silent=True) if request.is_json else None
    sub = _sub_to_end(body)
    return jsonify(log_out(sub))


def _sub_to_end(body: Any) -> str:
    if not isinstance(body, dict) or len(body) != 1 or not body.keys() <= {"sub", "email"}:
        raise BadRequestError(
            "Send a JSON object with either sub or email.", {"_schema": ["Give exactly one of sub or email."]}
        )
    if "email" in body:
        if not settings.is_email(body["email"]):
            raise BadRequestError("Check the e-mail address.", {"email": ["Must be an e-mail address."]})
        return current().user_for(body["email"]).sub
    if not isinstance(body["sub"], str) or not body["sub"]:
        raise BadRequestError("Check the sub.", {"sub": ["Must be a non-empty string."]})
    return body["sub"]


def _oauth_error(error: str, description: str, status: int = 400) -> Response:
    response = jsonify({"error": error, "error_description": description})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
