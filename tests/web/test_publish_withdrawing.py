"""Withdrawing a published entry from its form, after a warning; a stale page changes nothing; and
publishing a withdrawn entry again."""

from __future__ import annotations

from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.services.datasets import patch_dataset
from tests.factories import ADMIN, create_dataset
from tests.web.pages import h1_of, page
from tests.web.publishing import form_fields, q


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
