"""Helpers of the pages' tests (``test_pages*.py``).

A plain module, imported by name (``tests/`` is not a package; pytest puts
this directory on ``sys.path``). It signs users in through the login form,
submits forms with the CSRF token the session's pages carry, and reads the templates and
page code for the i18n checks: which messages they use, and which text is
shown without going through the translation function.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from jinja2 import Environment
from jinja2.lexer import Token

from napci.web.pages.common import CSRF_FIELD

ROOT = Path(__file__).parents[2]
WEB = ROOT / "src" / "napci" / "web"
TEMPLATES = WEB / "templates"
STATIC = WEB / "static"
PAGE_CODE = sorted((WEB / "pages").glob("*.py"))

#: Every page (GET) of the site; ``{meeting}`` and ``{proposal}`` are filled in.
PAGES: tuple[str, ...] = (
    "/",
    "/trust",
    "/trust?track=environment&as_of=2014-06-30",
    "/trust/explain",
    "/trust/explain?a=KOR&b=JPN",
    "/tracks",
    "/meetings",
    "/meetings/{meeting}",
    "/proposals",
    "/proposals/{proposal}",
    "/projects",
    "/mechanisms",
    "/mechanisms?track=nuclear-safety&members=KOR&members=JPN&members=CHN"
    "&members=USA&members=RUS",
    "/ledger",
    "/participants/CHN",
    "/login",
    "/logout",
)


def twin(path: str) -> str:
    """The JSON twin of a page path: ``.json`` before the query string."""
    base, sep, query = path.partition("?")
    base = "/index" if base == "/" else base
    return f"{base}.json{sep}{query}"


# -- signing in and submitting forms ------------------------------------------


_CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(client: Any, path: str = "/login") -> str:
    """The CSRF token the forms of ``path`` carry for ``client``'s session."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    match = _CSRF_INPUT.search(page.text)
    assert match is not None, "the page has no form with a CSRF token"
    return match.group(1)


def sign_in(client: Any, token: str) -> None:
    """Sign ``client`` in through the login form (cookies kept by the client)."""
    client.cookies.clear()
    response = client.post(
        "/login",
        data={"token": token, CSRF_FIELD: csrf_of(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def submit(client: Any, path: str, data: dict[str, Any]) -> Any:
    """POST a form with the session's CSRF token (no redirect followed)."""
    fields = {CSRF_FIELD: csrf_of(client), **data}
    return client.post(path, data=fields, follow_redirects=False)


# -- the messages the pages use ------------------------------------------------

_ENV = Environment()
#: The translation functions and the index of their message arguments.
_CALLS = {"_": 1, "gettext": 1, "ngettext": 2, "N_": 1}


def _lex(source: str) -> list[Token]:
    """A template's tokens, string literals unquoted."""
    tokens = []
    for lineno, kind, value in _ENV.lex(source):
        if kind == "string":
            value = ast.literal_eval(value)
        tokens.append(Token(lineno, kind, value))
    return tokens


def _string_args(tokens: list[Token], start: int, count: int) -> list[str]:
    """The first ``count`` string literal arguments of a call at ``start``."""
    out: list[str] = []
    i = start
    while i < len(tokens) and len(out) < count:
        token = tokens[i]
        if token.type == "string":
            out.append(token.value)
        elif token.type not in ("operator", "whitespace") or token.value == ")":
            break
        i += 1
    return out


def template_messages(path: Path) -> set[str | tuple[str, str]]:
    """The messages a template passes to ``_()`` and ``ngettext()``."""
    plain = _lex(path.read_text(encoding="utf-8"))
    found: set[str | tuple[str, str]] = set()
    for i, token in enumerate(plain[:-1]):
        if token.type != "name" or token.value not in _CALLS:
            continue
        if plain[i + 1].type != "operator" or plain[i + 1].value != "(":
            continue
        args = _string_args(plain, i + 2, _CALLS[token.value])
        if token.value == "ngettext" and len(args) == 2:
            found.add((args[0], args[1]))
        elif args:
            found.add(args[0])
    return found


def python_messages(path: Path) -> set[str | tuple[str, str]]:
    """The messages page code passes to ``tr()``, ``gettext``, ``ngettext``,
    ``_`` and ``N_`` (the marker of a message translated later)."""
    found: set[str | tuple[str, str]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = (
            func.attr
            if isinstance(func, ast.Attribute)
            else func.id
            if isinstance(func, ast.Name)
            else None
        )
        if name not in ("tr", "gettext", "ngettext", "_", "N_"):
            continue
        literals = [
            a.value
            for a in node.args
            if isinstance(a, ast.Constant) and isinstance(a.value, str)
        ]
        if name == "ngettext" and len(literals) >= 2:
            found.add((literals[0], literals[1]))
        elif literals and node.args and isinstance(node.args[0], ast.Constant):
            found.add(literals[0])
    return found


def all_messages() -> set[str | tuple[str, str]]:
    """Every message of the templates and the page code."""
    found: set[str | tuple[str, str]] = set()
    for path in sorted(TEMPLATES.rglob("*.html")):
        found |= template_messages(path)
    for path in PAGE_CODE:
        found |= python_messages(path)
    return found


# -- text shown without translation --------------------------------------------

#: Attributes whose text a reader sees or hears.
VISIBLE_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label", "label")
_PLACEHOLDER = "\x00"
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_LETTER = re.compile(r"[^\W\d_]")
#: String literals inside Jinja expressions that look like prose: a letter
#: and a space, and not a list of CSS classes or codes.
_CODE_LIKE = re.compile(r"^[a-z0-9_ .:#/=&?{}-]*$")


class _TextFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value and _letters(value):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and _letters(data):
            self.found.append(data.strip())


def _letters(text: str) -> bool:
    return bool(_LETTER.search(text.replace(_PLACEHOLDER, "")))


def untranslated_text(path: Path) -> list[str]:
    """Text a template shows outside ``{{ ... }}``, and prose-like string
    literals in its expressions not given to a translation function."""
    source = path.read_text(encoding="utf-8")
    finder = _TextFinder()
    finder.feed(_JINJA.sub(_PLACEHOLDER, source))
    finder.close()
    problems = [f"text: {text!r}" for text in finder.found]
    tokens = _lex(source)
    for i, token in enumerate(tokens):
        if token.type != "string" or not _letters(token.value):
            continue
        if " " not in token.value or _CODE_LIKE.match(token.value):
            continue
        before = [t for t in tokens[max(0, i - 6) : i] if t.type != "whitespace"]
        in_call = any(
            t.type == "name" and t.value in _CALLS for t in before[-4:]
        ) and any(t.value == "(" for t in before[-3:])
        if not in_call:
            problems.append(f"line {token.lineno}: string {token.value!r}")
    return problems


# -- addresses of other hosts ---------------------------------------------------

_URL = re.compile(
    r"https?://([^/\s\"'<>)]+)"
    r"|(?:src|href|action)\s*=\s*[\"']//([^/\s\"'<>]+)"
    r"|url\(\s*[\"']?//([^/\s\"'<>)]+)"
)
#: XML namespace names: identifiers that are never fetched.
_NAMESPACE = re.compile(r'xmlns(?::\w+)?="[^"]*"')


def external_urls(path: Path) -> list[str]:
    """Addresses of hosts other than 127.0.0.1 in a template or static file."""
    text = _NAMESPACE.sub("", path.read_text(encoding="utf-8"))
    return [
        m.group(0)
        for m in _URL.finditer(text)
        if (m.group(1) or m.group(2) or m.group(3)).split(":")[0] != "127.0.0.1"
    ]


def site_files() -> Iterator[Path]:
    """Every template and static file of the site."""
    for folder in (TEMPLATES, STATIC):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name != ".keep":
                yield path
