"""A delegation's page: who it is, its status, and its signing keys.

``/participants/{code}`` and its JSON twin ``/participants/{code}.json``.
Every key registered in the delegation's name is listed with whether it
binds the delegation: a key the delegation did not confirm itself was
entered by someone else and is flagged (DESIGN §4 rule 0).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response

from napci.web.pages.common import Page, PageDep, render
from napci.web.problems import Problem

__all__ = ["participant_data", "router"]

router = APIRouter(include_in_schema=False)

Code = Annotated[str, Path(max_length=21)]


def _key_status(key: dict[str, Any]) -> str:
    if key["revoked"]:
        return "revoked"
    return "binds" if key["confirmed"] else "unconfirmed"


def participant_data(page: Page, code: str) -> dict[str, Any]:
    """One actor as the user may read it, with the keys in its name."""
    registry = page.registry()
    actor = registry.actors.get(code)
    if actor is None:
        raise Problem(404, "Not Found", f"actor {code} is not in the record")
    keys = []
    for view in sorted(
        (k for k in registry.keys.values() if k.code == code),
        key=lambda k: k.registered_seq,
    ):
        key = view.as_dict()
        key["status"] = _key_status(key)
        # Entered by someone other than the delegation, and still in force.
        key["flagged"] = key["status"] == "unconfirmed"
        keys.append(key)
    entered = actor.registered_on
    return {
        "actor": {
            **actor.as_dict(),
            "registered_on": None if entered is None else entered.isoformat(),
        },
        "signing_keys": keys,
        "signatures_required": any(k["binds"] for k in keys),
        "flagged": sum(k["flagged"] for k in keys),
    }


@router.get("/participants/{code}")
def participant(page: PageDep, code: Code) -> Response:
    """One delegation: its status and the signing keys in its name."""
    if code.endswith(".json"):  # an actor's code never holds a dot
        code = code[: -len(".json")]
    data = page.locked(lambda: participant_data(page, code))
    return render(page, "participant.html", data)
