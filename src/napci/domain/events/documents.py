"""Documents: speeches, statements, recognitions and visions (DESIGN §2, §5.1)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from napci.domain.events.base import Event, register
from napci.domain.values import (
    ActorCode,
    DatePrecision,
    LocalizedText,
    Ref,
    TrackCode,
)

__all__ = ["DocumentIssued", "DocumentKind", "SupportExpressed"]

DocumentKind = Literal[
    "speech",
    "statement",
    "chair-statement",
    "concept-paper",
    "report",
    "recognition",
    "vision",
]
"""``recognition`` (a common recognition of the need to cooperate on a track)
and ``vision`` (a common vision for the region) are adopted by consensus; the
others are issued by their author alone."""


@register
class DocumentIssued(Event):
    """A document was issued or tabled: a speech, a statement, a draft to adopt."""

    document: Ref
    kind: DocumentKind
    title: LocalizedText
    issued_by: ActorCode | None = None
    issued_on: date
    date_precision: DatePrecision = "day"
    tracks: tuple[TrackCode, ...] = ()
    meeting: Ref | None = Field(default=None, description="where it was delivered")
    text: str | None = Field(default=None, description="the text or its summary")


@register
class SupportExpressed(Event):
    """An actor expressed understanding of and support for the initiative."""

    code: ActorCode
    expressed_on: date
    date_precision: DatePrecision = "day"
    occasion: Ref | None = Field(
        default=None, description="the meeting at which support was expressed"
    )
    statement: str | None = None
    kind: Literal["support", "understanding-and-support", "interest"] = "support"
