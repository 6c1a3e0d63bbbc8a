"""``gpu_backend = "slurm"`` in the bridge without a reachable cluster: the GPU API says plainly what is wrong and
the rest of the bridge works. (With a real cluster: tests/slurm/.)"""

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
            # Nothing listens there: the cluster is "down".
            "gpu_slurm_url": "http://127.0.0.1:9",
            "gpu_slurm_token": "env",
        },
    }


async def test_info_says_the_cluster_cannot_be_reached(jp_fetch, monkeypatch):
    monkeypatch.setenv("SLURM_JWT", "x.eyJleHAiOjR9.y")
    info = json.loads((await jp_fetch("classlab", "api", "gpu", "info")).body)
    assert info["backend"] == "slurm" and info["reachable"] is False
    assert "cannot be reached" in info["message"] and "picked up again" in info["message"]


async def test_a_submit_answers_502_and_keeps_no_job(jp_fetch, jp_root_dir, monkeypatch):
    monkeypatch.setenv("SLURM_JWT", "x.eyJleHAiOjR9.y")
    (jp_root_dir / "nb.ipynb").write_text("{}")
    body = {"notebook": "nb.ipynb", "kernel": "python3", "cells": [{"id": "c1", "source": "print(1)", "target": True}]}
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("classlab", "api", "gpu", "jobs", method="POST", body=json.dumps(body))
    error = json.loads(refused.value.response.body)["error"]
    assert (refused.value.code, error["code"]) == (502, "gpu_service_unavailable")
    assert "try again" in error["message"]
    jobs = json.loads((await jp_fetch("classlab", "api", "gpu", "jobs")).body)["jobs"]
    assert jobs == []


async def test_info_tells_the_front_end(jp_fetch):
    info = json.loads((await jp_fetch("classlab", "api", "info")).body)
    assert info["services"]["gpu"] == {"backend": "slurm"} and info["capabilities"]["gpu"] is True
