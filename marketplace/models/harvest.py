"""Harvesting: catalogues (CKAN or DCAT) whose entries an organisation brings in, each run of
bringing them in, and which of our entries came from which record of a source."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.dataset import Dataset
from marketplace.models.organisation import Organisation
from marketplace.models.types import BigIntegerPK, UTCDateTime, utcnow

# A reference to a BigIntegerPK column (SQLite keys are plain INTEGER).
BigIntegerRef = BigInteger().with_variant(Integer(), "sqlite")

HARVEST_TYPES = ("ckan", "dcat", "ckan-dump")
RUN_OUTCOMES = ("created", "updated", "unchanged", "withdrawn", "failed", "conflict")


class HarvestSource(db.Model):
    """A catalogue to bring entries in from, into one organisation."""

    __tablename__ = "harvest_sources"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # "ckan" (its Action API), "dcat" (a DCAT catalogue's pages), or "ckan-dump" (a file that
    # `ckanapi dump datasets` wrote, imported without the server reaching the network).
    type: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(String(2048))
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    every_hours: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    runs: Mapped[list[HarvestRun]] = relationship(
        back_populates="source", order_by="HarvestRun.id.desc()", cascade="all, delete-orphan"
    )


class HarvestRun(db.Model):
    """One run over a source: what it found, and what became of each record."""

    __tablename__ = "harvest_runs"

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True)
    source_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("harvest_sources.id", ondelete="CASCADE"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # "running", "finished" (every record dealt with, some perhaps failed) or "failed" (the
    # source could not be read: nothing was changed).
    status: Mapped[str] = mapped_column(String(20), default="running")
    error: Mapped[str | None] = mapped_column(Text)
    records: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)

    source: Mapped[HarvestSource] = relationship(back_populates="runs")
    problems: Mapped[list[HarvestProblem]] = relationship(
        back_populates="run", order_by="HarvestProblem.id", cascade="all, delete-orphan"
    )


class HarvestProblem(db.Model):
    """A record a run could not bring in (failed), left alone (conflict), or brought in with
    values left out (not in our vocabularies) or filled in (a public CKAN site's gaps): noted."""

    __tablename__ = "harvest_problems"

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True)
    run_id: Mapped[int] = mapped_column(
        BigIntegerRef,
        ForeignKey("harvest_runs.id", ondelete="CASCADE"),
        index=True,
    )
    source_identifier: Mapped[str | None] = mapped_column(String(255))
    outcome: Mapped[str] = mapped_column(String(20))
    title: Mapped[str | None] = mapped_column(String(500))
    # Field -> messages, as the API's 422 names them, or {"record": [why]}.
    errors: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    run: Mapped[HarvestRun] = relationship(back_populates="problems")


class HarvestedEntry(db.Model):
    """Which of our entries a source's record became, and what the source said last."""

    __tablename__ = "harvested_entries"
    __table_args__ = (UniqueConstraint("source_id", "source_identifier"),)

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True)
    source_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("harvest_sources.id", ondelete="CASCADE"), index=True
    )
    source_identifier: Mapped[str] = mapped_column(String(255))
    dataset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), unique=True, index=True
    )
    # The record as mapped to our fields, hashed: a run changes an entry only when this changes.
    content_hash: Mapped[str] = mapped_column(String(64))
    source_modified: Mapped[str | None] = mapped_column(String(40))
    # The entry's last revision that the harvester wrote: any later revision by someone else is a
    # local edit, which a run reports as a conflict and leaves alone unless told to overwrite.
    revision_id: Mapped[int | None] = mapped_column(BigIntegerRef)
    harvested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    source: Mapped[HarvestSource] = relationship(lazy="joined")
    # `dataset.harvested`: loaded with a page of entries in one query, for the API and pages.
    dataset: Mapped[Dataset] = relationship(backref=backref("harvested", uselist=False, lazy="selectin"))
