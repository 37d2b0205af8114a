"""Publishing as a task list (issue 12, point 5): start with a title, answer one section a page in
any order, add files one at a time (returning to the file just added), check the answers and
publish; every bad answer gets the error summary on its own page and changes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Dataset, Revision
from marketplace.services.datasets import patch_dataset
from tests.factories import ADMIN, OGL, create_dataset, create_organisation, create_user
from tests.web.pages import h1_of, page, title_of
from tests.web.publishing import NEW, csrf, form_fields, q


@pytest.fixture
def dft(app):
    return create_organisation()


@pytest.fixture
def publisher(dft, signed_in):
    return signed_in(create_user(email="pat@dft.gov.uk", organisation=dft, roles=("publisher",)))


def submit(client, path: str, answers: dict, *, status: int) -> str:
    """Post the page's own form with `answers` over what it holds; follow a redirect."""
    fields = form_fields(page(client, path, status=200).text)
    fields.update({name: value if isinstance(value, list) else [value] for name, value in answers.items()})
    response = client.post(path, data=fields, headers={"Accept": "text/html"})
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:2000])
    if status == 303:
        return page(client, response.headers["Location"], status=200).text
    return response.get_data(as_text=True)


def task_statuses(html: str) -> dict[str, str]:
    items = re.findall(r'<li class="govuk-task-list__item[^"]*">(.*?)</li>', html, re.S)
    found = {}
    for item in items:
        name = " ".join(
            re.sub(
                r"<[^>]+>",
                " ",
                re.search(r"govuk-task-list__name-and-hint\">(.*?)</div>", item, re.S).group(1),
            ).split()
        )
        status = " ".join(
            re.sub(
                r"<[^>]+>",
                " ",
                re.search(r'govuk-task-list__status[^"]*"[^>]*>(.*?)</div>', item, re.S).group(1),
            ).split()
        )
        found[name] = status
    return found


def stored(slug: str) -> Dataset:
    db.session.expire_all()
    return db.session.scalar(select(Dataset).where(Dataset.slug == slug))


def revisions() -> int:
    return db.session.scalar(select(func.count()).select_from(Revision))


def test_a_new_entry_starts_with_its_type_and_title_and_opens_its_task_list(publisher):
    start = page(publisher, NEW, status=200).text
    assert title_of(start).startswith("Create a new entry") and "Summary" not in start
    html = submit(publisher, NEW, {"type": "dataset", "title": "Canal towpath footfall"}, status=303)
    entry = stored("canal-towpath-footfall")
    assert (entry.status, entry.type, entry.organisation.slug) == (
        "draft",
        "dataset",
        "department-for-transport",
    )
    assert h1_of(html) == "Canal towpath footfall"
    assert "has been saved as a draft. Answer each section, then publish it." in html
    assert "You have completed 0 of 7 sections." in html
    assert task_statuses(html) == {
        "About the entry": "Incomplete",
        "Who publishes it": "Incomplete",
        "Access and licence": "Not yet started",
        "Subject": "Optional",
        "Dates and coverage": "Not yet started",
        "Other details": "Optional",
        "Files": "Optional",
    }


def test_a_start_without_a_title_gets_the_error_summary_and_makes_nothing(publisher):
    html = submit(publisher, NEW, {"title": ""}, status=400)
    assert title_of(html).startswith("Error: Create a new entry") and 'href="#title"' in html
    assert db.session.scalar(select(func.count()).select_from(Dataset)) == 0


def test_a_data_service_has_its_service_section_and_no_files(dft, publisher):
    html = submit(publisher, NEW, {"type": "data_service", "title": "Road traffic API"}, status=303)
    statuses = task_statuses(html)
    assert "The data service" in statuses and "Files" not in statuses
    page(publisher, "/publish/datasets/road-traffic-api/files", status=404)


def _answer_everything(client, slug: str) -> str:
    base = f"/publish/datasets/{slug}/sections"
    submit(
        client,
        f"{base}/about",
        {"description": "Counts of people on towpaths.", "summary": "Footfall."},
        status=303,
    )
    submit(
        client,
        f"{base}/who",
        {"contact_point-name": "Towpath team", "contact_point-email": "towpath@dft.gov.uk"},
        status=303,
    )
    submit(
        client,
        f"{base}/access",
        {"access_rights": "OPEN", "security_classification": "OFFICIAL", "licence": OGL},
        status=303,
    )
    return submit(
        client,
        f"{base}/dates",
        {"modified-day": "1", "modified-month": "9", "modified-year": "2025"},
        status=303,
    )


def test_each_section_saves_only_its_own_answers_and_returns_to_the_list(dft, publisher):
    create_dataset(
        organisation=dft, title="Canal towpath footfall", status="draft", description=None, summary="Kept."
    )
    html = submit(
        publisher,
        "/publish/datasets/canal-towpath-footfall/sections/access",
        {"access_rights": "OPEN", "security_classification": "OFFICIAL", "licence": OGL},
        status=303,
    )
    assert "Access and licence: your answers have been saved." in html
    assert task_statuses(html)["Access and licence"] == "Completed"
    entry = stored("canal-towpath-footfall")
    assert (entry.access_rights, entry.licence, entry.summary) == ("OPEN", OGL, "Kept.")


def test_files_are_added_one_at_a_time_returning_to_the_file_just_added_with_the_format_by_name(
    dft, publisher
):
    create_dataset(organisation=dft, title="Canal towpath footfall", status="draft", distributions=[])
    files = "/publish/datasets/canal-towpath-footfall/files"
    assert "There are no files yet." in page(publisher, files, status=200).text
    form = page(publisher, f"{files}/add", status=200).text
    assert re.search(r'<option value="XLSX">\s*Excel spreadsheet \(XLSX\)\s*</option>', form)
    assert "application/vnd.openxmlformats" not in form  # no media types to choose from
    response = publisher.post(
        f"{files}/add",
        data={
            **{k: v for k, v in form_fields(form).items()},
            "distributions-0-title": ["Footfall 2025"],
            "distributions-0-download_url": ["https://data.example.gov.uk/footfall-2025.xlsx"],
            "distributions-0-format": ["XLSX"],
        },
    )
    assert response.status_code == 303 and response.headers["Location"] == f"{files}#file-1"
    listing = page(publisher, files, status=200).text
    assert f"{q('Footfall 2025')} has been added." in listing and 'id="file-1"' in listing
    assert "Excel spreadsheet (XLSX)" in listing
    file = stored("canal-towpath-footfall").distributions[0]
    # The media type follows from the format chosen by name.
    assert (file.format, file.media_type) == (
        "XLSX",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    second = submit(
        publisher,
        f"{files}/add",
        {
            "distributions-1-title": "Footfall 2024",
            "distributions-1-access_url": "https://data.example.gov.uk/2024",
        },
        status=303,
    )
    assert 'id="file-2"' in second and "Add another file" in second


def test_a_file_is_changed_or_removed_after_a_question(dft, publisher):
    create_dataset(organisation=dft, title="Canal towpath footfall")
    base = "/publish/datasets/canal-towpath-footfall/files"
    submit(publisher, f"{base}/1", {"distributions-0-title": "Renamed file"}, status=303)
    assert stored("canal-towpath-footfall").distributions[0].title == "Renamed file"
    confirm = page(publisher, f"{base}/1/remove", status=200).text
    assert h1_of(confirm) == f"Are you sure you want to remove {q('Renamed file')}?"
    assert stored("canal-towpath-footfall").distributions  # asking removed nothing
    html = submit(publisher, f"{base}/1/remove", {}, status=303)
    assert f"{q('Renamed file')} has been removed." in html
    assert stored("canal-towpath-footfall").distributions == []


@pytest.mark.parametrize(
    ("path", "answers", "field"),
    [
        ("sections/about", {"title": ""}, "title"),
        ("sections/who", {"contact_point-email": "not an address"}, "contact_point-email"),
        (
            "sections/dates",
            {"modified-day": "31", "modified-month": "2", "modified-year": "2025"},
            "modified-day",
        ),
        ("sections/other", {"related_resources": "javascript:alert(1)"}, "related_resources"),
        ("files/add", {"distributions-1-title": "No address"}, "distributions-1-access_url"),
        ("files/add", {"distributions-1-title": ""}, "distributions-1-title"),
        ("files/1", {"distributions-0-byte_size": "lots"}, "distributions-0-byte_size"),
    ],
)
def test_a_bad_answer_gets_the_error_summary_on_its_own_page_and_changes_nothing(
    dft, publisher, path, answers, field
):
    entry = create_dataset(organisation=dft, title="Canal towpath footfall")
    before = (revisions(), entry.etag)
    html = submit(publisher, f"/publish/datasets/{entry.slug}/{path}", answers, status=400)
    assert title_of(html).startswith("Error: ") and f'href="#{field}"' in html
    assert (revisions(), stored(entry.slug).etag) == before


def test_a_published_entry_keeps_what_publishing_needs(dft, publisher):
    entry = create_dataset(organisation=dft, title="Canal towpath footfall")
    html = submit(publisher, f"/publish/datasets/{entry.slug}/sections/access", {"licence": ""}, status=400)
    assert 'href="#licence"' in html and stored(entry.slug).licence == OGL


def test_a_stale_section_page_is_refused_and_overwrites_nothing(dft, publisher):
    entry = create_dataset(organisation=dft, title="Canal towpath footfall")
    path = f"/publish/datasets/{entry.slug}/sections/about"
    fields = form_fields(page(publisher, path, status=200).text)
    patch_dataset(ADMIN, str(entry.id), {"summary": "Changed meanwhile."})
    fields["summary"] = ["Mine."]
    response = publisher.post(path, data=fields, headers={"Accept": "text/html"})
    assert response.status_code == 409 and "Someone else changed this entry" in response.get_data(
        as_text=True
    )
    assert stored(entry.slug).summary == "Changed meanwhile."


def test_check_your_answers_lists_what_publishing_needs_then_publishes(publisher):
    submit(publisher, NEW, {"type": "dataset", "title": "Canal towpath footfall"}, status=303)
    check = "/publish/datasets/canal-towpath-footfall/check"
    early = page(publisher, check, status=200).text
    assert "Before you can publish" in early and 'href="#answers-access"' in early
    assert ">Publish</button>" not in early
    refused = publisher.post(
        check, data={"csrf_token": csrf(early), "etag": stored("canal-towpath-footfall").etag}
    )
    assert refused.status_code == 400 and stored("canal-towpath-footfall").status == "draft"

    lists = _answer_everything(publisher, "canal-towpath-footfall")
    assert set(task_statuses(lists).values()) <= {"Completed", "Optional"}
    ready = page(publisher, check, status=200).text
    assert h1_of(ready) == "Check your answers before publishing" and "Before you can publish" not in ready
    assert "Open Government Licence v3.0" in ready and "Towpath team, towpath@dft.gov.uk" in ready
    assert 'href="/publish/datasets/canal-towpath-footfall/sections/access">Change' in ready
    html = submit(publisher, check, {}, status=303)
    assert f"{q('Canal towpath footfall')} has been published." in html
    assert stored("canal-towpath-footfall").status == "published"


def test_the_dashboard_and_the_entry_page_open_the_task_list(dft, publisher):
    entry = create_dataset(organisation=dft, title="Canal towpath footfall")
    assert f'href="/publish/datasets/{entry.slug}"' in page(publisher, "/publish", status=200).text
    tasks = page(publisher, f"/publish/datasets/{entry.slug}", status=200).text
    assert "changes you save in a section go live straight away" in tasks
    assert f'href="/publish/datasets/{entry.slug}/edit">Change everything on one page' in tasks
    assert f'href="/publish/datasets/{entry.slug}/withdraw"' in tasks


def test_only_the_entrys_publishers_reach_its_task_list(dft, signed_in, app):
    entry = create_dataset(organisation=dft, title="Canal towpath footfall")
    home_office = create_organisation(
        slug="home-office", title="Home Office", email_domains=["homeoffice.gov.uk"]
    )
    outsider = signed_in(
        create_user(email="pub@homeoffice.gov.uk", organisation=home_office, roles=("publisher",))
    )
    for path in ("", "/sections/about", "/files", "/files/add", "/check"):
        page(outsider, f"/publish/datasets/{entry.slug}{path}", status=403)
    assert app.test_client().get(f"/publish/datasets/{entry.slug}").status_code == 302  # signed out: sign in


def test_the_service_section_asks_the_kind_of_service_and_the_check_page_shows_it(dft, publisher):
    submit(publisher, NEW, {"type": "data_service", "title": "Road traffic API"}, status=303)
    section = "/publish/datasets/road-traffic-api/sections/service"
    form = page(publisher, section, status=200).text
    assert "Kind of service (optional)" in form and 'name="service_kind" type="radio" value="BULK"' in form

    html = submit(publisher, section, {"service_kind": "TRANSACTIONAL"}, status=303)

    assert task_statuses(html)["The data service"] == "Incomplete"  # the endpoint is still needed
    assert stored("road-traffic-api").service_kind == "TRANSACTIONAL"
    check = page(publisher, "/publish/datasets/road-traffic-api/check", status=200).text
    assert re.search(r"Kind of service\s*</dt>\s*<dd[^>]*>\s*Transactional", check)
    refused = submit(publisher, section, {"service_kind": "STREAMING"}, status=400)
    assert 'href="#service_kind"' in refused
    assert stored("road-traffic-api").service_kind == "TRANSACTIONAL"


def test_changing_a_file_keeps_the_data_services_it_names(dft, publisher):
    service = create_dataset(
        organisation=dft, type="data_service", distributions=[], endpoint_url="https://api.dft.gov.uk/v1"
    )
    file = {
        "title": "Counts",
        "download_url": "https://data.dft.gov.uk/c.csv",
        "access_services": [str(service.id)],
    }
    entry = create_dataset(organisation=dft, title="Canal towpath footfall", distributions=[file])

    submit(
        publisher, f"/publish/datasets/{entry.slug}/files/1", {"distributions-0-title": "Renamed"}, status=303
    )

    saved = stored(entry.slug).distributions[0]
    assert (saved.title, saved.access_services) == ("Renamed", [str(service.id)])
