"""Settings: where the record lives.

``--db URL`` on any verb (after it, else before it) wins over
``NAPCI_DATABASE_URL``, which wins over the default, ``sqlite:///napci.db`` in
the working directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["DEFAULT_DATABASE_URL", "ENV_DATABASE_URL", "Settings"]

DEFAULT_DATABASE_URL = "sqlite:///napci.db"
ENV_DATABASE_URL = "NAPCI_DATABASE_URL"


@dataclass(frozen=True, slots=True)
class Settings:
    """The settings of one napci process."""

    database_url: str = DEFAULT_DATABASE_URL

    @classmethod
    def load(cls, database_url: str | None = None) -> Settings:
        """Settings from an explicit URL, else the environment, else defaults."""
        url = database_url or os.environ.get(ENV_DATABASE_URL) or DEFAULT_DATABASE_URL
        return cls(database_url=url)
