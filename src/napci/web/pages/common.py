"""What every page shares: templates, the JSON twin, the user, CSRF, flash.

A page is a function building JSON data (its *twin*) and a template that
renders that data. ``render`` answers ``/path.json`` and ``?format=json``
with the data itself, anything else with the HTML page; the template gets
the very same ``data`` plus the page's chrome (user, CSRF token, flash
message, navigation), so the twin is exactly what the page shows.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from napci.domain.access import ANONYMOUS, Principal
from napci.domain.procedure import Refusal
from napci.domain.registry import Registry
from napci.services.procedure import InvalidCommand
from napci.services.trust import TrustError
from napci.web import i18n
from napci.web.deps import State, page_principal
from napci.web.i18n import N_
from napci.web.pages import charts
from napci.web.sessions import (
    CSRF_COOKIE,
    CSRF_FIELD,
    SESSION_COOKIE,
    check_csrf,
    csrf_token,
    sessions_of,
    visit,
)
from napci.web.state import WebState

__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "FLASH_COOKIE",
    "Page",
    "PageDep",
    "check_csrf",
    "names",
    "page_for",
    "redirect",
    "render",
    "templates",
    "wants_json",
]

FLASH_COOKIE = "napci_flash"

#: Served with every page: nothing but this origin, no inline script.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "font-src 'self'; connect-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

#: Every reader's clearance that sees the whole record.
FULL = ("public", "participants", "restricted")

T = TypeVar("T")

_TEMPLATES = Path(str(resources.files("napci.web").joinpath("templates")))


@pass_context
def _label(context: Context, value: object) -> str:
    translator: i18n.Translator = context["tr"]
    return translator.label(value)


@pass_context
def _name(context: Context, value: object) -> str:
    """A multilingual name (``{"en": ..., "ko": ...}``) in the page's language."""
    if isinstance(value, dict):
        lang = context["tr"].lang
        return str(value.get(lang) or value.get("en") or next(iter(value.values()), ""))
    return "" if value is None else str(value)


def _num(value: float | None, digits: int = 3) -> str:
    return "\u2013" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "\u2013" if value is None else f"{100 * value:.0f}%"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["label"] = _label
    env.filters["name"] = _name
    env.filters["num"] = _num
    env.filters["pct"] = _pct
    env.globals["heat_class"] = charts.heat_class
    env.globals["heat_colour"] = charts.heat_colour
    env.globals["heat_ink"] = charts.heat_ink
    env.globals["charts"] = charts
    return env


templates = Jinja2Templates(env=_environment())


def wants_json(request: Request) -> bool:
    """Whether the JSON twin is asked for (``.json`` or ``?format=json``)."""
    return (
        request.url.path.endswith(".json")
        or request.query_params.get("format") == "json"
    )


def twin_url(request: Request) -> str:
    """The JSON twin of the page being shown."""
    path = request.url.path
    path = "/index.json" if path == "/" else path.rstrip("/") + ".json"
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "format"]
    if query:
        path += "?" + urlencode(query)
    return path


@dataclass
class Page:
    """One request to a page: who asks, in which language, over which state."""

    request: Request
    state: WebState
    principal: Principal
    tr: i18n.Translator

    @property
    def clearance(self) -> tuple[str, ...]:
        """What the user may read."""
        return self.principal.clearance

    @property
    def today(self) -> date:
        """Today (UTC)."""
        return self.state.today()

    def registry(self) -> Registry:
        """The registry as the user may see it (current)."""
        return self.state.registry(self.clearance)

    def full_registry(self) -> Registry:
        """The whole registry (what the rules judge by)."""
        return self.state.registry(FULL)

    def locked(self, build: Callable[[], T]) -> T:
        """``build()`` while no fold changes the registries (it may iterate
        them safely)."""
        return self.state.read(self.clearance, lambda _registry: build(), also=(FULL,))

    @property
    def actor(self) -> str | None:
        """The actor the user acts for, if the user may act."""
        return self.principal.actor if self.principal.can_act else None

    @property
    def secretariat(self) -> bool:
        """Whether the user acts as the facilitator's secretariat (the role
        facilitator); a delegate of the facilitating actor does not."""
        return self.principal.secretariat

    def facilitator(self) -> str | None:
        """The facilitating actor when the user acts as its secretariat, whose
        authority the rules then grant the user; otherwise none."""
        return self.full_registry().facilitator() if self.secretariat else None


def page_for(request: Request, state: WebState, principal: Principal) -> Page:
    """The page context of a request."""
    lang = i18n.negotiate(
        request.query_params.get("lang"), request.headers.get("accept-language")
    )
    return Page(request, state, principal, i18n.Translator(lang))


def _page_dep(
    request: Request,
    state: State,
    principal: Annotated[Principal, Depends(page_principal)],
) -> Page:
    return page_for(request, state, principal)


PageDep = Annotated[Page, Depends(_page_dep)]


def names(registry: Registry, lang: str) -> dict[str, str]:
    """Every actor's name in ``lang`` (English when it has none)."""
    return {
        code: actor.name.get(lang) or actor.name.get("en") or code
        for code, actor in registry.actors.items()
    }


# -- CSRF and flash ---------------------------------------------------------


def _encode_flash(kind: str, text: str) -> str:
    raw = json.dumps({"kind": kind, "text": text}).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii")


def _decode_flash(value: str | None) -> dict[str, str] | None:
    if not value:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(value.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    kind, text = data.get("kind"), data.get("text")
    if not isinstance(kind, str) or not isinstance(text, str):
        return None
    return {"kind": kind if kind in ("ok", "error") else "ok", "text": text[:2000]}


def redirect(request: Request, url: str, *, flash: str | None = None) -> Response:
    """303 to ``url`` (a local path), with a message for the next page."""
    if not url.startswith("/") or url.startswith("//"):
        url = "/"
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(
            FLASH_COOKIE,
            _encode_flash("ok", flash),
            httponly=True,
            samesite="strict",
            secure=sessions_of(request).secure_for(request),
            max_age=60,
            path="/",
        )
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    return response


# -- rendering --------------------------------------------------------------

NAV = (
    ("/", N_("Dashboard")),
    ("/trust", N_("Trust")),
    ("/tracks", N_("Tracks")),
    ("/meetings", N_("Meetings")),
    ("/proposals", N_("Proposals")),
    ("/projects", N_("Projects")),
    ("/mechanisms", N_("Mechanisms")),
    ("/ledger", N_("Ledger")),
)

#: Titles and details of problems the pages show, translated when shown.
PROBLEM_TEXTS = (
    N_("Unauthorized"),
    N_("Forbidden"),
    N_("Not Found"),
    N_("Invalid request"),
    N_("Method Not Allowed"),
    N_("Database unavailable"),
    N_("The record does not verify"),
)


def problem_of(exc: Exception, tr: i18n.Translator) -> dict[str, Any]:
    """What the page says about a refused or invalid command."""
    if isinstance(exc, Refusal):
        return {
            "status": 409,
            "title": tr("Refused by the rules of procedure"),
            "rule": exc.rule,
            "reason": exc.reason,
            "remedy": exc.remedy,
            "detail": str(exc),
        }
    if isinstance(exc, InvalidCommand):
        return {
            "status": 422,
            "title": tr("The form's values do not make a valid command"),
            "rule": None,
            "reason": str(exc),
            "remedy": None,
            "detail": str(exc),
        }
    default = 404 if isinstance(exc, TrustError) else 400  # as its JSON twin says
    status = int(getattr(exc, "status", getattr(exc, "status_code", default)))
    detail = tr.gettext(str(getattr(exc, "detail", exc)))
    title = str(getattr(exc, "title", ""))
    return {
        "status": status,
        "title": tr.gettext(title) if title else tr("The request failed"),
        "rule": None,
        "reason": detail,
        "remedy": None,
        "detail": detail,
    }


def chrome(page: Page, csrf: str, flash: dict[str, str] | None) -> dict[str, Any]:
    """The parts of every page that are not its data."""
    path = page.request.url.path
    user = None
    if page.principal.role is not None:
        user = {
            "name": page.principal.name,
            "role": page.principal.role,
            "actor": page.principal.actor,
            "can_act": page.principal.can_act,
        }
    nav = []
    for href, label in NAV:
        active = path == href or (href != "/" and path.startswith(href))
        nav.append({"href": href, "label": page.tr(label), "active": active})
    return {
        "user": user,
        "csrf": csrf,
        "csrf_field": CSRF_FIELD,
        "flash": flash,
        "lang": page.tr.lang,
        "path": path,
        "nav": nav,
        "today": page.today.isoformat(),
        "twin": twin_url(page.request),
        "actor": page.actor,
        "secretariat": page.secretariat,
        "record": record_banner(page),
    }


def record_banner(page: Page) -> dict[str, Any]:
    """Whether the record verifies, for the banner every page shows."""
    status = page.state.integrity.status()
    return {**status.as_json(), "problem": status.problem}


def render(
    page: Page,
    template: str,
    data: dict[str, Any],
    *,
    status: int = 200,
    problem: Exception | None = None,
    title: str = "",
) -> Response:
    """The page (or its JSON twin) for ``data``."""
    request = page.request
    # Every page says whether the record verifies, in its data as in its twin.
    data = {**data, "record_status": page.state.integrity.status().as_json()}
    if wants_json(request) and problem is None:
        return JSONResponse(data, status_code=status)
    csrf, new_csrf = csrf_token(request)
    flash = _decode_flash(request.cookies.get(FLASH_COOKIE))
    shown = None if problem is None else problem_of(problem, page.tr)
    if shown is not None:
        status = shown["status"]
    context = {
        "data": data,
        "chrome": chrome(page, csrf, flash),
        "problem": shown,
        "title": title,
        "tr": page.tr,
        "_": page.tr.gettext,
        "ngettext": page.tr.ngettext,
    }
    response = templates.TemplateResponse(
        request, template, context, status_code=status, headers=SECURITY_HEADERS
    )
    response.headers["Cache-Control"] = "no-store"
    sessions = sessions_of(request)
    if new_csrf is not None:
        sessions.set_cookie(request, response, CSRF_COOKIE, new_csrf, "strict")
    if visit(request).stale:  # the session ended: the browser may drop it
        sessions.forget_cookie(request, response, SESSION_COOKIE)
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/", samesite="strict")
    return response


def anonymous_page(request: Request) -> Page:
    """A page context built outside dependency injection (error pages)."""
    state: WebState = request.app.state.web
    try:
        principal = visit(request).principal
    except Exception:  # the error page must render whatever failed
        principal = ANONYMOUS
    return page_for(request, state, principal)
