"""On a single server (no JupyterHub) the GPU queue has one user, the server's owner, a teacher, under one stable name:
jupyter_server names each token login anew, and jobs and quota must not change hands with a cookie."""

from __future__ import annotations

import getpass
import json

import pytest


@pytest.fixture
def jp_server_config(jp_server_config, tmp_path):
    return {
        "ServerApp": {"jpserver_extensions": {"classlab_bridge": True}},
        "ClassLabBridgeApp": {"gpu_data_dir": str(tmp_path / "gpu-data")},
    }


async def test_every_login_is_the_one_owner(jp_fetch, jp_root_dir):
    body = {"notebook": "nb.ipynb", "kernel": "python3", "cells": [{"id": "c1", "source": "1", "target": True}]}
    posted = json.loads((await jp_fetch("classlab", "api", "gpu", "jobs", method="POST", body=json.dumps(body))).body)
    assert posted["job"]["user"] == getpass.getuser()
    for params in ({}, {"all": "1"}):
        listed = json.loads((await jp_fetch("classlab", "api", "gpu", "jobs", params=params)).body)
        assert [j["id"] for j in listed["jobs"]] == [posted["job"]["id"]]
    cancelled = json.loads(
        (await jp_fetch("classlab", "api", "gpu", "jobs", posted["job"]["id"], method="DELETE")).body
    )
    assert cancelled["job"]["id"] == posted["job"]["id"]
