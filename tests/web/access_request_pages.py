"""What the data share request pages' tests share: a request's address, posting a page's own form or
raw fields, reading the error summary, reloading a request, and a date ahead (the world of people
and entries is the `world` fixture in conftest.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from marketplace.extensions import db
from marketplace.models import AccessRequest
from tests.web.pages import page
from tests.web.publishing import csrf, form_fields


def path(access_request: AccessRequest, tail: str = "") -> str:
    return f"/access-requests/{access_request.id}{tail}"


def post_form(client, url: str, answers: dict, *, status: int, form_url: str | None = None) -> str:
    """Post the page's own (last) form with `answers` over what it holds."""
    html = page(client, form_url or url, status=200).text
    fields = form_fields(html)
    fields.update({k: v if isinstance(v, list) else [v] for k, v in answers.items()})
    response = client.post(url, data=fields, headers={"Accept": "text/html"})
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:3000])
    if status == 303:
        return page(client, response.headers["Location"], status=200).text
    return response.get_data(as_text=True)


def post_raw(client, url: str, data: dict, *, status: int, token_from: str) -> str:
    token = csrf(page(client, token_from, status=200).text)
    response = client.post(url, data={"csrf_token": token, **data}, headers={"Accept": "text/html"})
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:3000])
    return response.get_data(as_text=True)


def summary_of(html: str) -> str:
    found = re.search(r'class="govuk-error-summary".*?</ul>', html, re.S)
    assert found, "no error summary"
    return found.group(0)


def reload(access_request: AccessRequest) -> AccessRequest:
    db.session.expire_all()
    return db.session.get(AccessRequest, access_request.id)


def future(days: int = 90):
    return datetime.now(UTC).date() + timedelta(days=days)
