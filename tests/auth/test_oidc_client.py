"""The client's own parts, each against a real HTTP peer on loopback: the `private_key_jwt`
assertion One Login asks for, and a JWKS cache that follows the provider's Cache-Control."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from authlib.integrations.flask_client import FlaskIntegration
from joserfc import jwt
from joserfc.errors import BadSignatureError, InvalidKeyIdError, JoseError
from joserfc.jwk import ECKey

from marketplace.auth.keys import client_key
from marketplace.auth.oidc import (
    ASSERTION_LIFETIME,
    BACKCHANNEL_EVENT,
    LogoutTokenError,
    OneLoginPrivateKeyJWT,
    ProviderClient,
    ProviderSettings,
    _max_age,
    id_token_claims_options,
    verify_logout_token,
)


class _Provider(BaseHTTPRequestHandler):
    """Discovery and JWKS, counting JWKS fetches, with the Cache-Control the test chooses."""

    jwks_fetches = 0
    cache_control = "max-age=3600"
    keys: list[dict] = []

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_port}"
        if self.path.endswith("/openid-configuration"):
            body = {"issuer": base + "/", "jwks_uri": base + "/jwks"}
            headers = {}
        else:
            type(self).jwks_fetches += 1
            body = {"keys": type(self).keys}
            headers = {"Cache-Control": type(self).cache_control}
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def provider() -> Iterator[tuple[str, type[_Provider]]]:
    handler = type(
        "Provider", (_Provider,), {"jwks_fetches": 0, "keys": [ECKey.generate_key("P-256").as_dict()]}
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    # A short poll interval: shutdown() waits for it, once per test.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", handler
    server.shutdown()
    server.server_close()


def _client(app, base: str) -> ProviderClient:
    return ProviderClient(
        FlaskIntegration("oidc"),
        "oidc",
        client_id="data-marketplace",
        client_secret=client_key(app),
        server_metadata_url=base + "/.well-known/openid-configuration",
    )


def test_the_jwks_is_kept_as_long_as_cache_control_says(app, provider):
    base, handler = provider
    client = _client(app, base)
    client.fetch_jwk_set()
    client.fetch_jwk_set()
    assert handler.jwks_fetches == 1
    client.fetch_jwk_set(force=True)  # an unknown kid forces a fetch whatever the cache says
    assert handler.jwks_fetches == 2


def test_a_jwks_marked_no_store_is_fetched_every_time(app, provider):
    base, handler = provider
    handler.cache_control = "no-store"
    client = _client(app, base)
    client.fetch_jwk_set()
    client.fetch_jwk_set()
    assert handler.jwks_fetches == 2


def test_a_short_max_age_expires(app, provider):
    base, handler = provider
    handler.cache_control = "public, max-age=1"
    client = _client(app, base)
    client.fetch_jwk_set()
    time.sleep(1.1)
    client.fetch_jwk_set()
    assert handler.jwks_fetches == 2
    # A logout token (which anyone may post) cannot make the client fetch again and again.
    assert not client.may_refetch_unprompted()


def test_each_client_assertion_has_a_kid_a_new_jti_and_five_minutes_to_live(app):
    class Auth:
        client_id = "data-marketplace"
        client_secret = client_key(app)

    method = OneLoginPrivateKeyJWT()
    first, second = (method.sign(Auth, "https://oidc.example/token") for _ in range(2))
    decoded = [jwt.decode(token, client_key(app)) for token in (first, second)]
    assert decoded[0].claims["jti"] != decoded[1].claims["jti"]
    for token in decoded:
        assert token.header["kid"] == client_key(app).kid and token.header["alg"] == "RS256"
        assert token.claims["exp"] - token.claims["iat"] == ASSERTION_LIFETIME <= 300
        assert token.claims["iss"] == token.claims["sub"] == "data-marketplace"
        assert token.claims["aud"] == "https://oidc.example/token"


def test_the_id_token_must_carry_the_vot_that_was_asked_for(app):
    settings = ProviderSettings(
        issuer="https://oidc.integration.account.gov.uk/",
        client_id="data-marketplace",
        scopes="openid email",
        vtr='["Cl.Cm"]',
        timeout=10,
    )
    options = id_token_claims_options(settings)
    assert options["vot"] == {"essential": True, "values": ["Cl.Cm"]}
    assert options["iss"]["values"] == ["https://oidc.integration.account.gov.uk/"]
    assert options["aud"]["values"] == ["data-marketplace"]
    # Fresh each call: Authlib takes entries out of the dict it is given.
    assert id_token_claims_options(settings) is not options


# ID tokens and logout tokens, verified against the loopback provider's JWKS ---------------------

ISSUER_PATH = "/"
SUB = "urn:fdc:gov.uk:2022:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"


@pytest.fixture
def signer(provider):
    """The loopback provider's published signing key, and settings naming it as the issuer."""
    base, handler = provider
    key = ECKey.generate_key("P-256", parameters={"kid": "published"})
    handler.keys = [key.as_dict(private=False)]
    settings = ProviderSettings(
        issuer=base + ISSUER_PATH,
        client_id="data-marketplace",
        scopes="openid email",
        vtr='["Cl.Cm"]',
        timeout=5,
    )
    return key, settings


def _id_token(key, settings, *, header=None, **claims) -> dict:
    now = int(time.time())
    body = {
        "iss": settings.issuer,
        "aud": settings.client_id,
        "sub": SUB,
        "iat": now,
        "exp": now + 120,
        "nonce": "n-1",
        "vot": "Cl.Cm",
        **claims,
    }
    body = {name: value for name, value in body.items() if value is not None}
    token = jwt.encode(header or {"alg": "ES256", "kid": key.kid}, body, key, ["ES256"])
    return {"id_token": token, "access_token": "a"}


def _parse(app, provider, settings, token: dict):
    client = _client(app, provider[0])
    with app.test_request_context():
        return client.parse_id_token(
            token, nonce="n-1", claims_options=id_token_claims_options(settings), leeway=30
        )


def test_a_good_id_token_is_accepted(app, provider, signer):
    key, settings = signer
    assert _parse(app, provider, settings, _id_token(key, settings))["sub"] == SUB


def at_run_time(change):
    """A parameter's claims, those that are times worked out now: pytest makes its parameters when
    it collects the tests, which in a long suite is many minutes before this one runs."""
    return change(int(time.time())) if callable(change) else change


@pytest.mark.parametrize(
    "change",
    [
        {"iss": "https://evil.example/"},
        {"aud": "someone-else"},
        {"vot": "Cl"},
        {"vot": None},
        {"nonce": "n-2"},
        # Times as offsets from when the test runs (see at_run_time), not from collection.
        lambda now: {"exp": now - 60},
        lambda now: {"iat": now + 600, "exp": now + 720},
        {"sub": None},
    ],
    ids=["iss", "aud", "vot", "no-vot", "nonce", "expired", "issued-in-future", "no-sub"],
)
def test_an_id_token_wrong_in_any_checked_claim_is_refused(app, provider, signer, change):
    key, settings = signer
    change = at_run_time(change)
    with pytest.raises(JoseError):
        _parse(app, provider, settings, _id_token(key, settings, **change))


def test_an_id_token_signed_by_an_unknown_key_is_refused_after_one_refetch(app, provider, signer):
    _, settings = signer
    stranger = ECKey.generate_key("P-256", parameters={"kid": "unknown"})
    with pytest.raises(InvalidKeyIdError):
        _parse(app, provider, settings, _id_token(stranger, settings))
    assert provider[1].jwks_fetches == 2  # the cached set, then once more for the unknown kid


def test_an_id_token_signed_by_another_key_under_a_known_kid_is_refused(app, provider, signer):
    key, settings = signer
    forger = ECKey.generate_key("P-256", parameters={"kid": key.kid})
    with pytest.raises(BadSignatureError):
        _parse(app, provider, settings, _id_token(forger, settings))


def test_an_unsigned_id_token_is_refused(app, provider, signer):
    key, settings = signer
    good = _id_token(key, settings)["id_token"]
    payload = good.split(".")[1]
    unsigned = "eyJhbGciOiJub25lIiwia2lkIjoicHVibGlzaGVkIn0." + payload + "."
    with pytest.raises(JoseError):
        _parse(app, provider, settings, {"id_token": unsigned, "access_token": "a"})


def _logout_token(key, settings, **claims) -> str:
    now = int(time.time())
    body = {
        "iss": settings.issuer,
        "aud": settings.client_id,
        "sub": SUB,
        "iat": now,
        "exp": now + 120,
        "jti": "j-1",
        "events": {BACKCHANNEL_EVENT: {}},
        **claims,
    }
    body = {name: value for name, value in body.items() if value is not None}
    return jwt.encode({"alg": "ES256", "kid": key.kid, "typ": "logout+jwt"}, body, key, ["ES256"])


def test_a_good_logout_token_is_accepted(app, provider, signer):
    key, settings = signer
    claims = verify_logout_token(_client(app, provider[0]), settings, _logout_token(key, settings))
    assert claims["sub"] == SUB


@pytest.mark.parametrize(
    "change",
    [
        {"iss": "https://evil.example/"},
        {"aud": "someone-else"},
        lambda now: {"exp": now - 60},
        {"iat": None},
        {"jti": None},
        {"sub": None},
        {"events": None},
        {"events": {"http://schemas.openid.net/event/other": {}}},
        {"nonce": "n-1"},
    ],
    ids=["iss", "aud", "expired", "no-iat", "no-jti", "no-sub", "no-events", "other-event", "nonce"],
)
def test_a_logout_token_wrong_in_any_way_is_refused(app, provider, signer, change):
    key, settings = signer
    change = at_run_time(change)
    with pytest.raises(LogoutTokenError):
        verify_logout_token(_client(app, provider[0]), settings, _logout_token(key, settings, **change))


def test_a_logout_token_from_an_unknown_key_is_refused(app, provider, signer):
    _, settings = signer
    stranger = ECKey.generate_key("P-256", parameters={"kid": "unknown"})
    with pytest.raises(LogoutTokenError):
        verify_logout_token(_client(app, provider[0]), settings, _logout_token(stranger, settings))


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("max-age=600", 600),
        ("public, max-age=999999999", 86_400),
        ("max-age=" + "9" * 5000, 86_400),  # int() would refuse it; the keys must still load
        ("no-store, max-age=60", 0),
        ("private", 300),
    ],
)
def test_the_jwks_cache_life_is_read_from_any_cache_control(header, seconds):
    assert _max_age(header) == seconds
