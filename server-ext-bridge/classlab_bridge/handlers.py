"""HTTP handlers of the bridge; every one is authenticated like any Jupyter API handler."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from jupyter_server.base.handlers import APIHandler
from tornado import web

from ._version import __version__

try:  # jupyter_server >= 2.13
    from jupyter_server.auth.decorator import ws_authenticated
except ImportError:  # pragma: no cover - older jupyter_server: the same check, by hand
    from functools import wraps

    def ws_authenticated(method: Any) -> Any:  # type: ignore[no-redef]
        """Refuses the WebSocket upgrade (403) to a request without a logged-in user."""

        @wraps(method)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            if self.current_user is None:
                raise web.HTTPError(403)
            return method(self, *args, **kwargs)

        return wrapper


if TYPE_CHECKING:
    from .app import ClassLabBridgeApp


class InfoHandler(APIHandler):
    """``GET {base_url}classlab/api/info``: version, the authenticated user, backends."""

    def initialize(self, bridge: ClassLabBridgeApp) -> None:
        self.bridge = bridge

    @web.authenticated
    def get(self) -> None:
        user: Any = self.current_user
        self.finish(
            json.dumps(
                {
                    "version": __version__,
                    "user": {
                        "name": user.username,
                        "display_name": user.display_name or user.username,
                    },
                    "services": self.bridge.backends(),
                    "capabilities": self.bridge.capabilities(),
                }
            )
        )
