"""Settings: where the record lives, how the pages' sessions behave, and how
often a server verifies the record.

``--db URL`` on any verb (after it, else before it) wins over
``NAPCI_DATABASE_URL``, which wins over the default, ``sqlite:///napci.db`` in
the working directory.

The pages' sessions (``docs/web.md``) end after ``NAPCI_SESSION_IDLE_MINUTES``
without a request (default 30) and ``NAPCI_SESSION_HOURS`` after signing in
however busy (default 12). Their cookie is ``Secure`` when a request arrives
over HTTPS, and always when ``NAPCI_SECURE_COOKIES=1`` (a server behind a
proxy that terminates TLS).

``napci serve --verify-interval MINUTES`` wins over ``NAPCI_VERIFY_INTERVAL``,
which wins over the default, 10: a server verifies the whole chain when it
starts and again every so many minutes (0: at start and on demand only).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import timedelta

__all__ = [
    "DEFAULT_DATABASE_URL",
    "DEFAULT_VERIFY_INTERVAL",
    "ENV_DATABASE_URL",
    "ENV_SECURE_COOKIES",
    "ENV_SESSION_HOURS",
    "ENV_SESSION_IDLE_MINUTES",
    "ENV_VERIFY_INTERVAL",
    "Settings",
    "verify_interval",
]

DEFAULT_DATABASE_URL = "sqlite:///napci.db"
ENV_DATABASE_URL = "NAPCI_DATABASE_URL"
ENV_SESSION_IDLE_MINUTES = "NAPCI_SESSION_IDLE_MINUTES"
ENV_SESSION_HOURS = "NAPCI_SESSION_HOURS"
ENV_SECURE_COOKIES = "NAPCI_SECURE_COOKIES"


def _positive(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, not {text!r}")
    return int(text)


def _flag(name: str) -> bool:
    text = os.environ.get(name, "").strip().lower()
    if text in ("", "0", "false", "no"):
        return False
    if text in ("1", "true", "yes"):
        return True
    raise ValueError(f"{name} must be 1 or 0, not {text!r}")


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
    #: A page session ends after this long without a request ...
    session_idle: timedelta = timedelta(minutes=30)
    #: ... and this long after signing in, however busy.
    session_lifetime: timedelta = timedelta(hours=12)
    #: Mark the session cookie ``Secure`` even for a request seen as plain
    #: HTTP (TLS ends at a proxy in front of napci).
    secure_cookies: bool = False
    #: Minutes between a server's verifications of the whole chain.
    verify_interval: float = DEFAULT_VERIFY_INTERVAL

    @classmethod
    def load(cls, database_url: str | None = None) -> Settings:
        """Settings from an explicit URL, else the environment, else defaults."""
        url = database_url or os.environ.get(ENV_DATABASE_URL) or DEFAULT_DATABASE_URL
        return cls(
            database_url=url,
            session_idle=timedelta(minutes=_positive(ENV_SESSION_IDLE_MINUTES, 30)),
            session_lifetime=timedelta(hours=_positive(ENV_SESSION_HOURS, 12)),
            secure_cookies=_flag(ENV_SECURE_COOKIES),
        )

    @classmethod
    def for_server(
        cls, database_url: str | None = None, verify_minutes: float | None = None
    ) -> Settings:
        """:meth:`load`, with the verification interval a server needs
        (``verify_minutes``, else the environment, else 10)."""
        return replace(
            cls.load(database_url), verify_interval=verify_interval(verify_minutes)
        )
