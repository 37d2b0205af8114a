"""The create and edit forms: every field reaches the entry through the same services as the API,
distributions are added and removed with JavaScript off, a stale form overwrites nothing, and
every bad input gets a GOV.UK error summary pointing at its input, with nothing saved."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Dataset, Revision
from marketplace.schemas.dataset_out import editable_view
from marketplace.services.datasets import patch_dataset
from tests.factories import ADMIN, OGL, create_dataset, create_organisation, create_user
from tests.web.pages import TITLE_SUFFIX, h1_of, page, title_of

NEW = "/publish/datasets/new"


def q(text: str) -> str:
    return f"\N{LEFT SINGLE QUOTATION MARK}{text}\N{RIGHT SINGLE QUOTATION MARK}"


@pytest.fixture
def dft(app):
    return create_organisation()


@pytest.fixture
def publisher(dft, signed_in):
    return signed_in(create_user(email="pat@dft.gov.uk", organisation=dft, roles=("publisher",)))


class _Form(HTMLParser):
    """What a browser would send for the page's (last) form, as it stands: name -> [values]."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, list[str]] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "form":
            self.fields = {}
        elif tag == "input" and name:
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.setdefault(name, []).append(a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields.setdefault(name, []).append("")
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select].append(a.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self.fields[self._select] = self.fields[self._select] or [""]
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea][-1] += (
                data.removeprefix("\n") if not self.fields[self._textarea][-1] else data
            )


def form_fields(html: str) -> dict[str, list[str]]:
    parser = _Form()
    parser.feed(html)
    return parser.fields


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def post(client, path: str, data: dict, *, status: int, token: str | None = None) -> str:
    if token is None:
        token = csrf(page(client, NEW, status=200).get_data(as_text=True))
    response = page(client, path, method="POST", status=status, data={"csrf_token": token, **data})
    return response.get_data(as_text=True)


def summary_links(html: str) -> list[str]:
    summary = re.search(r'class="govuk-error-summary".*?</div>\s*</div>', html, re.DOTALL)
    return re.findall(r'href="#([^"]+)"', summary.group(0)) if summary else []


def count_datasets() -> int:
    return db.session.scalar(select(func.count()).select_from(Dataset))


def complete_form(**overrides) -> dict:
    """Every field of a dataset, as a publisher would fill in the form."""
    data = {
        "type": "dataset",
        "title": "Reported road casualties",
        "summary": "Casualties in reported road collisions.",
        "description": "Statistics on **reported road casualties** in Great Britain.",
        "alternative_titles": "STATS19 casualties\nRoad casualty statistics",
        "publisher": "department-for-transport",
        "contact_point-name": "Road Safety Statistics",
        "contact_point-email": "roadacc.stats@dft.gov.uk",
        "creators": "Department for Transport",
        "access_rights": "OPEN",
        "security_classification": "OFFICIAL",
        "licence": OGL,
        "themes": ["transport-and-infrastructure", "health-and-care"],
        "keywords": "road safety, casualties\ncollisions",
        "update_frequency": "annual",
        "modified-day": "25",
        "modified-month": "9",
        "modified-year": "2025",
        "issued-day": "27",
        "issued-month": "6",
        "issued-year": "2013",
        "temporal_coverage-start-day": "1",
        "temporal_coverage-start-month": "1",
        "temporal_coverage-start-year": "1979",
        "temporal_coverage-end-day": "31",
        "temporal_coverage-end-month": "12",
        "temporal_coverage-end-year": "2024",
        "spatial_coverage": "Great Britain",
        "identifier": "STATS19",
        "version": "2024",
        "related_resources": "https://www.gov.uk/government/collections/road-accidents-and-safety-statistics",
        "distributions-0-title": "Casualties 2024",
        "distributions-0-download_url": "https://data.dft.gov.uk/casualty-2024.csv",
        "distributions-0-media_type": "text/csv",
        "distributions-0-byte_size": "38,211,022",
        "distributions-0-issued-day": "1",
        "distributions-0-issued-month": "9",
        "distributions-0-issued-year": "2025",
        "action": "publish",
    }
    data.update(overrides)
    return data


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


BAD_INPUTS = [
    (
        {"modified-day": "31", "modified-month": "2", "modified-year": "2024"},
        "modified-day",
        "must be a real date",
    ),
    (
        {"modified-day": "aa", "modified-month": "bb", "modified-year": "2024"},
        "modified-day",
        "must be a real date",
    ),
    (
        {"modified-day": "1", "modified-month": "", "modified-year": "2024"},
        "modified-day",
        "must include a month",
    ),
    ({"issued-day": "1", "issued-month": "2", "issued-year": "24"}, "issued-day", "must include 4 numbers"),
    (
        {"modified-day": "1", "modified-month": "1", "modified-year": "2999"},
        "modified-day",
        "must not be in the future",
    ),
    (
        {
            "temporal_coverage-start-day": "1",
            "temporal_coverage-start-month": "1",
            "temporal_coverage-start-year": "2025",
        },
        "temporal_coverage-start-day",
        "must be on or before the end date",
    ),
    (
        {"distributions-0-download_url": "data.dft.gov.uk/x.csv"},
        "distributions-0-download_url",
        "not a valid web address",
    ),
    (
        {"distributions-0-access_url": "ftp://data.dft.gov.uk/x"},
        "distributions-0-access_url",
        "not a valid web address",
    ),
    (
        {"distributions-0-download_url": ""},
        "distributions-0-access_url",
        "Give an access URL or a download URL",
    ),
    ({"related_resources": "www.gov.uk/roads"}, "related_resources", "not a valid web address"),
    ({"distributions-0-byte_size": "-1"}, "distributions-0-byte_size", "whole number of bytes from 0"),
    ({"distributions-0-byte_size": "ten"}, "distributions-0-byte_size", "must be a whole number of bytes"),
    (
        {"distributions-0-byte_size": "9" * 5000},
        "distributions-0-byte_size",
        "must be a whole number of bytes",
    ),
    ({"distributions-0-title": ""}, "distributions-0-title", "Enter a title for distribution 1"),
    (
        {"distributions-0-media_type": "text/nonsense"},
        "distributions-0-media_type",
        "is not a known media type",
    ),
    ({"access_rights": "SECRETIVE"}, "access_rights", "is not a known access right"),
    ({"security_classification": "SECRET"}, "security_classification", "may not be listed"),
    ({"licence": "https://example.com/my-licence"}, "licence", "is not a licence we list"),
    ({"themes": ["transport-and-infrastructure", "astrology"]}, "themes", "is not a known theme"),
    ({"update_frequency": "hourly"}, "update_frequency", "is not a known update frequency"),
    ({"type": "spaceship"}, "type", "is not a known entry type"),
    ({"contact_point-email": "not-an-email"}, "contact_point-email", "is not a valid e-mail address"),
    ({"contact_point-name": ""}, "contact_point-name", "Enter a contact name"),
    ({"publisher": "home-office"}, "publisher", "You are not a publisher for Home Office"),
    ({"publisher": "no-such-department"}, "publisher", "There is no organisation"),
    ({"title": "Road\x00casualties"}, "title", "must not contain NUL characters"),
    ({"description": "Bad\x00text"}, "description", "must not contain NUL characters"),
    ({"title": "x" * 10_000}, "title", "Title must be 200 characters or fewer"),
    ({"title": "   "}, "title", "Enter a title"),
    ({"keywords": "k" * 101}, "keywords", "Keywords must be 100 characters or fewer"),
    ({"endpoint_url": "api.dft.gov.uk"}, "endpoint_url", "not a valid web address"),
    (
        {"type": "data_service", "endpoint_url": "https://api.dft.gov.uk/v1"},
        "distributions-0-title",
        "Only datasets have distributions",
    ),
    ({"service_kind": "BULK"}, "service_kind", "Kind of service: Only data services have this field"),
    (
        {"type": "data_service", "endpoint_url": "https://api.dft.gov.uk/v1", "service_kind": "STREAMING"},
        "service_kind",
        "Kind of service: &#39;STREAMING&#39; is not a known kind of service",
    ),
    (
        {"distributions-0-access_services": "not-an-id"},
        "distributions-0-title",
        "The data services giving distribution 1 must be the id (a UUID) of a data service",
    ),
]


@pytest.mark.parametrize(("change", "anchor", "message"), BAD_INPUTS)
def test_a_bad_input_gets_an_error_summary_pointing_at_it_and_saves_nothing(
    publisher, change, anchor, message
):
    create_organisation(slug="home-office", title="Home Office", abbreviation="HO")
    html = post(publisher, NEW, complete_form(**change), status=400)
    assert title_of(html).startswith("Error: ")
    assert anchor in summary_links(html), summary_links(html)
    assert f'id="{anchor}"' in html
    assert message in html
    assert count_datasets() == 0


def test_the_forms_own_errors_and_the_services_are_shown_together(publisher):
    form = complete_form(
        title="",
        **{
            "modified-day": "31",
            "modified-month": "2",
            "modified-year": "2024",
            "distributions-0-byte_size": "big",
        },
    )
    html = post(publisher, NEW, form, status=400)
    assert summary_links(html) == ["title", "modified-day", "distributions-0-byte_size"]
    assert "Enter a date" not in html and "Enter the date the data was last modified" not in html
    assert count_datasets() == 0


def test_a_published_entry_is_withdrawn_after_a_warning(dft, publisher):
    dataset = create_dataset(organisation=dft, title="Port freight")
    edit = page(publisher, f"/publish/datasets/{dataset.slug}/edit", status=200).get_data(as_text=True)
    assert f'href="/publish/datasets/{dataset.slug}/withdraw"' in edit
    path = f"/publish/datasets/{dataset.slug}/withdraw"
    html = page(publisher, path, status=200).get_data(as_text=True)
    assert h1_of(html) == f"Are you sure you want to withdraw {q('Port freight')}?"
    assert "leaves search" in html
    fields = {**form_fields(html), "reason": ["Replaced by a new series."]}
    response = page(publisher, path, method="POST", status=303, data=fields)
    assert response.headers["Location"] == f"/datasets/{dataset.slug}"
    db.session.expire_all()
    assert db.session.get(Dataset, dataset.id).status == "withdrawn"
    shown = page(publisher, f"/datasets/{dataset.slug}", status=200).get_data(as_text=True)
    assert f"{q('Port freight')} has been withdrawn." in shown


def test_withdrawing_from_a_stale_page_changes_nothing(dft, publisher):
    dataset = create_dataset(organisation=dft)
    path = f"/publish/datasets/{dataset.slug}/withdraw"
    fields = {**form_fields(page(publisher, path, status=200).get_data(as_text=True)), "reason": ["Old."]}
    patch_dataset(ADMIN, str(dataset.id), {"summary": "Changed meanwhile."})
    html = page(publisher, path, method="POST", status=409, data=fields).get_data(as_text=True)
    assert "Someone else changed this entry" in html
    db.session.expire_all()
    assert db.session.get(Dataset, dataset.id).status == "published"


def test_a_withdrawn_entry_can_be_published_again_from_its_form(dft, publisher):
    dataset = create_dataset(organisation=dft)
    patch_dataset(ADMIN, str(dataset.id), {"status": "withdrawn"})
    path = f"/publish/datasets/{dataset.slug}/edit"
    html = page(publisher, path, status=200).get_data(as_text=True)
    assert "Publish again" in html
    fields = form_fields(html)
    fields["action"] = ["publish"]
    page(publisher, path, method="POST", status=303, data=fields)
    db.session.expire_all()
    assert db.session.get(Dataset, dataset.id).status == "published"


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


def test_another_departments_publisher_gets_403_pages_and_changes_nothing(dft, signed_in):
    home_office = create_organisation(slug="home-office", title="Home Office", abbreviation="HO")
    dataset = create_dataset(organisation=dft, title="Road traffic estimates")
    client = signed_in(
        create_user(email="hana@homeoffice.gov.uk", organisation=home_office, roles=("publisher",))
    )
    token = csrf(page(client, NEW, status=200).get_data(as_text=True))
    for action in ("edit", "withdraw", "quality"):
        path = f"/publish/datasets/{dataset.slug}/{action}"
        page(client, path, status=403)
        page(
            client,
            path,
            method="POST",
            status=403,
            data={"csrf_token": token, **complete_form(title="Hijacked")},
        )
    db.session.expire_all()
    assert (db.session.get(Dataset, dataset.id).title, db.session.get(Dataset, dataset.id).status) == (
        "Road traffic estimates",
        "published",
    )
    assert db.session.scalar(select(func.count()).select_from(Revision)) == 1


def test_another_departments_draft_is_not_found(dft, signed_in):
    home_office = create_organisation(slug="home-office", title="Home Office", abbreviation="HO")
    draft = create_dataset(organisation=dft, status="draft")
    client = signed_in(
        create_user(email="hana@homeoffice.gov.uk", organisation=home_office, roles=("publisher",))
    )
    page(client, f"/publish/datasets/{draft.slug}/edit", status=404)


def test_a_member_without_the_publisher_role_cannot_open_the_form(dft, signed_in):
    client = signed_in(create_user(email="mo@dft.gov.uk", organisation=dft, roles=("member",)))
    html = page(client, NEW, status=403).get_data(as_text=True)
    assert "Ask an org admin of your organisation" in html


def test_publish_pages_send_anonymous_visitors_to_sign_in(client, dft):
    dataset = create_dataset(organisation=dft)
    for path in (NEW, f"/publish/datasets/{dataset.slug}/edit", f"/publish/datasets/{dataset.slug}/withdraw"):
        for method in ("GET", "POST"):
            response = client.open(path, method=method)
            if method == "POST":
                assert response.status_code == 400  # the CSRF check comes first: no session, no token
                continue
            assert response.status_code == 302
            assert response.headers["Location"].startswith(f"/login?next={path}")


def test_a_form_without_its_csrf_token_is_refused_and_saves_nothing(publisher):
    page(publisher, NEW, status=200)
    html = page(publisher, NEW, method="POST", status=400, data=complete_form()).get_data(as_text=True)
    assert h1_of(html) == "The form has expired"
    assert count_datasets() == 0


def test_an_old_slug_redirects_to_the_edit_form_at_the_current_one(dft, publisher):
    draft = create_dataset(organisation=dft, status="draft", title="Old name")
    old = draft.slug
    patch_dataset(ADMIN, str(draft.id), {"title": "New name", "status": "published"})
    response = page(publisher, f"/publish/datasets/{old}/edit", status=301)
    assert response.headers["Location"].endswith("/publish/datasets/new-name/edit")


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
