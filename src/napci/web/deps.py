"""Request dependencies: the shared state and who is asking."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from napci.domain.access import ANONYMOUS, Principal
from napci.web.problems import Problem
from napci.web.sessions import SESSION_COOKIE, visit
from napci.web.state import WebState

__all__ = [
    "SESSION_COOKIE",
    "CurrentPrincipal",
    "State",
    "api_principal",
    "page_principal",
    "require_actor",
]


async def get_state(request: Request) -> WebState:
    """The app's shared state."""
    state: WebState = request.app.state.web
    return state


State = Annotated[WebState, Depends(get_state)]


def _from_token(state: WebState, token: str | None) -> Principal | None:
    if not token:
        return None
    user = state.platform.users.authenticate(token)
    return None if user is None else user.principal()


#: Documents the bearer scheme in the OpenAPI description; the header is
#: parsed by :func:`api_principal` itself (a malformed one is a 401).
_BEARER = HTTPBearer(
    scheme_name="token",
    description="A token from 'napci users add NAME --role ROLE [--actor CODE]'; "
    "without one the caller is anonymous and reads public records only.",
    auto_error=False,
)


async def api_principal(
    request: Request,
    state: State,
    _scheme: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)] = None,
) -> Principal:
    """The API's caller: a bearer token, or anonymous. Cookies are ignored
    (so the API needs no CSRF protection). Run on the event loop: a token is
    looked up by its hash, one indexed read, cheaper than a thread hop."""
    header = request.headers.get("authorization")
    if header is None:
        return ANONYMOUS
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(401, "Unauthorized", "use 'Authorization: Bearer <token>'")
    principal = _from_token(state, token.strip())
    if principal is None:
        raise Problem(401, "Unauthorized", "the token is unknown or revoked")
    return principal


def page_principal(request: Request) -> Principal:
    """The pages' user: the live session its cookie names, or anonymous."""
    return visit(request).principal


CurrentPrincipal = Annotated[Principal, Depends(api_principal)]


def require_actor(principal: Principal) -> str:
    """The actor a principal acts for; 401/403 if it may not act."""
    if principal.role is None:
        raise Problem(401, "Unauthorized", "sign in to act: a bearer token is needed")
    if not principal.can_act or principal.actor is None:
        raise Problem(403, "Forbidden", f"a user with role {principal.role} cannot act")
    return principal.actor
