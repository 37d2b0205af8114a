"""Data services on the publish form: their own fields, the kind of service as radios that can be
cleared, and the data services a distribution names kept or dropped with it."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.schemas.dataset_out import editable_view
from tests.factories import create_dataset
from tests.web.pages import page
from tests.web.publishing import NEW, complete_form, form_fields, post


def test_a_data_service_is_created_with_its_own_fields(dft, publisher):
    create_dataset(organisation=dft, title="Road traffic estimates")  # the dataset it serves
    form = complete_form(
        type="data_service",
        endpoint_url="https://api.dft.gov.uk/v1/roads",
        endpoint_description="https://api.dft.gov.uk/v1/openapi.json",
        service_type="REST",
        service_kind="BULK",
        service_status="LIVE",
        serves_datasets="road-traffic-estimates",
        **{
            "distributions-0-title": "",
            "distributions-0-download_url": "",
            "distributions-0-media_type": "",
            "distributions-0-byte_size": "",
            "distributions-0-issued-day": "",
            "distributions-0-issued-month": "",
            "distributions-0-issued-year": "",
        },
    )
    post(publisher, NEW, form, status=303)
    entry = editable_view(db.session.scalar(select(Dataset).where(Dataset.type == "data_service")))
    assert (entry["type"], entry["status"], entry["service_type"], entry["service_status"]) == (
        "data_service",
        "published",
        "REST",
        "LIVE",
    )
    assert entry["serves_datasets"] == ["road-traffic-estimates"] and entry["distributions"] == []
    assert entry["service_kind"] == "BULK"
    edit = page(publisher, f"/publish/datasets/{entry['slug']}/edit", status=200).get_data(as_text=True)
    assert 'id="endpoint_url"' in edit and "distributions-0-title" not in edit
    assert form_fields(edit)["service_kind"] == ["BULK"]


def test_the_kind_of_service_is_radios_that_can_be_cleared(dft, publisher):
    service = create_dataset(
        organisation=dft,
        type="data_service",
        distributions=[],
        endpoint_url="https://api.dft.gov.uk/v1",
        service_kind="INFORMATION",
    )
    path = f"/publish/datasets/{service.slug}/edit"
    html = page(publisher, path, status=200).get_data(as_text=True)
    assert '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">' in html
    assert "Kind of service (optional)" in html and 'id="service_kind"' in html
    fields = {**form_fields(html), "service_kind": [""], "action": ["save"]}
    page(publisher, path, method="POST", status=303, data=fields)
    db.session.expire_all()
    assert db.session.get(Dataset, service.id).service_kind is None
    html = page(publisher, path, status=200).get_data(as_text=True)
    assert form_fields(html)["service_kind"] == [""]  # "Not given" is the answer chosen


def test_saving_the_form_keeps_the_data_services_a_file_names(dft, publisher):
    service = create_dataset(
        organisation=dft, type="data_service", distributions=[], endpoint_url="https://api.dft.gov.uk/v1"
    )
    file = {
        "title": "Counts",
        "download_url": "https://data.dft.gov.uk/c.csv",
        "access_services": [str(service.id)],
    }
    dataset = create_dataset(organisation=dft, distributions=[file])
    path = f"/publish/datasets/{dataset.slug}/edit"
    fields = {**form_fields(page(publisher, path, status=200).get_data(as_text=True)), "action": ["save"]}
    assert fields["distributions-0-access_services"] == [str(service.id)]
    fields["summary"] = ["Changed on the form."]

    page(publisher, path, method="POST", status=303, data=fields)

    db.session.expire_all()
    saved = db.session.get(Dataset, dataset.id)
    assert saved.summary == "Changed on the form."
    assert saved.distributions[0].access_services == [str(service.id)]


def test_a_distribution_cleared_on_the_form_goes_with_the_data_services_it_named(dft, publisher):
    service = create_dataset(
        organisation=dft, type="data_service", distributions=[], endpoint_url="https://api.dft.gov.uk/v1"
    )
    kept = {"title": "Kept", "download_url": "https://data.dft.gov.uk/k.csv"}
    cleared = {"title": "Cleared", "download_url": "https://data.dft.gov.uk/c.csv"}
    dataset = create_dataset(
        organisation=dft, distributions=[kept, {**cleared, "access_services": [str(service.id)]}]
    )
    path = f"/publish/datasets/{dataset.slug}/edit"
    fields = {**form_fields(page(publisher, path, status=200).get_data(as_text=True)), "action": ["save"]}
    for name in fields:
        if name.startswith("distributions-1-") and name != "distributions-1-access_services":
            fields[name] = [""]

    page(publisher, path, method="POST", status=303, data=fields)

    db.session.expire_all()
    assert [d.title for d in db.session.get(Dataset, dataset.id).distributions] == ["Kept"]
