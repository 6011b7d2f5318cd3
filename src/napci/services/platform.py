"""The platform facade: one record, opened for the CLI, the API and the pages."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from napci.adapters.db import SchemaError, SqlLedger, check_schema, make_engine, upgrade
from napci.adapters.db.users import UserStore
from napci.domain.admission import AppendResult
from napci.domain.chain import VerifyReport
from napci.domain.envelope import EventDraft, format_timestamp
from napci.domain.registry import Registry, fold_registry
from napci.services.record_state import RecordState
from napci.settings import Settings

if TYPE_CHECKING:
    from napci.domain.roadmap import Roadmap
    from napci.services.trust import TrustService

__all__ = ["InitResult", "Platform", "open_platform", "status_of"]


@dataclass(frozen=True, slots=True)
class InitResult:
    """What ``napci init`` did."""

    appended: int
    already_recorded: int
    head_seq: int
    head_hash: str


class Platform:
    """The record and what is derived from it, over one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.ledger = SqlLedger(engine)
        #: The registries kept current: what commands are judged against,
        #: and what the web app reads.
        self.record = RecordState(self.ledger)
        self.users = UserStore(engine)
        self._trust: TrustService | None = None
        self._trust_lock = threading.Lock()

    @property
    def trust(self) -> TrustService:
        """The trust figures, kept current: made when first asked for, so that
        a verb that shows no figure starts without the fold (and NumPy)."""
        with self._trust_lock:
            if self._trust is None:
                from napci.services.trust import TrustService

                self._trust = TrustService(self.engine)
            return self._trust

    def close(self) -> None:
        """Release the database connections."""
        with self._trust_lock:
            trust = self._trust
        if trust is not None:  # kept: a later read takes a new connection
            trust.close()
        self.engine.dispose()

    def __enter__(self) -> Platform:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- the record ---------------------------------------------------------

    def init(self, *, principal: str | None) -> InitResult:
        """Migrate the schema and load the NAPCI record 2013-2014 (idempotent)."""
        from napci.services.seed import record_drafts

        upgrade(self.engine)
        result = self.ledger.append(record_drafts(), principal=principal)
        return InitResult(
            appended=len(result.recorded),
            already_recorded=len(result.already_recorded),
            head_seq=result.head_seq,
            head_hash=result.head_hash,
        )

    def append(
        self, drafts: Sequence[EventDraft], *, principal: str | None
    ) -> AppendResult:
        """Append drafts to the ledger (atomically), unjudged: imports and
        seeding. Commands go through the rules of procedure
        (:func:`napci.services.procedure.execute_all`)."""
        return self.ledger.append(drafts, principal=principal)

    def verify(self) -> VerifyReport:
        """Recompute the chain and the signatures."""
        return self.ledger.verify()

    def registry(
        self, as_of: date | None = None, *, clearance: tuple[str, ...] | None = None
    ) -> Registry:
        """Actors, tracks, meetings and mechanisms as the record stands,
        folded afresh: a registry of the caller's own (``record`` keeps the
        shared, current ones).

        With ``as_of``, as it stood at the end of that day: events that
        occurred later are left out. With ``clearance``, only events of those
        classifications are read.
        """
        before = None if as_of is None else format_timestamp(as_of + timedelta(days=1))
        return fold_registry(
            self.ledger.iter_fold_rows(
                before_occurred=before, classifications=clearance
            )
        )

    def status(self, as_of: date | None = None) -> Roadmap:
        """The road-map phase and the objectives, as of a date (today's)."""
        _, day = self.trust.state_as_of(as_of)
        return status_of(self.registry(day), self.trust, day)


def status_of(registry: Registry, trust: TrustService, day: date) -> Roadmap:
    """The road-map assessment of ``registry`` (as it stood on ``day``)."""
    from napci.domain.roadmap import assess
    from napci.services.trust import TrustError

    figures = trust.figures(day)
    try:
        year_ago = trust.figures(day - timedelta(days=365)).regional_index
    except TrustError:
        year_ago = None
    return assess(
        registry, day, registry.rules_on(day), figures.regional_index, year_ago
    )


def sqlite_file_missing(url: str) -> str | None:
    """The path of a SQLite database file that does not exist, if ``url`` names one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return None if Path(database).exists() else database


def open_platform(settings: Settings, *, migrate: bool = False) -> Platform:
    """Open the record named by ``settings``.

    With ``migrate`` the schema is created or brought up to date; otherwise a
    database at another schema revision is refused with a message saying
    what to run.
    """
    if not migrate:
        missing = sqlite_file_missing(settings.database_url)
        if missing is not None:
            raise SchemaError(
                f"there is no database at {missing}: run 'napci init' to create it"
            )
    engine = make_engine(settings.database_url)
    try:
        if migrate:
            upgrade(engine)
        else:
            check_schema(engine)
    except Exception:
        engine.dispose()
        raise
    return Platform(engine)
