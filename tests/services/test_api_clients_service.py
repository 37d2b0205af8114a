"""services/api_clients.py: who may register, list, rotate and revoke a client, what is stored (hashes
only), and the tokens' and assertions' rules, against the real database."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from joserfc.jwk import ECKey, OctKey, RSAKey
from sqlalchemy import func, select

from marketplace.errors import AuthenticationError, NotFoundError, PermissionDeniedError, ValidationError
from marketplace.extensions import db
from marketplace.models import ApiClientAssertion, ApiClientToken
from marketplace.models.types import utcnow
from marketplace.rules.actors import Actor
from marketplace.services import api_clients
from marketplace.services.api_clients import (
    authenticate_client_token,
    check_client_secret,
    create_client,
    get_client,
    hash_secret,
    issue_access_token,
    list_clients,
    public_key_set,
    revoke_client,
    rotate_secret,
    scopes_from,
    spend_assertion,
)
from tests.factories import ADMIN, create_organisation, create_user

DFT = "department-for-transport"


@pytest.fixture
def dft(app):
    return create_organisation()


@pytest.fixture
def hmrc(app):
    return create_organisation(
        slug="hm-revenue-and-customs", title="HM Revenue and Customs", abbreviation="HMRC"
    )


def person(email: str, organisation, *roles: str, scopes=("read", "publish")) -> Actor:
    user = create_user(email=email, organisation=organisation, roles=roles)
    return Actor.for_user(user, "session", set(scopes))


def register(organisation_slug: str = DFT, **kwargs):
    kwargs.setdefault("name", "Catalogue sync")
    kwargs.setdefault("scopes", "discover,publish")
    return create_client(ADMIN, organisation_slug, **kwargs)


def test_an_org_admin_registers_a_client_whose_secret_is_stored_only_as_a_hash(dft):
    admin = person("admin@dft.gov.uk", dft, "org_admin")
    client, secret = create_client(admin, DFT, name="  Catalogue sync ", scopes=["publish", "discover"])
    assert client.name == "Catalogue sync"
    assert client.scopes == "discover,publish"  # in SCOPES' order
    assert client.client_id.startswith("dmc_") and secret.startswith("dmcs_")
    assert client.secret_hash == hash_secret(secret) and client.secret_prefix == secret[:10]
    assert client.created_by_id == admin.user_id and client.created_by_label == "admin@dft.gov.uk"
    assert client.tokens_issued == 0 and client.last_used_at is None
    assert check_client_secret(client, secret) and not check_client_secret(client, secret + "x")


@pytest.mark.parametrize("roles", [("publisher",), ("member",)])
def test_only_an_org_admin_of_the_organisation_registers_its_clients(dft, hmrc, roles):
    with pytest.raises(PermissionDeniedError):
        create_client(person("p@dft.gov.uk", dft, *roles), DFT, name="x", scopes="discover")
    with pytest.raises(PermissionDeniedError):
        create_client(person("a@hmrc.gov.uk", hmrc, "org_admin"), DFT, name="x", scopes="discover")


def test_a_read_only_session_a_client_and_nobody_cannot_manage_clients(dft):
    reader = person("admin@dft.gov.uk", dft, "org_admin", scopes=("read",))
    with pytest.raises(PermissionDeniedError):
        create_client(reader, DFT, name="x", scopes="discover")
    list_clients(reader, DFT)  # reading needs no write scope
    client, _ = register()
    for actor in (Actor.for_client(client, {"discover", "publish"}), Actor.anonymous()):
        with pytest.raises(AuthenticationError):
            create_client(actor, DFT, name="x", scopes="discover")
        with pytest.raises(AuthenticationError):
            list_clients(actor, DFT)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "tab\there"}, "name"),
        ({"scopes": ""}, "scope"),
        ({"scopes": "discover,admin"}, "scope"),
        ({"scopes": ["read"]}, "scope"),
        ({"expires_days": 0}, "expires_days"),
        ({"expires_days": 367}, "expires_days"),
        ({"public_jwks": "not json"}, "public_jwks"),
        ({"public_jwks": {"keys": []}}, "public_jwks"),
        ({"public_jwks": {"keys": [{"kty": "RSA"}]}}, "public_jwks"),
        ({"public_jwks": [1, 2]}, "public_jwks"),
    ],
)
def test_bad_registrations_name_the_field(dft, kwargs, field):
    with pytest.raises(ValidationError) as raised:
        register(**kwargs)
    assert field in raised.value.errors
    assert db.session.scalar(select(func.count()).select_from(api_clients.ApiClient)) == 0


def test_an_unknown_organisation_is_not_found(app):
    with pytest.raises(NotFoundError):
        register("no-such-org")


def test_a_private_key_or_a_shared_secret_is_never_taken_as_public_keys(dft):
    for key in (RSAKey.generate_key(2048, private=True), OctKey.generate_key(256)):
        with pytest.raises(ValidationError) as raised:
            register(public_jwks={"keys": [key.as_dict(private=True)]})
        assert "public_jwks" in raised.value.errors


def test_a_key_client_has_no_secret_and_keeps_only_public_keys(dft):
    key = ECKey.generate_key("P-256", private=True, auto_kid=True)
    client, secret = register(public_jwks=key.as_dict(private=False))  # one JWK is taken as a set of one
    assert secret is None and client.secret_hash is None
    assert client.public_jwks == {"keys": [key.as_dict(private=False)]}
    assert not check_client_secret(client, "")
    assert "d" not in public_key_set({"keys": [key.as_dict(private=False)]})["keys"][0]


def test_scopes_from_reads_commas_spaces_and_lists():
    assert scopes_from("delete, discover") == ["discover", "delete"]
    assert scopes_from("publish discover") == ["discover", "publish"]
    assert scopes_from(["delete"]) == ["delete"]


def test_list_clients_of_one_organisation_or_every_one_for_a_site_admin(dft, hmrc):
    ours, _ = register()
    theirs, _ = register("hm-revenue-and-customs")
    assert list_clients(person("a@dft.gov.uk", dft, "org_admin"), DFT) == [ours]
    assert {c.client_id for c in list_clients(ADMIN)} == {ours.client_id, theirs.client_id}
    with pytest.raises(PermissionDeniedError):
        list_clients(person("b@dft.gov.uk", dft, "org_admin"))


def test_get_client_only_for_who_may_manage_it(dft, hmrc):
    client, _ = register()
    assert get_client(person("a@dft.gov.uk", dft, "org_admin"), client.client_id) is client
    with pytest.raises(PermissionDeniedError):
        get_client(person("a@hmrc.gov.uk", hmrc, "org_admin"), client.client_id)
    with pytest.raises(NotFoundError):
        get_client(ADMIN, "dmc_nosuchclient")


def test_issued_tokens_are_stored_hashed_with_the_scopes_granted_and_counted(dft):
    client, _ = register(scopes="discover,publish")
    token, lifetime = issue_access_token(client, ["publish", "delete"])
    assert token.startswith("dmct_") and lifetime == 1800
    stored = db.session.scalar(select(ApiClientToken))
    assert stored.token_hash == hash_secret(token) and stored.scopes == "publish"
    assert timedelta(seconds=1795) < stored.expires_at - utcnow() <= timedelta(seconds=1800)
    assert client.tokens_issued == 1 and client.last_used_at is not None
    actor = authenticate_client_token(token)
    assert actor.client.id == client.id and actor.scopes == frozenset({"publish"})
    assert actor.publishing_organisation_ids() == {dft.id}


def test_a_token_lifetime_is_capped_by_the_client_expiry(dft):
    client, _ = register(expires_days=1)
    client.expires_at = utcnow() + timedelta(seconds=90)
    db.session.commit()
    _, lifetime = issue_access_token(client, ["discover"])
    assert 85 <= lifetime <= 90


def test_no_token_for_a_revoked_or_expired_client(dft):
    revoked, _ = register()
    revoke_client(ADMIN, revoked.client_id)
    expired, _ = register(name="Lapsed", expires_days=1)
    expired.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    for client in (revoked, expired):
        with pytest.raises(AuthenticationError):
            issue_access_token(client, ["discover"])


def test_unknown_and_expired_tokens_are_refused(dft):
    client, _ = register()
    with pytest.raises(AuthenticationError, match="not recognised"):
        authenticate_client_token("dmct_unknown")
    token, _ = issue_access_token(client, ["discover"])
    db.session.scalar(select(ApiClientToken)).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(AuthenticationError, match="expired"):
        authenticate_client_token(token)


def test_revoking_ends_the_clients_tokens_and_says_who(dft):
    admin = person("admin@dft.gov.uk", dft, "org_admin")
    client, _ = register()
    token, _ = issue_access_token(client, ["discover"])
    revoke_client(admin, client.client_id)
    assert client.revoked_by_label == "admin@dft.gov.uk"
    assert db.session.scalar(select(ApiClientToken)) is None
    with pytest.raises(AuthenticationError):
        authenticate_client_token(token)
    revoke_client(admin, client.client_id)  # again: nothing changes
    assert client.revoked_by_label == "admin@dft.gov.uk"


def test_rotating_replaces_the_secret_and_ends_the_tokens(dft):
    client, old = register()
    token, _ = issue_access_token(client, ["discover"])
    _, new = rotate_secret(ADMIN, client.client_id)
    assert check_client_secret(client, new) and not check_client_secret(client, old)
    assert client.secret_rotated_at is not None
    with pytest.raises(AuthenticationError):
        authenticate_client_token(token)


def test_an_organisations_publisher_cannot_rotate_or_revoke(dft):
    client, _ = register()
    publisher = person("p@dft.gov.uk", dft, "publisher")
    with pytest.raises(PermissionDeniedError):
        rotate_secret(publisher, client.client_id)
    with pytest.raises(PermissionDeniedError):
        revoke_client(publisher, client.client_id)


def test_last_used_is_written_at_most_once_a_minute(dft):
    client, _ = register()
    token, _ = issue_access_token(client, ["discover"])
    stamped = utcnow() - timedelta(seconds=30)
    client.last_used_at = stamped
    db.session.commit()
    authenticate_client_token(token)
    assert client.last_used_at == stamped
    client.last_used_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    authenticate_client_token(token)
    assert utcnow() - client.last_used_at < timedelta(seconds=5)


def test_an_assertions_jti_is_spent_once_per_client(dft):
    first, _ = register()
    second, _ = register(name="Other")
    expires = utcnow() + timedelta(minutes=5)
    assert spend_assertion(first, "jti-1", expires)
    assert not spend_assertion(first, "jti-1", expires)
    assert spend_assertion(second, "jti-1", expires)
    # Committed at once: a fresh session (another worker) sees it.
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(ApiClientAssertion)) == 2


def test_a_jti_spent_by_another_worker_between_the_check_and_the_commit_is_a_replay(dft, app, monkeypatch):
    client, _ = register()
    client_row_id = client.id
    expires = utcnow() + timedelta(minutes=5)
    real_get = db.session.get
    raced: list[bool] = []

    def get_then_lose_the_race(entity, key, **kwargs):
        found = real_get(entity, key, **kwargs)
        if entity is ApiClientAssertion and not raced:
            raced.append(True)

            # Another worker commits the same jti now, on a connection of its own.
            def other_worker() -> None:
                with app.app_context():
                    spend_assertion(api_clients.find_client(client.client_id), "raced", expires)
                    db.session.remove()

            thread = threading.Thread(target=other_worker)
            thread.start()
            thread.join()
        return found

    monkeypatch.setattr(db.session, "get", get_then_lose_the_race)
    assert spend_assertion(client, "raced", expires) is False
    monkeypatch.undo()
    count = db.session.scalar(
        select(func.count())
        .select_from(ApiClientAssertion)
        .where(ApiClientAssertion.client_id == client_row_id)
    )
    assert count == 1


def test_issuing_a_token_clears_spent_assertions_and_old_tokens(dft):
    client, _ = register()
    spend_assertion(client, "old", utcnow() - timedelta(seconds=1))
    spend_assertion(client, "current", utcnow() + timedelta(minutes=5))
    issue_access_token(client, ["discover"])
    db.session.scalar(select(ApiClientToken)).expires_at = utcnow() - timedelta(days=2)
    db.session.commit()
    issue_access_token(client, ["discover"])
    assert [a.jti for a in db.session.scalars(select(ApiClientAssertion))] == ["current"]
    assert db.session.scalar(select(func.count()).select_from(ApiClientToken)) == 1
