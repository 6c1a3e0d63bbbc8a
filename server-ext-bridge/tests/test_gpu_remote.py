"""``gpu_backend = "remote"``: the bridge packs the notebook's folder and sends the job to the JupyterHub GPU service
with its server's own ``$JUPYTERHUB_API_TOKEN``; the service runs it; the bridge's WebSocket streams its events
(long-polled from the service) the same as with the local queue.

This test server plays student1's single-user server: the env a Hub spawner sets (token, user, API URL), the Hub's API
faked (hub_fake.py), the real GPU service app behind it, found through the Hub (no gpu_service_url).
"""

from __future__ import annotations

import asyncio
import json

import pytest
from classlab_bridge.gpu.queue import GpuUser
from help_users import HubUsersIdentityProvider, headers
from tornado.httpclient import HTTPClientError


@pytest.fixture
def jp_server_config(jp_server_config, gpu_hub, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "student1-server")
    monkeypatch.setenv("JUPYTERHUB_USER", "student1")
    monkeypatch.setenv("JUPYTERHUB_API_URL", gpu_hub["hub_api"])
    monkeypatch.delenv("CLASSLAB_GPU_SERVICE_URL", raising=False)
    return {
        "ServerApp": {
            "jpserver_extensions": {"classlab_bridge": True},
            "identity_provider_class": HubUsersIdentityProvider,
        },
        "ClassLabBridgeApp": {"gpu_backend": "remote"},
    }


@pytest.fixture
def bridge(jp_serverapp):
    (app,) = jp_serverapp.extension_manager.extension_apps["classlab_bridge"]
    return app


@pytest.fixture
def lesson(jp_root_dir):
    folder = jp_root_dir / "lessons"
    for name, text in {
        "data.csv": "x\n1\n",
        "sub/helpers.py": "K = 3\n",
        ".secret": "hidden",
        ".git/config": "hidden",
        ".ipynb_checkpoints/nb-checkpoint.ipynb": "{}",
        "__pycache__/helpers.cpython-311.pyc": "cache",
    }.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


@pytest.fixture
def api(jp_fetch):
    async def call(user, *path, method="GET", body=None, params=None):
        kwargs = {"method": method, "headers": headers(user), "params": params or {}}
        if method == "POST":
            kwargs["body"] = json.dumps(body or {})
        try:
            response = await jp_fetch("classlab", "api", "gpu", *path, **kwargs)
        except HTTPClientError as e:
            return e.code, json.loads(e.response.body)
        return response.code, json.loads(response.body)

    return call


LIST_FILES = (
    "import os\n"
    "print(sorted(os.path.relpath(os.path.join(d, f)) for d, _, fs in os.walk('.') for f in fs))\n"
    "print('remote hello')"
)


def job(source=LIST_FILES):
    return {
        "notebook": "lessons/nb.ipynb",
        "kernel": "python3",
        "cells": [{"id": "c1", "source": source, "target": True}],
        "time_limit_seconds": 60,
    }


async def test_a_job_goes_to_the_service_with_its_folder_and_streams_back(api, jp_ws_fetch, gpu_hub, lesson):
    code, body = await api("student1", "jobs", method="POST", body=job())
    assert code == 201, body
    submitted = body["job"]
    assert submitted["user"] == "student1" and submitted["time_limit_seconds"] == 60
    jobs = await gpu_hub["queue"].list(GpuUser("ms-li", teacher=True), all_users=True)
    assert [j["id"] for j in jobs] == [submitted["id"]]  # held by the service, not by this server

    ws = await jp_ws_fetch("classlab", "api", "gpu", "jobs", submitted["id"], "events", headers=headers("student1"))
    events = []
    while (message := await asyncio.wait_for(ws.read_message(), 60)) is not None:
        events.append(json.loads(message))
    assert ws.close_code == 1000
    seqs = [e["seq"] for e in events]
    assert seqs[0] == 1 and seqs == sorted(set(seqs))
    assert events[-1]["job"]["state"] == "succeeded"
    # It ran in a copy of the notebook's folder: hidden files, checkpoints and caches stayed home.
    text = "".join(e["output"].get("text", "") for e in events if e["type"] == "output")
    assert text == "['data.csv', 'sub/helpers.py']\nremote hello\n"

    code, body = await api("student1", "jobs", submitted["id"])
    assert code == 200 and body["job"]["id"] == submitted["id"] and body["outputs"]["c1"]
    code, body = await api("student1", "jobs")
    assert [j["id"] for j in body["jobs"]] == [submitted["id"]]
    code, body = await api("student1", "jobs", submitted["id"], method="DELETE")
    assert code == 200 and body["job"]["state"] == "succeeded"  # ended: unchanged
    code, body = await api("student1", "quota")
    assert code == 200 and "remaining_seconds" in body
    code, info = await api("student1", "info")
    assert code == 200 and info["backend"] == "remote" and info["reachable"] is True


async def test_errors_of_the_service_come_back_as_they_are(api, lesson):
    code, body = await api("student1", "jobs", "j_nope")
    assert (code, body["error"]["code"]) == (404, "not_found")
    code, body = await api("student1", "jobs", "x%2F..%2F..%2Finfo")  # stays one path segment
    assert code == 404
    code, body = await api("student1", "jobs", method="POST", body={**job(), "cells": []})
    assert (code, body["error"]["code"]) == (400, "bad_request")


async def test_a_folder_too_big_is_refused_before_sending(api, bridge, gpu_hub, lesson):
    bridge.gpu.queue().max_bundle_bytes = 9  # data.csv and helpers.py: 10 bytes
    code, body = await api("student1", "jobs", method="POST", body=job())
    assert (code, body["error"]["code"]) == (413, "too_big")
    assert "MiB" in body["error"]["message"]
    assert await gpu_hub["queue"].list(GpuUser("ms-li", teacher=True), all_users=True) == []


async def test_nobody_but_the_owner_is_forwarded(api, gpu_hub, lesson):
    for path, method in ((("jobs",), "GET"), (("jobs",), "POST"), (("quota",), "GET")):
        code, body = await api("ms-li", *path, method=method, body=job())
        assert (code, body["error"]["code"]) == (403, "forbidden")
    assert await gpu_hub["queue"].list(GpuUser("ms-li", teacher=True), all_users=True) == []


async def test_an_unreachable_service_is_a_502_and_info_says_so(api, bridge, lesson):
    bridge.gpu.queue().client._url = "http://127.0.0.1:9/services/classlab-gpu/"
    code, body = await api("student1", "jobs", method="POST", body=job())
    assert (code, body["error"]["code"]) == (502, "gpu_service_unavailable")
    assert "cannot be reached" in body["error"]["message"]
    code, info = await api("student1", "info")
    assert code == 200 and info["backend"] == "remote" and info["reachable"] is False


async def test_info_says_remote(jp_fetch):
    info = json.loads((await jp_fetch("classlab", "api", "info", headers=headers("student1"))).body)
    assert info["services"]["gpu"] == {"backend": "remote"} and info["capabilities"]["gpu"] is True
