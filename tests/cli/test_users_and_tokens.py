"""The users and tokens commands, run as an operator would."""

from __future__ import annotations

from datetime import timedelta

from marketplace.models import ApiToken
from marketplace.models.types import utcnow
from marketplace.services.tokens import MAX_EXPIRY_DAYS, authenticate_token
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
    for days in ("0", "-1", str(MAX_EXPIRY_DAYS + 1), "9" * 400, "soon"):
        expires = runner.invoke(
            args=["tokens", "create", "ann@dft.gov.uk", "--name", "x", "--expires-days", days]
        )
        assert expires.exit_code == 2, (days, expires.output)
    both = runner.invoke(
        args=["tokens", "create", "ann@dft.gov.uk", "--name", "x", "--expires-days", "30", "--never-expires"]
    )
    assert both.exit_code == 1 and "not both" in both.output
    assert ApiToken.query.count() == 0


def test_tokens_create_sets_the_default_expiry_when_none_is_given(app, runner):
    create_user(email="ann@dft.gov.uk", organisation=create_organisation())
    result = runner.invoke(args=["tokens", "create", "ann@dft.gov.uk", "--name", "harvest"])
    assert result.exit_code == 0, result.output
    expected = utcnow() + timedelta(days=app.config["TOKEN_DEFAULT_EXPIRY_DAYS"])
    assert abs(ApiToken.query.one().expires_at - expected) < timedelta(minutes=1)
    assert f"expires {expected.date().isoformat()}" in result.output


def test_tokens_create_never_expires_only_for_a_site_admin(runner):
    create_user(email="ann@dft.gov.uk", organisation=create_organisation())
    create_user(email="sam@cabinetoffice.gov.uk", roles=("site_admin",))
    refused = runner.invoke(args=["tokens", "create", "ann@dft.gov.uk", "--name", "x", "--never-expires"])
    assert refused.exit_code == 1
    assert "Only site admins can have a token that never expires" in refused.output
    assert ApiToken.query.count() == 0
    made = runner.invoke(
        args=["tokens", "create", "sam@cabinetoffice.gov.uk", "--name", "x", "--never-expires"]
    )
    assert made.exit_code == 0, made.output
    assert "expires never" in made.output and ApiToken.query.one().expires_at is None


def test_tokens_create_stops_at_the_most_active_tokens_a_person_may_hold(app, runner):
    app.config["MAX_ACTIVE_TOKENS"] = 3
    create_user(email="ann@dft.gov.uk", organisation=create_organisation())
    for n in range(3):
        assert runner.invoke(args=["tokens", "create", "ann@dft.gov.uk", "--name", f"t{n}"]).exit_code == 0
    refused = runner.invoke(args=["tokens", "create", "ann@dft.gov.uk", "--name", "one more"])
    assert refused.exit_code == 1
    assert "already has 3 active API tokens, the most allowed" in refused.output
    assert ApiToken.query.count() == 3
