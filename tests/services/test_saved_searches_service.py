"""Saved searches (services/saved_searches.py): saving with its rules, listing with the count of
entries new since last viewed, changing the alert, deleting, and the limit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.errors import NotFoundError, PermissionDeniedError, ValidationError
from marketplace.extensions import db
from marketplace.models.types import utcnow
from marketplace.rules.actors import Actor
from marketplace.search import index_root, rebuild_index
from marketplace.services import saved_searches
from marketplace.services.saved_searches import (
    change_alert,
    delete_saved_search,
    get_saved_search,
    list_saved_searches,
    mark_viewed,
    save_search,
)
from tests.factories import create_dataset, create_organisation, create_user


@pytest.fixture
def dft(app):
    return create_organisation()


@pytest.fixture
def reader(dft):
    user = create_user(email="reader@department-for-transport.gov.uk", organisation=dft)
    return Actor.for_user(user, "session", {"read", "publish"})


def _errors(excinfo) -> dict:
    return excinfo.value.errors


def test_a_saved_search_keeps_its_query_and_filters_but_not_the_page(reader):
    saved = save_search(
        reader,
        name="Road casualties",
        alert="daily",
        pairs=[("q", "casualties"), ("theme", "transport-and-infrastructure"), ("page", "3")],
    )
    db.session.commit()
    assert saved.params == {"pairs": [["q", "casualties"], ["theme", "transport-and-infrastructure"]]}
    assert saved.alert == "daily"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Enter a name for this search."),
        ("   ", "Enter a name for this search."),
        ("x" * 101, "The name must be 100 characters or fewer."),
    ],
)
def test_a_name_that_is_empty_or_too_long_is_refused(reader, name, message):
    with pytest.raises(ValidationError) as excinfo:
        save_search(reader, name=name, alert="none", pairs=[("q", "roads")])
    assert _errors(excinfo)["name"] == [message]


def test_a_name_the_user_already_uses_is_refused_but_another_user_may_use_it(reader, dft):
    save_search(reader, name="Roads", alert="none", pairs=[("q", "roads")])
    db.session.commit()
    with pytest.raises(ValidationError) as excinfo:
        save_search(reader, name="Roads", alert="none", pairs=[("q", "rail")])
    assert "already have a saved search" in _errors(excinfo)["name"][0]
    db.session.rollback()
    other = Actor.for_user(create_user(email="other@dft.gov.uk", roles=()), "session", {"read"})
    save_search(other, name="Roads", alert="none", pairs=[("q", "roads")])
    db.session.commit()


def test_an_alert_frequency_that_is_not_a_choice_is_refused(reader):
    with pytest.raises(ValidationError) as excinfo:
        save_search(reader, name="Roads", alert="hourly", pairs=[])
    assert "alert" in _errors(excinfo)


def test_a_user_may_keep_at_most_the_limit_of_saved_searches(reader, monkeypatch):
    monkeypatch.setattr(saved_searches, "MAX_SAVED_SEARCHES", 3)
    for number in range(3):
        save_search(reader, name=f"Search {number}", alert="none", pairs=[("q", f"q{number}")])
    db.session.commit()
    with pytest.raises(ValidationError) as excinfo:
        save_search(reader, name="One too many", alert="none", pairs=[])
    assert "the most you can keep" in _errors(excinfo)["name"][0]


def test_someone_signed_out_cannot_save_a_search(app):
    with pytest.raises(PermissionDeniedError):
        save_search(Actor.anonymous(), name="Roads", alert="none", pairs=[])


def test_the_list_counts_entries_first_published_since_the_search_was_last_viewed(reader, dft):
    create_dataset(organisation=dft, title="Old road casualties table")
    saved = save_search(reader, name="Casualties", alert="none", pairs=[("q", "casualties")])
    saved.last_viewed_at = utcnow() + timedelta(milliseconds=5)
    db.session.commit()
    while utcnow() <= saved.last_viewed_at:
        pass
    create_dataset(organisation=dft, title="New road casualties table")
    create_dataset(
        organisation=dft, title="Rail timetable", keywords=["rail"], summary="Trains.", description="Trains."
    )
    db.session.commit()
    rebuild_index(index_root())
    [(listed, count)] = list_saved_searches(reader)
    assert (listed.name, count) == ("Casualties", 1)

    mark_viewed(reader, str(saved.id))
    db.session.commit()
    assert list_saved_searches(reader)[0][1] == 0


def test_the_alert_can_be_changed_and_a_bad_choice_is_refused(reader):
    saved = save_search(reader, name="Roads", alert="none", pairs=[])
    db.session.commit()
    change_alert(reader, str(saved.id), "weekly")
    db.session.commit()
    assert get_saved_search(reader, saved.id).alert == "weekly"
    with pytest.raises(ValidationError):
        change_alert(reader, str(saved.id), "yearly")


def test_a_search_can_be_deleted_and_only_by_its_owner(reader):
    saved = save_search(reader, name="Roads", alert="none", pairs=[])
    db.session.commit()
    other = Actor.for_user(create_user(email="other@dft.gov.uk", roles=()), "session", {"read"})
    with pytest.raises(NotFoundError):
        delete_saved_search(other, str(saved.id))
    with pytest.raises(NotFoundError):
        get_saved_search(reader, "not-a-uuid")
    delete_saved_search(reader, str(saved.id))
    db.session.commit()
    assert list_saved_searches(reader) == []
