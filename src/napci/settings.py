"""Settings: where the record lives, and how the pages' sessions behave.

``--db URL`` on any verb (after it, else before it) wins over
``NAPCI_DATABASE_URL``, which wins over the default, ``sqlite:///napci.db`` in
the working directory.

The pages' sessions (``docs/web.md``) end after ``NAPCI_SESSION_IDLE_MINUTES``
without a request (default 30) and ``NAPCI_SESSION_HOURS`` after signing in
however busy (default 12). Their cookie is ``Secure`` when a request arrives
over HTTPS, and always when ``NAPCI_SECURE_COOKIES=1`` (a server behind a
proxy that terminates TLS).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

__all__ = [
    "DEFAULT_DATABASE_URL",
    "ENV_DATABASE_URL",
    "ENV_SECURE_COOKIES",
    "ENV_SESSION_HOURS",
    "ENV_SESSION_IDLE_MINUTES",
    "Settings",
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
