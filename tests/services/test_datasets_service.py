"""The entry services called directly, as every entry point (API, pages, CKAN, CLI) calls them:
the permission rules live here, concurrent edits are caught here, and bulk creation is atomic."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from marketplace.errors import (
    AuthenticationError,
    ConflictError,
    GoneError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    ValidationError,
)
from marketplace.extensions import db
from marketplace.models import Dataset, OutboxEntry, Revision
from marketplace.rules.actors import Actor
from marketplace.schemas.listing import load_list_params
from marketplace.search import index_root, rebuild_index
from marketplace.services import catalogue
from marketplace.services.datasets import (
    create_dataset,
    create_datasets,
    delete_dataset,
    get_dataset,
    patch_dataset,
    publish_dataset,
    update_dataset,
    withdraw_dataset,
)
from marketplace.services.finding import find_datasets
from marketplace.services.organisations import save_organisation
from marketplace.services.quality import rate_quality
from marketplace.services.users import add_user
from tests.factories import create_organisation, create_user, valid_entry

RATING = {"rating": 3, "assessed_on": "2025-01-01"}


@dataclass
class Actors:
    publisher: Actor  # ann: publisher at DfT
    member: Actor  # bob: member of DfT
    other_publisher: Actor  # eve: publisher at DfE
    read_only: Actor  # ann, with only the read scope
    both: Actor  # pat: publisher at DfT and DfE
    site_admin: Actor
    anonymous: Actor


@pytest.fixture
def actors(app) -> Actors:
    dft = create_organisation()
    dfe = create_organisation(
        slug="department-for-education", title="Department for Education", abbreviation="DfE"
    )
    ann = create_user(email="ann@dft.gov.uk", organisation=dft, roles=("publisher",))
    bob = create_user(email="bob@dft.gov.uk", organisation=dft)
    eve = create_user(email="eve@education.gov.uk", organisation=dfe, roles=("publisher",))
    create_user(email="pat@dft.gov.uk", organisation=dft, roles=("publisher",))
    pat = create_user(email="pat@dft.gov.uk", organisation=dfe, roles=("publisher",))
    admin = create_user(email="sam@cabinetoffice.gov.uk", roles=("site_admin",))
    both_scopes = {"read", "publish"}
    return Actors(
        publisher=Actor.for_user(ann, "token", both_scopes),
        member=Actor.for_user(bob, "token", both_scopes),
        other_publisher=Actor.for_user(eve, "token", both_scopes),
        read_only=Actor.for_user(ann, "token", {"read"}),
        both=Actor.for_user(pat, "session", both_scopes),
        site_admin=Actor.for_user(admin, "session", both_scopes),
        anonymous=Actor.anonymous(),
    )


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def stored(reference: str) -> Dataset:
    db.session.expire_all()
    return get_dataset(Actor.system("system:tests"), reference)


# Permissions -----------------------------------------------------------------------------------


def test_creating_needs_a_publisher_of_the_organisation_with_the_publish_scope(actors):
    body = valid_entry()
    with pytest.raises(AuthenticationError):
        create_dataset(actors.anonymous, body)
    for actor in (actors.member, actors.other_publisher, actors.read_only):
        with pytest.raises(PermissionDeniedError):
            create_dataset(actor, body)
    assert count(Dataset) == count(Revision) == count(OutboxEntry) == 0
    for actor in (actors.publisher, actors.both, actors.site_admin):
        assert create_dataset(actor, valid_entry()).organisation.slug == "department-for-transport"


def test_a_publisher_cannot_change_another_departments_entry_through_any_service(actors):
    entry = create_dataset(actors.publisher, valid_entry(title="Road casualties", status="published"))
    reference = str(entry.id)
    changes = [
        lambda actor: update_dataset(actor, reference, valid_entry(title="Changed")),
        lambda actor: patch_dataset(actor, reference, {"title": "Changed"}),
        lambda actor: withdraw_dataset(actor, reference),
        lambda actor: delete_dataset(actor, reference),
        lambda actor: rate_quality(actor, reference, {"accuracy": RATING}),
    ]
    for change in changes:
        for actor in (actors.other_publisher, actors.member, actors.read_only):
            with pytest.raises(PermissionDeniedError):
                change(actor)
        with pytest.raises(AuthenticationError):
            change(actors.anonymous)
    after = stored(reference)
    assert (after.title, after.status, after.deleted_at, after.lock_version) == (
        "Road casualties",
        "published",
        None,
        1,
    )
    assert after.quality_ratings == []
    assert count(Revision) == 1


def test_moving_an_entry_to_another_department_needs_the_publisher_role_in_both(actors):
    entry = create_dataset(actors.publisher, valid_entry(status="published"))
    with pytest.raises(PermissionDeniedError):
        patch_dataset(actors.publisher, str(entry.id), {"publisher": "department-for-education"})
    assert stored(str(entry.id)).organisation.slug == "department-for-transport"
    moved = patch_dataset(actors.both, str(entry.id), {"publisher": "department-for-education"})
    assert moved.organisation.slug == "department-for-education"
    with pytest.raises(PermissionDeniedError):
        patch_dataset(actors.publisher, str(entry.id), {"summary": "No longer ours."})


def test_reading_follows_the_visibility_rules(actors):
    draft = create_dataset(actors.publisher, valid_entry(title="Draft roads"))
    internal = create_dataset(
        actors.publisher, valid_entry(title="Internal roads", status="published", access_rights="INTERNAL")
    )
    for actor in (actors.other_publisher, actors.member, actors.anonymous):
        with pytest.raises(NotFoundError):
            get_dataset(actor, str(draft.id))
    assert get_dataset(actors.publisher, "draft-roads").id == draft.id
    with pytest.raises(NotFoundError):
        get_dataset(actors.anonymous, "internal-roads")
    assert get_dataset(actors.member, "internal-roads").id == internal.id
    delete_dataset(actors.publisher, "internal-roads")
    with pytest.raises(GoneError):
        get_dataset(actors.member, "internal-roads")


def test_lists_and_history_follow_the_visibility_rules(actors):
    create_dataset(actors.publisher, valid_entry(title="Draft roads"))
    create_dataset(actors.publisher, valid_entry(title="Open roads", status="published"))
    create_dataset(
        actors.publisher, valid_entry(title="Internal roads", status="published", access_rights="INTERNAL")
    )
    params = load_list_params(MultiDict({"status": "draft,published", "sort": "title"}))

    def listed(actor: Actor) -> list[str]:
        from_database = [d.title for d in catalogue.list_datasets_from_database(actor, params).items]
        rebuild_index(index_root())
        from_index = [d.title for d in find_datasets(actor, params).items]
        assert from_index == from_database
        return from_database

    assert listed(actors.publisher) == ["Draft roads", "Internal roads", "Open roads"]
    assert listed(actors.member) == ["Internal roads", "Open roads"]
    assert listed(actors.anonymous) == ["Open roads"]
    history = catalogue.list_revisions(actors.member, "open-roads", 1, 20)
    assert history.page.total == 1 and history.show_editors is True
    assert catalogue.list_revisions(actors.other_publisher, "open-roads", 1, 20).show_editors is False


def test_only_site_admins_may_add_organisations_and_users(actors):
    with pytest.raises(PermissionDeniedError):
        save_organisation(actors.publisher, {"slug": "ofsted", "title": "Ofsted"})
    with pytest.raises(PermissionDeniedError):
        add_user(
            actors.publisher,
            "zed@dft.gov.uk",
            organisation_slug="department-for-transport",
            roles=["org_admin"],
        )
    assert save_organisation(actors.site_admin, {"slug": "ofsted", "title": "Ofsted"})[1] is True


# Concurrent edits ------------------------------------------------------------------------------


def test_a_change_based_on_a_stale_etag_is_refused(actors):
    entry = create_dataset(actors.publisher, valid_entry(status="published"))
    reference, first_etag = str(entry.id), entry.etag
    patch_dataset(actors.publisher, reference, {"version": "2"}, if_match={first_etag})
    with pytest.raises(PreconditionFailedError) as refused:
        patch_dataset(actors.publisher, reference, {"version": "3"}, if_match={first_etag})
    # The tag the entry is served with: its own, then its freshness after a dot.
    assert refused.value.extra["current_etag"].split(".")[0] == stored(reference).etag != first_etag
    assert stored(reference).version == "2"
    assert patch_dataset(actors.publisher, reference, {"version": "3"}, if_match={"*"}).version == "3"
    current = stored(reference).etag
    assert publish_dataset(actors.publisher, reference, if_match={current}).version == "3"


def test_the_second_of_two_sessions_changing_the_same_entry_is_refused(actors):
    entry = create_dataset(actors.publisher, valid_entry(title="Road casualties", status="published"))
    reference = str(entry.id)
    assert get_dataset(actors.publisher, reference).lock_version == 1  # loaded into this session

    with Session(db.engine) as other:
        theirs = other.get(Dataset, entry.id)
        theirs.summary = "Changed by someone else."
        other.commit()

    with pytest.raises(PreconditionFailedError):
        patch_dataset(actors.publisher, reference, {"title": "Road casualties in Great Britain"})
    after = stored(reference)
    assert (after.title, after.summary) == ("Road casualties", "Changed by someone else.")
    assert count(Revision) == count(OutboxEntry) == 1


def test_a_change_to_an_entry_whose_version_moved_underneath_is_refused(actors):
    entry = create_dataset(actors.publisher, valid_entry(status="published"))
    reference = str(entry.id)
    get_dataset(actors.publisher, reference)
    with db.engine.begin() as connection:
        connection.execute(
            update(Dataset).where(Dataset.id == entry.id).values(lock_version=Dataset.lock_version + 1)
        )
    with pytest.raises(PreconditionFailedError):
        rate_quality(actors.publisher, reference, {"accuracy": RATING})
    assert stored(reference).quality_ratings == []
    assert count(Revision) == count(OutboxEntry) == 1
    assert rate_quality(actors.publisher, reference, {"accuracy": RATING}).lock_version == 3


# Bulk creation ---------------------------------------------------------------------------------


def test_create_datasets_without_commit_every_creates_all_or_nothing(actors):
    rows = [
        (None, valid_entry(title="First")),
        (None, valid_entry(title="Second")),
        (None, valid_entry(title="Third", access_rights="PUBLIC")),
    ]
    with pytest.raises(ValidationError) as refused:
        create_datasets(actors.publisher, rows)
    assert "access_rights" in refused.value.errors
    assert count(Dataset) == count(Revision) == count(OutboxEntry) == 0


def test_create_datasets_refuses_the_whole_batch_for_one_entry_it_may_not_create(actors):
    rows = [(None, valid_entry()), (None, valid_entry(publisher="department-for-education"))]
    with pytest.raises(PermissionDeniedError):
        create_datasets(actors.publisher, rows)
    assert count(Dataset) == count(Revision) == count(OutboxEntry) == 0


def test_create_datasets_refuses_the_whole_batch_for_a_slug_given_twice(actors):
    rows = [(None, valid_entry(slug="road-casualties")), (None, valid_entry(slug="road-casualties"))]
    with pytest.raises(ConflictError):
        create_datasets(actors.publisher, rows)
    assert count(Dataset) == count(Revision) == count(OutboxEntry) == 0


def test_create_datasets_writes_every_entry_with_its_revision_and_outbox_row(actors):
    ids = [uuid.uuid4(), uuid.uuid4(), None]
    rows = [
        (ids[0], valid_entry(title="Traffic counts")),
        (ids[1], valid_entry(title="Traffic counts")),
        (ids[2], valid_entry(title="Bus statistics", status="published")),
    ]
    created: list[str] = []
    assert create_datasets(actors.publisher, rows, on_created=lambda d: created.append(d.slug)) == 3
    assert created == ["traffic-counts", "traffic-counts-2", "bus-statistics"]
    assert {stored(str(i)).slug for i in ids[:2]} == {"traffic-counts", "traffic-counts-2"}
    assert count(Dataset) == count(Revision) == count(OutboxEntry) == 3


@pytest.mark.parametrize("who", ["system", "publisher"])
def test_create_datasets_with_commit_every_keeps_the_batches_before_a_failure(actors, who):
    actor = Actor.system("system:tests") if who == "system" else actors.publisher
    rows = [(None, valid_entry(title=f"Entry {n}")) for n in range(4)]
    rows.append((None, valid_entry(title="Bad", licence="MIT")))
    with pytest.raises(ValidationError):
        create_datasets(actor, rows, commit_every=2)
    db.session.expire_all()
    assert sorted(db.session.scalars(select(Dataset.title))) == ["Entry 0", "Entry 1", "Entry 2", "Entry 3"]
    assert count(Revision) == count(OutboxEntry) == 4
