"""Template helpers for GOV.UK forms fed by `errors{field: [messages]}`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def error_message(errors: Mapping[str, Sequence[str]] | None, field: str) -> dict[str, str] | None:
    """The `errorMessage` parameter of a GOV.UK form macro for `field`: its first message, or None."""
    messages = (errors or {}).get(field)
    return {"text": messages[0]} if messages else None
