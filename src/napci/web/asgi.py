"""An ASGI entry point for process managers: settings from the environment."""

from napci.settings import Settings
from napci.web.app import create_app

app = create_app(Settings.for_server())
