"""The create and edit forms: every field reaches the entry through the same services as the API,
distributions are added and removed with JavaScript off, and a stale form overwrites nothing."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.schemas.dataset_out import editable_view
from marketplace.services.datasets import patch_dataset
from tests.factories import ADMIN, create_dataset
from tests.web.pages import TITLE_SUFFIX, page, title_of
from tests.web.publishing import NEW, complete_form, count_datasets, csrf, form_fields, post, q, summary_links


def test_a_publisher_saves_a_draft_with_only_a_title_and_the_organisation(publisher):
    html = page(publisher, NEW, status=200).get_data(as_text=True)
    assert title_of(html) == "Create a new entry" + TITLE_SUFFIX
    response = page(
        publisher,
        NEW,
        method="POST",
        status=303,
        data={
            "csrf_token": csrf(html),
            "title": "Bus statistics",
            "publisher": "department-for-transport",
            "action": "save",
        },
    )
    # Saving opens the entry's page (a draft's preview), saying what happened.
    assert response.headers["Location"] == "/datasets/bus-statistics"
    dataset = db.session.scalar(select(Dataset))
    assert (dataset.title, dataset.status, dataset.organisation.slug) == (
        "Bus statistics",
        "draft",
        "department-for-transport",
    )
    preview = page(publisher, "/datasets/bus-statistics", status=200).get_data(as_text=True)
    assert f"{q('Bus statistics')} has been saved as a draft." in preview


def test_every_field_of_the_form_reaches_the_entry(publisher):
    page(publisher, NEW, status=200)
    post(publisher, NEW, complete_form(), status=303)
    entry = editable_view(db.session.scalar(select(Dataset)))
    assert entry["status"] == "published"
    assert entry["contact_point"] == {"name": "Road Safety Statistics", "email": "roadacc.stats@dft.gov.uk"}
    assert entry["keywords"] == ["road safety", "casualties", "collisions"]
    assert entry["themes"] == ["health-and-care", "transport-and-infrastructure"]
    assert entry["alternative_titles"] == ["STATS19 casualties", "Road casualty statistics"]
    assert (entry["modified"], entry["issued"]) == ("2025-09-25", "2013-06-27")
    assert entry["temporal_coverage"] == {"start": "1979-01-01", "end": "2024-12-31"}
    assert (entry["identifier"], entry["version"], entry["creators"]) == (
        "STATS19",
        "2024",
        ["Department for Transport"],
    )
    [distribution] = entry["distributions"]
    assert distribution["byte_size"] == 38211022 and distribution["format"] == "CSV"
    assert distribution["issued"] == "2025-09-01"


def test_publishing_without_the_required_fields_names_each_one_and_keeps_what_was_typed(publisher):
    html = post(
        publisher,
        NEW,
        {
            "title": "Bus statistics",
            "summary": "Buses & coaches",
            "publisher": "department-for-transport",
            "action": "publish",
        },
        status=400,
    )
    assert title_of(html) == "Error: Create a new entry" + TITLE_SUFFIX
    assert summary_links(html) == [
        "description",
        "contact_point-name",
        "access_rights",
        "security_classification",
        "licence",
        "modified-day",
    ]
    for message in (
        "Enter a description before you publish",
        "Enter a contact name and email address before you publish",
        "Select the access rights before you publish",
        "Select the security classification before you publish",
        "Select a licence before you publish",
        "Enter the date the data was last modified before you publish",
    ):
        assert message in html
    for anchor in summary_links(html):
        assert f'id="{anchor}"' in html
    fields = form_fields(html)
    assert fields["title"] == ["Bus statistics"] and fields["summary"] == ["Buses & coaches"]
    assert count_datasets() == 0

    post(publisher, NEW, complete_form(title="Bus statistics"), status=303)
    assert db.session.scalar(select(Dataset.status)) == "published"


def test_the_edit_form_sends_back_the_entry_unchanged(dft, publisher):
    dataset = create_dataset(
        organisation=dft, identifier="X1", creators=["DfT"], alternative_titles=["STATS19"]
    )
    before, etag = editable_view(dataset), dataset.etag
    html = page(publisher, f"/publish/datasets/{dataset.slug}/edit", status=200).get_data(as_text=True)
    assert title_of(html) == f"Edit {q(dataset.title)}" + TITLE_SUFFIX
    fields = form_fields(html)
    assert fields["etag"] == [etag]
    fields["action"] = ["save"]
    page(publisher, f"/publish/datasets/{dataset.slug}/edit", method="POST", status=303, data=fields)
    db.session.expire_all()
    dataset = db.session.get(Dataset, dataset.id)
    assert editable_view(dataset) == before
    assert dataset.etag == etag  # nothing changed, so no revision either


def test_editing_a_draft_saves_it_and_publishing_it_from_the_form_publishes_it(dft, publisher):
    draft = create_dataset(organisation=dft, status="draft", title="Taxi statistics")
    path = f"/publish/datasets/{draft.slug}/edit"
    fields = form_fields(page(publisher, path, status=200).get_data(as_text=True))
    fields.update({"summary": ["Licensed taxis and private hire vehicles."], "action": ["save"]})
    page(publisher, path, method="POST", status=303, data=fields)
    db.session.expire_all()
    assert db.session.get(Dataset, draft.id).status == "draft"
    assert db.session.get(Dataset, draft.id).summary == "Licensed taxis and private hire vehicles."
    fields = form_fields(page(publisher, path, status=200).get_data(as_text=True))
    fields["action"] = ["publish"]
    page(publisher, path, method="POST", status=303, data=fields)
    db.session.expire_all()
    assert db.session.get(Dataset, draft.id).status == "published"


def test_a_stale_form_is_refused_with_a_clear_message_and_overwrites_nothing(dft, publisher):
    dataset = create_dataset(organisation=dft, title="Road traffic estimates")
    path = f"/publish/datasets/{dataset.slug}/edit"
    fields = form_fields(page(publisher, path, status=200).get_data(as_text=True))
    patch_dataset(ADMIN, str(dataset.id), {"summary": "Changed by someone else."})
    fields.update({"summary": ["My change."], "action": ["save"]})
    html = page(publisher, path, method="POST", status=409, data=fields).get_data(as_text=True)
    assert title_of(html).startswith("Error: ")
    assert "Someone else changed this entry after you opened it" in html
    assert "Open the latest version of this entry" in html
    assert form_fields(html)["summary"] == ["My change."]
    db.session.expire_all()
    assert db.session.get(Dataset, dataset.id).summary == "Changed by someone else."


def test_distributions_are_added_and_removed_with_javascript_off_without_saving(publisher):
    form = complete_form(**{"distributions-0-title": "First"})
    html = post(publisher, NEW, {**form, "add_distribution": "1"}, status=200)
    fields = form_fields(html)
    assert "distributions-1-title" in fields and "distributions-2-title" not in fields
    assert fields["distributions-0-title"] == ["First"] and fields["title"] == ["Reported road casualties"]
    assert not summary_links(html)
    fields["distributions-1-title"] = ["Second"]
    fields["distributions-1-access_url"] = ["https://example.gov.uk/second"]

    html = page(
        publisher, NEW, method="POST", status=200, data={**fields, "remove_distribution": "0"}
    ).get_data(as_text=True)
    fields = form_fields(html)
    assert fields["distributions-0-title"] == ["Second"] and "distributions-1-title" not in fields
    assert count_datasets() == 0

    fields["action"] = ["publish"]
    page(publisher, NEW, method="POST", status=303, data=fields)
    [distribution] = editable_view(db.session.scalar(select(Dataset)))["distributions"]
    assert distribution["title"] == "Second"


def test_an_empty_added_distribution_is_ignored(publisher):
    form = complete_form(**{"distributions-1-title": "", "distributions-1-download_url": ""})
    post(publisher, NEW, form, status=303)
    assert len(editable_view(db.session.scalar(select(Dataset)))["distributions"]) == 1


def test_errors_on_a_distribution_point_at_its_inputs(publisher):
    form = complete_form(
        **{
            "distributions-1-title": "Second",
            "distributions-1-download_url": "data.dft.gov.uk/second.csv",
            "distributions-1-byte_size": "-5",
        }
    )
    html = post(publisher, NEW, form, status=400)
    assert summary_links(html) == ["distributions-1-download_url", "distributions-1-byte_size"]
    assert "Download URL of distribution 2 is not a valid web address" in html
    assert "Size in bytes of distribution 2 must be a whole number of bytes from 0" in html
    assert form_fields(html)["distributions-1-download_url"] == ["data.dft.gov.uk/second.csv"]
    assert count_datasets() == 0
