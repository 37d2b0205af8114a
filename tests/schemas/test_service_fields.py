"""The entry schema's `service_kind` (data services only, one of SERVICE_KINDS by value or label)
and a distribution's `access_services` (a short list of UUIDs, stored lower case, each once)."""

from __future__ import annotations

import uuid

import pytest
from marshmallow import ValidationError

from marketplace.schemas.dataset import MAX_ACCESS_SERVICES, DatasetInputSchema
from tests.factories import valid_entry

SCHEMA = DatasetInputSchema()
SERVICE = {"type": "data_service", "distributions": [], "endpoint_url": "https://api.dft.gov.uk/v1"}


def errors(entry: dict) -> dict:
    with pytest.raises(ValidationError) as caught:
        SCHEMA.load(entry)
    return caught.value.messages


@pytest.mark.parametrize("given", ["BULK", "bulk", "Bulk", " Transactional ", "information"])
def test_a_kind_of_service_is_loaded_as_its_value(given):
    loaded = SCHEMA.load(valid_entry(**SERVICE, service_kind=given))
    assert loaded["service_kind"] in {"BULK", "TRANSACTIONAL", "INFORMATION"}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (valid_entry(**SERVICE, service_kind="STREAMING"), "'STREAMING' is not a known kind of service"),
        (valid_entry(**SERVICE, service_kind=3), "Not a valid string."),
        (valid_entry(service_kind="BULK"), "Only data services have this field"),
    ],
)
def test_a_bad_kind_of_service_is_refused(entry, message):
    assert message in str(errors(entry)["service_kind"])


def test_access_services_are_stored_lower_case_each_once_and_absent_when_not_given():
    one, two = uuid.uuid4(), uuid.uuid4()
    files = [
        {
            "title": "A",
            "access_url": "https://a.gov.uk",
            "access_services": [str(one).upper(), str(two), str(one)],
        },
        {"title": "B", "access_url": "https://b.gov.uk"},
    ]
    loaded = SCHEMA.load(valid_entry(distributions=files))
    assert loaded["distributions"][0]["access_services"] == [str(one), str(two)]
    assert "access_services" not in loaded["distributions"][1]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"id": "x"}, "Not a valid list."),
        (None, "Field may not be null."),
        (["8d085327-21b6-4d8b-9705"], "Must be the id (a UUID) of a data service in this catalogue."),
        (
            [str(uuid.uuid4())] * (MAX_ACCESS_SERVICES + 1),
            f"Give at most {MAX_ACCESS_SERVICES} access services.",
        ),
    ],
)
def test_access_services_must_be_a_short_list_of_uuids(value, message):
    file = {"title": "A", "access_url": "https://a.gov.uk", "access_services": value}
    assert message in str(errors(valid_entry(distributions=[file]))["distributions"][0]["access_services"])
