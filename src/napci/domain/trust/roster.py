"""Who and what the trust fold is about: actors and tracks by index,
membership, the tracks in force, and the amendments to the rules.

The fold keeps actors and tracks as indices into its arrays, created in the
order the record names them. A track named before the record adds it (by a
meeting or a document) is not in force until added.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from napci.domain.rules_of_procedure import Rules, rules_in_force
from napci.domain.trust.kinds import EPOCH, day_number, json_list
from napci.domain.trust.rows import Rows

__all__ = ["FAR", "REGISTRY_TYPES", "Roster"]

IntArray = npt.NDArray[np.int64]

#: A seq and day later than any: a track not added, or not closed.
FAR: Final[int] = 1 << 30

#: The event types that change the roster.
REGISTRY_TYPES: Final[tuple[str, ...]] = (
    "ActorRegistered",
    "ActorJoined",
    "ActorWithdrew",
    "ObserverAdmitted",
    "TrackAdded",
    "TrackClosed",
    "RulesAmended",
)


class Roster:
    """Actors, tracks, membership and amendments, as the record gave them."""

    def __init__(self) -> None:
        #: counts the batches that changed actors, membership, tracks or rules
        self.version = 0
        self.actor_codes: list[str] = []
        self.actor_index: dict[str, int] = {}
        self.actor_kind: dict[str, str] = {}
        # (day, seq, actor, +1 joined or -1 withdrew): record order breaks ties
        self.membership: list[tuple[int, int, int, int]] = []
        self.observers: set[str] = set()
        self.track_codes: list[str] = []
        self.track_index: dict[str, int] = {}
        self.track_category: dict[str, str] = {}
        self.track_added: list[tuple[int, int]] = []  # (seq, day) per track index
        # track index -> (seq, day) of its closing
        self.track_closed: dict[int, tuple[int, int]] = {}
        self.amendments: list[tuple[int, dict[str, Any]]] = []  # effective day
        # parsing caches: the same texts recur (dates, track lists)
        self._days: dict[str, int] = {}
        self._track_lists: dict[str, tuple[int, ...]] = {}
        self._membership_sorted: list[tuple[int, int, int, int]] | None = None
        # (amendments folded so far, day) -> the rules in force: amendments
        # only grow, so the key names the rules exactly
        self._rules: dict[tuple[int, date], Rules] = {}

    # -- indices ------------------------------------------------------------

    @property
    def n_actors(self) -> int:
        return len(self.actor_codes)

    @property
    def n_tracks(self) -> int:
        return len(self.track_codes)

    def actor(self, code: str) -> int:
        """The index of actor ``code`` (created as met)."""
        index = self.actor_index.get(code)
        if index is None:
            index = len(self.actor_codes)
            self.actor_codes.append(code)
            self.actor_index[code] = index
        return index

    def track(self, code: str) -> int:
        """The index of track ``code`` (created as met, not yet in force)."""
        index = self.track_index.get(code)
        if index is None:
            index = len(self.track_codes)
            self.track_codes.append(code)
            self.track_index[code] = index
            self.track_added.append((1 << 62, FAR))  # unknown until added
        return index

    def day(self, text: str) -> int:
        """:func:`day_number` of ``text``, through the cache."""
        day = self._days.get(text)
        if day is None:
            day = self._days[text] = day_number(text)
        return day

    def days_of(self, texts: Sequence[str]) -> IntArray:
        """:func:`day_number` of each text, through the cache."""
        days = self._days
        for text in set(texts).difference(days):
            days[text] = day_number(text)
        return np.fromiter(map(days.__getitem__, texts), np.int64, len(texts))

    def track_list(self, value: Any) -> tuple[int, ...]:
        """The track indices of a JSON list of track codes (created as met)."""
        if isinstance(value, str):
            found = self._track_lists.get(value)
            if found is None:
                found = tuple(self.track(t) for t in json_list(value))
                self._track_lists[value] = found
            return found
        return tuple(self.track(t) for t in json_list(value))

    def track_lists_of(self, values: Sequence[Any]) -> list[tuple[int, ...]]:
        """:meth:`track_list` of each value (tracks created in order met)."""
        distinct = dict.fromkeys(values)
        if not all(v is None or isinstance(v, str) for v in distinct):
            return [self.track_list(v) for v in values]
        cache = self._track_lists
        for value in distinct:
            if value is not None and value not in cache:
                self.track_list(value)
        return [() if v is None else cache[v] for v in values]

    # -- queries ------------------------------------------------------------

    def registered(self) -> tuple[str, ...]:
        """Codes of the registered actors, in index order."""
        return tuple(c for c in self.actor_codes if c in self.actor_kind)

    def tracks_in_force(self, day: int, seq: int) -> tuple[int, ...]:
        """Tracks on the agenda on ``day`` by what the record said before ``seq``."""
        return tuple(
            t
            for t, (added_seq, added_day) in enumerate(self.track_added)
            if added_seq < seq
            and added_day <= day
            and not self._closed_before(t, day, seq)
        )

    def _closed_before(self, track: int, day: int, seq: int) -> bool:
        """Whether the record, before ``seq``, closed ``track`` by ``day``."""
        closed = self.track_closed.get(track)
        return closed is not None and closed[0] < seq and closed[1] <= day

    def track_windows(self) -> tuple[IntArray, IntArray]:
        """Per track, (seq, day) of its adding and of its closing, as (k, 2)
        arrays (:data:`FAR` where not added or not closed)."""
        k = self.n_tracks
        added = np.array(self.track_added, dtype=np.int64).reshape(k, 2)
        closed = np.array(
            [self.track_closed.get(t, (FAR, FAR)) for t in range(k)],
            dtype=np.int64,
        ).reshape(k, 2)
        return added, closed

    def spread(
        self, tracks: Sequence[int], day: int, seq: int
    ) -> tuple[tuple[int, float], ...]:
        """Evenly over ``tracks``, or over the tracks in force if none."""
        chosen = tuple(sorted(set(tracks))) or self.tracks_in_force(day, seq)
        return tuple((t, 1.0 / len(chosen)) for t in chosen)

    def participants_on(self, day: int) -> list[str]:
        """Codes of participants on ``day`` (joined and not withdrawn by then)."""
        if self._membership_sorted is None:
            self._membership_sorted = sorted(self.membership)
        status: dict[int, int] = {}
        for d, _seq, actor, delta in self._membership_sorted:
            if d > day:
                break
            status[actor] = delta
        return sorted(self.actor_codes[a] for a, s in status.items() if s > 0)

    def rules_on(self, day: date) -> Rules:
        """The rules of procedure in force on ``day`` by the amendments
        folded so far."""
        key = (len(self.amendments), day)
        rules = self._rules.get(key)
        if rules is None:
            if len(self._rules) >= 64:
                self._rules.clear()
            rules = self._rules[key] = rules_in_force(
                (
                    (EPOCH + timedelta(days=effective), changes)
                    for effective, changes in self.amendments
                ),
                day,
            )
        return rules

    # -- folding ------------------------------------------------------------

    def apply(self, rows: Rows) -> None:
        """Fold the batch's registry events (and count the change)."""
        if any(rows.get(type_) for type_ in REGISTRY_TYPES):
            self.version += 1
        for _seq, _at, code, kind in rows.get("ActorRegistered", ()):
            self.actor(code)
            self.actor_kind[code] = kind
        for seq, _at, code, on in rows.get("ActorJoined", ()):
            self.membership.append((self.day(on), seq, self.actor(code), 1))
            self._membership_sorted = None
        for seq, _at, code, on in rows.get("ActorWithdrew", ()):
            self.membership.append((self.day(on), seq, self.actor(code), -1))
            self._membership_sorted = None
        for _seq, _at, code in rows.get("ObserverAdmitted", ()):
            self.actor(code)
            self.observers.add(code)
        for seq, _at, code, category, on in rows.get("TrackAdded", ()):
            index = self.track(code)
            self.track_category[code] = category
            if self.track_added[index][0] > seq:
                self.track_added[index] = (seq, self.day(on))
        for seq, _at, code, on in rows.get("TrackClosed", ()):
            self.track_closed[self.track(code)] = (seq, self.day(on))
        for _seq, _at, changes, on in rows.get("RulesAmended", ()):
            self.amendments.append((self.day(on), json.loads(changes)))
