"""``gpu_backend = "slurm"`` (issue #8) is not there yet: the GPU API says so plainly, the rest of the bridge works."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError


@pytest.fixture
def jp_server_config(jp_server_config):
    return {
        "ServerApp": {"jpserver_extensions": {"classlab_bridge": True}},
        "ClassLabBridgeApp": {"gpu_backend": "slurm"},
    }


@pytest.mark.parametrize("path", ["info", "quota", "jobs"])
async def test_the_gpu_api_answers_not_available(jp_fetch, path):
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("classlab", "api", "gpu", path)
    error = json.loads(refused.value.response.body)["error"]
    assert (refused.value.code, error["code"]) == (501, "not_available")
    assert "slurm" in error["message"] and "gpu_backend" in error["message"]


async def test_info_tells_the_front_end(jp_fetch):
    info = json.loads((await jp_fetch("classlab", "api", "info")).body)
    assert info["services"]["gpu"] == {"backend": "slurm"} and info["capabilities"]["gpu"] is False
