"""Who is acting: the caller a service checks permissions for.

Views build an `Actor` from a token or a session and pass it in explicitly; services never
read request globals.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from marketplace.models import User

PUBLISHING_ROLES = frozenset({"publisher", "org_admin"})


@dataclass(frozen=True)
class Actor:
    user: User | None = None
    # How the caller proved who they are: "anonymous", "token", "session" or "system" (CLI, seed).
    via: str = "anonymous"
    scopes: frozenset[str] = field(default_factory=frozenset)
    label_override: str | None = None

    @classmethod
    def anonymous(cls) -> Actor:
        return cls()

    @classmethod
    def system(cls, label: str) -> Actor:
        """The operator at the command line: may do anything, recorded under `label`."""
        return cls(via="system", scopes=frozenset({"read", "publish"}), label_override=label)

    @classmethod
    def for_user(cls, user: User, via: str, scopes: frozenset[str] | set[str]) -> Actor:
        return cls(user=user, via=via, scopes=frozenset(scopes))

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None or self.via == "system"

    @property
    def is_site_admin(self) -> bool:
        return self.via == "system" or bool(self.user and self.user.is_site_admin)

    @property
    def may_write(self) -> bool:
        return "publish" in self.scopes

    @property
    def label(self) -> str:
        if self.label_override:
            return self.label_override
        return self.user.email if self.user else "anonymous"

    @property
    def user_id(self) -> uuid.UUID | None:
        return self.user.id if self.user else None

    def publishing_organisation_ids(self) -> set[uuid.UUID]:
        """Organisations whose entries this actor may create and change."""
        if self.user is None:
            return set()
        return {m.organisation_id for m in self.user.memberships if m.role in PUBLISHING_ROLES}

    def organisation_ids(self) -> set[uuid.UUID]:
        if self.user is None:
            return set()
        return {m.organisation_id for m in self.user.memberships}
