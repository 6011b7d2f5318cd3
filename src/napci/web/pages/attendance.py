"""Rule 0 on the pages: the attendance a signed-in delegation acknowledges.

A host's or chair's report of another delegation's attendance counts once
that delegation acknowledges it. The dashboard and each meeting's page list,
for the signed-in delegation, the reports it has not acknowledged, each with
a button that acknowledges it (``POST /meetings/{id}/attendance/acknowledge``,
the same command as the API's).
"""

from __future__ import annotations

from typing import Any

from napci.domain.registry import Registry
from napci.web.pages.common import Page

__all__ = ["acknowledging", "to_acknowledge"]


def acknowledging(page: Page) -> str | None:
    """The delegation the signed-in user acknowledges attendance for: its
    actor, unless it acts as the facilitator's secretariat (which never
    acknowledges for the ROK's delegation) or may not act."""
    return None if page.secretariat else page.actor


def to_acknowledge(page: Page, registry: Registry) -> list[dict[str, Any]]:
    """The meetings at which the signed-in delegation has a reported
    attendance it has not acknowledged, by date (none for other users)."""
    actor = acknowledging(page)
    if actor is None:
        return []
    rows = []
    for ident in registry.to_acknowledge(actor):
        meeting = registry.meetings[ident]
        rows.append(
            {
                "meeting": ident,
                "title": meeting.title,
                "starts_on": meeting.starts_on.isoformat(),
                "reported": meeting.reported[actor],
                "acknowledged": meeting.counted(actor),
            }
        )
    return rows
