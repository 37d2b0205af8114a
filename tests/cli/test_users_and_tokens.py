"""The users and tokens commands, run as an operator would."""

from __future__ import annotations

from marketplace.models import ApiToken
from marketplace.services.tokens import authenticate_token
from tests.factories import create_organisation, create_user


def test_users_add_creates_a_publisher_in_the_organisation(runner):
    create_organisation()
    result = runner.invoke(
        args=["users", "add", "Ann@DfT.gov.uk", "--org", "department-for-transport", "--role", "publisher"]
    )
    assert result.exit_code == 0, result.output
    assert "ann@dft.gov.uk" in result.output
    assert "publisher@department-for-transport" in result.output
    assert "member@department-for-transport" in result.output


def test_users_add_twice_adds_roles_without_duplicating(runner):
    create_organisation()
    for role in ("publisher", "publisher,org_admin"):
        result = runner.invoke(
            args=["users", "add", "ann@dft.gov.uk", "--org", "department-for-transport", "--role", role]
        )
        assert result.exit_code == 0, result.output
    assert result.output.count("publisher@") == 1
    assert "org_admin@department-for-transport" in result.output


def test_users_add_refuses_unknown_organisation_role_and_bad_email(runner):
    create_organisation()
    cases = [
        (["users", "add", "ann@dft.gov.uk", "--org", "no-such-org", "--role", "publisher"], "no-such-org"),
        (
            ["users", "add", "ann@dft.gov.uk", "--org", "department-for-transport", "--role", "emperor"],
            "emperor",
        ),
        (["users", "add", "not-an-email", "--org", "department-for-transport"], "not a valid e-mail"),
        (["users", "add", "ann@dft.gov.uk", "--role", "publisher"], "--org"),
    ]
    for args, message in cases:
        result = runner.invoke(args=args)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output


def test_tokens_create_prints_the_token_alone_on_the_last_line_and_stores_only_a_hash(runner):
    organisation = create_organisation()
    create_user(email="ann@dft.gov.uk", organisation=organisation, roles=("publisher",))
    result = runner.invoke(
        args=[
            "tokens",
            "create",
            "ann@dft.gov.uk",
            "--name",
            "harvest",
            "--scope",
            "read,publish",
            "--expires-days",
            "30",
        ]
    )
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    assert secret.startswith("dm_") and " " not in secret
    stored = ApiToken.query.one()
    assert secret not in (stored.token_hash, stored.prefix, stored.name)
    actor = authenticate_token(secret)
    assert actor.user.email == "ann@dft.gov.uk"
    assert actor.scopes == {"read", "publish"}


def test_tokens_list_and_revoke(runner):
    organisation = create_organisation()
    create_user(email="ann@dft.gov.uk", organisation=organisation)
    runner.invoke(args=["tokens", "create", "ann@dft.gov.uk", "--name", "one"])
    token = ApiToken.query.one()
    listed = runner.invoke(args=["tokens", "list", "ann@dft.gov.uk"])
    assert str(token.id) in listed.output and "active" in listed.output
    revoked = runner.invoke(args=["tokens", "revoke", str(token.id)])
    assert revoked.exit_code == 0, revoked.output
    assert "revoked" in runner.invoke(args=["tokens", "list", "ann@dft.gov.uk"]).output


def test_tokens_commands_refuse_bad_input(runner):
    organisation = create_organisation()
    create_user(email="ann@dft.gov.uk", organisation=organisation)
    cases = [
        (["tokens", "create", "nobody@dft.gov.uk", "--name", "x"], "There is no user"),
        (["tokens", "create", "ann@dft.gov.uk", "--name", "x", "--scope", "admin"], "scope"),
        (["tokens", "create", "ann@dft.gov.uk", "--name", "  "], "name"),
        (["tokens", "revoke", "not-a-uuid"], "There is no token"),
        (["tokens", "list", "nobody@dft.gov.uk"], "There is no user"),
    ]
    for args, message in cases:
        result = runner.invoke(args=args)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output
    assert ApiToken.query.count() == 0
    expires = runner.invoke(args=["tokens", "create", "ann@dft.gov.uk", "--name", "x", "--expires-days", "0"])
    assert expires.exit_code == 2
