"""The authorisation matrix: every caller by every write the REST API offers, with every outcome.

Callers: anonymous; a member of the owning department (its token may publish, its role may not);
a publisher of another department; the owning department's publisher, org admin and a site
admin; and the owning publisher again with a token that may only read. Only the last three
callers' writes succeed; each refusal is problem+json and leaves the stored catalogue as it was.
Drafts are hidden from those who may not publish for the department, so writing to one answers
404 for them, as reading does; a caller with no credentials at all is always asked for them (401).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Revision
from marketplace.services.datasets import withdraw_dataset
from tests.factories import ADMIN, create_dataset, create_organisation, create_token, create_user, valid_entry
from tests.helpers import api, assert_problem
from tests.support import stored_catalogue

DATASETS = "/api/v1/datasets"
OWNER = "Department for Transport"

# Who each caller is: the e-mail their changes are recorded under (None: no credentials).
EMAILS = {
    "anonymous": None,
    "read_only": "ann@dft.gov.uk",
    "member": "bob@dft.gov.uk",
    "other_publisher": "eve@education.gov.uk",
    "publisher": "ann@dft.gov.uk",
    "org_admin": "olga@dft.gov.uk",
    "site_admin": "sam@cabinetoffice.gov.uk",
}
WRITERS = ("publisher", "org_admin", "site_admin")
# Those who may not publish for the owning department, and so cannot see its drafts.
OUTSIDERS = ("member", "other_publisher")


@pytest.fixture
def tokens(app) -> dict[str, str | None]:
    """The two departments, their people and an entry in each lifecycle state; each caller's token."""
    dft = create_organisation(email_domains=["dft.gov.uk"])
    dfe = create_organisation(
        slug="department-for-education",
        title="Department for Education",
        abbreviation="DfE",
        email_domains=["education.gov.uk"],
    )
    ann = create_user(email=EMAILS["publisher"], organisation=dft, roles=("publisher",))
    bob = create_user(email=EMAILS["member"], organisation=dft, roles=("member",))
    eve = create_user(email=EMAILS["other_publisher"], organisation=dfe, roles=("publisher",))
    olga = create_user(email=EMAILS["org_admin"], organisation=dft, roles=("org_admin",))
    sam = create_user(email=EMAILS["site_admin"], roles=("site_admin",))
    create_dataset(organisation=dft, title="Open roads")
    create_dataset(organisation=dft, title="Draft roads", status="draft")
    create_dataset(organisation=dft, title="Withdrawn roads")
    withdraw_dataset(ADMIN, "withdrawn-roads")
    create_dataset(organisation=dfe, title="Draft schools", status="draft")
    return {
        "anonymous": None,
        "read_only": create_token(user=ann, scopes=("read",)),
        "member": create_token(user=bob),
        "other_publisher": create_token(user=eve),
        "publisher": create_token(user=ann),
        "org_admin": create_token(user=olga),
        "site_admin": create_token(user=sam),
    }


@dataclass(frozen=True)
class Write:
    method: str
    target: str | None  # the slug of the entry written to; None for a new entry
    body: dict[str, Any] | None
    success: int
    action: str  # the revision a successful write records
    changes: dict[str, Any]  # the stored fields it changes, and their new values
    quality: bool = False

    @property
    def path(self) -> str:
        if self.target is None:
            return DATASETS
        return f"{DATASETS}/{self.target}" + ("/quality" if self.quality else "")

    @property
    def on_draft(self) -> bool:
        return self.target == "draft-roads"


ACCURACY = {"rating": 3, "assessed_on": "2025-01-01"}
WRITES = {
    "create": Write("POST", None, valid_entry(title="New roads"), 201, "create", {}),
    "replace": Write(
        "PUT",
        "open-roads",
        valid_entry(title="Open roads", summary="Replaced."),
        200,
        "update",
        {"summary": "Replaced."},
    ),
    "patch_a_field": Write(
        "PATCH", "open-roads", {"summary": "Patched."}, 200, "patch", {"summary": "Patched."}
    ),
    "patch_a_draft": Write(
        "PATCH", "draft-roads", {"summary": "Patched."}, 200, "patch", {"summary": "Patched."}
    ),
    "publish": Write(
        "PATCH", "draft-roads", {"status": "published"}, 200, "publish", {"status": "published"}
    ),
    "republish": Write(
        "PATCH", "withdrawn-roads", {"status": "published"}, 200, "publish", {"status": "published"}
    ),
    "withdraw": Write(
        "PATCH", "open-roads", {"status": "withdrawn"}, 200, "withdraw", {"status": "withdrawn"}
    ),
    "delete": Write("DELETE", "open-roads", None, 204, "delete", {"deleted_at": True}),
    "rate_quality": Write(
        "PUT",
        "open-roads",
        {"accuracy": ACCURACY},
        200,
        "rate_quality",
        {"quality": {"accuracy": ACCURACY}},
        quality=True,
    ),
}


def expected_status(caller: str, write: Write) -> int:
    if caller in WRITERS:
        return write.success
    if caller == "anonymous":
        return 401
    if caller in OUTSIDERS and write.on_draft:
        return 404
    return 403


MATRIX = [
    pytest.param(
        caller, name, expected_status(caller, write), id=f"{caller}-{name}-{expected_status(caller, write)}"
    )
    for caller in EMAILS
    for name, write in WRITES.items()
]


def request_kwargs(write: Write, token: str | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"token": token}
    if write.body is not None:
        kwargs["json"] = write.body
    return kwargs


@pytest.mark.parametrize(("caller", "write_name", "status"), MATRIX)
def test_only_the_owning_departments_publishers_and_admins_may_write(
    client, tokens, caller, write_name, status
):
    write = WRITES[write_name]
    before = stored_catalogue()
    response = api(client, write.method, write.path, status=status, **request_kwargs(write, tokens[caller]))
    after = stored_catalogue()
    if caller in WRITERS:
        assert_written(write, response, before, after, actor=EMAILS[caller])
    else:
        assert_refused(caller, write, response)
        assert after == before, f"{caller} {write.method} {write.path} changed stored data although refused"


def assert_refused(caller: str, write: Write, response) -> None:
    problem = assert_problem(response)
    if caller == "anonymous":
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "token" in problem["detail"]
    elif caller == "read_only":
        assert "publish scope" in problem["detail"]
    elif response.status_code == 404:
        assert write.target in problem["detail"]
    else:
        assert f"not a publisher for {OWNER}" in problem["detail"]


def assert_written(write: Write, response, before: dict, after: dict, *, actor: str) -> None:
    """Exactly the one entry changed as the write says, with one revision and one outbox row."""
    assert after["revisions"] == before["revisions"] + 1
    assert after["outbox"] == before["outbox"] + 1
    if write.target is None:
        created = response.get_json()
        assert response.headers["Location"].endswith(f"{DATASETS}/{created['slug']}")
        new = set(after["entries"]) - set(before["entries"])
        assert new == {created["id"]}
        entry = after["entries"][created["id"]]
        assert (entry["title"], entry["status"], entry["publisher"]) == (
            "New roads",
            "draft",
            "department-for-transport",
        )
        entry_id = created["id"]
    else:
        assert set(after["entries"]) == set(before["entries"])
        (entry_id,) = [key for key in after["entries"] if after["entries"][key] != before["entries"][key]]
        old, new = before["entries"][entry_id], after["entries"][entry_id]
        assert old["slug"] == write.target
        changed = {key for key in new if new[key] != old[key]} - {"lock_version"}
        assert changed == set(write.changes)
        for key, value in write.changes.items():
            if key == "deleted_at":
                assert new[key] is not None
            elif key == "quality":
                for dimension, rating in value.items():
                    assert {k: new[key][dimension][k] for k in rating} == rating
            else:
                assert new[key] == value
        if write.quality:
            assert response.get_json()["declared"]["accuracy"]["rating"] == ACCURACY["rating"]
        elif write.success == 204:
            assert response.get_data() == b""
        else:
            body = response.get_json()
            assert {key: body[key] for key in write.changes} == write.changes
    revision = db.session.scalars(
        select(Revision).where(Revision.dataset_id == uuid.UUID(entry_id)).order_by(Revision.id.desc())
    ).first()
    assert (revision.action, revision.actor_label) == (write.action, actor)


# Drafts ----------------------------------------------------------------------------------------

DRAFT_READERS = {
    "anonymous": 404,
    "read_only": 200,
    "member": 404,
    "other_publisher": 404,
    "publisher": 200,
    "org_admin": 200,
    "site_admin": 200,
}


@pytest.mark.parametrize(
    ("caller", "status"), DRAFT_READERS.items(), ids=[f"{c}-{s}" for c, s in DRAFT_READERS.items()]
)
def test_the_owning_departments_drafts_are_seen_only_by_those_who_may_publish_for_it(
    client, tokens, caller, status
):
    token = tokens[caller]
    for path in (
        f"{DATASETS}/draft-roads",
        f"{DATASETS}/draft-roads/quality",
        f"{DATASETS}/draft-roads/revisions",
    ):
        response = api(client, "GET", path, status=status, token=token)
        if status == 404:
            assert "draft-roads" in assert_problem(response)["detail"]
            assert "Draft roads" not in response.get_data(as_text=True)
    listed = api(client, "GET", f"{DATASETS}?status=draft", status=200, token=token).get_json()
    titles = {item["title"] for item in listed["items"]}
    if caller == "other_publisher":
        assert titles == {"Draft schools"}
    elif caller == "site_admin":
        assert titles == {"Draft roads", "Draft schools"}
    else:
        assert titles == ({"Draft roads"} if status == 200 else set())
