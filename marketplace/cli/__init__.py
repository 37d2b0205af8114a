"""Flask commands: ``flask --app marketplace <group> <command>``."""

from __future__ import annotations

from flask import Flask

from marketplace.cli import (
    alerts,
    clients,
    harvest,
    importing,
    mail,
    prune,
    quality,
    search,
    seed,
    tokens,
    users,
)


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed.seed_command)
    app.cli.add_command(users.users_group)
    app.cli.add_command(tokens.tokens_group)
    app.cli.add_command(clients.clients_group)
    app.cli.add_command(search.search_group)
    app.cli.add_command(importing.import_group)
    app.cli.add_command(importing.export_group)
    app.cli.add_command(quality.quality_group)
    app.cli.add_command(harvest.harvest_group)
    app.cli.add_command(mail.mail_group)
    app.cli.add_command(alerts.alerts_group)
    app.cli.add_command(prune.prune_command)
