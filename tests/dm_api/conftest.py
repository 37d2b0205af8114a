"""A department's system calling /dm/v1: its organisation (the specification examples'
publisher), a client registered for it, and bearer tokens minted with the service functions."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient

from marketplace.models import Organisation
from marketplace.services.api_clients import create_client, issue_access_token
from tests.dcat_uk.reference import reference, validate_record
from tests.factories import ADMIN, create_organisation

ALL_SCOPES = ("discover", "publish", "delete")
# The specification's examples publish as this organisation.
PUBLISHER = "academy-for-social-justice"


@pytest.fixture
def publisher(app) -> Organisation:
    return create_organisation(slug=PUBLISHER, title="Academy for Social Justice", abbreviation="ASJ")


@pytest.fixture
def other_organisation(app) -> Organisation:
    return create_organisation()


@pytest.fixture
def mint(publisher) -> Callable[..., str]:
    """A bearer token for a new client of `organisation` (the publisher's by default)."""

    def mint(scopes: tuple[str, ...] = ALL_SCOPES, organisation: Organisation | None = None) -> str:
        slug = (organisation or publisher).slug
        client, _ = create_client(ADMIN, slug, name=f"{slug} catalogue system", scopes=scopes)
        return issue_access_token(client, scopes)[0]

    return mint


@pytest.fixture
def token(mint) -> str:
    return mint()


@dataclass
class Api:
    """Requests to /dm/v1 that assert the status and check every body against the spec's schemas."""

    client: FlaskClient
    token: str | None

    def call(
        self,
        method: str,
        path: str,
        status: int,
        *,
        json_body: Any = None,
        data: bytes | str | None = None,
        token: str | None = None,
        content_type: str = "application/json",
    ) -> Any:
        headers = {}
        bearer = token if token is not None else self.token
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        if json_body is not None:
            data = json.dumps(json_body)
        response = self.client.open(
            "/dm/v1" + path,
            method=method,
            data=data,
            headers=headers,
            content_type=content_type if data is not None else None,
        )
        assert response.status_code == status, response.get_data(as_text=True)
        self.last = response
        if status in {201, 204}:
            assert response.get_data() == b""
            assert "Content-Type" not in response.headers
            return None
        assert response.mimetype == "application/json"
        body = response.get_json()
        if status >= 400:
            validate_record(body, "error_schema.json")
        return body


@pytest.fixture
def api(client, token) -> Api:
    reference("error_schema.json")  # skips, saying why, without the reference copy
    return Api(client, token)


def validate_resource(record: dict[str, Any]) -> None:
    """A record as GET /datasets, /data-services and /cataloged-resources answer it."""
    schema = "data_service_schema.json" if record["type"] == ["Data Service"] else "dataset_schema.json"
    validate_record(record, schema)
    validate_record(record, "cataloged_resource_schema.json")
