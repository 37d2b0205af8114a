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
from joserfc.jwk import ECKey

from marketplace.auth.keys import client_key
from marketplace.auth.oidc import (
    ASSERTION_LIFETIME,
    OneLoginPrivateKeyJWT,
    ProviderClient,
    ProviderSettings,
    id_token_claims_options,
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
    thread = threading.Thread(target=server.serve_forever, daemon=True)
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
