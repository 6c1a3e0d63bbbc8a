"""HTTP handlers of the bridge; every one is authenticated like any Jupyter API handler."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from jupyter_server.base.handlers import APIHandler
from tornado import web

from ._version import __version__

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
                    # What this bridge serves besides the API; the video player checks "media".
                    "capabilities": {"media": True},
                }
            )
        )
