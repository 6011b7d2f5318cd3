"""Settings: where the record lives, and how often a server verifies it.

``--db URL`` on any verb wins over ``NAPCI_DATABASE_URL``, which wins over the
default, ``sqlite:///napci.db`` in the working directory.

``napci serve --verify-interval MINUTES`` wins over ``NAPCI_VERIFY_INTERVAL``,
which wins over the default, 10: a server verifies the whole chain when it
starts and again every so many minutes (0: at start and on demand only).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = [
    "DEFAULT_DATABASE_URL",
    "DEFAULT_VERIFY_INTERVAL",
    "ENV_DATABASE_URL",
    "ENV_VERIFY_INTERVAL",
    "Settings",
    "verify_interval",
]

DEFAULT_DATABASE_URL = "sqlite:///napci.db"
ENV_DATABASE_URL = "NAPCI_DATABASE_URL"
DEFAULT_VERIFY_INTERVAL = 10.0
ENV_VERIFY_INTERVAL = "NAPCI_VERIFY_INTERVAL"


def verify_interval(minutes: float | str | None = None) -> float:
    """Minutes between a server's verifications of the whole chain: the
    argument, else the environment, else 10; 0 means never after the first.

    >>> verify_interval("0.5")
    0.5
    """
    if minutes is None:
        minutes = os.environ.get(ENV_VERIFY_INTERVAL, "").strip() or None
    if minutes is None:
        return DEFAULT_VERIFY_INTERVAL
    try:
        value = float(minutes)
    except ValueError:
        raise ValueError(
            f"{ENV_VERIFY_INTERVAL}={minutes!r}: give a number of minutes"
        ) from None
    if not 0 <= value <= 100_000:
        raise ValueError(f"{ENV_VERIFY_INTERVAL}={minutes!r}: give 0 to 100000 minutes")
    return value


@dataclass(frozen=True, slots=True)
class Settings:
    """The settings of one napci process."""

    database_url: str = DEFAULT_DATABASE_URL
    #: Minutes between a server's verifications of the whole chain.
    verify_interval: float = DEFAULT_VERIFY_INTERVAL

    @classmethod
    def load(cls, database_url: str | None = None) -> Settings:
        """Settings from an explicit URL, else the environment, else defaults."""
        url = database_url or os.environ.get(ENV_DATABASE_URL) or DEFAULT_DATABASE_URL
        return cls(database_url=url)

    @classmethod
    def for_server(
        cls, database_url: str | None = None, verify_minutes: float | None = None
    ) -> Settings:
        """:meth:`load`, with the verification interval a server needs
        (``verify_minutes``, else the environment, else 10)."""
        settings = cls.load(database_url)
        return cls(settings.database_url, verify_interval(verify_minutes))
