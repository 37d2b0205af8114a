"""End to end over real HTTP: a department's system is registered at the command line, gets a
token from the live server by HTTP Basic, and publishes through /api/v1 for its organisation only.
Token requests are rate limited per address, counting only the refusals."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from flask import Flask
from limits import parse_many

from marketplace import limits
from tests.conftest import make_app, serving
from tests.factories import create_organisation, valid_entry
from tests.oauth.conftest import assertion, assertion_form, new_key, register


def register_at_the_command_line(app: Flask, *args: str) -> tuple[str, str]:
    result = app.test_cli_runner().invoke(args=["clients", "create", *args])
    assert result.exit_code == 0, result.output
    client_id, secret = result.stdout.splitlines()[-2:]
    return client_id, secret


def get_token(base: str, client_id: str, secret: str, **form: str) -> requests.Response:
    return requests.post(
        f"{base}/ClientAuth/get-token",
        data={"grant_type": "client_credentials", **form},
        auth=(client_id, secret),
        timeout=10,
    )


def test_a_registered_system_gets_a_token_and_publishes_for_its_organisation_only(app, live_server):
    ours = create_organisation()
    theirs = create_organisation(
        slug="hm-revenue-and-customs", title="HM Revenue and Customs", abbreviation="HMRC"
    )
    client_id, secret = register_at_the_command_line(
        app, "DfT catalogue sync", "--org", ours.slug, "--scope", "discover,publish"
    )

    response = get_token(live_server, client_id, secret)
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    grant = response.json()
    assert grant["token_type"] == "Bearer" and grant["scope"] == "discover publish"
    bearer = {"Authorization": f"Bearer {grant['access_token']}"}

    me = requests.get(f"{live_server}/api/v1/me", headers=bearer, timeout=10)
    assert me.status_code == 200, me.text
    assert me.json()["client"]["client_id"] == client_id and me.json()["organisation"] == ours.slug

    created = requests.post(f"{live_server}/api/v1/datasets", json=valid_entry(), headers=bearer, timeout=10)
    assert created.status_code == 201, created.text
    assert created.json()["publisher"] == ours.slug
    read = requests.get(created.headers["Location"], headers=bearer, timeout=10)
    assert read.status_code == 200, read.text

    refused = requests.post(
        f"{live_server}/api/v1/datasets", json=valid_entry(publisher=theirs.slug), headers=bearer, timeout=10
    )
    assert refused.status_code == 403, refused.text

    discover_only = get_token(live_server, client_id, secret, scope="discover").json()
    refused = requests.post(
        f"{live_server}/api/v1/datasets",
        json=valid_entry(),
        headers={"Authorization": f"Bearer {discover_only['access_token']}"},
        timeout=10,
    )
    assert refused.status_code == 403, refused.text
    assert "publish scope" in refused.json()["detail"]


def test_a_replayed_assertion_is_refused_by_another_worker(app, live_server, database_url, tmp_path):
    """The spent jti is in the database, so a second process serving the same catalogue refuses it."""
    registered = register(create_organisation(), key=new_key())
    signed = assertion(registered.client_id, registered.key, app.config["BASE_URL"] + "/oauth/token")
    first = requests.post(
        f"{live_server}/oauth/token", data=assertion_form(registered.client_id, signed), timeout=10
    )
    assert first.status_code == 200, first.text
    other = make_app(database_url, tmp_path / "other")
    with serving(other) as other_base:
        # The other worker answers to the same BASE_URL as the first, as behind one load balancer.
        other.config["BASE_URL"] = app.config["BASE_URL"]
        replay = requests.post(
            f"{other_base}/oauth/token", data=assertion_form(registered.client_id, signed), timeout=10
        )
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_client", replay.text
    assert "used before" in replay.json()["error_description"]


@pytest.fixture
def limited(database_url, tmp_path) -> Iterator[str]:
    """A worker with the rate limits on (in its own memory), served over HTTP."""
    app = make_app(database_url, tmp_path / "limited", RATELIMIT_ENABLED=True)
    with serving(app) as base:
        yield base


def test_guessing_secrets_stops_after_the_limit_but_a_good_client_was_never_counted(app, limited):
    registered = register(create_organisation())
    allowed = next(
        i.amount for i in parse_many(limits.CLIENT_TOKEN_REFUSALS) if i.GRANULARITY.name == "minute"
    )
    for _ in range(allowed + 5):  # successes do not count
        assert get_token(limited, registered.client_id, registered.secret).status_code == 200
    statuses = [
        get_token(limited, registered.client_id, f"dmcs_guess{n}").status_code for n in range(allowed)
    ]
    assert statuses == [401] * allowed
    refused = get_token(limited, registered.client_id, "dmcs_guess")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    # Once over, even the right secret is refused from that address: a right guess looks the same.
    assert get_token(limited, registered.client_id, registered.secret).status_code == 429
    # The other path shares the count.
    other_path = requests.post(
        f"{limited}/oauth/token", data={"grant_type": "client_credentials"}, timeout=10
    )
    assert other_path.status_code == 429
