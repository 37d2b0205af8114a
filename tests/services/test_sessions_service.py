"""Server-side sessions: a cookie's secret stands for a session only while it is open, recent
and young; ending it (sign-out, back-channel logout) ends access wherever the cookie is."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from marketplace.errors import AuthenticationError
from marketplace.extensions import db
from marketplace.models import SeenLogoutToken, UserSession
from marketplace.models.types import utcnow
from marketplace.services.sessions import (
    SessionPolicy,
    end_session,
    end_sessions_of_user,
    find_active_session,
    record_logout_token,
    start_session,
)
from tests.factories import create_organisation, create_user

POLICY = SessionPolicy(idle=timedelta(minutes=60), absolute=timedelta(hours=12))


@pytest.fixture
def user(app):
    organisation = create_organisation()
    return create_user(email="analyst@department-for-transpo.gov.uk", organisation=organisation)


def _age(session: UserSession, **fields) -> None:
    db.session.execute(update(UserSession).where(UserSession.id == session.id).values(**fields))
    db.session.commit()
    db.session.expire_all()


def test_a_new_session_is_found_by_its_secret_and_only_its_hash_is_stored(user):
    session, secret = start_session(user, POLICY, provider_sid="sid-1", id_token="header.claims.sig")
    assert find_active_session(secret, POLICY).id == session.id
    assert secret not in {session.secret_hash, session.id_token}
    assert find_active_session(secret + "x", POLICY) is None
    assert user.last_signed_in_at is not None


def test_a_session_idle_for_longer_than_the_idle_timeout_ends(user):
    session, secret = start_session(user, POLICY, provider_sid=None, id_token=None)
    _age(session, last_seen_at=utcnow() - timedelta(minutes=61))
    assert find_active_session(secret, POLICY) is None
    assert db.session.get(UserSession, session.id).end_reason == "idle"


def test_a_session_in_use_is_kept_alive_but_never_past_its_absolute_limit(user):
    session, secret = start_session(user, POLICY, provider_sid=None, id_token=None)
    _age(session, last_seen_at=utcnow() - timedelta(minutes=59))
    assert find_active_session(secret, POLICY) is not None
    assert utcnow() - db.session.get(UserSession, session.id).last_seen_at < timedelta(minutes=1)
    _age(session, expires_at=utcnow() - timedelta(seconds=1))
    assert find_active_session(secret, POLICY) is None
    assert db.session.get(UserSession, session.id).end_reason == "expired"


def test_an_ended_session_stays_ended(user):
    session, secret = start_session(user, POLICY, provider_sid=None, id_token=None)
    end_session(session, "signed-out")
    assert find_active_session(secret, POLICY) is None
    end_session(session, "idle")
    assert db.session.get(UserSession, session.id).end_reason == "signed-out"


def test_ending_a_users_sessions_ends_every_open_one_and_no_one_elses(user):
    other = create_user(
        email="someone@department-for-transpo.gov.uk", organisation=user.memberships[0].organisation
    )
    secrets_ = [start_session(user, POLICY, provider_sid=f"s{i}", id_token=None)[1] for i in range(3)]
    _, others_secret = start_session(other, POLICY, provider_sid=None, id_token=None)
    assert end_sessions_of_user(user, "back-channel-logout") == 3
    assert all(find_active_session(secret, POLICY) is None for secret in secrets_)
    assert find_active_session(others_secret, POLICY) is not None


def test_a_logout_token_id_is_accepted_once_and_forgotten_after_it_expires(app):
    record_logout_token("jti-1", utcnow() + timedelta(minutes=3))
    with pytest.raises(AuthenticationError):
        record_logout_token("jti-1", utcnow() + timedelta(minutes=3))
    record_logout_token("jti-old", utcnow() - timedelta(seconds=1))
    record_logout_token("jti-2", utcnow() + timedelta(minutes=3))  # prunes the expired one
    remaining = set(db.session.scalars(select(SeenLogoutToken.jti)))
    assert remaining == {"jti-1", "jti-2"}
