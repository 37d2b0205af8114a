"""Who may see a page: the decorator that sends anonymous visitors to sign in and back."""

from __future__ import annotations

from functools import wraps

from flask import redirect, request, url_for

from marketplace.auth.session import current_user


def sign_in_required(view):
    """Send a visitor who is not signed in to /login, coming back to this page afterwards.

    Only whether someone is signed in is decided here; what they may do is the services' rule.
    """

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user() is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped
