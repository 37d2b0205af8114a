"""Idempotency keys: a request retried with the same key gets the first answer, not a second entry.

The rules (after Stripe's, and the IETF draft "The Idempotency-Key HTTP Header Field"):
a key belongs to one caller; its first use claims it in a transaction of its own, so that of
two first uses racing each other the database lets one in; the answer is kept for
IDEMPOTENCY_TTL_HOURS and given again to a request with the same fingerprint (method, path
and body); the same key sent with another request is refused; a claim whose request failed
on our side is given up, so the retry runs again.

What is stored is plain data (a status, bytes, a few headers): this module knows nothing of
requests and responses; api/idempotency.py does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from marketplace.errors import BadRequestError, ConflictError, ValidationError
from marketplace.extensions import db
from marketplace.models import IdempotencyKey
from marketplace.models.types import utcnow

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# A claim still unanswered after this long belongs to a request that died with its process
# (a request that fails in the ordinary way gives its claim up); a retry may take it over.
ABANDONED_AFTER = timedelta(minutes=5)
# How long a caller whose key is in use by a running request is told to wait.
RETRY_IN_USE_AFTER_SECONDS = 1
# Expired keys deleted by each first use of a key: the table is swept as it is written, a
# bounded amount at a time.
SWEEP_LIMIT = 100
# A key taken over while we looked is looked at again, a few times at most.
CLAIM_ATTEMPTS = 3


@dataclass(frozen=True)
class Fingerprint:
    """What makes a retry the same request: same method, same path, same body bytes."""

    method: str
    path: str
    body_sha256: str


@dataclass(frozen=True)
class StoredAnswer:
    """The answer first given for a key."""

    status: int
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Owner:
    """Whose keys: a person's (`for_user`) or a machine client's (`for_client`); keys are kept apart."""

    column: Any
    id: uuid.UUID

    @classmethod
    def for_user(cls, user_id: uuid.UUID) -> Owner:
        return cls(IdempotencyKey.user_id, user_id)

    @classmethod
    def for_client(cls, client_id: uuid.UUID) -> Owner:
        return cls(IdempotencyKey.client_id, client_id)


@dataclass(frozen=True)
class Claim:
    """A key this request holds: it runs, then `keep_answer` or `give_up_claim`."""

    id: int


def check_key(key: str) -> str:
    """The key if it is 1 to 255 printable ASCII characters; else BadRequestError naming the header.

    The draft sends the key as a structured-field string (``"8e03978e-…"``); a bare key, as
    most clients send, is the same key.
    """
    if len(key) >= 2 and key.startswith('"') and key.endswith('"'):
        key = _unquote(key)
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all(" " <= c <= "~" for c in key):
        raise BadRequestError(
            f"The {HEADER} header must be 1 to {MAX_KEY_LENGTH} printable ASCII characters.",
            {HEADER: [f"Must be 1 to {MAX_KEY_LENGTH} printable ASCII characters, like a UUID."]},
            code="invalid_idempotency_key",
        )
    return key


def _unquote(text: str) -> str:
    inner, out, escaped = text[1:-1], [], False
    for char in inner:
        if escaped:
            if char not in '"\\':
                return text  # not a structured-field string: the key as sent
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            return text
        else:
            out.append(char)
    return text if escaped else "".join(out)


def claim_key(owner: Owner, key: str, fingerprint: Fingerprint) -> Claim | StoredAnswer:
    """Claim `key` for the request of `owner` (a person or a machine client), or the answer
    already given for it.

    Commits the claim before returning it. Raises ValidationError (422, idempotency_key_reused)
    when the key was used for another request, and ConflictError (409, idempotency_key_in_use,
    with `retry_after`) while the request that claimed it is still running.
    """
    ttl = timedelta(hours=current_app.config["IDEMPOTENCY_TTL_HOURS"])
    for _ in range(CLAIM_ATTEMPTS):
        now = utcnow()
        row = db.session.scalar(
            select(IdempotencyKey).where(owner.column == owner.id, IdempotencyKey.key == key)
        )
        if row is None:
            claim = _insert_claim(owner, key, fingerprint, now, ttl)
        elif row.created_at <= now - ttl or _abandoned(row, fingerprint, now):
            claim = _take_over(row, fingerprint, now)
        else:
            return _answer_for(row, fingerprint)
        if claim is not None:
            return claim
    raise _in_use()


def keep_answer(claim: Claim, answer: StoredAnswer) -> None:
    """Store the answer given under `claim`, for retries; commits.

    In a transaction of its own: whatever a refused request left in the session is not written.
    """
    db.session.rollback()
    db.session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == claim.id)
        .values(status=answer.status, response_body=answer.body, response_headers=answer.headers)
    )
    db.session.commit()


def give_up_claim(claim: Claim) -> None:
    """Release a claim whose request failed on our side, so that a retry runs again; commits."""
    db.session.rollback()
    db.session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.id == claim.id, IdempotencyKey.status.is_(None))
    )
    db.session.commit()


def _insert_claim(
    owner: Owner, key: str, fingerprint: Fingerprint, now: datetime, ttl: timedelta
) -> Claim | None:
    _sweep(now - ttl)
    row = IdempotencyKey(
        **{owner.column.key: owner.id},
        key=key,
        method=fingerprint.method,
        path=fingerprint.path,
        body_sha256=fingerprint.body_sha256,
        created_at=now,
    )
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another request claimed it first: look again
        return None
    return Claim(row.id)


def _take_over(row: IdempotencyKey, fingerprint: Fingerprint, now: datetime) -> Claim | None:
    """Claim a forgotten or abandoned key again, unless another request did so first."""
    result = db.session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == row.id, IdempotencyKey.created_at == row.created_at)
        .values(
            method=fingerprint.method,
            path=fingerprint.path,
            body_sha256=fingerprint.body_sha256,
            status=None,
            response_body=None,
            response_headers=None,
            created_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    claimed = result.rowcount == 1
    db.session.commit()
    return Claim(row.id) if claimed else None


def _abandoned(row: IdempotencyKey, fingerprint: Fingerprint, now: datetime) -> bool:
    """Claimed for this same request by one that died before answering."""
    return row.status is None and row.created_at <= now - ABANDONED_AFTER and _same_request(row, fingerprint)


def _same_request(row: IdempotencyKey, fingerprint: Fingerprint) -> bool:
    return (row.method, row.path, row.body_sha256) == (
        fingerprint.method,
        fingerprint.path,
        fingerprint.body_sha256,
    )


def _answer_for(row: IdempotencyKey, fingerprint: Fingerprint) -> StoredAnswer:
    if not _same_request(row, fingerprint):
        raise ValidationError(
            {HEADER: ["Already used for another request: send a new key with a new request."]},
            f"This {HEADER} was used for a different request (another body or address). "
            "Use a new key for a new request.",
            code="idempotency_key_reused",
        )
    if row.status is None:
        raise _in_use()
    return StoredAnswer(row.status, row.response_body or b"", dict(row.response_headers or {}))


def _in_use() -> ConflictError:
    return ConflictError(
        f"A request with this {HEADER} is still being handled. Retry in a moment for its answer.",
        {HEADER: ["In use by a request still being handled."]},
        code="idempotency_key_in_use",
        retry_after=RETRY_IN_USE_AFTER_SECONDS,
    )


def _sweep(cutoff: datetime) -> None:
    """Delete a bounded number of keys older than `cutoff` (in the caller's transaction)."""
    expired = select(IdempotencyKey.id).where(IdempotencyKey.created_at < cutoff).limit(SWEEP_LIMIT)
    db.session.execute(
        delete(IdempotencyKey)
        .where(IdempotencyKey.id.in_(expired))
        .execution_options(synchronize_session=False)
    )
