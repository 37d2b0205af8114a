"""The rules for API tokens, whichever way a token is asked for: at most MAX_ACTIVE_TOKENS
active per person, an expiry by default, and "never expires" only for site admins."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.errors import ConflictError, PermissionDeniedError, ValidationError
from marketplace.extensions import db
from marketplace.models import ApiToken
from marketplace.models.types import utcnow
from marketplace.rules.actors import Actor
from marketplace.services.tokens import (
    MAX_EXPIRY_DAYS,
    count_active_tokens,
    create_token,
    revoke_token,
)
from tests.factories import ADMIN, create_user

MEMBER = "member@cabinetoffice.gov.uk"
SITE_ADMIN = "sam@cabinetoffice.gov.uk"


@pytest.fixture
def member(app):
    return create_user(email=MEMBER, roles=())


@pytest.fixture
def site_admin(app):
    return create_user(email=SITE_ADMIN, roles=("site_admin",))


def _own(user) -> Actor:
    return Actor.for_user(user, "session", {"read", "publish"})


def _tokens() -> int:
    return db.session.scalar(select(func.count()).select_from(ApiToken))


def test_a_new_token_expires_after_the_configured_default_when_no_expiry_is_chosen(app, member):
    token, _ = create_token(_own(member), MEMBER, name="script")
    expected = utcnow() + timedelta(days=app.config["TOKEN_DEFAULT_EXPIRY_DAYS"])
    assert abs(token.expires_at - expected) < timedelta(minutes=1)
    app.config["TOKEN_DEFAULT_EXPIRY_DAYS"] = 7
    token, _ = create_token(_own(member), MEMBER, name="script")
    assert abs(token.expires_at - (utcnow() + timedelta(days=7))) < timedelta(minutes=1)


def test_a_chosen_expiry_is_kept(member):
    token, _ = create_token(_own(member), MEMBER, name="script", expires_days=MAX_EXPIRY_DAYS)
    assert abs(token.expires_at - (utcnow() + timedelta(days=MAX_EXPIRY_DAYS))) < timedelta(minutes=1)


def test_a_person_holds_at_most_the_configured_number_of_active_tokens(app, member):
    limit = app.config["MAX_ACTIVE_TOKENS"]
    for n in range(limit):
        create_token(_own(member), MEMBER, name=f"token {n}", scopes=("read", "publish"))
    with pytest.raises(ConflictError) as refused:
        create_token(_own(member), MEMBER, name="one too many")
    assert f"already has {limit} active API tokens" in refused.value.detail
    assert "Revoke one" in refused.value.detail
    assert _tokens() == limit == count_active_tokens(member)
    # Not even an operator at the command line gets round it.
    with pytest.raises(ConflictError):
        create_token(ADMIN, MEMBER, name="one too many")


def test_revoked_and_expired_tokens_leave_room_for_new_ones(app, member):
    app.config["MAX_ACTIVE_TOKENS"] = 2
    first, _ = create_token(_own(member), MEMBER, name="first")
    second, _ = create_token(_own(member), MEMBER, name="second")
    with pytest.raises(ConflictError):
        create_token(_own(member), MEMBER, name="third")
    revoke_token(_own(member), str(first.id))
    create_token(_own(member), MEMBER, name="third")
    second.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert count_active_tokens(member) == 1
    create_token(_own(member), MEMBER, name="fourth")
    assert count_active_tokens(member) == 2


def test_only_a_site_admin_may_have_a_token_that_never_expires(member, site_admin):
    token, _ = create_token(_own(site_admin), SITE_ADMIN, name="harvest", never_expires=True)
    assert token.expires_at is None
    # Whoever asks: the person, a site admin on their behalf, or the command line.
    for actor in (_own(member), _own(site_admin), ADMIN):
        with pytest.raises(ValidationError) as refused:
            create_token(actor, MEMBER, name="for ever", never_expires=True)
        assert refused.value.errors == {
            "expires_days": ["Only site admins can have a token that never expires."]
        }
    assert count_active_tokens(member) == 0


@pytest.mark.parametrize(
    ("expiry", "message"),
    [
        ({"expires_days": 0}, f"Must be between 1 and {MAX_EXPIRY_DAYS} days."),
        ({"expires_days": -1}, f"Must be between 1 and {MAX_EXPIRY_DAYS} days."),
        ({"expires_days": MAX_EXPIRY_DAYS + 1}, f"Must be between 1 and {MAX_EXPIRY_DAYS} days."),
        ({"expires_days": 10**30}, f"Must be between 1 and {MAX_EXPIRY_DAYS} days."),
        ({"expires_days": 30, "never_expires": True}, "Choose a number of days or never, not both."),
    ],
)
def test_an_expiry_out_of_range_is_refused_and_makes_no_token(site_admin, expiry, message):
    with pytest.raises(ValidationError) as refused:
        create_token(_own(site_admin), SITE_ADMIN, name="script", **expiry)
    assert refused.value.errors == {"expires_days": [message]}
    assert _tokens() == 0


def test_nobody_makes_tokens_for_someone_else_unless_a_site_admin(member):
    other = create_user(email="other@cabinetoffice.gov.uk", roles=())
    with pytest.raises(PermissionDeniedError):
        create_token(_own(other), MEMBER, name="not mine")
    assert _tokens() == 0
