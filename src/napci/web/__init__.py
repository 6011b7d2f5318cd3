"""napci on the web: the HTTP API and the server-rendered pages."""

from napci.web.app import create_app

__all__ = ["create_app"]
