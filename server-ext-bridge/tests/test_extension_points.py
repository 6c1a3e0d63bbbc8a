"""The package is discoverable by jupyter_server and enables itself on install."""

from __future__ import annotations

import json
from pathlib import Path

import classlab_bridge


def test_extension_point_names_the_app():
    (point,) = classlab_bridge._jupyter_server_extension_points()
    assert point["module"] == "classlab_bridge"
    assert point["app"] is classlab_bridge.ClassLabBridgeApp


def test_jupyter_config_enables_the_extension():
    config = Path(__file__).parents[1] / "jupyter-config/jupyter_server_config.d/classlab_bridge.json"
    assert json.loads(config.read_text())["ServerApp"]["jpserver_extensions"] == {"classlab_bridge": True}
