"""`flask alerts send`: queues the digests that are due and says how many."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from marketplace.extensions import db
from marketplace.models import MailMessage, SavedSearch
from marketplace.models.types import utcnow
from marketplace.rules.actors import Actor
from marketplace.search import index_root, rebuild_index
from marketplace.services.saved_searches import save_search
from tests.factories import create_dataset, create_organisation, create_user


def test_alerts_send_queues_a_due_digest_once(app, runner):
    dft = create_organisation()
    user = create_user(email="reader@dft.gov.uk", organisation=dft)
    saved = save_search(Actor.for_user(user, "session", {"read"}), name="Roads", alert="daily", pairs=[])
    db.session.commit()
    db.session.execute(
        update(SavedSearch)
        .where(SavedSearch.id == saved.id)
        .values(last_alert_at=utcnow() - timedelta(days=2))
    )
    create_dataset(organisation=dft, title="Road casualties 2025")
    db.session.commit()
    rebuild_index(index_root())
    first = runner.invoke(args=["alerts", "send"])
    assert first.exit_code == 0, first.output
    assert "1 due, 1 digests queued, 0 with nothing new." in first.output
    second = runner.invoke(args=["alerts", "send"])
    assert "0 due" in second.output
    assert db.session.scalar(select(func.count()).select_from(MailMessage)) == 1
