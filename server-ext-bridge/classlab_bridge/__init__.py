"""ClassLab bridge: REST/WebSocket services under ``{base_url}classlab/`` for the ClassLab extensions."""

from typing import Any

from ._version import __version__
from .app import ClassLabBridgeApp

__all__ = ["ClassLabBridgeApp", "__version__"]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    return [{"module": "classlab_bridge", "app": ClassLabBridgeApp}]
