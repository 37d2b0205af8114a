"""Bad input on every field of the access request API: each refused with the field named, and
nothing changed; answers kept verbatim as text, whatever markup they hold."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.services.api_clients import create_client, issue_access_token
from tests.access_request_factories import World, complete_answers, create_request, create_world
from tests.factories import ADMIN, create_dataset
from tests.helpers import api, assert_problem

BASE = "/api/v1/access-requests"


@pytest.fixture
def world(app) -> World:
    return create_world()


@pytest.fixture
def requester(world) -> str:
    return world.token(world.requester)


@pytest.fixture
def reviewer(world) -> str:
    return world.token(world.reviewer)


def _start(client, world, token, answers, status=201):
    return api(
        client,
        "POST",
        BASE,
        status=status,
        token=token,
        json={"dataset": world.dataset.slug, "answers": answers},
    )


BAD_ANSWERS = [
    ({"colour": "blue"}, "answers.colour", "no question called"),
    ({"purpose": "x" * 5001}, "answers.purpose", "5,000 characters or fewer"),
    ({"format": "x" * 501}, "answers.format", "500 characters or fewer"),
    ({"needed_by": "2020-01-01"}, "answers.needed_by", "today or in the future"),
    ({"needed_by": "next Tuesday"}, "answers.needed_by", "real date"),
    ({"needed_by": "2031-02-30"}, "answers.needed_by", "real date"),
    ({"personal_data": "yes"}, "answers.personal_data", "yes (true) or no (false)"),
    ({"personal_data": 1}, "answers.personal_data", "yes (true) or no (false)"),
    ({"delivery": "carrier_pigeon"}, "answers.delivery", "Choose one of"),
    ({"controller_role": "owner"}, "answers.controller_role", "Choose one of"),
    ({"purpose": 42}, "answers.purpose", "Answer with text"),
    ({"purpose": ["a", "b"]}, "answers.purpose", "Answer with text"),
    ({"purpose": "NUL \x00 inside"}, "answers.purpose", "control characters"),
]


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    BAD_ANSWERS,
    ids=[case[1] + ":" + str(i) for i, case in enumerate(BAD_ANSWERS)],
)
def test_a_bad_answer_is_refused_naming_it_when_starting_and_when_changing(
    client, world, requester, answers, field, message
):
    refused = _start(client, world, requester, answers, status=422)
    assert message in assert_problem(refused, field)["errors"][field][0]
    draft = create_request(world, "draft")
    before = dict(draft.answers)
    changed = api(
        client, "PATCH", f"{BASE}/{draft.id}", status=422, token=requester, json={"answers": answers}
    )
    assert_problem(changed, field)
    db.session.expire_all()
    assert draft.answers == before


def test_the_longest_answers_allowed_are_kept(client, world, requester):
    body = _start(client, world, requester, {"purpose": "x" * 5000, "format": "y" * 500}).get_json()
    assert len(body["answers"]["purpose"]) == 5000 and len(body["answers"]["format"]) == 500


def test_html_and_markdown_in_answers_come_back_verbatim_as_json_strings(client, world, requester):
    html = '<script>alert("x")</script><b>bold</b> &amp;'
    markdown = "# Heading\n\n**strong** [link](javascript:alert(1)) `code`"
    body = _start(client, world, requester, {"purpose": html, "benefits": markdown}).get_json()
    assert body["answers"]["purpose"] == html and body["answers"]["benefits"] == markdown
    again = api(client, "GET", f"{BASE}/{body['id']}", status=200, token=requester)
    assert again.mimetype == "application/json"
    assert again.get_json()["answers"] == {"purpose": html, "benefits": markdown}
    assert b"<script>" in again.get_data()  # a JSON string, never turned into markup or escaped twice


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"answers": {}}, "dataset"),
        ({"dataset": 12}, "dataset"),
        ({"dataset": ""}, "dataset"),
        ({"dataset": "x", "answers": ["purpose"]}, "answers"),
        ({"dataset": "x", "status": "submitted"}, "status"),
        ({"dataset": "x", "requester": "boss@dwp.gov.uk"}, "requester"),
    ],
)
def test_a_bad_or_unknown_body_field_on_create_is_a_422_naming_it(client, world, requester, body, field):
    assert_problem(api(client, "POST", BASE, status=422, token=requester, json=body), field)


@pytest.mark.parametrize("raw", ["[]", '"a request"', "42", "null", "true"])
def test_a_body_that_is_not_an_object_is_a_422(client, world, requester, raw):
    response = api(
        client, "POST", BASE, status=422, token=requester, data=raw, content_type="application/json"
    )
    assert_problem(response, "_schema")


def test_a_body_that_is_not_json_is_a_415_and_broken_json_a_400(client, world, requester):
    api(
        client,
        "POST",
        BASE,
        status=415,
        token=requester,
        data="dataset=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert_problem(
        api(client, "POST", BASE, status=400, token=requester, data="{", content_type="application/json"),
        "body",
    )
    draft = create_request(world, "draft")
    api(
        client,
        "PATCH",
        f"{BASE}/{draft.id}",
        status=415,
        token=requester,
        data="x",
        content_type="text/plain",
    )
    api(
        client,
        "POST",
        f"{BASE}/{draft.id}/transitions",
        status=415,
        token=requester,
        data="x",
        content_type="text/plain",
    )


def test_an_unknown_or_open_entry_cannot_be_requested(client, world, requester):
    api(client, "POST", BASE, status=404, token=requester, json={"dataset": "no-such-entry"})
    open_entry = create_dataset(organisation=world.owner, access_rights="OPEN")
    refused = api(client, "POST", BASE, status=409, token=requester, json={"dataset": open_entry.slug})
    assert assert_problem(refused, "dataset")["code"] == "not_requestable"


def test_submitting_with_answers_missing_lists_every_missing_field(client, world, requester):
    answers = {k: v for k, v in complete_answers().items() if k not in ("purpose", "legal_gateway")}
    draft = create_request(world, "draft", answers=answers, completed=False)
    refused = api(
        client,
        "POST",
        f"{BASE}/{draft.id}/transitions",
        status=422,
        token=requester,
        json={"to": "submitted", "declaration": True},
    )
    body = assert_problem(refused, "answers.purpose", "answers.legal_gateway", "sections.data_protection")
    assert body["code"] == "request_incomplete"
    db.session.expire_all()
    assert draft.status == "draft"


def test_submitting_without_the_declaration_is_refused_naming_it(client, world, requester):
    draft = create_request(world, "draft")
    for body in ({"to": "submitted"}, {"to": "submitted", "declaration": False}):
        refused = api(
            client, "POST", f"{BASE}/{draft.id}/transitions", status=422, token=requester, json=body
        )
        assert assert_problem(refused, "declaration")["code"] == "request_incomplete"
    not_a_boolean = api(
        client,
        "POST",
        f"{BASE}/{draft.id}/transitions",
        status=422,
        token=requester,
        json={"to": "submitted", "declaration": "yes"},
    )
    assert_problem(not_a_boolean, "declaration")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"to": "rejected"}, "comment"),
        ({"to": "returned", "comment": "   "}, "comment"),
        ({"to": "returned", "comment": "Why", "sections": ["finance"]}, "sections"),
        ({"to": "returned", "comment": "Why", "sections": "legal"}, "sections"),
        ({"to": "accepted", "comment": "x" * 5001}, "comment"),
        ({"to": "accepted", "comment": 7}, "comment"),
        ({"to": "approved"}, "to"),
        ({"to": 3}, "to"),
        ({}, "to"),
        ({"to": "accepted", "priority": "high"}, "priority"),
    ],
)
def test_a_bad_decision_is_a_422_naming_the_field_and_changes_nothing(client, world, reviewer, body, field):
    access_request = create_request(world, "in_review")
    refused = api(
        client, "POST", f"{BASE}/{access_request.id}/transitions", status=422, token=reviewer, json=body
    )
    assert_problem(refused, field)
    db.session.expire_all()
    assert access_request.status == "in_review" and len(access_request.events) == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "comment"),
        ({"comment": ""}, "comment"),
        ({"comment": "x" * 5001}, "comment"),
        ({"comment": "a", "to": "b"}, "to"),
    ],
)
def test_a_bad_comment_is_a_422_naming_the_field(client, world, reviewer, body, field):
    access_request = create_request(world, "submitted")
    assert_problem(
        api(client, "POST", f"{BASE}/{access_request.id}/comments", status=422, token=reviewer, json=body),
        field,
    )


def test_bad_patches_name_the_field(client, world, requester):
    draft = create_request(world, "draft", answers={"purpose": "Buses"}, completed=False)
    url = f"{BASE}/{draft.id}"
    assert_problem(
        api(client, "PATCH", url, status=422, token=requester, json={"completed_sections": ["finance"]}),
        "completed_sections",
    )
    incomplete = api(
        client, "PATCH", url, status=422, token=requester, json={"completed_sections": ["legal"]}
    )
    assert_problem(incomplete, "answers.legal_power", "answers.legal_gateway")
    assert_problem(
        api(client, "PATCH", url, status=422, token=requester, json={"status": "accepted"}), "status"
    )
    submitted = create_request(world, "submitted")
    refused = api(
        client,
        "PATCH",
        f"{BASE}/{submitted.id}",
        status=409,
        token=requester,
        json={"answers": {"format": "XML"}},
    )
    assert refused.get_json()["code"] == "request_not_editable"


def test_a_wrong_if_match_is_a_412_on_every_change(client, world, requester):
    draft = create_request(world, "draft")
    wrong = {"If-Match": 'W/"999.0"'}
    api(
        client,
        "PATCH",
        f"{BASE}/{draft.id}",
        status=412,
        token=requester,
        headers=wrong,
        json={"answers": {}},
    )
    api(
        client,
        "POST",
        f"{BASE}/{draft.id}/transitions",
        status=412,
        token=requester,
        headers=wrong,
        json={"to": "cancelled"},
    )
    api(
        client,
        "PATCH",
        f"{BASE}/{draft.id}",
        status=412,
        token=requester,
        headers={"If-Match": '""'},
        json={"answers": {}},
    )


def test_machine_clients_are_refused_even_with_the_publish_scope(client, world):
    record, _ = create_client(ADMIN, world.owner.slug, name="DWP sync", scopes=["discover", "publish"])
    token, _ = issue_access_token(record, ["discover", "publish"])
    access_request = create_request(world, "submitted")
    api(client, "GET", BASE, status=403, token=token)
    api(client, "GET", f"{BASE}/{access_request.id}", status=403, token=token)
    api(client, "POST", BASE, status=403, token=token, json={"dataset": world.dataset.slug})
    api(
        client,
        "POST",
        f"{BASE}/{access_request.id}/transitions",
        status=403,
        token=token,
        json={"to": "in_review"},
    )
    api(client, "GET", f"{BASE}/summary", status=403, token=token)


def test_a_read_only_token_reads_but_cannot_write(client, world):
    access_request = create_request(world, "in_review")
    reader = world.token(world.reviewer, scopes=("read",))
    api(client, "GET", f"{BASE}/{access_request.id}", status=200, token=reader)
    api(
        client,
        "POST",
        f"{BASE}/{access_request.id}/transitions",
        status=403,
        token=reader,
        json={"to": "accepted"},
    )
    api(
        client,
        "POST",
        f"{BASE}/{access_request.id}/comments",
        status=403,
        token=reader,
        json={"comment": "Hi"},
    )
    own = world.token(world.requester, scopes=("read",))
    api(client, "POST", BASE, status=403, token=own, json={"dataset": world.dataset.slug})
    db.session.expire_all()
    assert access_request.status == "in_review"


def test_anonymous_callers_get_401_everywhere(client, world):
    access_request = create_request(world, "submitted")
    for method, path in [
        ("GET", BASE),
        ("POST", BASE),
        ("GET", f"{BASE}/{access_request.id}"),
        ("PATCH", f"{BASE}/{access_request.id}"),
        ("POST", f"{BASE}/{access_request.id}/transitions"),
        ("GET", f"{BASE}/{access_request.id}/comments"),
        ("POST", f"{BASE}/{access_request.id}/comments"),
        ("GET", f"{BASE}/summary"),
        ("GET", f"{BASE}/export.csv"),
    ]:
        response = api(client, method, path, status=401, json={} if method != "GET" else None)
        assert response.mimetype == "application/problem+json"
