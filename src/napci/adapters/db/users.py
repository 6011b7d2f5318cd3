"""The users store: add, authenticate, revoke (which ends the user's sessions)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from napci.adapters.db.schema import sessions, users
from napci.domain.access import ROLES, Principal
from napci.domain.envelope import format_timestamp
from napci.domain.text import unstorable

__all__ = ["UserError", "UserRecord", "UserStore", "hash_token"]

TOKEN_PREFIX = "napci_"


class UserError(ValueError):
    """A user command was refused; nothing changed."""


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A user as stored (never the token)."""

    name: str
    role: str
    actor: str | None
    created_at: str
    revoked_at: str | None

    def principal(self) -> Principal:
        """The user as an authenticated principal."""
        return Principal(self.name, self.role, self.actor)


def hash_token(token: str) -> str:
    """The stored form of a token (one with text that is not valid Unicode
    has a form too: it matches no user)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class UserStore:
    """Users over a SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, name: str, role: str, actor: str | None) -> str:
        """Create a user and return its token (shown once, stored hashed)."""
        if role not in ROLES:
            raise UserError(f"unknown role {role!r}; one of: {', '.join(ROLES)}")
        if role in ("delegate", "observer", "facilitator") and not actor:
            raise UserError(f"a {role} acts for an actor: give --actor CODE")
        if role == "analyst" and actor:
            raise UserError("an analyst acts for no actor: leave out --actor")
        if not name or len(name) > 64:
            raise UserError("a user's name has 1 to 64 characters")
        if (problem := unstorable(name)) is not None:
            raise UserError(f"a user's name cannot be stored: it {problem}")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(users).values(
                        name=name,
                        role=role,
                        actor=actor,
                        token_hash=hash_token(token),
                        created_at=format_timestamp(datetime.now(UTC)),
                    )
                )
        except IntegrityError:
            raise UserError(f"a user named {name!r} exists already") from None
        return token

    def authenticate(self, token: str) -> UserRecord | None:
        """The live user holding ``token``, if any."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    users.c.name,
                    users.c.role,
                    users.c.actor,
                    users.c.created_at,
                    users.c.revoked_at,
                ).where(users.c.token_hash == hash_token(token))
            ).one_or_none()
        if row is None or row.revoked_at is not None:
            return None
        return UserRecord(*row)

    def revoke(self, name: str) -> None:
        """Revoke a user's token and end every session it signed in."""
        with self.engine.begin() as conn:
            done = conn.execute(
                update(users)
                .where(users.c.name == name, users.c.revoked_at.is_(None))
                .values(revoked_at=format_timestamp(datetime.now(UTC)))
            )
            if done.rowcount == 0:
                raise UserError(f"no live user named {name!r}")
            conn.execute(
                delete(sessions).where(
                    sessions.c.user_id.in_(
                        select(users.c.id).where(users.c.name == name)
                    )
                )
            )

    def list(self) -> list[UserRecord]:
        """Every user, revoked ones included."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    users.c.name,
                    users.c.role,
                    users.c.actor,
                    users.c.created_at,
                    users.c.revoked_at,
                ).order_by(users.c.id)
            ).all()
        return [UserRecord(*r) for r in rows]
