from __future__ import annotations

import click

from marketplace.cli.errors import reports_errors
from marketplace.errors import ValidationError
from marketplace.rules.actors import Actor
from marketplace.services.tokens import MAX_EXPIRY_DAYS, create_token, list_tokens, revoke_token
from marketplace.services.users import find_user_by_email

CLI_ACTOR = Actor.system("system:cli")


@click.group("tokens", help="Manage API tokens.")
def tokens_group() -> None:
    pass


@tokens_group.command("create")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for, e.g. 'nightly harvest'.")
@click.option("--scope", "scope", default="read", show_default=True, help="Comma-separated: read, publish.")
@click.option(
    "--expires-days",
    type=click.IntRange(1, MAX_EXPIRY_DAYS),
    default=None,
    help="Expire after N days (default: TOKEN_DEFAULT_EXPIRY_DAYS, 90).",
)
@click.option("--never-expires", is_flag=True, help="Never expire: only for a site admin's tokens.")
@reports_errors
def create(email: str, name: str, scope: str, expires_days: int | None, never_expires: bool) -> None:
    """Create a token for EMAIL; the token is printed once, alone on the last line.

    A person may hold at most MAX_ACTIVE_TOKENS (20) active tokens.
    """
    scopes = [s.strip() for s in scope.split(",") if s.strip()]
    token, secret = create_token(
        CLI_ACTOR,
        email,
        name=name,
        scopes=scopes,
        expires_days=expires_days,
        never_expires=never_expires,
    )
    expiry = token.expires_at.date().isoformat() if token.expires_at else "never"
    click.echo(f"Created token {token.id} ({token.name}; scopes {token.scopes}; expires {expiry}).", err=True)
    click.echo("Copy it now: it is not stored and cannot be shown again.", err=True)
    click.echo(secret)


@tokens_group.command("list")
@click.argument("email")
@reports_errors
def list_command(email: str) -> None:
    """List EMAIL's tokens (never the secrets)."""
    user = find_user_by_email(email)
    if user is None:
        raise ValidationError({"email": [f"There is no user {email!r}."]})
    for token in list_tokens(CLI_ACTOR, user):
        state = "revoked" if token.revoked_at else "active"
        used = token.last_used_at.isoformat(timespec="seconds") if token.last_used_at else "never"
        expires = token.expires_at.isoformat(timespec="seconds") if token.expires_at else "never"
        click.echo(
            f"{token.id}  {token.prefix}…  {token.name!r}  scopes={token.scopes}  {state}  "
            f"last used {used}  expires {expires}"
        )


@tokens_group.command("revoke")
@click.argument("token_id")
@reports_errors
def revoke(token_id: str) -> None:
    """Revoke the token with TOKEN_ID (from 'tokens list')."""
    token = revoke_token(CLI_ACTOR, token_id)
    click.echo(f"Revoked token {token.id} ({token.name}).")
