from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from marketplace.errors import MarketplaceError


def reports_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Show a service's refusal as a one-line error (exit 1) instead of a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except MarketplaceError as error:
            lines = [error.detail]
            for field, messages in (error.errors or {}).items():
                lines.extend(f"  {field}: {message}" for message in messages)
            raise click.ClickException("\n".join(lines)) from error

    return wrapper
