"""The happy paths of an entry's life through the REST API: create, read, rename, replace, patch,
publish, withdraw, delete, rate; with the revision and outbox row each change leaves.

How incoming values are normalised (keywords, themes, licences, formats) is in
test_datasets_normalisation.py."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import OutboxEntry, Revision
from tests.factories import valid_entry
from tests.helpers import api
from tests.support import committed_transactions

DATASETS = "/api/v1/datasets"
REQUIRED_FIELDS = (
    "title",
    "description",
    "publisher",
    "contact_point",
    "access_rights",
    "security_classification",
    "licence",
    "modified",
)
RATING = {
    "rating": 4,
    "assessed_on": "2025-03-01",
    "method": "Compared with the police force returns.",
    "action_plan_url": "https://www.gov.uk/government/publications/road-casualty-data-quality",
}


def create(client, token: str, **fields) -> dict:
    return api(client, "POST", DATASETS, status=201, token=token, json=valid_entry(**fields)).get_json()


def revisions(entry_id: str) -> list[Revision]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Revision).where(Revision.dataset_id == uuid.UUID(entry_id)).order_by(Revision.id)
        )
    )


def outbox(entry_id: str) -> list[str]:
    db.session.expire_all()
    query = select(OutboxEntry.change).where(OutboxEntry.dataset_id == uuid.UUID(entry_id))
    return list(db.session.scalars(query.order_by(OutboxEntry.id)))


# Creating and reading --------------------------------------------------------------------------


def test_post_creates_a_draft_by_default_with_location_and_etag(client, token):
    response = api(
        client, "POST", DATASETS, status=201, token=token, json=valid_entry(title="Bus statistics")
    )
    body = response.get_json()
    assert body["status"] == "draft" and body["published_at"] is None
    assert body["slug"] == "bus-statistics"
    assert response.headers["Location"] == "http://localhost/api/v1/datasets/bus-statistics"
    assert response.headers["ETag"]
    assert body["links"]["self"] == response.headers["Location"]
    assert body["publisher"] == "department-for-transport"
    assert body["organisation"]["title"] == "Department for Transport"


def test_post_with_status_published_publishes_at_once(client, token):
    body = create(client, token, status="published")
    assert body["status"] == "published" and body["published_at"]
    assert [r.action for r in revisions(body["id"])] == ["create"]
    assert api(client, "GET", f"{DATASETS}/{body['slug']}", status=200).get_json()["id"] == body["id"]


def test_an_entry_is_found_by_id_and_by_slug_with_the_same_etag(client, token):
    created = create(client, token, title="Rail passenger numbers")
    by_id = api(client, "GET", f"{DATASETS}/{created['id']}", status=200, token=token)
    by_slug = api(client, "GET", f"{DATASETS}/rail-passenger-numbers", status=200, token=token)
    assert by_id.get_json() == by_slug.get_json()
    assert by_id.headers["ETag"] == by_slug.headers["ETag"]


def test_entries_with_the_same_title_get_numbered_slugs(client, token):
    slugs = [create(client, token, title="Traffic counts")["slug"] for _ in range(3)]
    assert slugs == ["traffic-counts", "traffic-counts-2", "traffic-counts-3"]


# Slugs -----------------------------------------------------------------------------------------


def test_a_draft_renamed_by_its_title_gets_a_new_slug_and_the_old_one_redirects(client, token):
    created = create(client, token, title="MOT test results")
    path = f"{DATASETS}/{created['id']}"
    renamed = api(client, "PATCH", path, status=200, token=token, json={"title": "MOT results by make"})
    assert renamed.get_json()["slug"] == "mot-results-by-make"
    moved = api(client, "GET", f"{DATASETS}/mot-test-results", status=301, token=token)
    assert moved.headers["Location"].endswith("/api/v1/datasets/mot-results-by-make")
    moved = api(client, "GET", f"{DATASETS}/mot-test-results/quality", status=301, token=token)
    assert moved.headers["Location"].endswith("/api/v1/datasets/mot-results-by-make/quality")


def test_an_old_slug_redirects_for_the_history_too(client, token):
    created = create(client, token, title="MOT test results")
    api(
        client, "PATCH", f"{DATASETS}/{created['id']}", status=200, token=token, json={"title": "MOT results"}
    )
    moved = api(client, "GET", f"{DATASETS}/mot-test-results/revisions", status=301, token=token)
    assert moved.headers["Location"].endswith("/api/v1/datasets/mot-results/revisions")


def test_a_published_entry_keeps_its_slug_when_its_title_changes(client, token):
    created = create(client, token, title="Road traffic estimates", status="published")
    path = f"{DATASETS}/{created['id']}"
    body = api(
        client, "PATCH", path, status=200, token=token, json={"title": "Road traffic statistics"}
    ).get_json()
    assert body["title"] == "Road traffic statistics"
    assert body["slug"] == "road-traffic-estimates"


def test_an_explicit_slug_change_after_publication_redirects_the_old_slug(client, token):
    created = create(client, token, title="Road traffic estimates", status="published")
    path = f"{DATASETS}/{created['id']}"
    body = api(client, "PATCH", path, status=200, token=token, json={"slug": "road-traffic"}).get_json()
    assert body["slug"] == "road-traffic"
    moved = api(client, "GET", f"{DATASETS}/road-traffic-estimates", status=301)
    assert moved.headers["Location"].endswith("/api/v1/datasets/road-traffic")
    assert api(client, "GET", f"{DATASETS}/road-traffic", status=200).get_json()["id"] == created["id"]


def test_an_entry_renamed_back_to_an_earlier_slug_gets_it_back(client, token):
    created = create(client, token, title="Road traffic estimates", status="published")
    path = f"{DATASETS}/{created['id']}"
    api(client, "PATCH", path, status=200, token=token, json={"slug": "road-traffic"})
    api(client, "PATCH", path, status=200, token=token, json={"slug": "road-traffic-estimates"})
    assert (
        api(client, "GET", f"{DATASETS}/road-traffic-estimates", status=200).get_json()["id"] == created["id"]
    )
    moved = api(client, "GET", f"{DATASETS}/road-traffic", status=301)
    assert moved.headers["Location"].endswith("/api/v1/datasets/road-traffic-estimates")


# Replacing and patching ------------------------------------------------------------------------


def test_put_replaces_the_entry_clearing_fields_left_out_but_keeping_quality(client, token):
    created = create(client, token, status="published", quality={"completeness": RATING})
    path = f"{DATASETS}/{created['id']}"
    required = {name: created[name] for name in REQUIRED_FIELDS}
    body = api(client, "PUT", path, status=200, token=token, json=required).get_json()
    for name in ("summary", "issued", "update_frequency", "spatial_coverage", "temporal_coverage"):
        assert body[name] is None, name
    assert body["keywords"] == body["themes"] == body["distributions"] == []
    assert body["status"] == "published" and body["type"] == "dataset"
    assert body["quality"]["declared"]["completeness"]["rating"] == 4
    assert api(client, "GET", path, status=200).get_json() == body


def test_patch_changes_only_the_fields_sent(client, token):
    created = create(client, token, status="published")
    path = f"{DATASETS}/{created['id']}"
    patched = api(client, "PATCH", path, status=200, token=token, json={"summary": "Casualties by severity."})
    body = patched.get_json()
    assert body["summary"] == "Casualties by severity."
    unchanged = {k for k in created if k not in {"summary", "updated_at", "metadata_modified"}}
    assert {k: body[k] for k in unchanged} == {k: created[k] for k in unchanged}
    [*_, revision] = revisions(created["id"])
    assert revision.action == "patch"
    assert revision.changes == {"summary": {"before": created["summary"], "after": "Casualties by severity."}}


def test_a_representation_fetched_with_get_can_be_changed_and_put_back(client, token):
    created = create(client, token, status="published", quality={"completeness": RATING})
    path = f"{DATASETS}/{created['id']}"
    fetched = api(client, "GET", path, status=200, token=token).get_json()
    assert {"id", "links", "organisation", "created_at", "licence_title"} <= set(fetched)
    body = api(client, "PUT", path, status=200, token=token, json={**fetched, "title": "Road casualties GB"})
    assert body.get_json()["title"] == "Road casualties GB"
    assert body.get_json()["id"] == created["id"]
    assert [r.changes.keys() for r in revisions(created["id"])][-1] == {"title"}


def test_a_data_service_fetched_with_get_can_be_changed_and_put_back(client, token):
    created = create(
        client, token, type="data_service", distributions=[], endpoint_url="https://api.dft.gov.uk/v1/roads"
    )
    path = f"{DATASETS}/{created['id']}"
    fetched = api(client, "GET", path, status=200, token=token).get_json()
    body = api(
        client, "PUT", path, status=200, token=token, json={**fetched, "service_type": "REST"}
    ).get_json()
    assert body["service_type"] == "REST" and body["id"] == created["id"]
    assert body["created_at"] == created["created_at"]


def test_a_put_that_changes_nothing_writes_no_revision_and_keeps_the_etag(client, token):
    body = valid_entry(status="published")
    response = api(client, "POST", DATASETS, status=201, token=token, json=body)
    path, etag = response.headers["Location"], response.headers["ETag"]
    again = api(client, "PUT", path, status=200, token=token, json=body)
    assert again.headers["ETag"] == etag
    api(client, "PATCH", path, status=200, token=token, json={"title": body["title"]})
    assert api(client, "GET", path, status=200).headers["ETag"] == etag
    assert len(revisions(response.get_json()["id"])) == 1


# Lifecycle -------------------------------------------------------------------------------------


def test_patch_publishes_withdraws_and_republishes(client, token):
    created = create(client, token)
    path = f"{DATASETS}/{created['id']}"
    published = api(client, "PATCH", path, status=200, token=token, json={"status": "published"}).get_json()
    assert published["status"] == "published" and published["published_at"]
    withdrawn = api(client, "PATCH", path, status=200, token=token, json={"status": "withdrawn"}).get_json()
    assert withdrawn["status"] == "withdrawn" and withdrawn["withdrawn_at"]
    again = api(client, "PATCH", path, status=200, token=token, json={"status": "published"}).get_json()
    assert again["status"] == "published" and again["withdrawn_at"] is None
    assert again["published_at"] == published["published_at"]
    assert [(r.action, r.changes) for r in revisions(created["id"])][1:] == [
        ("publish", {"status": {"before": "draft", "after": "published"}}),
        ("withdraw", {"status": {"before": "published", "after": "withdrawn"}}),
        ("publish", {"status": {"before": "withdrawn", "after": "published"}}),
    ]


def test_delete_answers_204_and_then_the_entry_is_gone(client, token):
    created = create(client, token, status="published")
    path = f"{DATASETS}/{created['id']}"
    response = api(client, "DELETE", path, status=204, token=token)
    assert response.data == b""
    api(client, "GET", path, status=410)
    api(client, "GET", f"{DATASETS}/{created['slug']}", status=410, token=token)
    assert api(client, "GET", DATASETS, status=200, token=token).get_json()["total"] == 0
    organisation = api(client, "GET", "/api/v1/organisations/department-for-transport", status=200)
    assert organisation.get_json()["dataset_count"] == 0
    assert [r.action for r in revisions(created["id"])] == ["create", "delete"]
    assert outbox(created["id"]) == ["upsert", "delete"]


def test_each_change_writes_one_revision_and_one_outbox_row_in_its_own_transaction(client, token):
    changes = [
        ("POST", DATASETS, 201, {"json": valid_entry(title="Bus statistics")}, "create"),
        ("PATCH", "{path}", 200, {"json": {"summary": "Buses."}}, "patch"),
        ("PUT", "{path}", 200, {"json": valid_entry(title="Bus statistics", summary="All buses.")}, "update"),
        ("PATCH", "{path}", 200, {"json": {"status": "published"}}, "publish"),
        ("PUT", "{path}/quality", 200, {"json": {"accuracy": RATING}}, "rate_quality"),
        ("PATCH", "{path}", 200, {"json": {"status": "withdrawn"}}, "withdraw"),
        ("DELETE", "{path}", 204, {}, "delete"),
    ]
    path = entry_id = None
    for number, (method, target, status, kwargs, action) in enumerate(changes, start=1):
        with committed_transactions() as committed:
            response = api(client, method, target.format(path=path), status=status, token=token, **kwargs)
        if method == "POST":
            entry_id = response.get_json()["id"]
            path = f"{DATASETS}/{entry_id}"
        writes = [names for names in committed if "Revision" in names or "OutboxEntry" in names]
        assert len(writes) == 1, (action, committed)
        assert writes[0].count("Revision") == 1 and writes[0].count("OutboxEntry") == 1, (action, writes)
        assert len(revisions(entry_id)) == len(outbox(entry_id)) == number
        assert revisions(entry_id)[-1].action == action
    assert outbox(entry_id)[-1] == "delete"


def test_revisions_record_each_changed_field_before_and_after(client, token):
    created = create(client, token, title="Bus statistics", keywords=["buses"])
    [revision] = revisions(created["id"])
    assert revision.action == "create" and revision.actor_label == "ann@dft.gov.uk"
    assert revision.changes["title"] == {"before": None, "after": "Bus statistics"}
    assert "summary" in revision.changes and "version" not in revision.changes
    path = f"{DATASETS}/{created['id']}"
    api(
        client,
        "PATCH",
        path,
        status=200,
        token=token,
        json={"keywords": ["buses", "coaches"], "version": "2"},
    )
    assert revisions(created["id"])[-1].changes == {
        "keywords": {"before": ["buses"], "after": ["buses", "coaches"]},
        "version": {"before": None, "after": "2"},
    }


def test_revisions_are_listed_newest_first_a_page_at_a_time(client, token):
    created = create(client, token)
    path = f"{DATASETS}/{created['id']}"
    for version in ("2", "3", "4"):
        api(client, "PATCH", path, status=200, token=token, json={"version": version})
    first = api(client, "GET", f"{path}/revisions?per_page=2", status=200, token=token).get_json()
    assert first["total"] == 4
    assert [item["changes"]["version"]["after"] for item in first["items"]] == ["4", "3"]
    assert first["items"][0]["id"] > first["items"][1]["id"]
    assert first["items"][0]["actor"] == "ann@dft.gov.uk"
    assert first["links"]["prev"] is None and "page=2" in first["links"]["next"]
    second = api(client, "GET", first["links"]["next"], status=200, token=token).get_json()
    assert [item["action"] for item in second["items"]] == ["patch", "create"]
    assert second["links"]["next"] is None and "page=1" in second["links"]["prev"]


# Conditional reads -----------------------------------------------------------------------------


def test_reads_answer_304_when_if_none_match_matches(client, token):
    created = create(client, token, status="published")
    for path in (
        f"{DATASETS}/{created['id']}",
        f"{DATASETS}/{created['id']}/quality",
        DATASETS,
        "/api/v1/organisations",
        "/api/v1/organisations/department-for-transport",
    ):
        etag = api(client, "GET", path, status=200).headers["ETag"]
        not_modified = api(client, "GET", path, status=304, headers={"If-None-Match": etag})
        assert not_modified.data == b""
        api(client, "GET", path, status=200, headers={"If-None-Match": '"something-else"'})


def test_the_entry_etag_changes_with_each_change(client, token):
    created = create(client, token, status="published")
    path = f"{DATASETS}/{created['id']}"
    etag = api(client, "GET", path, status=200).headers["ETag"]
    api(client, "PATCH", path, status=200, token=token, json={"version": "2"})
    api(client, "GET", path, status=200, headers={"If-None-Match": etag})


# Quality ---------------------------------------------------------------------------------------


def test_declared_quality_round_trips_with_plain_english_labels(client, token):
    created = create(client, token, status="published")
    path = f"{DATASETS}/{created['id']}/quality"
    ratings = {"completeness": RATING, "timeliness": {"rating": 2, "assessed_on": "2025-02-01"}}
    put = api(client, "PUT", path, status=200, token=token, json=ratings).get_json()
    assert put["declared"] == {
        "completeness": {**RATING, "label": "Good"},
        "timeliness": {
            "rating": 2,
            "label": "Poor",
            "assessed_on": "2025-02-01",
            "method": None,
            "action_plan_url": None,
        },
    }
    assert api(client, "GET", path, status=200).get_json() == put
    assert api(client, "GET", f"{DATASETS}/{created['id']}", status=200).get_json()["quality"] == put
    fewer = api(client, "PUT", path, status=200, token=token, json={"timeliness": {**RATING, "rating": 5}})
    assert fewer.get_json()["declared"] == {"timeliness": {**RATING, "rating": 5, "label": "Very good"}}
    assert revisions(created["id"])[-1].action == "rate_quality"
    assert set(revisions(created["id"])[-1].changes) == {"quality"}


def test_a_quality_put_that_changes_nothing_writes_no_revision_and_keeps_the_etag(client, token):
    created = create(client, token, status="published", quality={"accuracy": RATING})
    path = f"{DATASETS}/{created['id']}/quality"
    etag = api(client, "GET", path, status=200).headers["ETag"]
    again = api(client, "PUT", path, status=200, token=token, json={"accuracy": RATING})
    assert again.headers["ETag"] == etag
    assert len(revisions(created["id"])) == 1
