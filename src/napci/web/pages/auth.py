"""Signing in with a token, and out: the session cookie ``napci_session``."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from napci.web.deps import SESSION_COOKIE
from napci.web.pages import data as build
from napci.web.pages.actions import Form
from napci.web.pages.common import (
    PageDep,
    redirect,
    render,
    set_csrf_cookie,
)
from napci.web.problems import Problem

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

Next = Annotated[str, Query(alias="next", max_length=500)]


@router.get("/login")
@router.get("/login.json")
def login_form(page: PageDep, next_url: Next = "/") -> Response:
    """The sign-in form."""
    return render(page, "login.html", build.login_data(page, next_url))


@router.post("/login")
def login(page: PageDep, form: Form) -> Response:
    """Check the token; keep it in an HttpOnly, SameSite=Strict cookie."""
    token = form.get("token")
    token = token.strip() if isinstance(token, str) else ""
    user = page.state.platform.users.authenticate(token) if token else None
    next_value = form.get("next")
    next_url = next_value if isinstance(next_value, str) else "/"
    if user is None:
        return render(
            page,
            "login.html",
            build.login_data(page, next_url),
            problem=Problem(
                401,
                page.tr("Not signed in"),
                page.tr("The token is unknown or has been revoked."),
            ),
        )
    response = redirect(
        page.request,
        build.login_data(page, next_url)["next"],
        flash=page.tr("Signed in as {name}.", name=user.name),
    )
    secure = page.request.url.scheme == "https"
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/"
    )
    # A new session gets a new CSRF token.
    set_csrf_cookie(page.request, response, secrets.token_urlsafe(32))
    return response


@router.get("/logout")
@router.get("/logout.json")
def logout_form(page: PageDep) -> Response:
    """A button to sign out (signing out is a POST, like every act)."""
    return render(page, "logout.html", build.login_data(page))


@router.post("/logout")
def logout(page: PageDep, form: Form) -> Response:
    """Forget the session."""
    del form
    response = redirect(page.request, "/", flash=page.tr("Signed out."))
    response.delete_cookie(SESSION_COOKIE, path="/", samesite="strict", httponly=True)
    set_csrf_cookie(page.request, response, secrets.token_urlsafe(32))
    return response
