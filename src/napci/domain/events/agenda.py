"""The agenda: issue tracks and the rules of procedure in force."""

from __future__ import annotations

from datetime import date

from pydantic import Field, field_validator

from napci.domain.events.base import Event, register
from napci.domain.rules_of_procedure import RulesError, RuleValue, check_changes
from napci.domain.values import LocalizedText, Ref, TrackCategory, TrackCode

__all__ = ["RulesAmended", "TrackAdded", "TrackClosed", "checked_changes"]


def checked_changes(changes: dict[str, RuleValue]) -> dict[str, RuleValue]:
    """Validate rule changes by the rules of procedure's own specification."""
    try:
        check_changes(changes)
    except RulesError as exc:
        raise ValueError(str(exc)) from None
    return changes


@register
class TrackAdded(Event):
    """An issue track was put on the agenda."""

    code: TrackCode
    name: LocalizedText
    category: TrackCategory
    added_on: date
    decision: Ref | None = Field(
        default=None,
        description="the proposal whose adoption added it; none for the "
        "initial agenda of the initiative's concept",
    )


@register
class TrackClosed(Event):
    """An issue track was taken off the agenda by consensus."""

    code: TrackCode
    closed_on: date
    decision: Ref


@register
class RulesAmended(Event):
    """Rules of procedure were set or changed (named parameters and their values)."""

    changes: dict[str, RuleValue] = Field(min_length=1)
    effective_on: date
    decision: Ref | None = Field(
        default=None,
        description="the amend-rules proposal adopted; none for the rules "
        "in force when the record begins",
    )

    _check = field_validator("changes")(checked_changes)
