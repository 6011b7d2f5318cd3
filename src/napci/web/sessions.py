"""The pages' sessions and the CSRF tokens bound to them.

Signing in with a token opens a server-side session
(:class:`napci.adapters.db.sessions.SessionStore`); the browser keeps only
the session's random identifier, in the cookie :data:`SESSION_COOKIE`
(``HttpOnly``, ``SameSite=Lax``, ``Path=/``, ``Secure`` over HTTPS or when
the settings say so). The token itself never goes in a cookie.

Every form carries a CSRF token derived from the session: the HMAC-SHA256 of
a fixed label keyed by the session's identifier, which only the server and
that browser know (the cookie is ``HttpOnly``). A POST whose token is not
the one of the session its cookie names is refused, compared in constant
time; so a cookie and field an attacker chose never pass alongside a
victim's session. A visitor without a session (the sign-in form) gets its
token from a random cookie of its own, :data:`CSRF_COOKIE` (``SameSite=
Strict``), by the same derivation. A POST a browser marks as sent from
another site (``Sec-Fetch-Site: cross-site`` or ``same-site``) is refused
whatever its token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import Engine

from napci.adapters.db.sessions import SessionStore, SignedIn
from napci.domain.access import ANONYMOUS, Principal
from napci.settings import Settings
from napci.web.i18n import N_
from napci.web.problems import Problem

__all__ = [
    "CSRF_COOKIE",
    "CSRF_DETAIL",
    "CSRF_FIELD",
    "SESSION_COOKIE",
    "SESSION_ENDED",
    "PageSessions",
    "Visit",
    "check_csrf",
    "csrf_token",
    "visit",
]

SESSION_COOKIE = "napci_session"
CSRF_COOKIE = "napci_csrf"
CSRF_FIELD = "csrf_token"

CSRF_DETAIL = N_(
    "the form's security token is missing or does not match: reload the page "
    "and submit the form again"
)
SESSION_ENDED = N_(
    "Your session has ended (signed out, expired or revoked): sign in again."
)

_LABEL = b"napci-csrf-v1"
#: ``Sec-Fetch-Site`` values of a request the site itself made (or the user).
_OWN = ("same-origin", "none")


class PageSessions:
    """The app's sessions: the store and how their cookie is set."""

    def __init__(self, store: SessionStore, *, secure: bool = False) -> None:
        self.store = store
        self.secure = secure

    @classmethod
    def from_settings(cls, engine: Engine, settings: Settings) -> PageSessions:
        """The sessions over ``engine`` with the expiry ``settings`` give."""
        store = SessionStore(
            engine, idle=settings.session_idle, lifetime=settings.session_lifetime
        )
        return cls(store, secure=settings.secure_cookies)

    @property
    def idle(self) -> timedelta:
        """How long a session lives without a request."""
        return self.store.idle

    @property
    def lifetime(self) -> timedelta:
        """How long a session lives at most."""
        return self.store.lifetime

    def secure_for(self, request: Request) -> bool:
        """Whether cookies sent in answer to ``request`` are ``Secure``."""
        return self.secure or request.url.scheme == "https"

    def set_cookie(
        self,
        request: Request,
        response: Response,
        name: str,
        value: str,
        samesite: Literal["lax", "strict"],
    ) -> None:
        """Send a cookie no script can read, for the whole site."""
        response.set_cookie(
            name,
            value,
            httponly=True,
            samesite=samesite,
            secure=self.secure_for(request),
            path="/",
        )

    def forget_cookie(self, request: Request, response: Response, name: str) -> None:
        """Tell the browser to drop a cookie."""
        response.delete_cookie(
            name,
            path="/",
            httponly=True,
            samesite="lax",
            secure=self.secure_for(request),
        )


def sessions_of(request: Request) -> PageSessions:
    """The app's sessions."""
    found: PageSessions = request.app.state.sessions
    return found


@dataclass(frozen=True, slots=True)
class Visit:
    """Who a page request comes from, as its cookies say."""

    #: The signed-in user, or anonymous.
    principal: Principal
    #: The live session's identifier (from the cookie), if any.
    session_id: str | None
    #: The session, if live.
    session: SignedIn | None
    #: Whether the request named a session that is no longer live.
    stale: bool


def visit(request: Request) -> Visit:
    """The request's session, looked up once per request."""
    known: Visit | None = getattr(request.state, "napci_visit", None)
    if known is not None:
        return known
    cookie = request.cookies.get(SESSION_COOKIE)
    session = sessions_of(request).store.resolve(cookie) if cookie else None
    if session is None:
        found = Visit(ANONYMOUS, None, None, stale=bool(cookie))
    else:
        found = Visit(session.user.principal(), cookie, session, stale=False)
    request.state.napci_visit = found
    return found


def _derive(secret: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), _LABEL, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _anonymous_secret(request: Request) -> str | None:
    value = request.cookies.get(CSRF_COOKIE)
    if value is not None and 20 <= len(value) <= 100:
        return value
    return None


def csrf_token(request: Request) -> tuple[str, str | None]:
    """The CSRF token of the request's forms, and the value of a new
    :data:`CSRF_COOKIE` to send when a visitor without a session has none."""
    current = visit(request)
    if current.session_id is not None:
        return _derive(current.session_id), None
    secret = _anonymous_secret(request)
    if secret is not None:
        return _derive(secret), None
    secret = secrets.token_urlsafe(32)
    return _derive(secret), secret


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuse a POST whose token is not its session's: 401 if its session has
    ended meanwhile, else 403. A POST another site sent is refused too."""
    if request.headers.get("sec-fetch-site", "same-origin") not in _OWN:
        raise Problem(403, "Forbidden", CSRF_DETAIL, "/problems/csrf")
    current = visit(request)
    if current.session_id is not None:
        secret: str | None = current.session_id
    else:
        secret = _anonymous_secret(request)
    if (
        secret is not None
        and submitted is not None
        and len(submitted) <= 100
        and hmac.compare_digest(_derive(secret).encode(), submitted.encode())
    ):
        return
    if current.stale:
        raise Problem(401, "Unauthorized", SESSION_ENDED, "/problems/session")
    raise Problem(403, "Forbidden", CSRF_DETAIL, "/problems/csrf")
