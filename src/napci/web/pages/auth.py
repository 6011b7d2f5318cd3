"""Signing in with a token, and out: a server-side session, whose random
identifier is the cookie ``napci_session`` (see :mod:`napci.web.sessions`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from napci.web.pages import data as build
from napci.web.pages.actions import Form
from napci.web.pages.common import (
    CSRF_FIELD,
    Page,
    PageDep,
    check_csrf,
    redirect,
    render,
)
from napci.web.problems import Problem
from napci.web.sessions import CSRF_COOKIE, SESSION_COOKIE, sessions_of, visit

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

Next = Annotated[str, Query(alias="next", max_length=500)]


def _login_data(page: Page, next_url: str) -> dict[str, Any]:
    sessions = sessions_of(page.request)
    hours = sessions.lifetime.total_seconds() / 3600
    return build.login_data(page, next_url) | {
        "session": {
            "idle_minutes": round(sessions.idle.total_seconds() / 60),
            "hours": int(hours) if hours.is_integer() else round(hours, 2),
        }
    }


@router.get("/login")
@router.get("/login.json")
def login_form(page: PageDep, next_url: Next = "/") -> Response:
    """The sign-in form."""
    return render(page, "login.html", _login_data(page, next_url))


@router.post("/login")
def login(page: PageDep, form: Form) -> Response:
    """Check the token and open a new session (the token is never kept).

    Whatever session the browser named before (signed in as someone else, or
    an identifier planted in its cookie) is ended and replaced: a session
    identifier is only ever one the server made at this sign-in.
    """
    token = form.get("token")
    token = token.strip() if isinstance(token, str) else ""
    platform = page.state.platform
    user = platform.users.authenticate(token) if token else None
    next_value = form.get("next")
    next_url = next_value if isinstance(next_value, str) else "/"
    if user is None:
        return render(
            page,
            "login.html",
            _login_data(page, next_url),
            problem=Problem(
                401,
                page.tr("Not signed in"),
                page.tr("The token is unknown or has been revoked."),
            ),
        )
    request = page.request
    sessions = sessions_of(request)
    sessions.store.end(request.cookies.get(SESSION_COOKIE))
    session_id = sessions.store.open(user)
    response = redirect(
        request,
        build.login_data(page, next_url)["next"],
        flash=page.tr("Signed in as {name}.", name=user.name),
    )
    sessions.set_cookie(request, response, SESSION_COOKIE, session_id, "lax")
    # The session now keys the forms' tokens; the visitor's own is done with.
    sessions.forget_cookie(request, response, CSRF_COOKIE)
    return response


@router.get("/logout")
@router.get("/logout.json")
def logout_form(page: PageDep) -> Response:
    """A button to sign out (signing out is a POST, like every act)."""
    return render(page, "logout.html", build.login_data(page))


async def _form(request: Request) -> FormData:
    """The submitted form, its CSRF token not yet checked."""
    return await request.form()


@router.post("/logout")
def logout(page: PageDep, form: Annotated[FormData, Depends(_form)]) -> Response:
    """End the session on the server: its cookie no longer signs anyone in,
    here or in any browser it was copied to. Signing out of a session that
    has already ended only forgets the cookie."""
    request = page.request
    sessions = sessions_of(request)
    session_id = visit(request).session_id
    if session_id is not None:
        token = form.get(CSRF_FIELD)
        check_csrf(request, token if isinstance(token, str) else None)
        sessions.store.end(session_id)
    response = redirect(request, "/", flash=page.tr("Signed out."))
    sessions.forget_cookie(request, response, SESSION_COOKIE)
    return response
