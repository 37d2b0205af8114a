"""Who may use the publish forms: another department's publisher, a member without the publisher
role and an anonymous visitor are turned away and change nothing; a form without its CSRF token
is refused; an old web address leads to the form at the current one."""

from __future__ import annotations

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Dataset, Revision
from marketplace.services.datasets import patch_dataset
from tests.factories import ADMIN, create_dataset, create_organisation, create_user
from tests.web.pages import h1_of, page
from tests.web.publishing import NEW, complete_form, count_datasets, csrf


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
