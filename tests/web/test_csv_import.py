"""The CSV import pages: the template, the upload, the row-by-row check, and confirming — with every
bad upload answered by an error summary and nothing stored."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from marketplace.auth.session import SESSION_KEY
from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.services.roles import revoke_role
from marketplace.services.sessions import SessionPolicy, start_session
from tests.factories import ADMIN, OGL, create_organisation, create_user
from tests.support import stored_catalogue
from tests.web.pages import TITLE_SUFFIX, h1_of, page, title_of

HEADER = (
    "title,status,description,access_rights,security_classification,licence,modified,"
    "contact_name,contact_email"
)
GOOD_ROW = (
    "{title},published,Counts of traffic.,OPEN,OFFICIAL,"
    f"{OGL},2025-06-30,Traffic Statistics,traffic.stats@dft.gov.uk"
)


def good_file(*titles: str) -> bytes:
    return "\r\n".join([HEADER, *(GOOD_ROW.format(title=t) for t in titles)]).encode()


@pytest.fixture(autouse=True)
def instance(app, tmp_path):
    """Checked files wait in the instance folder: a fresh one per test."""
    app.instance_path = str(tmp_path / "instance")
    return Path(app.instance_path)


@pytest.fixture
def dft(app):
    return create_organisation(email_domains=["dft.gov.uk"])


@pytest.fixture
def dfe(app):
    return create_organisation(
        slug="department-for-education", title="Department for Education", email_domains=["education.gov.uk"]
    )


@pytest.fixture
def ann(dft):
    return create_user(email="ann@dft.gov.uk", organisation=dft, roles=("publisher",))


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def import_id(html: str) -> str:
    return re.search(r'name="import_id" value="([^"]+)"', html).group(1)


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Dataset))


def upload(client, data: bytes | None, *, filename="entries.csv", status: int, **form):
    html = page(client, "/publish/import", status=200).get_data(as_text=True)
    fields = {"csrf_token": csrf(html), **form}
    if data is not None:
        fields["file"] = (io.BytesIO(data), filename)
    return page(client, "/publish/import", method="POST", status=status, data=fields).get_data(as_text=True)


def confirm(client, html: str, *, status: int, **overrides) -> str:
    """Press "Confirm"; for a success (`status` 200), follow the redirect to the result page."""
    form = {"csrf_token": csrf(html), "import_id": import_id(html), **overrides}
    if status != 200:
        return page(client, "/publish/import/confirm", method="POST", status=status, data=form).text
    response = page(client, "/publish/import/confirm", method="POST", status=303, data=form)
    assert response.headers["Location"].startswith("/publish/import/done/")
    return page(client, response.headers["Location"], status=200).text


def error_rows(html: str) -> list[tuple[str, str, str]]:
    table = html[html.index("<caption") :]
    cells = re.findall(r'<td class="govuk-table__cell">(.*?)</td>', table, re.DOTALL)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in cells]
    return [tuple(cells[i : i + 3]) for i in range(0, len(cells), 3)]


def test_the_template_downloads_as_a_csv_attachment_excel_reads_as_utf8(client):
    response = client.get("/publish/import/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert 'filename="data-marketplace-import-template.csv"' in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8")
    assert text.startswith("\ufefftitle,summary,description,type,status,")
    assert len(text.strip().splitlines()) == 2


def test_the_import_page_explains_the_file_and_its_limits(dft, ann, signed_in):
    html = page(signed_in(ann), "/publish/import", status=200).get_data(as_text=True)
    assert title_of(html) == "Import entries from a CSV file" + TITLE_SUFFIX
    assert 'href="/publish/import/template.csv"' in html
    assert "up to 5,000 rows" in html and "smaller than 1 MB" in html
    assert 'type="file"' in html and 'enctype="multipart/form-data"' in html
    assert "distribution_download_url" in html
    # One organisation: nothing to choose.
    assert 'type="hidden" name="organisation" value="department-for-transport"' in html


def test_a_publisher_of_several_organisations_chooses_one(dft, dfe, signed_in):
    pat = create_user(email="pat@dft.gov.uk", organisation=dft, roles=("publisher",))
    create_user(email="pat@dft.gov.uk", organisation=dfe, roles=("publisher",))
    client = signed_in(pat)
    html = page(client, "/publish/import", status=200).get_data(as_text=True)
    assert 'type="radio"' in html and "Department for Education" in html
    html = upload(client, good_file("Road traffic"), status=400)
    assert title_of(html).startswith("Error: ")
    assert 'href="#organisation"' in html and "Select the organisation the entries belong to." in html
    html = upload(client, good_file("Pupil numbers"), organisation="department-for-education", status=200)
    confirm(client, html, status=200)
    assert db.session.scalar(select(Dataset)).organisation.slug == "department-for-education"


def test_anonymous_visitors_are_sent_to_sign_in_and_members_who_cannot_publish_are_refused(
    client, dft, signed_in
):
    response = client.get("/publish/import")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    bob = create_user(email="bob@dft.gov.uk", organisation=dft, roles=("member",))
    html = page(signed_in(bob), "/publish/import", status=403).get_data(as_text=True)
    assert "not a publisher for any organisation" in html


def test_a_file_with_one_bad_row_shows_each_error_by_row_and_column_and_creates_nothing(
    dft, ann, signed_in, instance
):
    client = signed_in(ann)
    before = stored_catalogue()
    bad = GOOD_ROW.format(title="Bad").replace(OGL, "my own licence").replace("2025-06-30", "2099-01-01")
    data = "\r\n".join([HEADER, GOOD_ROW.format(title="Fine"), bad, GOOD_ROW.format(title="Also fine")])
    html = upload(client, data.encode(), status=400)
    assert title_of(html) == "Error: Check your file" + TITLE_SUFFIX
    assert "govuk-error-summary" in html and "1 of 3 rows has errors, so nothing has been imported." in html
    assert 'href="#row-3"' in html and 'id="row-3"' in html
    rows = error_rows(html)
    assert {(row, column) for row, column, _ in rows} == {("3", "licence"), ("3", "modified")}
    assert ("3", "modified", "Must not be in the future.") in rows
    # Said in a spreadsheet's words, pointing at the list on the import page.
    assert (
        "3",
        "licence",
        "Enter a licence by its short name, like OGL-UK-3.0 for the Open Government Licence v3.0 "
        "(the import page lists them all)",
    ) in rows
    # The summary lists each error, not only the row's first.
    summary = html[
        html.index("govuk-error-summary__list") : html.index("</ul>", html.index("govuk-error-summary__list"))
    ]
    assert "Row 3, licence:" in summary and "Row 3, modified: Must not be in the future." in summary
    assert "Confirm" not in html and 'name="import_id"' not in html
    assert stored_catalogue() == before
    assert not list(instance.glob("csv-imports/*")), "nothing is kept for a file with errors"


def test_a_good_file_is_checked_then_confirmed_and_every_row_is_created(dft, ann, signed_in, instance):
    client = signed_in(ann)
    html = upload(client, good_file("Road traffic", "Bus usage"), status=200)
    assert title_of(html) == "Check your file" + TITLE_SUFFIX
    assert "2 rows are ready to import." in html and "Road traffic" in html
    assert count() == 0, "nothing is created before confirming"
    assert len(list((instance / "csv-imports").iterdir())) == 1
    done = confirm(client, html, status=200)
    assert h1_of(done) == "Entries imported"
    assert 'href="/datasets/road-traffic"' in done and 'href="/datasets/bus-usage"' in done
    assert sorted(db.session.scalars(select(Dataset.title))) == ["Bus usage", "Road traffic"]
    # The rows are gone; only which entries were made is kept, for the result page.
    kept = list((instance / "csv-imports").iterdir())
    assert [path.suffix for path in kept] == [".done"] and "Road traffic" not in kept[0].read_text()


def test_refreshing_the_result_shows_it_again_and_imports_nothing_more(dft, ann, signed_in):
    client = signed_in(ann)
    html = upload(client, good_file("Road traffic", "Bus usage"), status=200)
    form = {"csrf_token": csrf(html), "import_id": import_id(html)}
    response = page(client, "/publish/import/confirm", method="POST", status=303, data=form)
    result = response.headers["Location"]
    first, again = page(client, result, status=200).text, page(client, result, status=200).text
    assert h1_of(again) == "Entries imported" and "There is a problem" not in again
    assert h1_of(first) == h1_of(again) and 'href="/datasets/bus-usage"' in again and count() == 2


def test_an_import_result_is_only_for_the_person_who_imported(dft, ann, signed_in, app):
    client = signed_in(ann)
    html = upload(client, good_file("Road traffic"), status=200)
    form = {"csrf_token": csrf(html), "import_id": import_id(html)}
    result = page(client, "/publish/import/confirm", method="POST", status=303, data=form).headers["Location"]
    other = signed_in(create_user(email="bob@dft.gov.uk", organisation=dft, roles=("publisher",)))
    page(other, result, status=404)
    page(client, "/publish/import/done/not-an-id", status=404)


def test_confirming_twice_creates_the_entries_once(dft, ann, signed_in):
    client = signed_in(ann)
    html = upload(client, good_file("Road traffic"), status=200)
    confirm(client, html, status=200)
    again = confirm(client, html, status=400)
    assert title_of(again).startswith("Error: ")
    assert "This import is not waiting to be confirmed: it was already imported" in again
    assert count() == 1


@pytest.mark.parametrize("tampered", ["x" * 32, "../../../etc/passwd", "", "not-an-id"])
def test_an_unknown_or_tampered_import_id_is_refused_clearly(dft, ann, signed_in, tampered):
    client = signed_in(ann)
    html = upload(client, good_file("Road traffic"), status=200)
    refused = confirm(client, html, status=400, import_id=tampered)
    assert "This import is not waiting to be confirmed" in refused
    assert count() == 0
    confirm(client, html, status=200)  # the real one still works
    assert count() == 1


def test_someone_else_cannot_confirm_your_import(dft, ann, signed_in, app):
    html = upload(signed_in(ann), good_file("Road traffic"), status=200)
    cat = create_user(email="cat@dft.gov.uk", organisation=dft, roles=("publisher",))
    other = app.test_client()
    _, secret = start_session(cat, SessionPolicy.from_config(app.config), provider_sid=None, id_token=None)
    with other.session_transaction() as session:
        session[SESSION_KEY] = secret
    form = page(other, "/publish/import", status=200).get_data(as_text=True)
    refused = page(
        other,
        "/publish/import/confirm",
        method="POST",
        status=400,
        data={"csrf_token": csrf(form), "import_id": import_id(html)},
    ).get_data(as_text=True)
    assert "This import is not waiting to be confirmed" in refused
    assert count() == 0


def test_everything_is_checked_again_when_confirmed(dft, ann, signed_in):
    client = signed_in(ann)
    html = upload(client, good_file("Road traffic"), status=200)
    revoke_role(ADMIN, dft, "ann@dft.gov.uk", "publisher")
    before = stored_catalogue()
    confirm(client, html, status=403)
    assert stored_catalogue() == before


def test_a_publisher_of_another_department_is_refused(dft, dfe, signed_in):
    eve = create_user(email="eve@education.gov.uk", organisation=dfe, roles=("publisher",))
    before = stored_catalogue()
    html = upload(
        signed_in(eve), good_file("Road traffic"), organisation="department-for-transport", status=403
    )
    assert "You are not a publisher for Department for Transport" in html
    assert stored_catalogue() == before


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (None, "", "Select a CSV file."),
        (b"", "", "Select a CSV file."),
        (good_file("Road traffic"), "entries.xlsx", "The selected file must be a CSV."),
        ("title\r\nCafé".encode("cp1252"), "entries.csv", "The selected file is not UTF-8 text"),
        (b"", "entries.csv", "The selected file is empty."),
        (HEADER.encode() + b"\r\n", "entries.csv", "The selected file has a header row but no entries."),
        (b"title,colour\r\nA,red\r\n", "entries.csv", "The header row has unknown columns: colour."),
        (b"PK\x03\x04\x14\x00", "entries.csv", "is a spreadsheet, not a CSV file"),
    ],
)
def test_a_bad_upload_gets_an_error_summary_and_stores_nothing(dft, ann, signed_in, data, filename, message):
    before = stored_catalogue()
    html = upload(signed_in(ann), data, filename=filename, status=400)
    assert title_of(html).startswith("Error: Import entries from a CSV file")
    assert "govuk-error-summary" in html and 'href="#file"' in html
    assert message in html.replace("&#39;", "'")
    assert 'id="file-error"' in html
    assert stored_catalogue() == before


def test_a_file_too_large_gets_the_upload_page_with_an_error(dft, ann, signed_in):
    client = signed_in(ann)
    token = csrf(page(client, "/publish/import", status=200).get_data(as_text=True))
    # The body written out by hand: werkzeug's builder would spool it to a file it never closes.
    body = (
        (
            f'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            '--b\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\ntitle\r\n"
        ).encode()
        + b"A long title\r\n" * 100_000
        + b"\r\n--b--\r\n"
    )
    response = page(
        client,
        "/publish/import",
        method="POST",
        status=413,
        data=body,
        content_type="multipart/form-data; boundary=b",
    )
    html = response.get_data(as_text=True)
    assert title_of(html).startswith("Error: Import entries from a CSV file")
    assert "The selected file must be smaller than 1 MB." in html
    assert count() == 0


def test_forms_sent_without_their_csrf_token_are_refused(dft, ann, signed_in):
    client = signed_in(ann)
    checked = upload(client, good_file("Road traffic"), status=200)
    no_token = {"file": (io.BytesIO(good_file("Road traffic")), "entries.csv")}
    page(client, "/publish/import", method="POST", status=400, data=no_token)
    form = {"import_id": import_id(checked)}
    html = page(client, "/publish/import/confirm", method="POST", status=400, data=form).get_data(
        as_text=True
    )
    assert h1_of(html) == "The form has expired"
    assert count() == 0
    confirm(client, checked, status=200)
    assert count() == 1
