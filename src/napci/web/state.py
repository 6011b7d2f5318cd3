"""What the web app keeps between requests: the record's read models, current.

Each read model is folded once and then kept current by folding only the
events appended since (the same fold as a full replay). Readers see the
record through their clearance: an anonymous reader's registry is folded from
``public`` events only. The registries are the platform's
(:class:`~napci.services.record_state.RecordState`, which the commands are
judged against too); the trust services are kept here, one per clearance.
Serialised responses are cached by the ledger head, so a thousand readers of
an unchanged record cost one computation.

Whether the record verifies (:attr:`WebState.integrity`) is part of every
cached response: its key and its ETag, and ``record_status`` in its body.
Every tail is checked against the last verified head before it is folded.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from napci.domain.registry import Registry
from napci.domain.roadmap import Roadmap
from napci.services.integrity import IntegrityMonitor, monitor_for
from napci.services.platform import Platform, status_of
from napci.services.trust import TrustService
from napci.settings import Settings

__all__ = ["Cached", "WebState"]

_CACHE_SIZE = 512

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Cached:
    """A computed response: its entity tag and its body."""

    etag: str
    body: Any


class WebState:
    """The platform and its read models, shared by every request."""

    def __init__(
        self, platform: Platform, integrity: IntegrityMonitor | None = None
    ) -> None:
        self.platform = platform
        self.integrity = integrity or monitor_for(platform, Settings())
        platform.record.check_tail = self.integrity.check_tail
        self._lock = threading.RLock()
        self._trust: dict[tuple[str, ...], TrustService] = {}
        self._cache: OrderedDict[tuple[Any, ...], Cached] = OrderedDict()

    def head(self) -> tuple[int, str]:
        """The ledger's head (seq, hash)."""
        return self.platform.ledger.head()

    def registry(self, clearance: tuple[str, ...]) -> Registry:
        """The registry as ``clearance`` may see it, brought up to the head
        (as it stands, inside :meth:`read`)."""
        return self.platform.record.registry(clearance)

    def read(
        self,
        clearance: tuple[str, ...],
        view: Callable[[Registry], T],
        *,
        also: Iterable[tuple[str, ...]] = (),
    ) -> T:
        """``view(registry)`` while no fold changes the registries (of
        ``clearance`` and of ``also``, brought up to the head first), so
        ``view`` may iterate their dictionaries safely."""
        return self.platform.record.read(clearance, view, also=also)

    def trust(self, clearance: tuple[str, ...]) -> TrustService:
        """The trust service for ``clearance``."""
        with self._lock:
            service = self._trust.get(clearance)
            if service is None:
                service = TrustService(self.platform.engine, clearance=clearance)
                self._trust[clearance] = service
            return service

    def status(self, as_of: date | None, clearance: tuple[str, ...]) -> Roadmap:
        """The road-map and objectives as ``clearance`` may see them."""
        trust = self.trust(clearance)
        _, day = trust.state_as_of(as_of)
        registry = self.registry(clearance)
        if (
            as_of is not None
            and registry.last_day is not None
            and as_of < registry.last_day
        ):
            registry = self.platform.registry(day, clearance=clearance)
        return status_of(registry, trust, day)

    def lookup(self, key: tuple[Any, ...]) -> Cached | None:
        """The response cached for ``key`` at the current head, if any."""
        return self._hit((*key, self.head()[1], self.integrity.status().token))

    def _hit(self, full: tuple[Any, ...]) -> Cached | None:
        with self._lock:
            hit = self._cache.get(full)
            if hit is not None:
                self._cache.move_to_end(full)
            return hit

    def cached(
        self,
        key: tuple[Any, ...],
        compute: Callable[[], Any],
        *,
        encode: Callable[[Any], Any] | None = None,
    ) -> Cached:
        """``compute()``'s result for ``key`` at the current head, cached.

        The tail is checked first; a result that is a dict gets the record's
        ``record_status``; then ``encode`` (if given) makes the body.
        """
        head_seq, head = self.head()
        record = self.integrity.check_tail(head_seq, head)
        full = (*key, head, record.token)
        hit = self._hit(full)
        if hit is not None:
            return hit
        body = compute()
        if isinstance(body, dict):
            body = {**body, "record_status": record.as_json()}
        if encode is not None:
            body = encode(body)
        digest = hashlib.sha256(repr(key).encode("utf-8")).hexdigest()[:8]
        etag = f'"{head[:16]}-{record.token}-{digest}"'
        entry = Cached(etag, body)
        with self._lock:
            self._cache[full] = entry
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return entry

    @staticmethod
    def today() -> date:
        """Today (UTC)."""
        return datetime.now(UTC).date()
