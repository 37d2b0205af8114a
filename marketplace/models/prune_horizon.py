"""How far a table has been pruned: what a reader that keeps its own position must know."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.models.types import UTCDateTime, utcnow


class PruneHorizon(db.Model):
    """The highest id deleted from a table by `flask prune` (one row a table, "outbox" so far).

    Each host's search index keeps its own position in the outbox (the highest id it applied); a
    host whose position is below the horizon may have missed rows that are gone, so it must be
    rebuilt rather than caught up (search/indexing.py). Raised in the same transaction as each
    delete, so no reader can see the rows gone before it sees the horizon.
    """

    __tablename__ = "prune_horizons"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    pruned_through: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
