"""Value types shared by the event vocabulary: codes, names, dates, sources.

Every constraint here is part of an event schema: a value that fails it is
refused before anything is appended.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)

from napci.domain.text import TEXT_PATTERN, check_storable

__all__ = [
    "LANGUAGES",
    "MAX_TEXT",
    "STORABLE",
    "STORABLE_SCHEMA",
    "ActorCode",
    "ActorKind",
    "DatePrecision",
    "Layer",
    "LocalizedText",
    "Rank",
    "Ref",
    "Source",
    "StorableText",
    "TrackCategory",
    "TrackCode",
]

#: Languages a name may be given in; English is required.
LANGUAGES: tuple[str, ...] = ("en", "ko", "zh", "ja", "ru", "mn")

ActorCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9+-]{1,15}$")]
"""An actor's code: ISO 3166 alpha-3 for states (``KOR``), an upper-case
acronym for organisations and institutes (``ASEAN``, ``EU``, ``IFANS``)."""

TrackCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,39}$")]
"""An issue track's code in kebab case, e.g. ``nuclear-safety``."""

Ref = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._+-]{0,79}$")]
"""The identifier of a meeting, document, proposal, project, commitment,
incident or mechanism: lower case, digits, ``.``, ``_``, ``+`` and ``-``."""

ActorKind = Literal["state", "organisation", "institute"]
TrackCategory = Literal["soft", "hard"]
Rank = Literal["working", "senior-official", "ministerial", "summit"]
Layer = Literal["track-1", "track-1.5", "track-2"]
DatePrecision = Literal["day", "month", "year"]
"""How precisely a historical date is known: ``month`` means the date is the
first of a month the source names without a day."""


#: The longest text napci takes in one field (a name, a title, a finding).
MAX_TEXT = 20_000

#: What makes a ``str`` field storable text: the check, and the pattern that
#: tells the JSON Schema of it (put after any length constraints).
STORABLE = AfterValidator(check_storable)
STORABLE_SCHEMA = Field(json_schema_extra={"pattern": TEXT_PATTERN})

StorableText = Annotated[str, Field(max_length=MAX_TEXT), STORABLE, STORABLE_SCHEMA]
"""Text a database can store and read back (no NUL, no lone surrogate; see
:mod:`napci.domain.text`), up to :data:`MAX_TEXT` characters."""


def _check_languages(value: dict[str, str]) -> dict[str, str]:
    if "en" not in value:
        raise ValueError("a name needs its English text under 'en'")
    unknown = sorted(set(value) - set(LANGUAGES))
    if unknown:
        raise ValueError(
            f"unknown language(s) {', '.join(unknown)}; known: {', '.join(LANGUAGES)}"
        )
    empty = sorted(lang for lang, text in value.items() if not text.strip())
    if empty:
        raise ValueError(f"empty text for language(s) {', '.join(empty)}")
    return value


LocalizedText = Annotated[
    dict[str, StorableText],
    AfterValidator(_check_languages),
    WithJsonSchema(
        {
            "type": "object",
            "properties": {
                lang: {
                    "type": "string",
                    "maxLength": MAX_TEXT,
                    "allOf": [{"pattern": r"\S"}, {"pattern": TEXT_PATTERN}],
                }
                for lang in LANGUAGES
            },
            "required": ["en"],
            "additionalProperties": False,
        }
    ),
]
"""Text in several languages, ``{"en": ..., "ko": ...}``; ``en`` required."""


class Source(BaseModel):
    """Where a fact of the record comes from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = Field(min_length=1, description="the source document's title")
    publisher: str | None = Field(default=None, description="who published it")
    url: str | None = Field(default=None, description="where it can be read")
    locator: str | None = Field(
        default=None, description="page, section or heading within the source"
    )
    published: date | None = Field(default=None, description="publication date")
    quote: str | None = Field(
        default=None, description="the words of the source the fact rests on"
    )
