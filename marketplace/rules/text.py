"""Text no database here can store, found wherever it is in a request's body: the forms, the
APIs, a restored backup and feedback all refuse it with the same message."""

from __future__ import annotations

import re
from typing import Any

# Characters no database here can store: NUL (PostgreSQL text), and half of a UTF-16 pair,
# which JSON can spell ("\ud800") but UTF-8 cannot encode.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = "Must not contain NUL characters or unpaired surrogates."


def unstorable_text(value: Any, path: str = "") -> dict[str, list[str]]:
    """Each field (as a dotted path) whose text, or key, holds characters that cannot be stored."""
    errors: dict[str, list[str]] = {}
    if isinstance(value, str):
        if _UNSTORABLE.search(value):
            errors[path or "_schema"] = [UNSTORABLE_MESSAGE]
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and _UNSTORABLE.search(key):
                errors[name] = [UNSTORABLE_MESSAGE]
            else:
                errors.update(unstorable_text(item, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            errors.update(unstorable_text(item, f"{path}.{index}" if path else str(index)))
    return errors
