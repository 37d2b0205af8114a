"""`@idempotent`: a write retried with the same ``Idempotency-Key`` gets the first answer again.

Without the header a request runs as it always has. With it, the first use of the key claims
it, runs the view and keeps the answer (a success or the caller's own mistake, not our
failure); a retry of the same request gets that answer byte for byte, marked
``Idempotent-Replayed: true``. The rules and the storage are in services/idempotency.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, current_app, request
from werkzeug.exceptions import HTTPException

from marketplace.auth.bearer import current_actor
from marketplace.errors import ConflictError, MarketplaceError
from marketplace.services import idempotency
from marketplace.services.idempotency import Claim, Fingerprint, StoredAnswer

# The headers kept with an answer and given again with it; the rest are made afresh.
KEPT_HEADERS = ("Content-Type", "Location", "ETag")


def idempotent(view: Callable[..., Response]) -> Callable[..., Response]:
    @wraps(view)
    def run_once(*args: Any, **kwargs: Any) -> Response:
        sent = request.headers.get(idempotency.HEADER)
        if sent is None:
            return view(*args, **kwargs)
        actor = current_actor()
        if actor.client is not None:
            owner = idempotency.Owner.for_client(actor.client.id)
        elif actor.user is not None:
            owner = idempotency.Owner.for_user(actor.user.id)
        else:
            # Keys are kept per caller and there is none: refused (401) as without the header.
            return view(*args, **kwargs)
        key = idempotency.check_key(sent.strip())
        body_sha256 = hashlib.sha256(request.get_data(cache=True)).hexdigest()
        fingerprint = Fingerprint(request.method, request.path, body_sha256)
        try:
            outcome = idempotency.claim_key(owner, key, fingerprint)
        except ConflictError as error:  # the request that holds the key is still running
            response = _rendered(error)
            response.headers["Retry-After"] = str(error.extra.get("retry_after", 1))
            return response
        if isinstance(outcome, StoredAnswer):
            return _replayed(outcome)
        return _answered(outcome, view, args, kwargs)

    return run_once


def _answered(claim: Claim, view: Callable[..., Response], args: tuple, kwargs: dict) -> Response:
    """Run the view under `claim`; keep its answer, or give the claim up if we failed."""
    try:
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except (MarketplaceError, HTTPException) as error:
            # Rendered here rather than by the app, so that the refusal can be kept like a success.
            response = _rendered(error)
    except Exception:
        idempotency.give_up_claim(claim)
        raise
    if response.status_code >= 500:
        idempotency.give_up_claim(claim)
        return response
    headers = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
    idempotency.keep_answer(claim, StoredAnswer(response.status_code, response.get_data(), headers))
    return response


def _rendered(error: Exception) -> Response:
    return current_app.make_response(current_app.handle_user_exception(error))


def _replayed(answer: StoredAnswer) -> Response:
    response = current_app.response_class(answer.body, status=answer.status, headers=answer.headers)
    response.headers["Idempotent-Replayed"] = "true"
    # As api/http.py's json_response: what a caller sees depends on who they are.
    response.vary.update(("Authorization", "Cookie"))
    response.cache_control.no_cache = True
    return response
