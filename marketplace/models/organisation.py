from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.types import UTCDateTime, utcnow


class Organisation(db.Model):
    """A department or public body that publishes entries (DCAT publisher)."""

    __tablename__ = "organisations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    abbreviation: Mapped[str | None] = mapped_column(String(30))
    organisation_type: Mapped[str] = mapped_column(String(40))
    access_request_mailbox: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    domains: Mapped[list[OrganisationEmailDomain]] = relationship(
        back_populates="organisation",
        cascade="all, delete-orphan",
        order_by="OrganisationEmailDomain.domain",
    )

    @property
    def email_domains(self) -> list[str]:
        return [d.domain for d in self.domains]

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class OrganisationEmailDomain(db.Model):
    """An e-mail domain whose users belong to the organisation; a domain names one organisation."""

    __tablename__ = "organisation_email_domains"

    domain: Mapped[str] = mapped_column(String(253), primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )

    organisation: Mapped[Organisation] = relationship(back_populates="domains")
