"""Who is acting: the caller a service checks permissions for.

Views build an `Actor` from a token or a session and pass it in explicitly; services never
read request globals.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from marketplace.models import ApiClient, User

PUBLISHING_ROLES = frozenset({"publisher", "org_admin"})
# A machine client's OAuth scopes (the Data Marketplace's names) -> what they let it do here:
# `discover` reads, `publish` creates and changes, `delete` deletes (a person's "publish" token
# may delete too; a client needs the scope of its own).
CLIENT_SCOPES = {"discover": "read", "publish": "publish", "delete": "delete"}


@dataclass(frozen=True)
class Actor:
    user: User | None = None
    # How the caller proved who they are: "anonymous", "token", "session" or "system" (CLI, seed).
    via: str = "anonymous"
    scopes: frozenset[str] = field(default_factory=frozenset)
    label_override: str | None = None
    # A department's system calling by OAuth client credentials: no user, one organisation.
    client: ApiClient | None = None

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

    @classmethod
    def for_client(cls, client: ApiClient, client_scopes: frozenset[str] | set[str]) -> Actor:
        """A machine client with the OAuth scopes granted to its token (CLIENT_SCOPES' keys)."""
        granted = frozenset(CLIENT_SCOPES[name] for name in client_scopes if name in CLIENT_SCOPES)
        return cls(via="client", scopes=granted, client=client)

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None or self.client is not None or self.via == "system"

    @property
    def is_site_admin(self) -> bool:
        return self.via == "system" or bool(self.user and self.user.is_site_admin)

    @property
    def may_write(self) -> bool:
        return "publish" in self.scopes

    @property
    def may_delete(self) -> bool:
        if self.client is not None:
            return "delete" in self.scopes
        return self.may_write

    @property
    def label(self) -> str:
        if self.label_override:
            return self.label_override
        if self.client is not None:
            return f"API client {self.client.name} ({self.client.client_id})"
        return self.user.email if self.user else "anonymous"

    @property
    def user_id(self) -> uuid.UUID | None:
        return self.user.id if self.user else None

    def publishing_organisation_ids(self) -> set[uuid.UUID]:
        """Organisations whose entries this actor may create and change (with the scope to)."""
        if self.client is not None:
            return {self.client.organisation_id}
        if self.user is None:
            return set()
        return {m.organisation_id for m in self.user.memberships if m.role in PUBLISHING_ROLES}

    def organisation_ids(self) -> set[uuid.UUID]:
        if self.client is not None:
            return {self.client.organisation_id}
        if self.user is None:
            return set()
        return {m.organisation_id for m in self.user.memberships}
