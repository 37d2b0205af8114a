"""Every change to an entry leaves a revision and an outbox row, in the change's own transaction."""

from __future__ import annotations

from typing import Any

from marketplace.extensions import db
from marketplace.models import Dataset, OutboxEntry, Revision
from marketplace.rules.actors import Actor

EMPTY = (None, "", [], {})


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each top-level field whose value differs, as ``{field: {"before": …, "after": …}}``.

    Absent, null and empty values count as the same, so a new entry's history lists only
    the fields it was given.
    """
    changes = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new and not (old in EMPTY and new in EMPTY):
            changes[key] = {"before": old, "after": new}
    return changes


def record_change(
    dataset: Dataset, actor: Actor, action: str, changes: dict[str, dict[str, Any]]
) -> Revision:
    """Add the revision and the outbox row for a change; the caller commits both with it."""
    # Linked through relationships (not bare ids) so the unit of work writes the entry first.
    revision = Revision(
        dataset=dataset,
        action=action,
        actor_id=actor.user_id,
        actor_label=actor.label,
        changes=changes,
    )
    db.session.add(revision)
    db.session.add(OutboxEntry(dataset=dataset, change="delete" if action == "delete" else "upsert"))
    return revision
