"""A student's server must never hold the class ledger or a key that signs for anyone: the bridge refuses Slurm's
'service' mode and 'key' tokens (they belong in the JupyterHub service), and says so on every GPU call."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError


@pytest.fixture
def jp_server_config(jp_server_config, tmp_path):
    return {
        "ServerApp": {"jpserver_extensions": {"classlab_bridge": True}},
        "ClassLabBridgeApp": {
            "gpu_backend": "slurm",
            "gpu_data_dir": str(tmp_path / "gpu"),
            "gpu_slurm_token": "key",
        },
    }


@pytest.mark.parametrize("path", ["info", "quota", "jobs"])
async def test_key_tokens_in_a_students_server_are_refused(jp_fetch, path):
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("classlab", "api", "gpu", path)
    error = json.loads(refused.value.response.body)["error"]
    assert (refused.value.code, error["code"]) == (501, "not_available")
    assert "classlab-gpu" in error["message"] and "slurm_token" in error["message"]
