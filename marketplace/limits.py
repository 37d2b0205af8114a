"""Rate limits: the whole policy, in one place, applied to endpoints by name when the app starts.

The views know nothing of it. `init_app` wraps each endpoint named in `ENDPOINT_RULES` (and every
/api/v1 endpoint) with a Flask-Limiter limit, and `auth/bearer.py` asks `refuse_blocked_bearer`
and `count_bearer_failure` about API tokens.

Who is counted: the client's address as Flask sees it (`request.remote_addr`, which ProxyFix
corrects when PROXY_HOPS is set), an IPv6 client by its /64 (one host or household usually holds
a whole /64, so counting single addresses would let it walk around every limit); or the
signed-in person, or the API token, where the rule says so. Many people in one office share an
address, so the per-address limits are set for a building, not for a person.

Where: in Redis when REDIS_URL is set, so that every gunicorn worker and every host shares the
counts; otherwise in each process's memory (development, a single process).

How: moving windows. "20 per minute" means at most 20 in any 60 seconds, with no double burst
at the edge of a clock minute; a refused request does not count, so waiting always works.
`Retry-After` says how long until the oldest counted request leaves the window.

If Redis stops answering, each process carries on counting in its own memory, logs a warning
and checks Redis again now and then: a request is never failed because the counter is down.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter
from limits import RateLimitItem, parse_many

from marketplace.auth.session import current_user
from marketplace.errors import TooManyRequestsError
from marketplace.services.tokens import hash_token

log = logging.getLogger(__name__)

# --- The policy -------------------------------------------------------------------------------

# Signing in, per address, for /login and for /auth/callback each. A person signs in about once
# a day (sessions last up to 12 hours), so this lets a busy building in but not a flood (the
# review sent 50 requests in a few seconds); each callback also costs a call to the provider.
SIGN_IN = "20 per minute; 200 per hour"
# The embedded provider's token endpoint (development and tests only), per address.
PROVIDER_TOKEN = "20 per minute"
# Back-channel logout, per address, counting only the logout tokens refused: the provider's real
# notifications (all from its few addresses) are never held up, a forger's flood is.
BACKCHANNEL_LOGOUT_REFUSALS = "20 per minute"
# Machine clients' token endpoints (/ClientAuth/get-token and /oauth/token together), per address,
# counting only the requests refused: a client that gets its token every half hour is never held
# up, while guessing secrets or client ids stops after a few tries.
CLIENT_TOKEN_REFUSALS = "20 per minute; 200 per hour"
# API tokens that were not recognised (or were revoked or expired), per address. Once over, every
# request from that address that sends a bearer token is refused before the token is looked up,
# valid or not, until the window passes: a guesser learns nothing from a right guess.
BEARER_FAILURES = "10 per minute; 60 per hour"
# Creating API tokens, per person: someone needs a few a year (and may hold MAX_ACTIVE_TOKENS).
TOKEN_CREATION = "10 per hour"
# The find pages (/datasets and /organisations/<slug>, together): search with filters and
# facets, the costliest pages. Per signed-in person, else per address.
FIND_PAGES = "60 per minute; 1000 per hour"
# /api/v1, all endpoints together. Anonymous callers per address; authenticated callers per API
# token (or per person, for the session's read-only access) with room to harvest the catalogue:
# at 100 entries a page, 300 pages a minute read 30,000 entries.
API_ANONYMOUS = "60 per minute"
API_AUTHENTICATED = "300 per minute"
# The whole catalogue as one download (GET /api/v1/datasets.jsonl), on top of the API's count,
# per token or address: each is the work of a thousand pages, and a mirror needs one now and then
# (the change feed keeps it up to date between).
BULK_DOWNLOAD = "10 per hour"
# Bulk CSV import (upload and confirm, together), per person: a few imports an hour, with room
# to fix a file and upload it again.
CSV_IMPORT = "30 per hour"
# Feedback: enough for anyone with something to say, too few to fill the table.
FEEDBACK = "10 per hour"

# Keys in a shared Redis start with this, unless RATELIMIT_KEY_PREFIX says otherwise.
KEY_PREFIX = "marketplace"
# A Redis that does not answer must not hold requests up for long (then the fallback counts).
REDIS_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
EXTENSION = "marketplace.limiter"

# --- Who is counted ---------------------------------------------------------------------------


def client_address() -> str:
    """The client's address; an IPv6 client's /64 network."""
    address = request.remote_addr or "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is 192.0.2.1
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def person_or_address() -> str:
    user = current_user()
    return f"user:{user.id}" if user else f"address:{client_address()}"


def presented_token() -> str | None:
    """The API token a request presents: "Bearer <token>", or as CKAN clients send it, the bare
    token in Authorization or in X-CKAN-API-Key."""
    authorization = request.headers.get("Authorization", "").strip()
    scheme, _, secret = authorization.partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        return secret.strip()
    if authorization and not secret:
        return authorization
    return request.headers.get("X-CKAN-API-Key", "").strip() or None


def api_client() -> str:
    """The presented API token (by its hash, never the secret), else the signed-in person, else
    the address. A made-up token gets a fresh count here, but fails its lookup, and
    BEARER_FAILURES stops an address after a few of those."""
    token = presented_token()
    if token:
        return f"token:{hash_token(token)[:32]}"
    return person_or_address()


def api_limit() -> str:
    return API_ANONYMOUS if api_client().startswith("address:") else API_AUTHENTICATED


def by_address() -> str:
    return f"address:{client_address()}"


def refused_by_client(response: Response) -> bool:
    return 400 <= response.status_code < 500


@dataclass(frozen=True)
class Rule:
    limit: str | Callable[[], str]
    key: Callable[[], str]
    # Endpoints with the same scope share one count.
    scope: str
    # Count only the responses for which this is true (None: every request).
    counts: Callable[[Response], bool] | None = None


ENDPOINT_RULES: dict[str, Rule] = {
    "auth.login": Rule(SIGN_IN, by_address, "sign-in"),
    # Its own count, with the same limit: a sign-in is one of each.
    "auth.callback": Rule(SIGN_IN, by_address, "sign-in-callback"),
    "auth.backchannel_logout": Rule(
        BACKCHANNEL_LOGOUT_REFUSALS, by_address, "backchannel-logout", counts=refused_by_client
    ),
    "devidp.token": Rule(PROVIDER_TOKEN, by_address, "provider-token"),
    "oauth.token": Rule(CLIENT_TOKEN_REFUSALS, by_address, "client-token", counts=refused_by_client),
    "account.create_api_token": Rule(TOKEN_CREATION, person_or_address, "token-creation"),
    "find.find_data": Rule(FIND_PAGES, person_or_address, "find"),
    "find.organisation": Rule(FIND_PAGES, person_or_address, "find"),
    "csv_import.upload": Rule(CSV_IMPORT, person_or_address, "csv-import"),
    "csv_import.confirm": Rule(CSV_IMPORT, person_or_address, "csv-import"),
    "service_pages.send_feedback": Rule(FEEDBACK, person_or_address, "feedback"),
}
API_RULE = Rule(api_limit, api_client, "api")
# Endpoints counted by a rule of their own besides API_RULE.
EXTRA_API_RULES: dict[str, Rule] = {
    "api.download_datasets": Rule(BULK_DOWNLOAD, api_client, "bulk-download"),
}
# Endpoints that exist only with the embedded provider (development and tests).
DEVELOPMENT_ONLY = frozenset({"devidp.token"})


# The machine interfaces share the API's count: our REST API, CKAN's Action API and the DCAT pages.
API_BLUEPRINTS = ("api.", "ckan.", "dcat.", "dm_api.")


def rules_for(endpoint: str) -> list[Rule]:
    if endpoint.startswith(API_BLUEPRINTS):
        return [API_RULE, *([EXTRA_API_RULES[endpoint]] if endpoint in EXTRA_API_RULES else [])]
    return [ENDPOINT_RULES[endpoint]] if endpoint in ENDPOINT_RULES else []


# --- Wiring -----------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Count requests to the endpoints the policy names (call after every blueprint is registered).

    One Limiter per app, not one per module: Flask-Limiter keeps its storage and key prefix on
    the Limiter, so a module-level one would be shared, last configuration wins, by every app in
    the process (the test suite makes hundreds).
    """
    if not app.config["RATELIMIT_ENABLED"]:
        return
    missing = (set(ENDPOINT_RULES) | set(EXTRA_API_RULES)) - set(app.view_functions) - DEVELOPMENT_ONLY
    if missing:
        raise RuntimeError(f"rate limits name endpoints that do not exist: {', '.join(sorted(missing))}")
    redis_url = app.config["REDIS_URL"]
    if not redis_url and app.config["MARKETPLACE_ENV"] == "production":
        log.warning(
            "REDIS_URL is not set: each worker counts rate limits on its own, so every limit is "
            "multiplied by the number of workers and hosts"
        )
    limiter = Limiter(
        client_address,
        storage_uri=redis_url or "memory://",
        storage_options=dict(REDIS_OPTIONS) if redis_url else {},
        strategy="moving-window",
        key_prefix=app.config.get("RATELIMIT_KEY_PREFIX") or KEY_PREFIX,
        # Fail open: if the storage fails, count in this process's memory, and if that fails
        # too, log it and let the request through rather than answer 500.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        # Retry-After only, on the 429 itself (errors.py); no X-RateLimit-* on every response,
        # which would cost a second storage round trip each time.
        headers_enabled=False,
    )
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter
    for endpoint, view in list(app.view_functions.items()):
        for rule in rules_for(endpoint):
            limit = limiter.shared_limit(rule.limit, rule.scope, key_func=rule.key, deduct_when=rule.counts)
            view = limit(view)
        app.view_functions[endpoint] = view


def _limiter() -> Limiter | None:
    return current_app.extensions.get(EXTENSION)


# --- API tokens that fail -----------------------------------------------------------------------

_BEARER_FAILURE_ITEMS: tuple[RateLimitItem, ...] = tuple(parse_many(BEARER_FAILURES))


def _bearer_identifiers() -> tuple[str, str, str]:
    return (current_app.config.get("RATELIMIT_KEY_PREFIX") or KEY_PREFIX, "bearer-failures", by_address())


def refuse_blocked_bearer() -> None:
    """Refuse (429) a bearer token from an address over BEARER_FAILURES, before looking it up."""
    limiter = _limiter()
    if limiter is None:
        return
    identifiers = _bearer_identifiers()
    try:
        for item in _BEARER_FAILURE_ITEMS:
            if not limiter.limiter.test(item, *identifiers):
                reset, _ = limiter.limiter.get_window_stats(item, *identifiers)
                raise TooManyRequestsError(
                    "Too many API requests from your address sent a token that was not recognised.",
                    retry_after=max(1, math.ceil(reset - time.time())),
                )
    except TooManyRequestsError:
        raise
    except Exception as error:  # the counter is down: let the request through (fail open)
        log.warning("rate limit storage unavailable for API token failures: %s", type(error).__name__)


def count_bearer_failure() -> None:
    """Count a bearer token that did not check out against the client's address."""
    limiter = _limiter()
    if limiter is None:
        return
    identifiers = _bearer_identifiers()
    try:
        for item in _BEARER_FAILURE_ITEMS:
            limiter.limiter.hit(item, *identifiers)
    except Exception as error:  # the counter is down: let the request through (fail open)
        log.warning("rate limit storage unavailable for API token failures: %s", type(error).__name__)
