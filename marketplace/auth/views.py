"""Sign-in, sign-out and back-channel logout: the service's side of One Login's flow.

Each way sign-in can fail has its own page, as One Login asks; what went wrong in detail goes
to the log (never tokens or personal data), and the person gets a plain next step.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.oidc.core import UserInfo
from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from joserfc.errors import JoseError
from sqlalchemy import select

from marketplace.auth.keys import client_public_jwks
from marketplace.auth.oidc import (
    LEEWAY,
    LogoutTokenError,
    id_token_claims_options,
    provider_client,
    provider_settings,
    service_url,
    verify_logout_token,
)
from marketplace.auth.redirects import safe_next
from marketplace.auth.session import (
    NEXT_KEY,
    begin_user_session,
    current_user_session,
    forget_user_session,
)
from marketplace.errors import AuthenticationError
from marketplace.extensions import csrf, db
from marketplace.models import User
from marketplace.services.sessions import end_session, end_sessions_of_user, record_logout_token
from marketplace.services.sign_in import SignInRefusedError, sign_in_user

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__, template_folder="templates")

# What each problem page says and its status. Keys are the provider's `error` values and our own.
PROBLEMS = {
    "access_denied": (400, "You did not finish signing in"),
    "login_required": (401, "You need to sign in again"),
    "temporarily_unavailable": (503, "Sorry, signing in is not available at the moment"),
    "unauthorized_client": (503, "Sorry, the service is unavailable"),
    "provider_unreachable": (503, "Sorry, signing in is not available at the moment"),
    "state": (400, "Your sign-in link has expired"),
    "failed": (400, "Sorry, we could not sign you in"),
    "not_government_email": (403, "Use your government email address"),
    "email_not_verified": (403, "Confirm your email address first"),
    "account_conflict": (409, "Sorry, we could not sign you in"),
}
# The logout token's jti is remembered at least this long, whatever its own expiry.
LOGOUT_JTI_MEMORY = timedelta(minutes=3)
PROVIDER_ERRORS = (OAuthError, JoseError, requests.RequestException, ValueError, KeyError)


def problem(reason: str, next_path: str = "/account") -> tuple[str, int]:
    status, title = PROBLEMS[reason]
    page = render_template("auth/problem.html", reason=reason, title=title, next_path=next_path)
    return page, status


@bp.get("/login")
def login():
    next_path = safe_next(request.args.get("next"))
    if current_user_session() is not None:
        return redirect(next_path)
    if not _on_service_origin():
        # The provider returns to BASE_URL: start there, so the state cookie is where it comes back.
        return redirect(service_url("auth.login", next=next_path))
    _forget_older_sign_ins()
    settings = provider_settings()
    try:
        client = provider_client(settings)
        response = client.authorize_redirect(service_url("auth.callback"), vtr=settings.vtr, ui_locales="en")
    except PROVIDER_ERRORS as error:
        log.warning("sign-in could not start: %s", type(error).__name__)
        return problem("provider_unreachable", next_path)
    session[NEXT_KEY] = next_path
    return response


@bp.get("/auth/callback")
def callback():
    next_path = safe_next(session.get(NEXT_KEY))
    error = request.args.get("error")
    if error:
        _forget_pending_state()
        log.info("sign-in ended by the provider: %s", error[:64])
        if error == "login_required":
            _end_local_session("login-required")
        return problem(error if error in PROBLEMS else "failed", next_path)
    settings = provider_settings()
    try:
        client = provider_client(settings)
        token = client.authorize_access_token(claims_options=id_token_claims_options(settings), leeway=LEEWAY)
        id_claims = token.get("userinfo")
        if not id_claims:
            raise ValueError("the token response has no ID token")
        userinfo = client.userinfo(token=token)
        _check_userinfo(id_claims, userinfo)
    except MismatchingStateError:
        log.warning("sign-in refused: unknown or reused state")
        return problem("state", next_path)
    except PROVIDER_ERRORS as error:
        # The class and Authlib's short description only: they name the failed check, not a secret.
        log.warning(
            "sign-in refused: %s %s", type(error).__name__, getattr(error, "description", "") or error
        )
        return problem("failed", next_path)
    try:
        user = sign_in_user(
            sub=id_claims["sub"],
            email=userinfo["email"],
            email_verified=bool(userinfo.get("email_verified")),
        )
    except SignInRefusedError as refusal:
        log.info("sign-in refused: %s", refusal.reason)
        return problem(refusal.reason, next_path)
    begin_user_session(user, provider_sid=id_claims.get("sid"), id_token=token.get("id_token"))
    log.info("signed in", extra={"user": str(user.id)})
    return redirect(next_path)


def _on_service_origin() -> bool:
    """Whether this request came to BASE_URL's own scheme, host and port (a trusted Host header,
    such as localhost for 127.0.0.1 in development, may still be another origin)."""
    return request.host_url.rstrip("/") == current_app.config["BASE_URL"]


def _check_userinfo(id_claims: UserInfo, userinfo: UserInfo) -> None:
    # OpenID Connect Core §5.3.2: userinfo for another subject must not be used.
    if userinfo.get("sub") != id_claims["sub"]:
        raise ValueError("userinfo is for another subject")
    if not isinstance(userinfo.get("email"), str) or "@" not in userinfo["email"]:
        raise ValueError("userinfo has no email")


# Sign-ins started but not finished that a browser keeps (a few tabs' worth). Authlib keeps each
# one's state in the session cookie for an hour; unbounded, 20 abandoned sign-ins pass the 4 KB a
# browser stores, and it silently drops the cookie (and with it a signed-in session).
PENDING_SIGN_INS = 3
STATE_PREFIX = "_state_oidc_"


def _forget_older_sign_ins() -> None:
    pending = sorted(
        (key for key in session if key.startswith(STATE_PREFIX)),
        key=lambda key: (session[key] or {}).get("exp", 0) if isinstance(session[key], dict) else 0,
    )
    for key in pending[: max(0, len(pending) - (PENDING_SIGN_INS - 1))]:
        session.pop(key, None)


def _forget_pending_state() -> None:
    state = request.args.get("state")
    if state:
        session.pop(f"{STATE_PREFIX}{state}", None)


def _end_local_session(reason: str) -> str | None:
    """End this browser's session; returns its ID token for the provider's logout."""
    found = current_user_session()
    id_token = None
    if found is not None:
        id_token = found.id_token
        end_session(found, reason)
    forget_user_session()
    return id_token


@bp.get("/logout")
def confirm_logout():
    """Signing out changes state, so it is a POST with the form's token; a GET (an old link, or
    another site's <img src="/logout">) only asks."""
    if current_user_session() is None:
        return redirect(url_for("auth.signed_out"))
    return render_template("auth/sign_out.html")


@bp.post("/logout")
def logout():
    """End the session here, then at the provider (RP-initiated logout), which comes back to
    /signed-out and tells the service's other sessions through back-channel logout."""
    id_token = _end_local_session("signed-out")
    signed_out = service_url("auth.signed_out")
    if not id_token:
        return redirect(signed_out)
    try:
        client = provider_client(provider_settings())
        url = client.create_logout_url(post_logout_redirect_uri=signed_out, id_token_hint=id_token)["url"]
    except PROVIDER_ERRORS as error:
        log.warning("could not sign out at the provider: %s", type(error).__name__)
        return redirect(signed_out)
    return redirect(url)


@bp.get("/signed-out")
def signed_out():
    return render_template("auth/signed_out.html")


@bp.post("/auth/backchannel-logout")
@csrf.exempt  # the provider posts it; the signed logout token is the proof, not a form token
def backchannel_logout():
    """The provider says a person signed out: end every session of theirs (Back-Channel Logout 1.0)."""
    token = request.form.get("logout_token", "")
    if not token:
        return _logout_error("logout_token is missing")
    settings = provider_settings()
    try:
        claims = verify_logout_token(provider_client(settings), settings, token)
    except LogoutTokenError as error:
        log.warning("back-channel logout refused: %s", error)
        return _logout_error("the logout token is not valid")
    except requests.RequestException as error:
        log.warning("back-channel logout: provider keys unavailable: %s", type(error).__name__)
        return _logout_error("the provider's keys could not be fetched", status=503)
    remember_until = max(datetime.fromtimestamp(claims["exp"], UTC), datetime.now(UTC) + LOGOUT_JTI_MEMORY)
    try:
        record_logout_token(str(claims["jti"]), remember_until)
    except AuthenticationError:
        log.warning("back-channel logout refused: a replayed logout token")
        return _logout_error("the logout token has been used already")
    user = db.session.scalar(select(User).where(User.sub == claims["sub"]))
    ended = end_sessions_of_user(user, "back-channel-logout") if user else 0
    log.info("back-channel logout ended %d sessions", ended)
    response = Response(status=200)
    response.headers["Cache-Control"] = "no-store"
    return response


def _logout_error(description: str, status: int = 400) -> Response:
    response = jsonify(error="invalid_request", error_description=description)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/.well-known/jwks.json")
def jwks():
    """The service's public key, for a provider that reads client keys from a JWKS URL."""
    response = jsonify(client_public_jwks())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
