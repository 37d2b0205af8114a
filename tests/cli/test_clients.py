"""The clients commands, run as an operator would: create (id and secret alone on the last two
lines), list, revoke and rotate, and a clear refusal with a non-zero exit for bad input."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from joserfc.jwk import RSAKey

from marketplace.extensions import db
from marketplace.models import ApiClient
from marketplace.models.types import utcnow
from marketplace.services.api_clients import check_client_secret, find_client, issue_access_token
from tests.factories import create_organisation

DFT = "department-for-transport"


def run(runner, *args: str, exit_code: int = 0):
    result = runner.invoke(args=list(args))
    assert result.exit_code == exit_code, result.output
    return result


def create(runner, *args: str) -> tuple[str, str]:
    lines = run(runner, "clients", "create", *args).stdout.splitlines()
    assert len(lines) == 2, lines  # nothing else on stdout: the messages go to stderr
    return lines[0], lines[1]


def test_create_prints_the_client_id_and_secret_alone_on_the_last_two_lines(runner):
    create_organisation()
    client_id, secret = create(runner, "Catalogue sync", "--org", DFT, "--scope", "discover,publish")
    assert client_id.startswith("dmc_") and secret.startswith("dmcs_")
    client = find_client(client_id)
    assert client.name == "Catalogue sync" and client.organisation.slug == DFT
    assert client.scope_set == {"discover", "publish"}
    assert client.expires_at is None
    assert client.created_by_label == "system:cli"
    assert check_client_secret(client, secret)
    assert secret not in (client.secret_hash or "")


def test_create_with_an_expiry(runner):
    create_organisation()
    client_id, _ = create(runner, "Short lived", "--org", DFT, "--expires-days", "30")
    expires = find_client(client_id).expires_at
    assert timedelta(days=29, hours=23) < expires - utcnow() <= timedelta(days=30)


def test_create_with_public_keys_has_no_secret_and_an_empty_last_line(runner, tmp_path):
    create_organisation()
    key = RSAKey.generate_key(2048, private=True, auto_kid=True)
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [key.as_dict(private=False)]}))
    client_id, secret = create(runner, "Key client", "--org", DFT, "--public-jwks", str(path))
    assert secret == ""
    client = find_client(client_id)
    assert client.secret_hash is None and client.public_jwks["keys"][0]["kid"] == key.kid


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Sync", "--org", "no-such-org"], "no-such-org"),
        (["Sync", "--org", DFT, "--scope", "discover,admin"], "scope: Choose one or more of"),
        (["Sync", "--org", DFT, "--scope", ""], "scope"),
        (["", "--org", DFT], "name"),
        (["x" * 101, "--org", DFT], "name"),
        (["Sync"], "--org"),
        (["Sync", "--org", DFT, "--expires-days", "0"], "--expires-days"),
        (["Sync", "--org", DFT, "--expires-days", "many"], "--expires-days"),
    ],
)
def test_create_refuses_bad_input_clearly(runner, args, message):
    create_organisation()
    result = run(runner, "clients", "create", *args, exit_code=2 if message.startswith("--") else 1)
    assert message in result.output
    assert "Traceback" not in result.output
    assert db.session.query(ApiClient).count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [("not json", "JSON Web Key Set"), ('{"keys": []}', "JSON Web Key Set"), ("private", "private key")],
)
def test_create_refuses_a_bad_key_set(runner, tmp_path, content, message):
    create_organisation()
    if content == "private":
        content = json.dumps({"keys": [RSAKey.generate_key(2048, private=True).as_dict(private=True)]})
    path = tmp_path / "jwks.json"
    path.write_text(content)
    result = run(runner, "clients", "create", "Sync", "--org", DFT, "--public-jwks", str(path), exit_code=1)
    assert message in result.output


def test_list_shows_each_client_without_its_secret(runner):
    create_organisation()
    create_organisation(slug="hm-revenue-and-customs", title="HM Revenue and Customs", abbreviation="HMRC")
    dft_id, dft_secret = create(runner, "DfT sync", "--org", DFT, "--scope", "discover,publish")
    hmrc_id, _ = create(runner, "HMRC sync", "--org", "hm-revenue-and-customs")
    issue_access_token(find_client(dft_id), ["discover"])
    every = run(runner, "clients", "list").stdout
    assert dft_id in every and hmrc_id in every
    assert dft_secret not in every
    line = next(line for line in every.splitlines() if dft_id in line)
    for expected in ("'DfT sync'", f"org={DFT}", "scopes=discover,publish", "active", "auth=secret"):
        assert expected in line
    assert "created by system:cli" in line and "tokens issued 1" in line and "last used never" not in line
    only_dft = run(runner, "clients", "list", "--org", DFT).stdout
    assert dft_id in only_dft and hmrc_id not in only_dft


def test_list_shows_revoked_and_expired_clients_as_such(runner):
    create_organisation()
    revoked, _ = create(runner, "Old", "--org", DFT)
    expired, _ = create(runner, "Lapsed", "--org", DFT, "--expires-days", "1")
    run(runner, "clients", "revoke", revoked)
    find_client(expired).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    listing = run(runner, "clients", "list").stdout.splitlines()
    assert "revoked" in next(line for line in listing if revoked in line)
    assert "expired" in next(line for line in listing if expired in line)


def test_list_refuses_an_unknown_organisation(runner):
    result = run(runner, "clients", "list", "--org", "no-such-org", exit_code=1)
    assert "no-such-org" in result.output


def test_revoke_ends_the_client(runner):
    create_organisation()
    client_id, _ = create(runner, "Sync", "--org", DFT)
    result = run(runner, "clients", "revoke", client_id)
    assert f"Revoked API client {client_id}" in result.output
    client = find_client(client_id)
    assert client.revoked_at is not None and client.revoked_by_label == "system:cli"


def test_rotate_prints_the_new_secret_alone_on_the_last_line(runner):
    create_organisation()
    client_id, old = create(runner, "Sync", "--org", DFT)
    new = run(runner, "clients", "rotate", client_id).stdout.splitlines()[-1]
    assert new.startswith("dmcs_") and new != old
    client = find_client(client_id)
    assert check_client_secret(client, new) and not check_client_secret(client, old)


@pytest.mark.parametrize("command", ["revoke", "rotate"])
def test_revoke_and_rotate_refuse_an_unknown_client(runner, command):
    result = run(runner, "clients", command, "dmc_nosuchclient", exit_code=1)
    assert "There is no API client 'dmc_nosuchclient'" in result.output


def test_rotate_refuses_a_revoked_client_and_a_key_client(runner, tmp_path):
    create_organisation()
    client_id, _ = create(runner, "Sync", "--org", DFT)
    run(runner, "clients", "revoke", client_id)
    assert "revoked" in run(runner, "clients", "rotate", client_id, exit_code=1).output
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(RSAKey.generate_key(2048, private=True).as_dict(private=False)))
    key_client, _ = create(runner, "Keys", "--org", DFT, "--public-jwks", str(path))
    assert "no secret" in run(runner, "clients", "rotate", key_client, exit_code=1).output


def test_help_says_what_the_last_two_lines_are(runner):
    result = run(runner, "clients", "create", "--help")
    assert "last two lines" in result.output and "empty" in result.output
