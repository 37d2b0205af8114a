"""GET /.well-known/oauth-authorization-server (RFC 8414): what a client library reads to find the
token endpoint and how to authenticate there."""

from __future__ import annotations

from tests.helpers import api


def test_the_metadata_names_the_token_endpoint_methods_algorithms_and_scopes(client, app):
    response = api(client, "GET", "/.well-known/oauth-authorization-server", status=200)
    body = response.get_json()
    base = app.config["BASE_URL"]
    assert body["issuer"] == base
    assert body["token_endpoint"] == base + "/oauth/token"
    assert body["grant_types_supported"] == ["client_credentials"]
    assert body["token_endpoint_auth_methods_supported"] == [
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    ]
    algorithms = body["token_endpoint_auth_signing_alg_values_supported"]
    assert "RS256" in algorithms and "ES256" in algorithms
    assert not [a for a in algorithms if a.startswith("HS") or a == "none"]
    assert body["scopes_supported"] == ["discover", "publish", "delete"]


def test_the_issuer_comes_from_configuration_not_the_host_header(client, app):
    response = client.get("/.well-known/oauth-authorization-server", headers={"Host": "127.0.0.1"})
    assert response.get_json()["issuer"] == app.config["BASE_URL"]


def test_the_api_document_describes_the_client_credentials_flow(client):
    document = api(client, "GET", "/api/v1/openapi.json", status=200).get_json()
    scheme = document["components"]["securitySchemes"]["clientCredentials"]
    assert scheme["type"] == "oauth2"
    flow = scheme["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == "/oauth/token"
    assert list(flow["scopes"]) == ["discover", "publish", "delete"]
