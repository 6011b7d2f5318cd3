"""The rules of procedure as data: named parameters with defaults.

Rules of procedure are themselves part of the record: a ``RulesAmended``
event sets named parameters, and changing them is a consensus decision. This
module holds the defaults (DESIGN §4, §5, §6), checks the names and values of
an amendment, and folds amendments into the parameters in force on a date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Final

__all__ = [
    "DEFAULTS",
    "LAYERS",
    "RANKS",
    "RuleValue",
    "Rules",
    "RulesError",
    "changes_schema",
    "check_changes",
    "rules_in_force",
]

RuleValue = bool | int | float | str

RANKS: Final[tuple[str, ...]] = ("working", "senior-official", "ministerial", "summit")
LAYERS: Final[tuple[str, ...]] = ("track-1", "track-1.5", "track-2")

#: Every parameter, its default, and (for numbers) its admissible range.
_SPEC: Final[dict[str, tuple[RuleValue, float | None, float | None]]] = {
    # §5.1 evidence
    "trust.co_attendance": (0.25, 0.0, 100.0),
    "trust.rank.working": (1.0, 0.0, 100.0),
    "trust.rank.senior-official": (1.25, 0.0, 100.0),
    "trust.rank.ministerial": (1.5, 0.0, 100.0),
    "trust.rank.summit": (2.0, 0.0, 100.0),
    "trust.layer.track-1": (1.0, 0.0, 100.0),
    "trust.layer.track-1.5": (0.5, 0.0, 100.0),
    "trust.layer.track-2": (0.25, 0.0, 100.0),
    "trust.recognition": (1.0, 0.0, 100.0),
    "trust.vision": (2.0, 0.0, 100.0),
    "trust.project_completed": (3.0, 0.0, 100.0),
    "trust.commitment_kept": (2.0, 0.0, 100.0),
    "trust.commitment_broken": (3.0, 0.0, 100.0),
    "trust.no_show": (0.5, 0.0, 100.0),
    "trust.incident": (1.0, 0.0, 100.0),
    # At least a quarter: evidence is stored as w·2^(t/H), t counted from 2000,
    # which must stay a finite float for centuries.
    "trust.half_life_days": (730.0, 90.0, 36_500.0),
    # §5.2 opinions
    "trust.prior_weight": (2.0, 0.01, 100.0),
    "trust.base_rate": (0.3, 0.0, 1.0),
    "trust.eigentrust_alpha": (0.15, 0.0, 1.0),
    # §5.3 the ladder
    "trust.dialogue_window_days": (730, 1, 36_500),
    "trust.dialogue_meetings": (2, 1, 100),
    # §6.1 the road-map
    "roadmap.support_states": (4, 1, 6),
    "roadmap.support_organisations": (1, 0, 10),
    "roadmap.practice_tracks": (3, 1, 50),
    "roadmap.practice_participants": (4, 2, 50),
    "roadmap.practice_window_days": (365, 1, 3650),
    "roadmap.framework_tracks": (4, 1, 50),
    "roadmap.framework_trust": (0.7, 0.0, 1.0),
    # §4 procedure
    "procedure.silence_days": (14, 1, 365),
    "procedure.commitment_grace_days": (30, 0, 365),
    "procedure.rank_meetings": (2, 1, 20),
    "procedure.hard_track_phase": (3, 1, 4),
    "procedure.hard_track_trust": (0.75, 0.0, 1.0),
}

#: A per-pair base rate: ``trust.base_rate.AAA.BBB`` with the codes sorted.
_PAIR_PREFIX = "trust.base_rate."

DEFAULTS: Final[Mapping[str, RuleValue]] = MappingProxyType(
    {name: spec[0] for name, spec in _SPEC.items()}
)


def changes_schema() -> dict[str, object]:
    """The JSON schema of an amendment's changes: every parameter by name,
    with its type and range. (A per-pair base rate, ``trust.base_rate.AAA.BBB``
    with the two codes in alphabetical order, is accepted too; no schema
    states the order, so it is named in the description only.)"""
    properties: dict[str, object] = {}
    for name, (default, low, high) in _SPEC.items():
        if isinstance(default, bool):
            properties[name] = {"type": "boolean"}
            continue
        bounds = {"minimum": low, "maximum": high}
        properties[name] = {
            "type": "integer" if isinstance(default, int) else "number",
            **{key: value for key, value in bounds.items() if value is not None},
        }
    return {
        "type": "object",
        "description": "named parameters of the rules of procedure and their "
        "new values; also a per-pair base rate trust.base_rate.AAA.BBB (0 to 1, "
        "the two codes in alphabetical order)",
        "properties": properties,
        "additionalProperties": False,
        "minProperties": 1,
    }


class RulesError(ValueError):
    """An amendment names an unknown parameter or gives an invalid value."""


def _check_pair(name: str) -> None:
    parts = name[len(_PAIR_PREFIX) :].split(".")
    if len(parts) != 2 or not all(p.isupper() and p.isalnum() for p in parts):
        raise RulesError(
            f"{name!r}: a per-pair base rate is named trust.base_rate.AAA.BBB"
        )
    if parts != sorted(parts) or parts[0] == parts[1]:
        raise RulesError(
            f"{name!r}: name the pair's two different codes in alphabetical order"
        )


def _shown(value: RuleValue, most: int = 60) -> str:
    """A value as a message quotes it: its repr, cut short if long."""
    text = repr(value)
    return text if len(text) <= most else text[: most - 1] + "…"


def check_changes(changes: Mapping[str, RuleValue]) -> None:
    """Refuse unknown parameter names and values out of range or of the wrong type."""
    for name, value in changes.items():
        if name.startswith(_PAIR_PREFIX) and name not in _SPEC:
            _check_pair(name)
            low: float | None = 0.0
            high: float | None = 1.0
            default: RuleValue = 0.3
        elif name in _SPEC:
            default, low, high = _SPEC[name]
        else:
            raise RulesError(f"unknown rule parameter {_shown(name)}")
        if isinstance(default, bool) or isinstance(value, bool):
            if type(value) is not type(default):
                raise RulesError(f"{name!r} must be {type(default).__name__}")
            continue
        if isinstance(default, int | float):
            if not isinstance(value, int | float):
                raise RulesError(f"{name!r} must be a number, got {_shown(value)}")
            if isinstance(default, int) and not float(value).is_integer():
                raise RulesError(f"{name!r} must be a whole number, got {value!r}")
            if (low is not None and value < low) or (high is not None and value > high):
                raise RulesError(f"{name!r} must lie in [{low}, {high}], got {value!r}")


@dataclass(frozen=True, slots=True)
class Rules:
    """The parameters in force: the defaults overlaid with amendments."""

    values: Mapping[str, RuleValue]

    @classmethod
    def default(cls) -> Rules:
        """The rules before any amendment."""
        return cls(DEFAULTS)

    def amended(self, changes: Mapping[str, RuleValue]) -> Rules:
        """These rules with ``changes`` applied (checked first)."""
        check_changes(changes)
        return Rules(MappingProxyType({**self.values, **changes}))

    def number(self, name: str) -> float:
        """A numeric parameter."""
        value = self.values[name]
        assert isinstance(value, int | float) and not isinstance(value, bool)
        return float(value)

    def whole(self, name: str) -> int:
        """A whole-number parameter."""
        return int(self.number(name))

    def base_rate(self, a: str, b: str) -> float:
        """The base rate of trust for the pair (a, b), either order."""
        x, y = sorted((a, b))
        value = self.values.get(f"{_PAIR_PREFIX}{x}.{y}")
        if value is None:
            return self.number("trust.base_rate")
        return float(value)

    def pair_base_rates(self) -> dict[tuple[str, str], float]:
        """The per-pair base rates set by amendment, keyed by sorted pair."""
        out: dict[tuple[str, str], float] = {}
        for name, value in self.values.items():
            if name.startswith(_PAIR_PREFIX) and name not in _SPEC:
                x, y = name[len(_PAIR_PREFIX) :].split(".")
                out[(x, y)] = float(value)
        return out


def rules_in_force(
    amendments: Iterable[tuple[date, Mapping[str, RuleValue]]],
    as_of: date | None = None,
) -> Rules:
    """Fold ``(effective_on, changes)`` amendments in record order up to ``as_of``."""
    rules = Rules.default()
    for effective_on, changes in amendments:
        if as_of is None or effective_on <= as_of:
            rules = rules.amended(changes)
    return rules
