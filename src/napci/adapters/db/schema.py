"""Tables. The ledger is two tables: the events and the head they chain to."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

__all__ = ["events", "ledger_head", "metadata", "sessions", "users"]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

events = Table(
    "events",
    metadata,
    Column(
        "seq",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("id", String(36), nullable=False, unique=True),
    Column("type", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("occurred_at", String(27), nullable=False),
    Column("recorded_at", String(27), nullable=False),
    Column("actor", String(16)),
    Column("principal", String(128)),
    Column("classification", String(16), nullable=False),
    Column("payload", Text, nullable=False),
    Column("signer", String(32)),
    Column("signature", String(128)),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_events_type_seq", "type", "seq"),
    Index("ix_events_occurred_at", "occurred_at"),
)

# One row (id = 1): the seq and hash of the last event. Writers lock it, which
# serialises appends on PostgreSQL; verify compares it with the chain, which
# reveals a tail deleted behind the application's back.
ledger_head = Table(
    "ledger_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

# People who use the platform. A token is shown once and stored as its
# SHA-256 (tokens are 256 random bits: no slow hash is needed).
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("actor", String(16)),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", String(27), nullable=False),
    Column("revoked_at", String(27)),
)

# Signed-in sessions of the web pages. The browser holds a random identifier
# (256 bits) in its cookie; the database holds its SHA-256 only, so a copy of
# the table signs no one in. A session ends when it is deleted: on signing
# out, when its user is revoked, or when it is found expired (idle or too old).
sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("id_hash", String(64), nullable=False, unique=True),
    Column(
        "user_id",
        Integer,
        ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("created_at", String(27), nullable=False),
    Column("last_seen_at", String(27), nullable=False),
)
