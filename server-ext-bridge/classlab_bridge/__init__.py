"""ClassLab bridge: REST/WebSocket services under ``{base_url}classlab/`` for the ClassLab extensions.

Also imported in kernels (``from classlab_bridge import Video``), where jupyter_server may be missing: the server
parts load only when first used.
"""

from typing import Any

from ._version import __version__
from .video import Video

__all__ = ["ClassLabBridgeApp", "Video", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "ClassLabBridgeApp":
        from .app import ClassLabBridgeApp

        return ClassLabBridgeApp
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .app import ClassLabBridgeApp

    return [{"module": "classlab_bridge", "app": ClassLabBridgeApp}]
