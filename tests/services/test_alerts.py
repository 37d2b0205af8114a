"""Alert digests (services/alerts.py): when a saved search is due, that nothing new sends nothing,
that a digest lists only what its recipient may see when it is sent, and that no digest is sent
twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from marketplace.extensions import db
from marketplace.models import MailMessage, SavedSearch
from marketplace.models.types import utcnow
from marketplace.rules.actors import Actor
from marketplace.search import index_root, rebuild_index
from marketplace.services.alerts import MAX_LISTED, digest_body, send_due_alerts
from marketplace.services.datasets import withdraw_dataset
from marketplace.services.saved_searches import save_search
from tests.factories import ADMIN, create_dataset, create_organisation, create_user


@pytest.fixture
def dft(app):
    app.config["BASE_URL"] = "http://marketplace.test"
    return create_organisation()


def _actor(user):
    return Actor.for_user(user, "session", {"read", "publish"})


def _saved(user, alert="daily", pairs=(("q", "casualties"),), name="Casualties") -> SavedSearch:
    saved = save_search(_actor(user), name=name, alert=alert, pairs=list(pairs))
    db.session.commit()
    return saved


def _age(saved: SavedSearch, **ago) -> None:
    """The last digest was sent `ago` (the test does not wait for it)."""
    db.session.execute(
        update(SavedSearch)
        .where(SavedSearch.id == saved.id)
        .values(last_alert_at=utcnow() - timedelta(**ago))
    )
    db.session.commit()


def _digests() -> list[MailMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(MailMessage).where(MailMessage.kind == "saved_search_alert")))


def _new_entry(organisation, **fields):
    dataset = create_dataset(organisation=organisation, **fields)
    db.session.commit()
    rebuild_index(index_root())
    return dataset


def test_a_daily_alert_is_due_after_a_day_and_not_before(dft):
    saved = _saved(create_user(email="reader@dft.gov.uk", organisation=dft))
    _age(saved, hours=23)
    _new_entry(dft, title="Road casualties 2025")
    assert send_due_alerts()["due"] == 0
    _age(saved, hours=25)
    _new_entry(dft, title="Road casualties 2026")
    assert send_due_alerts() == {"due": 1, "queued": 1, "nothing_new": 0}
    [digest] = _digests()
    assert digest.to_address == "reader@dft.gov.uk"
    assert "Road casualties 2026" in digest.body_text


def test_a_weekly_alert_waits_seven_days(dft):
    saved = _saved(create_user(email="reader@dft.gov.uk", organisation=dft), alert="weekly")
    _age(saved, days=6)
    assert send_due_alerts()["due"] == 0
    _age(saved, days=8)
    assert send_due_alerts()["due"] == 1


def test_a_search_without_an_alert_is_never_due(dft):
    saved = _saved(create_user(email="reader@dft.gov.uk", organisation=dft), alert="none")
    _age(saved, days=30)
    assert send_due_alerts()["due"] == 0


def test_nothing_new_sends_nothing_but_moves_the_time_on(dft):
    saved = _saved(create_user(email="reader@dft.gov.uk", organisation=dft))
    _age(saved, days=2)
    before = utcnow()
    assert send_due_alerts() == {"due": 1, "queued": 0, "nothing_new": 1}
    assert _digests() == []
    db.session.expire_all()
    assert db.session.get(SavedSearch, saved.id).last_alert_at >= before


def test_two_runs_send_one_digest(dft):
    saved = _saved(create_user(email="reader@dft.gov.uk", organisation=dft))
    _age(saved, days=2)
    _new_entry(dft, title="Road casualties 2025")
    send_due_alerts()
    assert send_due_alerts()["due"] == 0
    assert len(_digests()) == 1


def test_a_draft_of_the_users_organisation_is_listed_for_its_publisher_never_for_an_outsider(dft):
    home_office = create_organisation(slug="home-office", title="Home Office", abbreviation="HO")
    publisher = create_user(email="pub@dft.gov.uk", organisation=dft, roles=("member", "publisher"))
    outsider = create_user(email="someone@homeoffice.gov.uk", organisation=home_office)
    pairs = (("q", "casualties"), ("status", "draft"), ("status", "published"))
    mine = _saved(publisher, pairs=pairs)
    theirs = _saved(outsider, pairs=pairs)
    _age(mine, days=2)
    _age(theirs, days=2)
    _new_entry(dft, title="Unpublished road casualties", status="draft")
    counts = send_due_alerts()
    assert counts["queued"] == 1
    [digest] = _digests()
    assert digest.to_address == "pub@dft.gov.uk"
    assert "Unpublished road casualties" in digest.body_text


def test_an_entry_withdrawn_after_saving_is_not_listed(dft):
    saved = _saved(create_user(email="reader@dft.gov.uk", organisation=dft))
    _age(saved, days=2)
    entry = _new_entry(dft, title="Road casualties 2025")
    withdraw_dataset(ADMIN, str(entry.id), reason="Replaced.")
    db.session.commit()
    rebuild_index(index_root())
    assert send_due_alerts()["queued"] == 0
    assert _digests() == []


def test_a_publisher_who_loses_the_role_no_longer_sees_the_drafts(dft):
    from marketplace.services.roles import revoke_role

    publisher = create_user(email="pub@dft.gov.uk", organisation=dft, roles=("member", "publisher"))
    saved = _saved(publisher, pairs=(("q", "casualties"), ("status", "draft")))
    _age(saved, days=2)
    _new_entry(dft, title="Unpublished road casualties", status="draft")
    revoke_role(ADMIN, dft, "pub@dft.gov.uk", "publisher")
    db.session.commit()
    send_due_alerts()
    assert _digests() == []


def test_a_digest_lists_at_most_twenty_entries_then_says_how_many_more(dft):
    saved = _saved(create_user(email="reader@dft.gov.uk", organisation=dft))
    entries = [type("Entry", (), {"title": f"Entry {n}", "slug": f"entry-{n}"}) for n in range(25)]
    body = digest_body(saved, entries)
    assert body.count("http://marketplace.test/datasets/entry-") == MAX_LISTED
    assert "and 5 more." in body
    assert f"http://marketplace.test/account/saved-searches/{saved.id}/run" in body
    assert "http://marketplace.test/saved-searches/unsubscribe/" in body
