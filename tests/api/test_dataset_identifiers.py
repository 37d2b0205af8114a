"""The REST API refuses a second entry of an organisation with the same identifier: 409,
code identifier_taken, naming the entry that has it (the rule: tests/services/test_dataset_identifiers.py)."""

from __future__ import annotations

from tests.factories import create_organisation, create_user, valid_entry
from tests.helpers import api
from tests.support import refused

DATASETS = "/api/v1/datasets"


def test_the_api_refuses_a_second_entry_with_the_identifier_with_409(client, token):
    first = api(
        client, "POST", DATASETS, status=201, token=token, json=valid_entry(identifier="DFT-1")
    ).get_json()
    problem = refused(
        client,
        "POST",
        DATASETS,
        status=409,
        fields=("identifier",),
        token=token,
        json=valid_entry(identifier="DFT-1"),
    )
    assert problem["code"] == "identifier_taken" and first["slug"] in problem["detail"]


def test_the_api_refuses_a_patch_to_a_taken_identifier_with_409(client, token):
    api(client, "POST", DATASETS, status=201, token=token, json=valid_entry(identifier="DFT-1"))
    second = api(
        client, "POST", DATASETS, status=201, token=token, json=valid_entry(identifier="DFT-2")
    ).get_json()
    problem = refused(
        client,
        "PATCH",
        f"{DATASETS}/{second['slug']}",
        status=409,
        fields=("identifier",),
        token=token,
        json={"identifier": "DFT-1"},
    )
    assert problem["code"] == "identifier_taken"


def test_the_api_refuses_moving_an_entry_to_an_organisation_whose_entry_has_its_identifier(client, token):
    dfe = create_organisation(
        slug="department-for-education", title="Department for Education", abbreviation="DfE"
    )
    create_user(email="ann@dft.gov.uk", organisation=dfe, roles=("publisher",))  # the token's user
    theirs = api(
        client,
        "POST",
        DATASETS,
        status=201,
        token=token,
        json=valid_entry(publisher=dfe.slug, identifier="X-1"),
    ).get_json()
    mine = api(
        client, "POST", DATASETS, status=201, token=token, json=valid_entry(identifier="X-1")
    ).get_json()
    problem = refused(
        client,
        "PATCH",
        f"{DATASETS}/{mine['slug']}",
        status=409,
        fields=("identifier",),
        token=token,
        json={"publisher": dfe.slug},
    )
    assert problem["code"] == "identifier_taken" and theirs["slug"] in problem["detail"]


def test_the_api_lets_a_deleted_entrys_identifier_be_used_again(client, token):
    first = api(
        client, "POST", DATASETS, status=201, token=token, json=valid_entry(identifier="DFT-1")
    ).get_json()
    api(client, "DELETE", f"{DATASETS}/{first['slug']}", status=204, token=token)
    api(client, "POST", DATASETS, status=201, token=token, json=valid_entry(identifier="DFT-1"))
