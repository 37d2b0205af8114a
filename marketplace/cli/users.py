from __future__ import annotations

import click

from marketplace.cli.errors import reports_errors
from marketplace.rules.actors import Actor
from marketplace.services.users import ROLES, add_user


@click.group("users", help="Manage people and their roles.")
def users_group() -> None:
    pass


@users_group.command("add")
@click.argument("email")
@click.option("--org", "organisation", help="Organisation slug (needed for every role but site_admin).")
@click.option(
    "--role", "roles", default="member", show_default=True, help=f"Comma-separated roles: {', '.join(ROLES)}."
)
@reports_errors
def add(email: str, organisation: str | None, roles: str) -> None:
    """Create or update the user EMAIL and give them roles."""
    wanted = [r.strip() for r in roles.split(",") if r.strip()]
    user = add_user(Actor.system("system:cli"), email, organisation_slug=organisation, roles=wanted)
    held = sorted(f"{m.role}@{m.organisation.slug}" for m in user.memberships)
    if user.is_site_admin:
        held.append("site_admin")
    click.echo(f"{user.email}: {', '.join(held) or 'no roles'}")
