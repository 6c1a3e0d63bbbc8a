"""Backends are chosen by traitlets configuration and reported by ``info``."""

from __future__ import annotations

import json

import pytest
from classlab_bridge import ClassLabBridgeApp
from traitlets import TraitError


@pytest.fixture
def jp_server_config(jp_server_config):
    return {
        "ServerApp": {"jpserver_extensions": {"classlab_bridge": True}},
        "ClassLabBridgeApp": {"gpu_backend": "slurm", "grader_backend": "remote"},
    }


async def test_configured_backends_are_reported(jp_fetch):
    body = json.loads((await jp_fetch("classlab", "api", "info")).body)
    assert body["services"]["gpu"] == {"backend": "slurm"}
    assert body["services"]["grader"] == {"backend": "remote"}
    assert body["services"]["help"] == {"backend": "local"}


def test_unknown_backend_is_rejected_with_a_clear_error():
    with pytest.raises(TraitError, match="gpu_backend"):
        ClassLabBridgeApp(gpu_backend="kubernetes")
