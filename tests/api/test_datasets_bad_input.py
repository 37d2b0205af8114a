"""Bad entry bodies: each answers the right 4xx as problem+json naming the field, and stores nothing.

Every refusal is checked against a snapshot of the stored catalogue taken just before the
request (tests.support.refused).
Lifecycle moves, slugs, publishers, preconditions, query parameters, missing entries and
quality ratings are in test_datasets_bad_requests.py.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Organisation
from tests.factories import create_dataset, create_organisation, create_token, create_user, valid_entry
from tests.helpers import api
from tests.support import refused

DATASETS = "/api/v1/datasets"
TOMORROW = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()


def service_entry(**overrides: Any) -> dict[str, Any]:
    """A complete data service body."""
    fields = {
        "type": "data_service",
        "distributions": [],
        "endpoint_url": "https://api.dft.gov.uk/v1/road-casualties",
        "service_type": "REST",
        "service_status": "LIVE",
        **overrides,
    }
    return valid_entry(**fields)


def distribution(**overrides: Any) -> dict[str, Any]:
    return {"title": "Casualties 2024", "download_url": "https://data.dft.gov.uk/c.csv", **overrides}


@pytest.fixture
def token(app) -> str:
    organisation = create_organisation()
    create_organisation(slug="department-for-education", title="Department for Education", abbreviation="DfE")
    user = create_user(email="ann@dft.gov.uk", organisation=organisation, roles=("publisher",))
    return create_token(user=user)


@pytest.fixture
def entry(token) -> str:
    """The path of a published entry the token's user may change."""
    organisation = db.session.scalar(
        select(Organisation).where(Organisation.slug == "department-for-transport")
    )
    dataset = create_dataset(organisation=organisation, title="Reported road casualties")
    return f"{DATASETS}/{dataset.id}"


# Bodies that are not a JSON object -------------------------------------------------------------


def test_malformed_json_is_refused_with_400_naming_the_body(client, token, entry):
    for method, path in (("POST", DATASETS), ("PUT", entry), ("PATCH", entry)):
        body = refused(
            client,
            method,
            path,
            status=400,
            fields=("body",),
            token=token,
            data='{"title": "Road casualties",',
            content_type="application/json",
        )
        assert "not valid JSON" in body["detail"]


def test_a_body_that_is_not_utf8_is_refused_with_400_naming_the_body(client, token):
    refused(
        client,
        "POST",
        DATASETS,
        status=400,
        fields=("body",),
        token=token,
        data=b'{"title": "\xff\xfe"}',
        content_type="application/json",
    )


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_json_is_refused_with_415(client, token, entry, content_type):
    for method, path in (("POST", DATASETS), ("PUT", entry), ("PATCH", entry)):
        refused(
            client,
            method,
            path,
            status=415,
            token=token,
            data=json.dumps(valid_entry()),
            content_type=content_type,
        )


@pytest.mark.parametrize("raw", ["[]", '["title"]', '"a string"', "42", "null", "true"])
def test_a_json_body_that_is_not_an_object_is_refused_with_422(client, token, entry, raw):
    for method, path in (("POST", DATASETS), ("PUT", entry), ("PATCH", entry)):
        refused(
            client,
            method,
            path,
            status=422,
            fields=("_schema",),
            token=token,
            data=raw,
            content_type="application/json",
        )


def test_a_body_over_one_megabyte_is_refused_with_413_problem(client, token):
    body = json.dumps(valid_entry(description="x" * (1024 * 1024)))
    problem = refused(
        client, "POST", DATASETS, status=413, token=token, data=body, content_type="application/json"
    )
    assert "larger than the limit" in problem["detail"]


# Fields that do not exist ----------------------------------------------------------------------


def test_unknown_fields_are_refused_naming_each_of_them(client, token, entry):
    body = valid_entry(colour="red", flavour="mint")
    body["contact_point"]["phone"] = "020 7946 0000"
    body["distributions"][0]["colour"] = "blue"
    fields = ("colour", "flavour", "contact_point.phone", "distributions.0.colour")
    refused(client, "POST", DATASETS, status=422, fields=fields, token=token, json=body)
    refused(client, "PUT", entry, status=422, fields=fields, token=token, json=body)
    refused(client, "PATCH", entry, status=422, fields=("colour",), token=token, json={"colour": "red"})


# Terms outside the vocabularies ----------------------------------------------------------------

VOCABULARY_VIOLATIONS = [
    ("theme", valid_entry(themes=["astrology"]), "themes.0"),
    ("update_frequency", valid_entry(update_frequency="now and then"), "update_frequency"),
    ("access_rights", valid_entry(access_rights="PUBLIC"), "access_rights"),
    (
        "security_classification",
        valid_entry(security_classification="CONFIDENTIAL"),
        "security_classification",
    ),
    ("licence", valid_entry(licence="https://example.com/my-licence"), "licence"),
    (
        "media_type",
        valid_entry(distributions=[distribution(media_type="text/x-csv")]),
        "distributions.0.media_type",
    ),
    (
        "distribution licence",
        valid_entry(distributions=[distribution(licence="MIT")]),
        "distributions.0.licence",
    ),
    ("type", valid_entry(type="spreadsheet"), "type"),
    ("status", valid_entry(status="archived"), "status"),
    ("service_type", service_entry(service_type="CORBA"), "service_type"),
    ("service_status", service_entry(service_status="RETIRED"), "service_status"),
]


@pytest.mark.parametrize(
    ("body", "field"), [case[1:] for case in VOCABULARY_VIOLATIONS], ids=[c[0] for c in VOCABULARY_VIOLATIONS]
)
def test_a_term_outside_its_vocabulary_is_refused_naming_the_field(client, token, body, field):
    problem = refused(client, "POST", DATASETS, status=422, fields=(field,), token=token, json=body)
    assert "Use one of" in " ".join(problem["errors"][field]) or field.endswith("licence")


@pytest.mark.parametrize("classification", ["SECRET", "TOP_SECRET", "TOP SECRET", "secret"])
def test_secret_and_top_secret_are_refused_because_they_may_not_be_listed(
    client, token, entry, classification
):
    body = valid_entry(security_classification=classification)
    problem = refused(
        client, "POST", DATASETS, status=422, fields=("security_classification",), token=token, json=body
    )
    assert "may not be listed" in problem["errors"]["security_classification"][0]
    problem = refused(
        client,
        "PATCH",
        entry,
        status=422,
        fields=("security_classification",),
        token=token,
        json={"security_classification": classification},
    )
    assert "may not be listed" in problem["errors"]["security_classification"][0]


# Addresses -------------------------------------------------------------------------------------

ADDRESS_VIOLATIONS = [
    (
        "contact e-mail",
        valid_entry(contact_point={"name": "Stats", "email": "stats.dft.gov.uk"}),
        "contact_point.email",
    ),
    (
        "download_url",
        valid_entry(distributions=[distribution(download_url="data.dft.gov.uk/c.csv")]),
        "distributions.0.download_url",
    ),
    (
        "ftp download_url",
        valid_entry(distributions=[distribution(download_url="ftp://ftp.dft.gov.uk/c.csv")]),
        "distributions.0.download_url",
    ),
    (
        "access_url",
        valid_entry(distributions=[distribution(access_url="javascript:alert(1)")]),
        "distributions.0.access_url",
    ),
    ("related resource", valid_entry(related_resources=["not a web address"]), "related_resources.0"),
    ("ftp related resource", valid_entry(related_resources=["ftp://ftp.dft.gov.uk/"]), "related_resources.0"),
    ("endpoint_url", service_entry(endpoint_url="api.dft.gov.uk/v1"), "endpoint_url"),
    ("ftp endpoint_url", service_entry(endpoint_url="ftp://ftp.dft.gov.uk/v1"), "endpoint_url"),
]


@pytest.mark.parametrize(
    ("body", "field"), [case[1:] for case in ADDRESS_VIOLATIONS], ids=[c[0] for c in ADDRESS_VIOLATIONS]
)
def test_a_bad_email_or_web_address_is_refused_naming_the_field(client, token, body, field):
    refused(client, "POST", DATASETS, status=422, fields=(field,), token=token, json=body)


# Sizes -----------------------------------------------------------------------------------------

SIZE_VIOLATIONS = [
    ("title 201", valid_entry(title="t" * 201), "title"),
    ("summary 251", valid_entry(summary="s" * 251), "summary"),
    ("description 20001", valid_entry(description="d" * 20_001), "description"),
    ("51 keywords", valid_entry(keywords=[f"keyword {n}" for n in range(51)]), "keywords"),
    (
        "101 distributions",
        valid_entry(distributions=[distribution(title=f"Part {n}") for n in range(101)]),
        "distributions",
    ),
]


@pytest.mark.parametrize(
    ("body", "field"), [case[1:] for case in SIZE_VIOLATIONS], ids=[c[0] for c in SIZE_VIOLATIONS]
)
def test_a_value_over_its_size_limit_is_refused_naming_the_field(client, token, entry, body, field):
    refused(client, "POST", DATASETS, status=422, fields=(field,), token=token, json=body)
    refused(client, "PATCH", entry, status=422, fields=(field,), token=token, json={field: body[field]})


def test_values_at_their_size_limits_are_accepted(client, token):
    body = valid_entry(
        title="t" * 200,
        summary="s" * 250,
        description="d" * 20_000,
        keywords=[f"keyword {n}" for n in range(50)],
        distributions=[distribution(title=f"Part {n}") for n in range(100)],
    )
    api(client, "POST", DATASETS, status=201, token=token, json=body)


# Dates -----------------------------------------------------------------------------------------

DATE_VIOLATIONS = [
    ("not ISO", valid_entry(modified="25/09/2025"), "modified"),
    ("not a date", valid_entry(issued="last year"), "issued"),
    ("impossible date", valid_entry(modified="2025-02-30"), "modified"),
    ("issued after modified", valid_entry(issued="2025-09-26", modified="2025-09-25"), "issued"),
    ("future modified", valid_entry(modified=TOMORROW), "modified"),
    (
        "temporal start after end",
        valid_entry(temporal_coverage={"start": "2024-12-31", "end": "2024-01-01"}),
        "temporal_coverage.start",
    ),
    (
        "temporal end not ISO",
        valid_entry(temporal_coverage={"start": "2024-01-01", "end": "2024"}),
        "temporal_coverage.end",
    ),
    (
        "distribution issued after modified",
        valid_entry(distributions=[distribution(issued="2025-02-01", modified="2025-01-01")]),
        "distributions.0.issued",
    ),
    (
        "distribution future modified",
        valid_entry(distributions=[distribution(modified=TOMORROW)]),
        "distributions.0.modified",
    ),
]


@pytest.mark.parametrize(
    ("body", "field"), [case[1:] for case in DATE_VIOLATIONS], ids=[c[0] for c in DATE_VIOLATIONS]
)
def test_a_bad_date_is_refused_naming_the_field(client, token, body, field):
    refused(client, "POST", DATASETS, status=422, fields=(field,), token=token, json=body)


# What an entry needs, and what its type allows -------------------------------------------------


def test_publishing_a_draft_that_lacks_required_fields_names_each_missing_field(client, token):
    response = api(
        client,
        "POST",
        DATASETS,
        status=201,
        token=token,
        json={"title": "MOT test results", "publisher": "department-for-transport"},
    )
    path = response.headers["Location"]
    missing = (
        "description",
        "contact_point",
        "access_rights",
        "security_classification",
        "licence",
        "modified",
    )
    refused(client, "PATCH", path, status=422, fields=missing, token=token, json={"status": "published"})
    assert api(client, "GET", path, status=200, token=token).get_json()["status"] == "draft"

    body = {"title": "Bus statistics", "publisher": "department-for-transport", "status": "published"}
    refused(client, "POST", DATASETS, status=422, fields=missing, token=token, json=body)


def test_required_fields_that_are_blank_or_missing_are_refused(client, token):
    refused(
        client, "POST", DATASETS, status=422, fields=("title",), token=token, json=valid_entry(title="  ")
    )
    body = valid_entry()
    del body["title"], body["publisher"]
    refused(client, "POST", DATASETS, status=422, fields=("title", "publisher"), token=token, json=body)


def test_a_distribution_needs_an_access_url_or_a_download_url(client, token):
    body = valid_entry(distributions=[{"title": "Casualties 2024", "media_type": "text/csv"}])
    refused(
        client, "POST", DATASETS, status=422, fields=("distributions.0.access_url",), token=token, json=body
    )


def test_a_data_service_cannot_have_distributions(client, token):
    body = service_entry(distributions=[distribution()])
    refused(client, "POST", DATASETS, status=422, fields=("distributions",), token=token, json=body)


def test_a_dataset_cannot_have_an_endpoint_or_other_service_fields(client, token, entry):
    body = valid_entry(endpoint_url="https://api.dft.gov.uk/v1", service_type="REST")
    refused(
        client, "POST", DATASETS, status=422, fields=("endpoint_url", "service_type"), token=token, json=body
    )
    refused(
        client,
        "PATCH",
        entry,
        status=422,
        fields=("endpoint_url",),
        token=token,
        json={"endpoint_url": "https://api.dft.gov.uk/v1"},
    )


def test_the_type_of_an_entry_cannot_be_changed(client, token, entry):
    refused(client, "PUT", entry, status=422, fields=("type",), token=token, json=service_entry())
    refused(
        client,
        "PATCH",
        entry,
        status=422,
        fields=("type",),
        token=token,
        json={"type": "data_service", "distributions": [], "endpoint_url": "https://api.dft.gov.uk/v1"},
    )
