"""POST /api/v1/datasets with an Idempotency-Key: a retry gets the first answer, never a second entry."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select, update

from marketplace.extensions import db
from marketplace.models import Dataset, IdempotencyKey
from marketplace.models.types import utcnow
from marketplace.rules.actors import Actor
from marketplace.services import api_clients
from marketplace.services import datasets as dataset_services
from tests.factories import create_organisation, create_token, create_user, valid_entry
from tests.helpers import api, assert_problem
from tests.support import refused

DATASETS = "/api/v1/datasets"
KEY = "8e03978e-40d5-43e8-bc93-6894a57f9324"


def post(client, token: str, body: bytes, *, key: str | None = KEY, status: int = 201):
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return api(client, "POST", DATASETS, status=status, token=token, headers=headers, data=body)


def entries() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Dataset))


def keys() -> list[IdempotencyKey]:
    db.session.expire_all()
    return list(db.session.scalars(select(IdempotencyKey).order_by(IdempotencyKey.id)))


def forget_after(hours: float) -> None:
    """Make every stored key `hours` old, as if that long had passed (no sleeping)."""
    db.session.execute(update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=hours)))
    db.session.commit()


@pytest.fixture
def body() -> bytes:
    return json.dumps(valid_entry()).encode()


def test_a_retry_with_the_same_key_and_body_gets_the_first_answer_byte_for_byte(client, token, body):
    first = post(client, token, body)
    again = post(client, token, body)
    assert entries() == 1
    assert again.get_data() == first.get_data()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers


def test_without_the_header_a_retry_still_creates_a_second_entry(client, token, body):
    first = post(client, token, body, key=None)
    second = post(client, token, body, key=None)
    assert second.get_json()["slug"] == first.get_json()["slug"] + "-2"
    assert entries() == 2 and keys() == []


def test_the_same_key_with_another_body_is_refused_and_creates_nothing(client, token, body):
    post(client, token, body)
    other = json.dumps(valid_entry(title="Another entry altogether")).encode()
    problem = refused(
        client,
        "POST",
        DATASETS,
        status=422,
        fields=("Idempotency-Key",),
        token=token,
        headers={"Idempotency-Key": KEY, "Content-Type": "application/json"},
        data=other,
    )
    assert problem["code"] == "idempotency_key_reused"
    assert entries() == 1
    # The first answer is still kept for a retry of the first request.
    assert post(client, token, body).headers["Idempotent-Replayed"] == "true"


def test_two_callers_using_the_same_key_are_independent(app, client, token, body):
    organisation = create_organisation()
    other_user = create_user(email="bob@dft.gov.uk", organisation=organisation, roles=("publisher",))
    other_token = create_token(user=other_user)
    mine = post(client, token, body)
    theirs = post(client, other_token, body)
    assert "Idempotent-Replayed" not in theirs.headers
    assert mine.get_json()["id"] != theirs.get_json()["id"]
    assert entries() == 2


@pytest.mark.parametrize(
    "key",
    ["", "   ", "x" * 256, "naïve-key", '""'],
    ids=["empty", "blank", "long", "non-ascii", "empty-string"],
)
def test_a_key_that_is_not_1_to_255_printable_ascii_characters_is_refused(client, token, body, key):
    problem = refused(
        client,
        "POST",
        DATASETS,
        status=400,
        fields=("Idempotency-Key",),
        token=token,
        headers={"Idempotency-Key": key, "Content-Type": "application/json"},
        data=body,
    )
    assert problem["code"] == "invalid_idempotency_key"
    assert keys() == []


def test_a_key_of_255_characters_is_taken(client, token, body):
    post(client, token, body, key="k" * 255)
    assert post(client, token, body, key="k" * 255).headers["Idempotent-Replayed"] == "true"


def test_a_key_sent_as_a_structured_field_string_is_the_same_key_as_sent_bare(client, token, body):
    post(client, token, body, key=f'"{KEY}"')
    assert post(client, token, body, key=KEY).headers["Idempotent-Replayed"] == "true"
    assert entries() == 1


def test_an_anonymous_post_with_a_key_is_refused_as_without_one(client, token, body):
    response = post(client, None, body, status=401)
    assert assert_problem(response)["code"] == "authentication_required"
    assert keys() == [] and entries() == 0


def test_a_refused_request_keeps_its_answer_and_a_retry_gets_it_again(client, token):
    bad = json.dumps(valid_entry(status="published", title="")).encode()
    first = post(client, token, bad, status=422)
    again = post(client, token, bad, status=422)
    assert again.get_data() == first.get_data()
    assert again.headers["Content-Type"] == "application/problem+json"
    assert again.headers["Idempotent-Replayed"] == "true"
    assert entries() == 0


def test_a_failure_on_our_side_gives_the_key_up_so_that_a_retry_runs_again(client, token, body, monkeypatch):
    create = dataset_services.create_dataset

    def failing(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(dataset_services, "create_dataset", failing)
    post(client, token, body, status=500)
    assert keys() == []
    monkeypatch.setattr(dataset_services, "create_dataset", create)
    created = post(client, token, body)
    assert "Idempotent-Replayed" not in created.headers
    assert entries() == 1


def test_after_the_time_to_live_a_key_is_forgotten_and_the_request_runs_again(app, client, token, body):
    first = post(client, token, body)
    forget_after(app.config["IDEMPOTENCY_TTL_HOURS"] + 1)
    again = post(client, token, body)
    assert "Idempotent-Replayed" not in again.headers
    assert again.get_json()["id"] != first.get_json()["id"]
    assert entries() == 2
    # Forgotten means forgotten: another body may use it too.
    forget_after(app.config["IDEMPOTENCY_TTL_HOURS"] + 1)
    post(client, token, json.dumps(valid_entry()).encode())
    assert entries() == 3


def test_within_the_time_to_live_a_key_is_remembered(app, client, token, body):
    post(client, token, body)
    forget_after(app.config["IDEMPOTENCY_TTL_HOURS"] - 1)
    assert post(client, token, body).headers["Idempotent-Replayed"] == "true"


def test_expired_keys_are_swept_when_a_new_key_is_claimed(app, client, token, body):
    post(client, token, body, key="old-1")
    post(client, token, json.dumps(valid_entry()).encode(), key="old-2")
    forget_after(app.config["IDEMPOTENCY_TTL_HOURS"] + 1)
    post(client, token, json.dumps(valid_entry()).encode(), key="new")
    assert [row.key for row in keys()] == ["new"]


def test_a_claim_left_by_a_request_that_died_is_taken_over_after_a_while(client, token, body):
    post(client, token, body)
    db.session.execute(
        update(IdempotencyKey).values(
            status=None,
            response_body=None,
            response_headers=None,
            created_at=utcnow() - timedelta(minutes=10),
        )
    )
    db.session.commit()
    assert "Idempotent-Replayed" not in post(client, token, body).headers


def test_while_the_first_request_runs_a_retry_is_told_to_wait(app, live_server, token, body, monkeypatch):
    entered, release = threading.Event(), threading.Event()
    create = dataset_services.create_dataset

    def slow(*args, **kwargs):
        entered.set()
        release.wait(timeout=30)
        return create(*args, **kwargs)

    monkeypatch.setattr(dataset_services, "create_dataset", slow)
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": KEY, "Content-Type": "application/json"}
    answers: list[requests.Response] = []
    first = threading.Thread(
        target=lambda: answers.append(
            requests.post(f"{live_server}{DATASETS}", data=body, headers=headers, timeout=30)
        )
    )
    first.start()
    try:
        assert entered.wait(timeout=30)
        waiting = requests.post(f"{live_server}{DATASETS}", data=body, headers=headers, timeout=30)
    finally:
        release.set()
        first.join(timeout=30)
    assert waiting.status_code == 409, waiting.text
    assert waiting.json()["code"] == "idempotency_key_in_use"
    assert "Idempotency-Key" in waiting.json()["errors"]
    assert int(waiting.headers["Retry-After"]) >= 1
    assert [a.status_code for a in answers] == [201]
    replay = requests.post(f"{live_server}{DATASETS}", data=body, headers=headers, timeout=30)
    assert (replay.status_code, replay.content) == (201, answers[0].content)
    assert entries() == 1


def test_two_first_uses_at_the_same_moment_make_one_entry(app, live_server, token, body):
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": KEY, "Content-Type": "application/json"}
    barrier = threading.Barrier(2)
    answers: list[requests.Response] = []

    def send() -> None:
        barrier.wait(timeout=30)
        answers.append(requests.post(f"{live_server}{DATASETS}", data=body, headers=headers, timeout=30))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(a.status_code for a in answers)
    assert statuses in ([201, 201], [201, 409]), [a.text for a in answers]
    created = [a for a in answers if a.status_code == 201]
    if len(created) == 2:  # the second came after the first was answered: a replay of it
        assert created[0].content == created[1].content
        assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in created) == 1
    else:
        assert next(a for a in answers if a.status_code == 409).json()["code"] == "idempotency_key_in_use"
    assert entries() == 1


def test_a_machine_client_s_keys_replay_and_are_kept_apart_from_people_s(client, token, body):
    registered, _ = api_clients.create_client(
        Actor.system("test"), "department-for-transport", name="Catalogue sync", scopes="discover,publish"
    )
    client_token, _ = api_clients.issue_access_token(registered, ["discover", "publish"])
    first = post(client, client_token, body)
    again = post(client, client_token, body)
    assert again.get_data() == first.get_data() and again.headers["Idempotent-Replayed"] == "true"
    # The same key from a person is theirs, not the client's: it runs.
    post(client, token, json.dumps(valid_entry(title="A person's own entry")).encode())
    assert entries() == 2
    assert sorted((k.user_id is None, k.client_id is None) for k in keys()) == [(False, True), (True, False)]
