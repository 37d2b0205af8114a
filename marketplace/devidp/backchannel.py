"""Back-channel logout (OpenID Connect Back-Channel Logout 1.0), which One Login's simulator lacks.

When a user's provider sessions end (RP-initiated logout, or an administrator ending them), the
registered client is sent a signed `logout_token` by a POST from a background thread: the
receiving service may be this very process, so the request that caused it never waits on it.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from typing import Any

import requests
from joserfc import jwt

from marketplace.devidp.id_token import signing_key
from marketplace.devidp.state import current, issuer

EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_LIFETIME = 120
TIMEOUT = 5
RETRY_PAUSE = 0.5

log = logging.getLogger(__name__)


def log_out(sub: str, sid: str | None = None) -> dict[str, Any]:
    """End every provider session of `sub` (and its access tokens), then tell the client."""
    state = current()
    ended = state.end_sessions(sub)
    client = state.config()["client"]
    uri = client["backchannel_logout_uri"]
    if uri:
        if sid is None:
            ours = [s for s in ended if s.client_id == client["client_id"]]
            sid = ours[-1].sid if ours else None  # the latest: sessions are kept in the order made
        alg = client["id_token_signing_alg"]
        token = logout_token(client_id=client["client_id"], sub=sub, sid=sid, alg=alg)
        threading.Thread(target=deliver, args=(uri, token), name="devidp-backchannel", daemon=True).start()
    return {"sub": sub, "sessions_ended": len(ended), "backchannel_logout_uri": uri}


def logout_token(*, client_id: str, sub: str, sid: str | None, alg: str) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer(),
        "aud": client_id,
        "iat": now,
        "exp": now + LOGOUT_TOKEN_LIFETIME,
        "jti": secrets.token_urlsafe(24),
        "sub": sub,
        "events": {EVENT: {}},
    }
    if sid:
        claims["sid"] = sid
    key = signing_key(alg)
    return jwt.encode({"alg": alg, "kid": key.kid, "typ": "logout+jwt"}, claims, key, [alg])


def deliver(uri: str, token: str) -> bool:
    """POST the logout token, retrying once after a failure that may pass; log the outcome."""
    outcome = ""
    for attempt in (1, 2):
        try:
            response = requests.post(
                uri,
                data={"logout_token": token},
                timeout=TIMEOUT,
                headers={"User-Agent": "marketplace-dev-idp"},
            )
        except requests.RequestException as error:
            outcome = type(error).__name__
        else:
            if response.ok:
                log.info("back-channel logout delivered to %s (HTTP %s)", uri, response.status_code)
                return True
            outcome = f"HTTP {response.status_code}"
            if response.status_code < 500:
                break  # refused, not failing: sending the same token again will not help
        if attempt == 1:
            time.sleep(RETRY_PAUSE)
    log.warning("back-channel logout to %s failed: %s", uri, outcome, extra={"uri": uri, "outcome": outcome})
    return False
