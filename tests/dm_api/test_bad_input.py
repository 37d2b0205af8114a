"""The issue's bad-input list on every /dm/v1 operation: each answer is the specification's
error body (validated against error_schema.json) with a clear message, and nothing changes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.models.api_client import ApiClientToken
from marketplace.models.revision import Revision
from marketplace.models.types import utcnow
from marketplace.services.api_clients import hash_secret
from tests.dm_api.conftest import PUBLISHER
from tests.dm_api.test_lifecycle import dataset_record

SERVICE = {
    "title": "Road counts API",
    "description": "The counts, by point and hour.",
    "type": "Data Service",
    "status": "Draft",
    "contactPoint": [{"name": "Roads team", "email": "roads@asj.gov.uk"}],
    "publisher": PUBLISHER,
    "endpointURL": "https://api.asj.gov.uk/counts",
}
TOO_LARGE = b'{"title": "' + b"x" * (1024 * 1024 + 1) + b'"}'


@pytest.fixture
def records(api) -> dict[str, str]:
    api.call("POST", "/datasets", 201, json_body=dataset_record(status="Published"))
    dataset = api.last.headers["Location"].removeprefix("/dm/v1")
    api.call("POST", "/data-services", 201, json_body=SERVICE)
    service = api.last.headers["Location"].removeprefix("/dm/v1")
    return {"dataset": dataset, "service": service}


def _state(api, records) -> tuple:
    """Everything a refused request must leave as it was."""
    return (
        api.call("GET", records["dataset"], 200),
        api.call("GET", records["service"], 200),
        db.session.scalar(select(func.count(Dataset.id))),
        db.session.scalar(select(func.count(Revision.id))),
    )


def _operations(records: dict[str, str]) -> list[tuple[str, str]]:
    return [
        ("GET", "/cataloged-resources"),
        ("POST", "/datasets"),
        ("POST", "/data-services"),
        ("GET", records["dataset"]),
        ("PATCH", records["dataset"]),
        ("DELETE", records["dataset"]),
        ("GET", records["service"]),
        ("PATCH", records["service"]),
        ("DELETE", records["service"]),
    ]


def _refused(api, records, method, path, status, code, **kwargs) -> dict:
    before = _state(api, records)
    body = api.call(method, path, status, **kwargs)
    response = api.last
    assert body["code"] == code, body
    assert body["message"]
    assert _state(api, records) == before
    api.last = response
    return body


def test_an_oversized_body_is_refused_on_every_operation(api, records):
    for method, path in _operations(records):
        body = _refused(api, records, method, path, 413, "DM00013", data=TOO_LARGE)
        assert "too large" in body["message"]


def test_an_unknown_query_parameter_is_refused_on_every_operation(api, records):
    for method, path in _operations(records):
        body = _refused(api, records, method, f"{path}?colour=blue", 400, "DM00011", json_body={})
        assert body["errors"] == [
            {"type": "Fatal", "detail": "Not a parameter of this operation.", "location": "/colour"}
        ]


@pytest.mark.parametrize("data", [b"{not json", b'{"title": "a",}', b"\xff\xfe", b'{"n": NaN}', b""])
def test_malformed_json_is_refused(api, records, data):
    for method, path in _operations(records):
        if method in {"POST", "PATCH"}:
            _refused(api, records, method, path, 400, "DM00011", data=data)


@pytest.mark.parametrize("data", [[], "a record", 3, None])
def test_a_body_that_is_not_an_object_is_refused(api, records, data):
    for method, path in _operations(records):
        if method in {"POST", "PATCH"}:
            body = _refused(api, records, method, path, 400, "DM00012", data=json.dumps(data))
            assert body["errors"][0]["location"] == ""


def test_another_content_type_is_refused(api, records):
    for method, path in _operations(records):
        if method in {"POST", "PATCH"}:
            body = _refused(
                api, records, method, path, 415, "DM00015", data="title=x", content_type="text/plain"
            )
            assert "application/json" in body["message"]


@pytest.mark.parametrize(
    ("change", "location"),
    [
        ({"title": 5}, "/title"),
        ({"keyword": "roads"}, "/keyword"),
        ({"theme": ["Transport"]}, "/theme/0"),
        ({"theme": ["Education", "Roads"]}, "/theme/1"),
        ({"securityClassification": "RESTRICTED"}, "/securityClassification"),
        ({"accessRights": "PUBLIC"}, "/accessRights"),
        (
            {"distribution": [{"downloadURL": "https://a.gov.uk/a.csv"}, {"downloadURL": 7}]},
            "/distribution/1/downloadURL",
        ),
        ({"colour": "blue"}, "/colour"),
        ({"endpointURL": "https://a.gov.uk/api"}, "/endpointURL"),
        ({"license": {"licenseURL": "https://example.org/mine"}}, "/license/licenseURL"),
        (
            {
                "license": {
                    "licenseURL": "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
                    "v": 3,
                }
            },
            "/license/v",
        ),
        ({"contactPoint": [{"name": "A", "email": "a@asj.gov.uk", "phone": "1"}]}, "/contactPoint/0/phone"),
        ({"modified": "yesterday"}, "/modified"),
        ({"distribution": [{"downloadURL": "https://a.gov.uk/a.csv", "size": 3}]}, "/distribution/0/size"),
    ],
)
def test_wrong_types_unknown_fields_and_values_outside_the_lists_are_refused_on_post_and_patch(
    api, records, change, location
):
    body = _refused(api, records, "POST", "/datasets", 400, "DM00012", json_body=dataset_record(**change))
    assert body["message"] == "Validation failures"
    assert location in [error["location"] for error in body["errors"]], body
    body = _refused(api, records, "PATCH", records["dataset"], 400, "DM00012", json_body=change)
    assert location in [error["location"] for error in body["errors"]], body


def test_unknown_fields_are_named(api, records):
    body = _refused(api, records, "PATCH", records["service"], 400, "DM00012", json_body={"distribution": []})
    assert body["errors"] == [
        {
            "type": "Fatal",
            "detail": "'distribution' is not a field of a data service record.",
            "location": "/distribution",
        }
    ]


def test_a_publisher_that_is_not_the_clients_organisation_is_refused(api, records, other_organisation):
    for collection, record in (("/datasets", dataset_record()), ("/data-services", SERVICE)):
        body = _refused(
            api,
            records,
            "POST",
            collection,
            400,
            "DM00012",
            json_body={**record, "publisher": other_organisation.slug},
        )
        assert body["errors"] == [
            {
                "type": "Fatal",
                "detail": "You cannot create datasets for the specified 'publisher'.",
                "location": "/publisher",
            }
        ]
    body = _refused(
        api,
        records,
        "PATCH",
        records["dataset"],
        400,
        "DM00012",
        json_body={"publisher": other_organisation.slug},
    )
    assert body["errors"][0]["location"] == "/publisher"


@pytest.mark.parametrize(
    ("patch", "location"),
    [
        ({"title": None}, "/title"),
        ({"description": None}, "/description"),
        ({"status": "Draft"}, "/status"),
        ({"license": None}, "/license/licenseURL"),
        ({"identifier": "8d085327-21b6-4d8b-9705-88faad231d99"}, "/identifier"),
        ({"type": "Data Service"}, "/type"),
        ({"status": "Deleted"}, "/status"),
    ],
)
def test_a_merge_patch_that_would_make_the_record_invalid_is_refused(api, records, patch, location):
    body = _refused(api, records, "PATCH", records["dataset"], 400, "DM00012", json_body=patch)
    assert [error["location"] for error in body["errors"]] == [location], body


def test_another_organisations_token_finds_nothing_and_changes_nothing(
    api, records, mint, other_organisation
):
    theirs = mint(organisation=other_organisation)
    assert api.call("GET", "/cataloged-resources", 200, token=theirs) == []
    for method, path in _operations(records):
        if path.startswith(("/datasets/", "/data-services/")):
            body = _refused(
                api, records, method, path, 404, "DM00010", token=theirs, json_body={"title": "Mine now"}
            )
            assert body["message"].endswith("does not exist.")


def test_without_a_token_or_with_an_expired_or_unknown_one_every_operation_is_401(api, records, mint):
    expired = mint()
    stale = update(ApiClientToken).where(ApiClientToken.token_hash == hash_secret(expired))
    db.session.execute(stale.values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    for method, path in _operations(records):
        for token, message in ((expired, "expired"), ("dmct_not-a-token", "not recognised")):
            body = _refused(api, records, method, path, 401, "DM00001", token=token, json_body={})
            assert message in body["message"]
            assert api.last.headers["WWW-Authenticate"].startswith("Bearer")
        api.token, kept = "", api.token
        before = (db.session.scalar(select(func.count(Dataset.id))),)
        api.call(method, path, 401, json_body={})
        api.token = kept
        assert (db.session.scalar(select(func.count(Dataset.id))),) == before


@pytest.mark.parametrize(
    ("scopes", "operations", "missing"),
    [
        (
            ("publish", "delete"),
            [("GET", "/cataloged-resources"), ("GET", "dataset"), ("GET", "service")],
            "discover",
        ),
        (
            ("discover", "delete"),
            [("POST", "/datasets"), ("POST", "/data-services"), ("PATCH", "dataset"), ("PATCH", "service")],
            "publish",
        ),
        (("discover", "publish"), [("DELETE", "dataset"), ("DELETE", "service")], "delete"),
    ],
)
def test_a_token_without_the_operations_scope_gets_403_naming_it(
    api, records, mint, scopes, operations, missing
):
    token = mint(scopes)
    for method, path in operations:
        body = _refused(
            api,
            records,
            method,
            records.get(path, path),
            403,
            "DM00003",
            token=token,
            json_body=dataset_record(),
        )
        assert f"'{missing}'" in body["message"]


def test_a_method_no_operation_has_is_405_and_an_unknown_path_404(api, records):
    _refused(api, records, "PUT", records["dataset"], 405, "DM00005", json_body=dataset_record())
    assert set(api.last.headers["Allow"].split(", ")) == {"GET", "HEAD", "PATCH", "DELETE"}
    _refused(api, records, "DELETE", "/datasets", 405, "DM00005")
    _refused(api, records, "GET", "/nothing-here", 404, "DM00010")
    _refused(api, records, "GET", "/datasets/not-a-uuid", 404, "DM00010")
    _refused(api, records, "GET", "/cataloged-resources?filter=" + "x" * 31, 400, "DM00011")


def test_a_failure_of_ours_is_500_in_the_error_body_without_its_detail(api, records, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("marketplace.services.metadata_records.dm_records.organisation_records", fail)
    body = api.call("GET", "/cataloged-resources", 500)
    assert body == {"message": "The server failed to answer the request.", "code": "DM00099", "errors": []}
