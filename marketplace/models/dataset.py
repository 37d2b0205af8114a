"""Catalogued resources (datasets and data services) and what belongs to them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from marketplace.models.organisation import Organisation
    from marketplace.models.quality import QualityRating


class Dataset(db.Model):
    """A catalogued resource: a dataset or a data service (`type`).

    Fields required for publication are nullable here because drafts may be saved
    incomplete; the schemas and services insist on them before an entry is published.
    """

    __tablename__ = "datasets"
    __table_args__ = (
        # Partial, as every list asks only for live entries: counting what a list shows is then
        # read from this index alone (6 ms at 100,000 entries on PostgreSQL, 70-110 ms from the
        # table, whose rows carry the descriptions).
        Index(
            "ix_datasets_listing",
            "status",
            "access_rights",
            "modified",
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
        # The change feed's order (GET /api/v1/datasets?cursor=…, modified_since=…).
        Index("ix_datasets_changed", "updated_at", "id"),
        # An organisation's entry by its own identifier: no two live entries share one
        # (services/datasets.py); deleted ones may, so this is not a unique index.
        Index("ix_datasets_organisation_identifier", "organisation_id", "identifier"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    type: Mapped[str] = mapped_column(String(20))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(String(250))
    description: Mapped[str | None] = mapped_column(Text)
    # The description as sanitised HTML, made when it was saved, and the version of the rules that
    # made it (marketplace/descriptions.py): a page never parses Markdown for a current entry.
    description_html: Mapped[str | None] = mapped_column(Text)
    description_rendering: Mapped[int | None] = mapped_column(Integer)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    access_rights: Mapped[str | None] = mapped_column(String(20))
    security_classification: Mapped[str | None] = mapped_column(String(30))
    licence: Mapped[str | None] = mapped_column(String(255))
    modified: Mapped[date | None] = mapped_column(Date)
    issued: Mapped[date | None] = mapped_column(Date)
    created: Mapped[date | None] = mapped_column(Date)
    identifier: Mapped[str | None] = mapped_column(String(255))
    alternative_titles: Mapped[list[str]] = mapped_column(JSON, default=list)
    creators: Mapped[list[str]] = mapped_column(JSON, default=list)
    version: Mapped[str | None] = mapped_column(String(50))
    update_frequency: Mapped[str | None] = mapped_column(String(30))
    spatial_coverage: Mapped[str | None] = mapped_column(String(255))
    temporal_start: Mapped[date | None] = mapped_column(Date)
    temporal_end: Mapped[date | None] = mapped_column(Date)
    related_resources: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Data services only.
    endpoint_url: Mapped[str | None] = mapped_column(String(2048))
    endpoint_description: Mapped[str | None] = mapped_column(String(2048))
    service_type: Mapped[str | None] = mapped_column(String(20))
    service_status: Mapped[str | None] = mapped_column(String(20))
    # DCAT-UK's `serviceType` (bulk, transactional, information): what kind of service it is,
    # beside service_type, which is the API's style (REST, SOAP...), DCAT-UK's `apiType`.
    service_kind: Mapped[str | None] = mapped_column(String(20))
    serves_datasets: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Scored by rules.quality on every change and stored, so search can filter and sort by it.
    metadata_score: Mapped[int | None] = mapped_column(Integer)
    metadata_band: Mapped[str | None] = mapped_column(String(12), index=True)
    metadata_dimensions: Mapped[dict[str, int] | None] = mapped_column(JSON)
    metadata_indicators: Mapped[list[dict] | None] = mapped_column(JSON)
    # Freshness is judged at read time from these two dates (services.freshness), so the
    # stored state never goes stale.
    fresh_until: Mapped[date | None] = mapped_column(Date)
    overdue_after: Mapped[date | None] = mapped_column(Date)
    # Bumped on every change; the ETag, and SQLAlchemy's guard against lost updates.
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Why it was withdrawn, and the slug of the entry that replaces it: kept while it stays
    # withdrawn, shown on its page (cleared when it is published again).
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    replaced_by: Mapped[str | None] = mapped_column(String(100))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Whether the entry was ever published with OPEN access, that is, listed to everyone: a
    # signed-out client's change feed gets a tombstone for it once it is not (and never one for
    # an entry it could not have seen, which would tell it the entry exists).
    public_once: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    keywords: Mapped[list[DatasetKeyword]] = relationship(
        cascade="all, delete-orphan", order_by="DatasetKeyword.position", lazy="selectin"
    )
    themes: Mapped[list[DatasetTheme]] = relationship(
        cascade="all, delete-orphan", order_by="DatasetTheme.theme", lazy="selectin"
    )
    distributions: Mapped[list[Distribution]] = relationship(
        cascade="all, delete-orphan", order_by="Distribution.position", lazy="selectin"
    )
    quality_ratings: Mapped[list[QualityRating]] = relationship(
        cascade="all, delete-orphan", order_by="QualityRating.dimension", lazy="selectin"
    )
    old_slugs: Mapped[list[DatasetSlug]] = relationship(cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def etag(self) -> str:
        return f"{self.id.hex[:12]}-{self.lock_version}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def __repr__(self) -> str:
        return f"<Dataset {self.slug} {self.status}>"


class DatasetKeyword(db.Model):
    __tablename__ = "dataset_keywords"

    dataset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True
    )
    keyword: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_dataset_keywords_keyword", "keyword"),)


class DatasetTheme(db.Model):
    __tablename__ = "dataset_themes"

    dataset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True
    )
    theme: Mapped[str] = mapped_column(String(60), primary_key=True)

    __table_args__ = (Index("ix_dataset_themes_theme", "theme"),)


class Distribution(db.Model):
    """A way to get a dataset's data: a file to download or a page or API to access."""

    __tablename__ = "distributions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    access_url: Mapped[str | None] = mapped_column(String(2048))
    download_url: Mapped[str | None] = mapped_column(String(2048))
    media_type: Mapped[str | None] = mapped_column(String(127))
    format: Mapped[str | None] = mapped_column(String(50), index=True)
    byte_size: Mapped[int | None] = mapped_column(BigInteger)
    licence: Mapped[str | None] = mapped_column(String(255))
    issued: Mapped[date | None] = mapped_column(Date)
    modified: Mapped[date | None] = mapped_column(Date)
    # DCAT-UK's `accessService`: ids of the data services that give this distribution's data.
    access_services: Mapped[list[str]] = mapped_column(JSON, default=list)


class DatasetSlug(db.Model):
    """A slug the entry used to have; requests for it are redirected to the current one."""

    __tablename__ = "dataset_slugs"

    slug: Mapped[str] = mapped_column(String(120), primary_key=True)
    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    retired_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
