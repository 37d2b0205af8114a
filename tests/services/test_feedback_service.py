"""The rules for feedback: only the message is needed, each field has its bound, the page it came
from is kept only if it is a path on this site, nothing is kept from a refused sending, and only
site admins read what was sent, newest first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.errors import PermissionDeniedError, ValidationError
from marketplace.extensions import db
from marketplace.models import Feedback
from marketplace.rules.actors import Actor
from marketplace.services.feedback import give_feedback, list_feedback, page_came_from
from tests.factories import ADMIN, create_organisation, create_user


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Feedback))


def _as(user) -> Actor:
    return Actor.for_user(user, "session", {"read", "publish"})


def test_feedback_keeps_each_field_trimmed_and_the_signed_in_person(app):
    user = create_user(email="ann@cabinetoffice.gov.uk", roles=())
    kept = give_feedback(
        _as(user),
        {
            "doing": "  Find waiting times ",
            "message": " The filters were hard to use.\n\nThe rest was fine. ",
            "reply_to": "ann@cabinetoffice.gov.uk",
            "page": "/datasets?q=waiting",
        },
    )
    db.session.expire_all()
    stored = db.session.get(Feedback, kept.id)
    assert (stored.doing, stored.message, stored.reply_to, stored.page, stored.user_id) == (
        "Find waiting times",
        "The filters were hard to use.\n\nThe rest was fine.",
        "ann@cabinetoffice.gov.uk",
        "/datasets?q=waiting",
        user.id,
    )
    assert stored.received_at is not None


def test_anonymous_feedback_needs_only_a_message_and_keeps_no_person(app):
    kept = give_feedback(Actor.anonymous(), {"message": "Useful.", "doing": "", "reply_to": "", "page": ""})
    assert (kept.message, kept.doing, kept.reply_to, kept.page, kept.user_id) == (
        "Useful.",
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    "page",
    [
        "//evil.example/",
        "https://evil.example/",
        "javascript:alert(1)",
        "\\\\evil.example",
        "/\\evil.example",
        "datasets",
        "/datasets\x00",
        "/datasets\ud800",
        "/" + "a" * 2000,
        42,
    ],
)
def test_a_page_that_is_not_a_path_on_this_site_is_dropped_and_the_feedback_kept(app, page):
    assert page_came_from(page) is None
    kept = give_feedback(Actor.anonymous(), {"message": "Hi", "page": page})
    assert kept.page is None and _count() == 1


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({}, "message"),
        ({"message": ""}, "message"),
        ({"message": " \n\t "}, "message"),
        ({"message": "x" * 2001}, "message"),
        ({"message": "Hi", "doing": "x" * 1001}, "doing"),
        ({"message": "Hi", "reply_to": "not an address"}, "reply_to"),
        ({"message": "Hi", "reply_to": "a" * 250 + "@x.gov.uk"}, "reply_to"),
        ({"message": "Hi\x00there"}, "message"),
        ({"message": "Hi", "doing": "a lone \udc00 surrogate"}, "doing"),
        ({"message": "Hi", "colour": "blue"}, "colour"),
    ],
)
def test_bad_feedback_names_the_field_and_nothing_is_kept(app, raw, field):
    with pytest.raises(ValidationError) as refused:
        give_feedback(Actor.anonymous(), raw)
    assert field in refused.value.errors
    assert _count() == 0


def test_the_longest_accepted_fields_are_kept_whole(app):
    kept = give_feedback(Actor.anonymous(), {"message": "m" * 2000, "doing": "d" * 1000})
    assert (len(kept.message), len(kept.doing)) == (2000, 1000)


def test_site_admins_read_feedback_newest_first_a_page_at_a_time(app):
    first = give_feedback(Actor.anonymous(), {"message": "first"})
    second = give_feedback(Actor.anonymous(), {"message": "second"})
    third = give_feedback(Actor.anonymous(), {"message": "third"})
    # Sent in the same instant, the later one still comes first.
    second.received_at = third.received_at
    first.received_at = third.received_at - timedelta(minutes=1)
    db.session.commit()
    admin = _as(create_user(email="sam@cabinetoffice.gov.uk", roles=("site_admin",)))
    one = list_feedback(admin, page=1, per_page=2)
    two = list_feedback(admin, page=2, per_page=2)
    assert [f.message for f in one.items] == ["third", "second"] and one.total == 3
    assert [f.message for f in two.items] == ["first"]
    assert list_feedback(ADMIN, page=1, per_page=10).total == 3  # the command line, too


@pytest.mark.parametrize("roles", [("member",), ("publisher",), ("org_admin",)])
def test_nobody_but_a_site_admin_reads_feedback(app, roles):
    give_feedback(Actor.anonymous(), {"message": "Hi"})
    user = create_user(email="ann@dft.gov.uk", organisation=create_organisation(), roles=roles)
    for actor in (Actor.anonymous(), _as(user)):
        with pytest.raises(PermissionDeniedError):
            list_feedback(actor, page=1, per_page=10)
