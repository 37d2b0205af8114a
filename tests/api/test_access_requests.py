"""/api/v1/access-requests over HTTP: a request made, answered, decided and commented on, with
its ETags, If-Match, lists, figures and CSV export."""

from __future__ import annotations

import csv
import io

import pytest

from marketplace.extensions import db
from tests.access_request_factories import SECTIONS, World, complete_answers, create_request, create_world
from tests.helpers import api, assert_problem

BASE = "/api/v1/access-requests"


@pytest.fixture
def world(app) -> World:
    return create_world()


@pytest.fixture
def tokens(world) -> dict[str, str]:
    return {
        who: world.token(getattr(world, who))
        for who in ("requester", "stranger", "reviewer", "org_admin", "other_reviewer", "site_admin")
    }


def _submit_over_http(client, world, tokens) -> dict:
    created = api(
        client,
        "POST",
        BASE,
        status=201,
        token=tokens["requester"],
        json={"dataset": world.dataset.slug, "answers": complete_answers()},
    ).get_json()
    url = f"{BASE}/{created['id']}"
    api(client, "PATCH", url, status=200, token=tokens["requester"], json={"completed_sections": SECTIONS})
    return api(
        client,
        "POST",
        f"{url}/transitions",
        status=200,
        token=tokens["requester"],
        json={"to": "submitted", "declaration": True},
    ).get_json()


def test_a_request_is_started_with_a_location_and_answered_in_the_documented_shape(client, world, tokens):
    response = api(
        client,
        "POST",
        BASE,
        status=201,
        token=tokens["requester"],
        json={"dataset": str(world.dataset.id), "answers": {"purpose": "Bus strategy evaluation"}},
    )
    body = response.get_json()
    assert response.headers["Location"].endswith(f"{BASE}/{body['id']}")
    assert body["status"] == "draft" and body["status_label"] == "Draft"
    assert body["reference"].startswith("DSR-")
    assert body["dataset"] == {
        "id": str(world.dataset.id),
        "slug": world.dataset.slug,
        "title": world.dataset.title,
        "status": "published",
    }
    assert body["organisation"] == {"slug": world.owner.slug, "title": world.owner.title}
    assert body["requester"] == {"email": world.requester.email}
    assert body["requesting_organisation"] == {"slug": world.other.slug, "title": world.other.title}
    assert body["answers"] == {"purpose": "Bus strategy evaluation"}
    assert [s["status"] for s in body["sections"]] == [
        "in_progress",
        "not_started",
        "not_started",
        "not_started",
    ]
    assert body["allowed_transitions"] == ["submitted", "cancelled"]
    assert body["timeline"] == [] and body["submitted_at"] is None and body["decided_at"] is None
    assert body["links"]["self"].endswith(f"{BASE}/{body['id']}")
    assert body["links"]["page"].endswith(f"/access-requests/{body['id']}")


def test_a_read_carries_a_weak_etag_from_the_version_and_answers_304_when_unchanged(client, world, tokens):
    access_request = create_request(world, "submitted")
    url = f"{BASE}/{access_request.id}"
    first = api(client, "GET", url, status=200, token=tokens["reviewer"])
    assert first.headers["ETag"] == f'W/"{access_request.version}.1"'
    api(
        client,
        "GET",
        url,
        status=304,
        token=tokens["reviewer"],
        headers={"If-None-Match": first.headers["ETag"]},
    )
    # A comment leaves the version alone but is news to a reader.
    api(
        client,
        "POST",
        f"{url}/comments",
        status=201,
        token=tokens["reviewer"],
        json={"comment": "Looking now."},
    )
    again = api(
        client,
        "GET",
        url,
        status=200,
        token=tokens["reviewer"],
        headers={"If-None-Match": first.headers["ETag"]},
    )
    assert again.headers["ETag"] != first.headers["ETag"]


def test_a_change_with_a_stale_if_match_is_refused_with_412_and_a_current_one_applies(client, world, tokens):
    access_request = create_request(world, "draft")
    url = f"{BASE}/{access_request.id}"
    etag = api(client, "GET", url, status=200, token=tokens["requester"]).headers["ETag"]
    api(
        client,
        "PATCH",
        url,
        status=200,
        token=tokens["requester"],
        json={"answers": {"format": "Parquet"}},
        headers={"If-Match": etag},
    )
    stale = api(
        client,
        "PATCH",
        url,
        status=412,
        token=tokens["requester"],
        json={"answers": {"format": "JSON"}},
        headers={"If-Match": etag},
    )
    assert assert_problem(stale)["code"] == "request_changed"
    moved = api(
        client,
        "POST",
        f"{url}/transitions",
        status=412,
        token=tokens["requester"],
        json={"to": "cancelled"},
        headers={"If-Match": etag},
    )
    assert moved.get_json()["code"] == "request_changed"
    db.session.expire_all()
    assert access_request.answers["format"] == "Parquet" and access_request.status == "draft"
    api(
        client,
        "PATCH",
        url,
        status=200,
        token=tokens["requester"],
        json={"answers": {"format": "JSON"}},
        headers={"If-Match": "*"},
    )


def test_the_whole_journey_returned_with_a_reason_changed_resubmitted_and_accepted(client, world, tokens):
    body = _submit_over_http(client, world, tokens)
    url = f"{BASE}/{body['id']}"
    reviewer = tokens["reviewer"]
    assert body["allowed_transitions"] == ["cancelled"]
    seen = api(client, "GET", url, status=200, token=reviewer).get_json()
    assert seen["allowed_transitions"] == ["in_review"]
    api(client, "POST", f"{url}/transitions", status=200, token=reviewer, json={"to": "in_review"})
    returned = api(
        client,
        "POST",
        f"{url}/transitions",
        status=200,
        token=reviewer,
        json={"to": "returned", "comment": "Name the gateway.", "sections": ["legal"]},
    ).get_json()
    assert returned["status"] == "returned" and returned["returned_sections"] == ["legal"]
    assert {s["name"]: s["status"] for s in returned["sections"]}["legal"] == "returned"
    last = returned["timeline"][-1]
    assert last == {**last, "kind": "transition", "from": "in_review", "to": "returned", "side": "reviewer"}
    assert last["comment"] == "Name the gateway." and last["sections"] == ["legal"]
    assert last["author"] == world.reviewer.email
    api(
        client,
        "PATCH",
        url,
        status=200,
        token=tokens["requester"],
        json={"answers": {"legal_gateway": "Digital Economy Act 2017"}, "completed_sections": SECTIONS},
    )
    again = api(
        client,
        "POST",
        f"{url}/transitions",
        status=200,
        token=tokens["requester"],
        json={"to": "submitted", "declaration": True},
    ).get_json()
    assert again["status"] == "submitted" and again["returned_sections"] == []
    api(client, "POST", f"{url}/transitions", status=200, token=reviewer, json={"to": "in_review"})
    accepted = api(
        client, "POST", f"{url}/transitions", status=200, token=reviewer, json={"to": "accepted"}
    ).get_json()
    assert accepted["status"] == "accepted" and accepted["decided_at"]
    assert [e["to"] for e in accepted["timeline"]] == [
        "submitted",
        "in_review",
        "returned",
        "submitted",
        "in_review",
        "accepted",
    ]
    refused = api(
        client, "POST", f"{url}/transitions", status=409, token=tokens["requester"], json={"to": "cancelled"}
    )
    assert assert_problem(refused, "to")["code"] == "invalid_transition"


def test_comments_are_listed_oldest_first_for_both_sides(client, world, tokens):
    access_request = create_request(world, "in_review")
    url = f"{BASE}/{access_request.id}/comments"
    made = api(
        client, "POST", url, status=201, token=tokens["reviewer"], json={"comment": "Which years?"}
    ).get_json()
    assert made["kind"] == "comment" and made["side"] == "reviewer" and made["from"] is None
    api(client, "POST", url, status=201, token=tokens["requester"], json={"comment": "2022 to 2026."})
    listed = api(client, "GET", url, status=200, token=tokens["requester"]).get_json()
    assert listed["total"] == 2
    assert [(c["side"], c["comment"]) for c in listed["items"]] == [
        ("reviewer", "Which years?"),
        ("requester", "2022 to 2026."),
    ]


def test_the_list_filters_by_status_organisation_dataset_and_mine_and_pages(client, world, tokens):
    create_request(world, "submitted")
    create_request(world, "in_review")
    create_request(world, "accepted")
    create_request(world, "draft")
    reviewer = tokens["reviewer"]
    everything = api(client, "GET", BASE, status=200, token=reviewer).get_json()
    assert everything["total"] == 3  # never the draft
    statuses = api(
        client, "GET", f"{BASE}?status=submitted&status=in_review", status=200, token=reviewer
    ).get_json()
    assert sorted(item["status"] for item in statuses["items"]) == ["in_review", "submitted"]
    inbox = api(
        client, "GET", f"{BASE}?organisation={world.owner.slug}&sort=oldest", status=200, token=reviewer
    ).get_json()
    assert [item["status"] for item in inbox["items"]] == ["submitted", "in_review", "accepted"]
    by_entry = api(client, "GET", f"{BASE}?dataset={world.dataset.id}", status=200, token=reviewer).get_json()
    assert by_entry["total"] == 3
    assert api(client, "GET", f"{BASE}?mine=true", status=200, token=reviewer).get_json()["total"] == 0
    assert (
        api(client, "GET", f"{BASE}?mine=true", status=200, token=tokens["requester"]).get_json()["total"]
        == 4
    )
    paged = api(client, "GET", f"{BASE}?per_page=2", status=200, token=reviewer).get_json()
    assert len(paged["items"]) == 2 and paged["links"]["next"] and paged["links"]["prev"] is None
    second = api(client, "GET", paged["links"]["next"], status=200, token=reviewer).get_json()
    assert len(second["items"]) == 1 and second["links"]["next"] is None and second["links"]["prev"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("status=approved", "status"),
        ("organisation=no-such-organisation", "organisation"),
        ("dataset=no-such-entry", "dataset"),
        ("mine=perhaps", "mine"),
        ("sort=newest", "sort"),
        ("page=0", "page"),
        ("page=two", "page"),
        ("per_page=101", "per_page"),
        ("per_page=10&per_page=20", "per_page"),
        ("colour=blue", "colour"),
    ],
)
def test_a_bad_list_parameter_is_a_400_naming_it(client, world, tokens, query, parameter):
    response = api(client, "GET", f"{BASE}?{query}", status=400, token=tokens["reviewer"])
    assert_problem(response, parameter)


def test_an_organisations_inbox_is_403_to_anyone_else(client, world, tokens):
    for who in ("requester", "other_reviewer"):
        api(client, "GET", f"{BASE}?organisation={world.owner.slug}", status=403, token=tokens[who])


def test_the_summary_is_the_organisations_figures(client, world, tokens):
    create_request(world, "submitted")
    create_request(world, "accepted")
    summary = api(
        client, "GET", f"{BASE}/summary?organisation={world.owner.slug}", status=200, token=tokens["reviewer"]
    ).get_json()
    assert summary["organisation"] == world.owner.slug
    assert summary["open"] == 1 and summary["decisions"]["accepted"] == 1
    assert summary["days_to_decision"]["count"] == 1 and summary["window_days"] == 90
    api(
        client,
        "GET",
        f"{BASE}/summary?organisation={world.owner.slug}",
        status=403,
        token=tokens["other_reviewer"],
    )
    api(client, "GET", f"{BASE}/summary", status=403, token=tokens["requester"])
    api(client, "GET", f"{BASE}/summary", status=401)
    api(client, "GET", f"{BASE}/summary?organisation=nobody", status=400, token=tokens["reviewer"])


def test_the_csv_export_neutralises_answers_that_look_like_formulas(client, world, tokens):
    answers = {**complete_answers(), "purpose": '=HYPERLINK("https://evil.example","Click")'}
    create_request(world, "submitted", answers=answers)
    response = api(
        client,
        "GET",
        f"{BASE}/export.csv?organisation={world.owner.slug}",
        status=200,
        token=tokens["reviewer"],
    )
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert len(rows) == 1
    assert rows[0]["purpose"] == "'" + answers["purpose"]
    assert rows[0]["requester"] == world.requester.email
    api(
        client,
        "GET",
        f"{BASE}/export.csv?organisation={world.owner.slug}",
        status=403,
        token=tokens["other_reviewer"],
    )
    api(client, "GET", f"{BASE}/export.csv", status=403, token=tokens["requester"])
    api(client, "GET", f"{BASE}/export.csv", status=401)
