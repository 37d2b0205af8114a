"""Where a user may be sent after signing in: paths on this site only (no open redirect)."""

from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_NEXT = "/account"
MAX_NEXT = 2000  # a longer address is not followed after sign-in


def safe_next(value: str | None, default: str = DEFAULT_NEXT) -> str:
    """`value` if it is a path on this site, else `default`.

    Browsers treat "//host", "/\\host" and "\\\\host" as other sites, and strip tabs and
    newlines before they look, so each of those is refused; so is anything with a scheme.
    """
    if not value or len(value) > MAX_NEXT:
        return default
    if any(ord(char) < 0x20 or char == "\x7f" for char in value) or "\\" in value:
        return default
    if not value.startswith("/") or value.startswith("//"):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value
