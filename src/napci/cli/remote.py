"""Acting through a napci server's API with a user's token (``--server``).

The standard library's HTTP client, so that the command line needs nothing
the server does not. Redirects are not followed: a token is sent to the
server named, and nowhere else.
"""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

import typer

if TYPE_CHECKING:
    import urllib.request

__all__ = ["RemoteError", "ServerOption", "get", "post"]

ServerOption = Annotated[
    str | None,
    typer.Option(
        "--server",
        help="A napci server's address (http://host:port): act through its "
        "API, signed in there with --token, rather than on the record --db names.",
    ),
]

_TIMEOUT_S = 30


class RemoteError(Exception):
    """The server refused the request, or could not be reached."""


@cache
def _opener() -> urllib.request.OpenerDirector:
    """An opener that follows no redirect (the HTTP client is imported only
    when a verb talks to a server)."""
    import urllib.request

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
            return None  # the 3xx is then raised as an HTTPError

    return urllib.request.build_opener(_NoRedirect)


def _url(server: str, path: str) -> str:
    base = server.strip().rstrip("/")
    if base.endswith("/api/v1"):
        base = base[: -len("/api/v1")]
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RemoteError(
            f"--server {server!r} is not an http:// or https:// address "
            "(e.g. http://127.0.0.1:8000)"
        )
    return f"{base}/api/v1{path}"


def _problem(status: int, raw: bytes) -> str:
    try:
        problem = json.loads(raw)
    except ValueError:
        problem = None
    if isinstance(problem, dict) and isinstance(problem.get("detail"), str):
        return str(problem["detail"])
    text = raw.decode("utf-8", "replace").strip().splitlines()
    return f"the server answered {status}" + (f": {text[0][:200]}" if text else "")


def post(server: str, path: str, token: str, body: Any) -> tuple[int, Any]:
    """POST ``body`` as JSON to ``path`` under the server's ``/api/v1`` with
    the bearer ``token``: (status, JSON answer); :class:`RemoteError` for a
    refusal (its problem's detail) or an unreachable server."""
    return _send(server, path, token, json.dumps(body).encode("utf-8"))


def get(server: str, path: str, token: str) -> Any:
    """GET ``path`` under the server's ``/api/v1`` with the bearer ``token``:
    the JSON answer; :class:`RemoteError` as for :func:`post`."""
    return _send(server, path, token, None)[1]


def _send(server: str, path: str, token: str, data: bytes | None) -> tuple[int, Any]:
    import urllib.error
    import urllib.request

    url = _url(server, path)
    headers = {"Accept": "application/json", "Authorization": f"Bearer {token}"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(
        url, data=data, method="GET" if data is None else "POST", headers=headers
    )
    try:
        with _opener().open(request, timeout=_TIMEOUT_S) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        raise RemoteError(_problem(exc.code, exc.read())) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RemoteError(f"cannot reach {url}: {reason}") from None
    try:
        return status, json.loads(raw)
    except ValueError:
        raise RemoteError(f"{url} did not answer JSON") from None
