"""ckanapi, unchanged, writes through our services with a token, and gets CKAN's errors back."""

from __future__ import annotations

import pytest
from ckanapi import NotAuthorized, NotFound, RemoteCKAN, ValidationError

from marketplace.extensions import db
from marketplace.models import Dataset, Revision
from tests.factories import create_dataset, create_organisation, create_token, create_user


def _new_package(**overrides):
    package = {
        "name": "bus-statistics",
        "title": "Bus statistics",
        "notes": "Local bus passenger journeys in England.",
        "owner_org": "department-for-transport",
        "license_id": "uk-ogl",
        "tags": [{"name": "buses"}],
        "groups": [{"name": "transport-and-infrastructure"}],
        "resources": [{"name": "Journeys", "url": "https://example.gov.uk/bus.csv", "format": "CSV"}],
        "extras": [
            {"key": "access_rights", "value": "OPEN"},
            {"key": "security_classification", "value": "OFFICIAL"},
            {"key": "contact_name", "value": "Bus statistics"},
            {"key": "contact_email", "value": "bus@dft.gov.uk"},
            {"key": "modified", "value": "2025-01-31"},
        ],
    }
    package.update(overrides)
    return package


def test_package_create_publishes_through_our_services(publisher_ckan, ckan, catalogue):
    created = publisher_ckan.action.package_create(**_new_package())
    assert created["name"] == "bus-statistics" and created["state"] == "active"
    shown = ckan.action.package_show(id="bus-statistics")
    assert shown["resources"][0]["url"] == "https://example.gov.uk/bus.csv"
    assert {e["key"]: e["value"] for e in shown["extras"]}["status"] == "published"
    assert (
        db.session.scalar(db.select(Revision).where(Revision.dataset_id == Dataset.id).limit(1)) is not None
    )


def test_package_update_with_what_package_show_returned_changes_nothing(publisher_ckan, catalogue):
    shown = publisher_ckan.action.package_show(id=catalogue.roads.slug)
    updated = publisher_ckan.action.package_update(**shown)
    assert updated == shown
    db.session.expire_all()
    assert db.session.get(Dataset, catalogue.roads.id).lock_version == catalogue.roads.lock_version


def test_package_update_replaces_what_is_left_out(publisher_ckan, catalogue):
    shown = publisher_ckan.action.package_show(id=catalogue.roads.slug)
    shown["tags"] = []
    shown["title"] = "Road traffic estimates (GB)"
    updated = publisher_ckan.action.package_update(**shown)
    assert updated["tags"] == [] and updated["title"] == "Road traffic estimates (GB)"


def test_package_patch_changes_only_what_is_sent(publisher_ckan, catalogue):
    patched = publisher_ckan.action.package_patch(id=catalogue.roads.slug, title="Road traffic (patched)")
    assert patched["title"] == "Road traffic (patched)"
    assert [t["name"] for t in patched["tags"]] == ["roads", "traffic"]
    assert len(patched["resources"]) == 1


def test_package_delete_removes_the_entry(publisher_ckan, ckan, catalogue):
    assert publisher_ckan.action.package_delete(id=catalogue.roads.slug) is None
    with pytest.raises(NotFound):
        ckan.action.package_show(id=catalogue.roads.slug)


def test_writes_without_a_token_raise_not_authorized_and_change_nothing(ckan, catalogue):
    with pytest.raises(NotAuthorized):
        ckan.action.package_create(**_new_package())
    with pytest.raises(NotAuthorized):
        ckan.action.package_patch(id=catalogue.roads.slug, title="Changed")
    with pytest.raises(NotAuthorized):
        ckan.action.package_delete(id=catalogue.roads.slug)
    db.session.expire_all()
    assert db.session.get(Dataset, catalogue.roads.id).title == "Road traffic estimates"
    assert db.session.scalar(db.select(Dataset).where(Dataset.slug == "bus-statistics")) is None


def test_a_publisher_of_another_department_is_not_authorized(live_server, catalogue):
    dfe = db.session.scalar(db.select(Dataset).where(Dataset.slug == catalogue.schools.slug)).organisation
    other = create_user(email="bo@department-for-education.gov.uk", organisation=dfe, roles=("publisher",))
    client = RemoteCKAN(live_server, apikey=create_token(user=other))
    with pytest.raises(NotAuthorized):
        client.action.package_patch(id=catalogue.roads.slug, title="Changed")


def test_an_unknown_token_is_not_authorized(live_server, catalogue):
    with pytest.raises(NotAuthorized):
        RemoteCKAN(live_server, apikey="dm_not-a-token").action.package_list()


def test_validation_errors_name_ckans_fields(publisher_ckan, catalogue):
    with pytest.raises(ValidationError) as raised:
        publisher_ckan.action.package_create(**_new_package(notes="", license_id="no-such-licence"))
    errors = raised.value.error_dict
    assert errors["__type"] == "Validation Error"
    assert "notes" in errors and "license_id" in errors


def test_a_taken_name_is_a_validation_error_on_name(publisher_ckan, catalogue):
    with pytest.raises(ValidationError) as raised:
        publisher_ckan.action.package_create(**_new_package(name=catalogue.rail.slug))
    assert "name" in raised.value.error_dict


def test_a_read_only_token_cannot_write(live_server, catalogue):
    dft = create_organisation(slug="department-for-transport")
    reader = create_user(email="cy@department-for-transport.gov.uk", organisation=dft, roles=("publisher",))
    client = RemoteCKAN(live_server, apikey=create_token(user=reader, scopes=("read",)))
    with pytest.raises(NotAuthorized):
        client.action.package_patch(id=catalogue.roads.slug, title="Changed")


def test_a_rich_entry_and_a_data_service_survive_show_then_update_unchanged(publisher_ckan, catalogue):
    dft = catalogue.roads.organisation
    rich = create_dataset(
        organisation=dft,
        title="Traffic counts",
        quality={
            "completeness": {"rating": 4, "assessed_on": "2025-03-01", "method": "Compared with returns."}
        },
        alternative_titles=["AADF"],
        creators=["Roads statistics"],
        related_resources=["https://www.gov.uk/roads"],
        version="2.1",
        identifier="DFT-RT-01",
    )
    service = create_dataset(
        organisation=dft,
        title="Traffic counts API",
        type="data_service",
        distributions=[],
        endpoint_url="https://api.dft.gov.uk/v1/roads",
        serves_datasets=[rich.slug],
    )
    for entry in (rich, service):
        shown = publisher_ckan.action.package_show(id=entry.slug)
        assert publisher_ckan.action.package_update(**shown) == shown
        db.session.expire_all()
        assert db.session.get(Dataset, entry.id).lock_version == entry.lock_version
    extras = {e["key"]: e["value"] for e in publisher_ckan.action.package_show(id=service.slug)["extras"]}
    assert extras["entry_type"] == "data_service" and extras["serves_datasets"] == f'["{rich.slug}"]'


def test_a_kind_of_service_and_a_resources_access_services_survive_show_then_update(
    publisher_ckan, catalogue
):
    dft = catalogue.roads.organisation
    service = create_dataset(
        organisation=dft,
        title="Road traffic API",
        type="data_service",
        distributions=[],
        endpoint_url="https://api.dft.gov.uk/v1/roads",
        service_kind="INFORMATION",
    )
    given = create_dataset(
        organisation=dft,
        title="Road traffic counts",
        distributions=[
            {
                "title": "Counts",
                "access_url": "https://api.dft.gov.uk/v1/roads",
                "access_services": [str(service.id)],
            }
        ],
    )
    for entry in (service, given):
        shown = publisher_ckan.action.package_show(id=entry.slug)
        assert publisher_ckan.action.package_update(**shown) == shown
        db.session.expire_all()
        assert db.session.get(Dataset, entry.id).lock_version == entry.lock_version
    extras = {e["key"]: e["value"] for e in publisher_ckan.action.package_show(id=service.slug)["extras"]}
    assert extras["service_kind"] == "INFORMATION"
    resource = publisher_ckan.action.package_show(id=given.slug)["resources"][0]
    assert resource["access_services"] == [str(service.id)]

    with pytest.raises(ValidationError) as raised:
        publisher_ckan.action.package_patch(id=given.slug, resources=[{**resource, "access_services": ["x"]}])
    assert "resources.0.access_services.0" in raised.value.error_dict
    with pytest.raises(ValidationError) as raised:
        extras = [
            {"key": "entry_type", "value": "data_service"},
            {"key": "service_kind", "value": "STREAMING"},
        ]
        publisher_ckan.action.package_patch(id=service.slug, extras=extras)
    assert "service_kind" in raised.value.error_dict
