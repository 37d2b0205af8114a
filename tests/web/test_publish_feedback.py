"""What publishing says and where it lands (issue 12, point 5): each save says what it did and
opens the entry's page; withdrawing asks why and which entry replaces it, and shows both."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Dataset, Revision
from marketplace.services.datasets import patch_dataset
from tests.factories import ADMIN, create_dataset, create_organisation, create_token, create_user
from tests.helpers import api
from tests.web.pages import h1_of, page, title_of
from tests.web.publishing import NEW, complete_form, csrf, form_fields, q


@pytest.fixture
def dft(app):
    return create_organisation()


@pytest.fixture
def publisher(dft, signed_in):
    return signed_in(create_user(email="pat@dft.gov.uk", organisation=dft, roles=("publisher",)))


def _follow(client, response) -> str:
    assert response.status_code == 303, response.status_code
    return page(client, response.headers["Location"], status=200).text


def _banner(html: str) -> str:
    start = html.index("govuk-notification-banner--success")
    return " ".join(
        html[start : html.index("</div>", html.index("govuk-notification-banner__content", start))].split()
    )


def test_publishing_a_new_entry_opens_its_page_saying_it_was_published(publisher):
    response = publisher.post(NEW, data={"csrf_token": _csrf(publisher), **complete_form()})
    html = _follow(publisher, response)
    assert response.headers["Location"] == "/datasets/reported-road-casualties"
    assert h1_of(html) == "Reported road casualties"
    assert f"{q('Reported road casualties')} has been published." in _banner(html)


def test_a_new_draft_opens_its_preview_saying_who_can_see_it(publisher):
    form = {
        "csrf_token": _csrf(publisher),
        "title": "Bus punctuality",
        "publisher": "department-for-transport",
    }
    response = publisher.post(NEW, data={**form, "type": "dataset", "action": "save"})
    html = _follow(publisher, response)
    assert response.headers["Location"] == "/datasets/bus-punctuality"
    assert "has been saved as a draft. Only publishers for its organisation can see it." in _banner(html)
    assert "Draft" in html


def test_saving_changes_to_a_published_entry_does_not_say_it_was_published(dft, publisher):
    dataset = create_dataset(organisation=dft, title="Port freight")
    path = f"/publish/datasets/{dataset.slug}/edit"
    fields = form_fields(page(publisher, path, status=200).text)
    fields["summary"] = ["Freight through UK ports."]
    fields["action"] = ["save"]
    html = _follow(publisher, publisher.post(path, data=fields))
    banner = _banner(html)
    assert f"Your changes to {q('Port freight')} have been saved and published." in banner
    assert "has been published." not in banner
    assert "Freight through UK ports." in html


def test_publishing_a_withdrawn_entry_again_says_so(dft, publisher):
    dataset = create_dataset(organisation=dft, title="Port freight")
    patch_dataset(ADMIN, str(dataset.id), {"status": "withdrawn", "withdrawal_reason": "Stopped."})
    path = f"/publish/datasets/{dataset.slug}/edit"
    fields = form_fields(page(publisher, path, status=200).text)
    fields["action"] = ["publish"]
    html = _follow(publisher, publisher.post(path, data=fields))
    assert f"{q('Port freight')} has been published again." in _banner(html)
    db.session.expire_all()
    again = db.session.get(Dataset, dataset.id)
    # The withdrawal's reason belongs to the withdrawal: gone once it is published again.
    assert again.status == "published" and again.withdrawal_reason is None


def test_the_form_marks_the_summary_optional_and_links_a_drafts_preview(dft, publisher):
    draft = create_dataset(organisation=dft, title="Bus punctuality", status="draft")
    edit = page(publisher, f"/publish/datasets/{draft.slug}/edit", status=200).text
    assert "Summary (optional)" in edit
    assert f'href="/datasets/{draft.slug}">Preview the draft' in edit


def test_withdraw_is_a_link_outside_the_form_so_it_cannot_lose_or_save_edits(dft, publisher):
    dataset = create_dataset(organisation=dft, title="Port freight")
    html = page(publisher, f"/publish/datasets/{dataset.slug}/edit", status=200).text
    form = html[html.index('<form method="post"') : html.index("</form>")]
    assert "/withdraw" not in form
    after = html[html.index("</form>") :]
    assert f'href="/publish/datasets/{dataset.slug}/withdraw">Withdraw {q("Port freight")}</a>' in after
    assert "Save any changes above first" in after


# Withdrawing ------------------------------------------------------------------------------------


@pytest.fixture
def entries(dft):
    old = create_dataset(organisation=dft, title="Port freight 2023")
    new = create_dataset(organisation=dft, title="Port freight 2024")
    return old, new


def _withdraw(client, dataset, *, status: int, **answers) -> str:
    path = f"/publish/datasets/{dataset.slug}/withdraw"
    fields = form_fields(page(client, path, status=200).text)
    fields.update({name: [value] for name, value in answers.items()})
    response = client.post(path, data=fields, headers={"Accept": "text/html"})
    assert response.status_code == status, response.status_code
    return _follow(client, response) if status == 303 else response.get_data(as_text=True)


@pytest.mark.parametrize(
    "replacement",
    [
        "https://marketplace.example.gov.uk/datasets/port-freight-2024",
        "http://127.0.0.1:5000/datasets/port-freight-2024?utm=x#files",
        "/datasets/port-freight-2024/",
        "port-freight-2024",
    ],
)
def test_withdrawing_asks_why_and_which_entry_replaces_it_and_the_page_shows_both(
    entries, publisher, replacement
):
    old, new = entries
    html = _withdraw(
        publisher, old, status=303, reason="Replaced by the 2024 edition.", replaced_by=replacement
    )
    assert f"{q('Port freight 2023')} has been withdrawn." in _banner(html)
    assert "Why: Replaced by the 2024 edition." in html
    assert f'href="/datasets/{new.slug}">the entry that replaces it</a>' in html
    db.session.expire_all()
    stored = db.session.get(Dataset, old.id)
    assert (stored.status, stored.withdrawal_reason, stored.replaced_by) == (
        "withdrawn",
        "Replaced by the 2024 edition.",
        new.slug,
    )


def test_the_replacement_is_optional(entries, publisher):
    old, _ = entries
    html = _withdraw(publisher, old, status=303, reason="The survey has stopped.")
    assert "Why: The survey has stopped." in html and "the entry that replaces it" not in html


def _revisions() -> int:
    return db.session.scalar(select(func.count()).select_from(Revision))


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({"reason": ""}, "reason", "Say why the entry is being withdrawn."),
        ({"reason": "   "}, "reason", "Say why the entry is being withdrawn."),
        ({"reason": "x" * 501}, "reason", "500 characters"),
        (
            {"reason": "Old", "replaced_by": "https://example.com/not a slug!"},
            "replaced_by",
            "Enter the web address",
        ),
        (
            {"reason": "Old", "replaced_by": "no-such-entry"},
            "replaced_by",
            "There is no entry at that address",
        ),
        (
            {"reason": "Old", "replaced_by": "port-freight-2023"},
            "replaced_by",
            "There is no entry at that address",
        ),
    ],
)
def test_a_bad_answer_gets_the_error_summary_and_withdraws_nothing(
    entries, publisher, answers, field, message
):
    old, _ = entries
    revisions = _revisions()
    html = _withdraw(publisher, old, status=400, **answers)
    assert title_of(html).startswith("Error: ")
    assert f'href="#{field}"' in html and message in html
    db.session.expire_all()
    assert db.session.get(Dataset, old.id).status == "published" and _revisions() == revisions


def test_a_replacement_another_department_has_only_as_a_draft_counts_as_missing(entries, publisher):
    home_office = create_organisation(
        slug="home-office", title="Home Office", email_domains=["homeoffice.gov.uk"]
    )
    hidden = create_dataset(organisation=home_office, title="Hidden draft", status="draft")
    old, _ = entries
    html = _withdraw(publisher, old, status=400, reason="Old", replaced_by=hidden.slug)
    assert "There is no entry at that address" in html


def test_the_api_takes_the_reason_and_replacement_too(entries, app):
    old, new = entries
    token = create_token(
        user=create_user(email="api@dft.gov.uk", organisation=old.organisation, roles=("publisher",))
    )
    client = app.test_client()
    body = api(
        client,
        "PATCH",
        f"/api/v1/datasets/{old.id}",
        status=200,
        token=token,
        json={"status": "withdrawn", "withdrawal_reason": "Replaced.", "replaced_by": new.slug},
    ).get_json()
    assert (body["status"], body["withdrawal_reason"], body["replaced_by"]) == (
        "withdrawn",
        "Replaced.",
        new.slug,
    )
    refused = api(
        client,
        "PATCH",
        f"/api/v1/datasets/{new.id}",
        status=422,
        token=token,
        json={"status": "withdrawn", "replaced_by": "nothing-here"},
    ).get_json()
    assert "replaced_by" in refused["errors"]


def _csrf(client) -> str:
    return csrf(page(client, NEW, status=200).text)
