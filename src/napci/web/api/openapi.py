"""The API's OpenAPI description, made to say everything the API does.

FastAPI describes each route from its own declaration; :func:`describe` then
adds what holds for every operation, so that an endpoint added later is
described as truly as the others without declaring it itself:

- **Security.** Reads (``GET``) are open to anonymous callers: their
  security is ``[{}, {"token": []}]`` (no token, or a bearer token); every
  other operation is a command and needs a token (``[{"token": []}]``).
- **Every status an operation can answer**, each with a problem+json body
  (RFC 9457): 401 (a malformed, unknown or revoked token: any operation;
  for a command also none at all), 400 (a body that is not JSON: any
  operation with a body), 404 (an id in the path unknown, or hidden from the
  caller: any operation with a path parameter), 422 (invalid parameters or
  body: any operation that takes some). A method a path does not have is a
  405 with an ``Allow`` header naming those it has
  (:func:`napci.web.problems.allowed_methods`).
- **Discriminated unions**: the property that tells the members apart (a
  proposal subject's ``kind``) is required in each member, as the API
  requires it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from napci.web.api.common import problems

__all__ = ["ALLOW_HEADER", "SCHEME", "describe"]

#: The name of the bearer scheme (``napci.web.deps``).
SCHEME = "token"

#: The ``Allow`` header of a 405.
ALLOW_HEADER = {
    "description": "the methods the path has (RFC 9110)",
    "schema": {"type": "string"},
}

_UNAUTHORIZED_READ = (
    "Unauthorized: a malformed, unknown or revoked token (without a token the "
    "caller reads as anonymous)"
)
_UNAUTHORIZED_COMMAND = "Unauthorized: no token, or a malformed, unknown or revoked one"
_UNPARSABLE = "Bad request: the body is not JSON"
_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def describe(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI description (computed once)."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        for path, item in schema.get("paths", {}).items():
            for method, operation in item.items():
                if method in _HTTP_METHODS and path.startswith("/api/"):
                    _operation(method, operation)
        _discriminators(schema)
        app.openapi_schema = schema
    return app.openapi_schema


def _operation(method: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    read = method in ("get", "head")
    if "security" in operation:
        operation["security"] = [{}, {SCHEME: []}] if read else [{SCHEME: []}]
        _add(responses, 401)
        responses["401"]["description"] = (
            _UNAUTHORIZED_READ if read else _UNAUTHORIZED_COMMAND
        )
    parameters = operation.get("parameters", [])
    if "requestBody" in operation:
        _add(responses, 400)
        responses["400"]["description"] = _UNPARSABLE
    if any(p.get("in") == "path" for p in parameters):
        _add(responses, 404)
    if parameters or "requestBody" in operation:
        _add(responses, 422)


def _add(responses: dict[str, Any], status: int) -> None:
    if str(status) not in responses:
        responses[str(status)] = problems(status)[status]


def _discriminators(node: Any, schema: dict[str, Any] | None = None) -> None:
    """Make every discriminator's property required in each member it maps."""
    root = node if schema is None else schema
    if isinstance(node, dict):
        found = node.get("discriminator")
        if isinstance(found, dict) and "propertyName" in found:
            name = found["propertyName"]
            for ref in found.get("mapping", {}).values():
                member = _resolve(root, ref)
                if member is not None:
                    required = member.setdefault("required", [])
                    if name not in required:
                        required.insert(0, name)
                    member.get("properties", {}).get(name, {}).pop("default", None)
        for value in node.values():
            _discriminators(value, root)
    elif isinstance(node, list):
        for value in node:
            _discriminators(value, root)


def _resolve(root: dict[str, Any], ref: str) -> dict[str, Any] | None:
    if not ref.startswith("#/"):
        return None
    node: Any = root
    for part in ref[2:].split("/"):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node if isinstance(node, dict) else None
