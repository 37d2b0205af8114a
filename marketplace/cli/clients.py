from __future__ import annotations

from typing import TextIO

import click

from marketplace.cli.errors import reports_errors
from marketplace.models import ApiClient
from marketplace.models.types import utcnow
from marketplace.rules.actors import Actor
from marketplace.services.api_clients import (
    MAX_EXPIRY_DAYS,
    create_client,
    list_clients,
    revoke_client,
    rotate_secret,
)

CLI_ACTOR = Actor.system("system:cli")


@click.group(
    "clients", help="Manage API clients: departments' systems that get tokens by client credentials."
)
def clients_group() -> None:
    pass


@clients_group.command("create")
@click.argument("name")
@click.option("--org", "organisation", required=True, help="The organisation's slug; the client acts for it.")
@click.option(
    "--scope",
    "scope",
    default="discover",
    show_default=True,
    help="Comma-separated: discover (read), publish (create and change), delete.",
)
@click.option(
    "--expires-days",
    type=click.IntRange(1, MAX_EXPIRY_DAYS),
    default=None,
    help="The client stops working after N days (default: never).",
)
@click.option(
    "--public-jwks",
    type=click.File("r"),
    default=None,
    help="A file (or - for stdin) holding the client's public keys as a JWK Set: it then "
    "authenticates with private_key_jwt and has no secret.",
)
@reports_errors
def create(
    name: str, organisation: str, scope: str, expires_days: int | None, public_jwks: TextIO | None
) -> None:
    """Register a client called NAME for an organisation.

    The last two lines of the output are the client id and the client secret, alone on their
    lines (the secret is not stored and cannot be shown again). A client registered with
    --public-jwks has no secret: its second line is empty, so the output always ends with two
    lines.
    """
    client, secret = create_client(
        CLI_ACTOR,
        organisation,
        name=name,
        scopes=scope,
        expires_days=expires_days,
        public_jwks=public_jwks.read() if public_jwks is not None else None,
    )
    expires = client.expires_at.date().isoformat() if client.expires_at else "never"
    click.echo(
        f"Registered API client {client.name!r} for {client.organisation.slug} "
        f"(scopes {client.scopes}; expires {expires}).",
        err=True,
    )
    if secret is None:
        click.echo("It authenticates with private_key_jwt (no secret). Client id:", err=True)
    else:
        click.echo("Client id and secret; copy the secret now: it cannot be shown again.", err=True)
    click.echo(client.client_id)
    click.echo(secret or "")


@clients_group.command("list")
@click.option("--org", "organisation", default=None, help="Only this organisation's clients (default: all).")
@reports_errors
def list_command(organisation: str | None) -> None:
    """List API clients (never their secrets), one a line."""
    for client in list_clients(CLI_ACTOR, organisation):
        used = client.last_used_at.isoformat(timespec="seconds") if client.last_used_at else "never"
        method = "private_key_jwt" if client.public_jwks else "secret"
        click.echo(
            f"{client.client_id}  {client.name!r}  org={client.organisation.slug}  scopes={client.scopes}  "
            f"{state(client)}  auth={method}  created by {client.created_by_label}  "
            f"last used {used}  tokens issued {client.tokens_issued}"
        )


@clients_group.command("revoke")
@click.argument("client_id")
@reports_errors
def revoke(client_id: str) -> None:
    """Revoke the client CLIENT_ID for good: no new tokens, and its tokens stop working now."""
    client = revoke_client(CLI_ACTOR, client_id)
    click.echo(f"Revoked API client {client.client_id} ({client.name}).")


@clients_group.command("rotate")
@click.argument("client_id")
@reports_errors
def rotate(client_id: str) -> None:
    """Give CLIENT_ID a new secret, alone on the last line; the old secret and the tokens issued
    with it stop working now."""
    client, secret = rotate_secret(CLI_ACTOR, client_id)
    click.echo(f"New secret for API client {client.client_id} ({client.name}); copy it now:", err=True)
    click.echo(secret)


def state(client: ApiClient) -> str:
    if client.revoked_at is not None:
        return "revoked"
    if client.expires_at is not None:
        if client.expires_at <= utcnow():
            return "expired"
        return f"active (expires {client.expires_at.isoformat(timespec='seconds')})"
    return "active"
