"""Sessions of the web pages: open, resolve, end; each expires.

Signing in with a token opens a session: a new random identifier (256 bits)
that the browser keeps in its cookie. The database keeps only its SHA-256,
as it does for tokens, so reading the table signs no one in. A session ends
when it is deleted: on signing out, when its user is revoked (see
:meth:`napci.adapters.db.users.UserStore.revoke`), or when it is found
expired: idle for longer than ``idle``, or older than ``lifetime`` however
busy. The clock is injected, so expiry can be tested without waiting.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, delete, insert, or_, select, update

from napci.adapters.db.schema import sessions, users
from napci.adapters.db.users import UserRecord
from napci.domain.envelope import format_timestamp, parse_timestamp

__all__ = ["SessionStore", "SignedIn", "hash_session_id"]

#: A session seen again within this long keeps its recorded last use (one
#: write per minute at most, not one per page).
_TOUCH = timedelta(seconds=60)


def hash_session_id(session_id: str) -> str:
    """The stored form of a session identifier."""
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A live session: its user, when it was opened and last used."""

    user: UserRecord
    created_at: datetime
    last_seen_at: datetime


class SessionStore:
    """Sessions over a SQLAlchemy engine, with an idle and an absolute expiry."""

    def __init__(
        self,
        engine: Engine,
        *,
        idle: timedelta,
        lifetime: timedelta,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        if idle <= timedelta(0) or lifetime <= timedelta(0):
            raise ValueError("a session's idle and absolute expiry must be positive")
        self.engine = engine
        self.idle = idle
        self.lifetime = lifetime
        self.clock = clock

    def open(self, user: UserRecord) -> str:
        """A new session for the live user ``user``: its identifier, shown
        once (to go in the cookie). Expired sessions are cleared meanwhile."""
        session_id = secrets.token_urlsafe(32)
        now = self.clock()
        stamp = format_timestamp(now)
        with self.engine.begin() as conn:
            self._purge(conn, now)
            user_id = conn.execute(
                select(users.c.id).where(
                    users.c.name == user.name, users.c.revoked_at.is_(None)
                )
            ).scalar_one_or_none()
            if user_id is None:
                raise LookupError(f"no live user named {user.name!r}")
            conn.execute(
                insert(sessions).values(
                    id_hash=hash_session_id(session_id),
                    user_id=user_id,
                    created_at=stamp,
                    last_seen_at=stamp,
                )
            )
        return session_id

    def resolve(self, session_id: str | None) -> SignedIn | None:
        """The live session ``session_id`` names, its last use noted; none if
        it is unknown, ended, expired or its user revoked (an expired or
        revoked one is deleted on the way)."""
        if not session_id or len(session_id) > 200:
            return None
        digest = hash_session_id(session_id)
        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    sessions.c.created_at,
                    sessions.c.last_seen_at,
                    users.c.name,
                    users.c.role,
                    users.c.actor,
                    users.c.created_at,
                    users.c.revoked_at,
                )
                .join(users, users.c.id == sessions.c.user_id)
                .where(sessions.c.id_hash == digest)
            ).one_or_none()
        if row is None:
            return None
        now = self.clock()
        created = parse_timestamp(row[0])
        last_seen = parse_timestamp(row[1])
        user = UserRecord(*row[2:])
        if (
            user.revoked_at is not None
            or now - created >= self.lifetime
            or now - last_seen >= self.idle
        ):
            self._delete(digest)
            return None
        if now - last_seen >= min(_TOUCH, self.idle / 10):
            with self.engine.begin() as conn:
                conn.execute(
                    update(sessions)
                    .where(sessions.c.id_hash == digest)
                    .values(last_seen_at=format_timestamp(now))
                )
            last_seen = now
        return SignedIn(user, created, last_seen)

    def end(self, session_id: str | None) -> bool:
        """End the session ``session_id`` names; whether there was one."""
        if not session_id or len(session_id) > 200:
            return False
        return self._delete(hash_session_id(session_id)) > 0

    def count(self, user_name: str) -> int:
        """How many sessions of ``user_name`` are stored (live or not yet
        found expired)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(sessions.c.id)
                .join(users, users.c.id == sessions.c.user_id)
                .where(users.c.name == user_name)
            ).all()
        return len(rows)

    def _delete(self, digest: str) -> int:
        with self.engine.begin() as conn:
            done = conn.execute(delete(sessions).where(sessions.c.id_hash == digest))
        return int(done.rowcount or 0)

    def _purge(self, conn: Connection, now: datetime) -> None:
        """Delete every session past its idle or absolute expiry."""
        conn.execute(
            delete(sessions).where(
                or_(
                    sessions.c.created_at <= format_timestamp(now - self.lifetime),
                    sessions.c.last_seen_at <= format_timestamp(now - self.idle),
                )
            )
        )
