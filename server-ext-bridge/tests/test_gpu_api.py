"""The GPU queue's bridge API on a real jupyter_server (gpu_backend = "local"): REST and the events WebSocket, who may
see and cancel which job, and what a job body and its notebook path may be."""

from __future__ import annotations

import asyncio
import json
import os

import pytest
from gpu_fake_queue import FakeQueue
from help_users import HubUsersIdentityProvider, headers
from tornado.httpclient import HTTPClientError

TERMINAL = {"succeeded", "failed", "cancelled", "timed_out", "quota_exhausted", "interrupted"}


@pytest.fixture
def jp_server_config(jp_server_config, tmp_path):
    return {
        "ServerApp": {
            "jpserver_extensions": {"classlab_bridge": True},
            "identity_provider_class": HubUsersIdentityProvider,
        },
        "ClassLabBridgeApp": {"gpu_data_dir": str(tmp_path / "gpu-data"), "gpu_cpu_slots": 1},
    }


@pytest.fixture
def queue(jp_serverapp):
    (bridge,) = jp_serverapp.extension_manager.extension_apps["classlab_bridge"]
    bridge.gpu._queue = FakeQueue()
    return bridge.gpu._queue


@pytest.fixture
def lesson(jp_root_dir):
    folder = jp_root_dir / "lessons"
    folder.mkdir()
    (folder / "data.csv").write_text("x\n1\n")
    return folder


@pytest.fixture
def api(jp_fetch, queue):
    async def call(user, *path, method="GET", body=None, params=None):
        kwargs = {"method": method, "headers": headers(user), "params": params or {}}
        if method == "POST":
            kwargs["body"] = body if isinstance(body, str) else json.dumps(body or {})
        try:
            response = await jp_fetch("classlab", "api", "gpu", *path, **kwargs)
        except HTTPClientError as e:
            return e.code, json.loads(e.response.body)
        return response.code, json.loads(response.body)

    return call


def job(source="print('hi from the GPU queue')", notebook="lessons/mnist.ipynb", **extra):
    return {
        "notebook": notebook,
        "kernel": "python3",
        "cells": [{"id": "setup", "source": "x = 1", "target": False}, {"id": "c7", "source": source, "target": True}],
        **extra,
    }


async def events_of(jp_ws_fetch, user, job_id, after=0):
    """Every event the socket sends until it closes; (events, close code)."""
    ws = await jp_ws_fetch(
        "classlab", "api", "gpu", "jobs", job_id, "events", headers=headers(user), params={"after": str(after)}
    )
    events = []
    while (message := await asyncio.wait_for(ws.read_message(), 60)) is not None:
        events.append(json.loads(message))
    return events, ws.close_code


async def test_a_submitted_cell_runs_and_its_events_stream_over_the_websocket(api, jp_ws_fetch, lesson):
    code, body = await api("student1", "jobs", method="POST", body=job())
    assert code == 201, body
    submitted = body["job"]
    assert submitted["user"] == "student1" and submitted["notebook"] == "lessons/mnist.ipynb"
    events, close_code = await events_of(jp_ws_fetch, "student1", submitted["id"])
    assert close_code == 1000
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[-1]["type"] == "state" and events[-1]["job"]["state"] == "succeeded"
    outputs = [e for e in events if e["type"] == "output"]
    assert outputs and all(e["cell_id"] == "c7" for e in outputs)
    assert "hi from the GPU queue" in "".join(e["output"].get("text", "") for e in outputs)
    # Reconnecting after the first event replays only the rest.
    rest, _ = await events_of(jp_ws_fetch, "student1", submitted["id"], after=1)
    assert rest == events[1:]
    code, body = await api("student1", "jobs", submitted["id"])
    assert code == 200 and body["job"]["state"] == "succeeded" and body["outputs"]["c7"]
    code, body = await api("student1", "jobs")
    assert [j["id"] for j in body["jobs"]] == [submitted["id"]]


async def test_the_job_runs_in_the_notebooks_folder(api, queue, lesson):
    code, body = await api("student1", "jobs", method="POST", body=job())
    assert code == 201
    assert queue.bundles[body["job"]["id"]].workdir == lesson.resolve()
    code, body = await api("student1", "jobs", method="POST", body=job(notebook="top.ipynb"))
    assert code == 201


async def test_info_and_quota(api):
    code, info = await api("student1", "info")
    assert code == 200 and info["backend"] == "local" and info["reachable"] is True
    assert info["max_bundle_bytes"] == 50 * 1024 * 1024
    code, quota = await api("student1", "quota")
    assert code == 200 and {"used_seconds", "limit_seconds", "remaining_seconds", "period"} <= set(quota)


async def test_without_a_login_everything_is_refused(jp_fetch, jp_ws_fetch, queue):
    for path in (("info",), ("quota",), ("jobs",), ("jobs", "j_1")):
        with pytest.raises(HTTPClientError) as refused:
            await jp_fetch("classlab", "api", "gpu", *path, headers={"Authorization": "token nobody"})
        assert refused.value.code == 403
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch(
            "classlab", "api", "gpu", "jobs", method="POST", body=json.dumps(job()), headers={"Authorization": ""}
        )
    assert refused.value.code == 403
    with pytest.raises(HTTPClientError) as refused:
        await jp_ws_fetch("classlab", "api", "gpu", "jobs", "j_1", "events", headers={"Authorization": "token nobody"})
    assert refused.value.code == 403


async def test_another_students_job_is_not_found(api, jp_ws_fetch, lesson):
    code, body = await api("student1", "jobs", method="POST", body=job())
    job_id = body["job"]["id"]
    for method in ("GET", "DELETE"):
        code, body = await api("student2", "jobs", job_id, method=method)
        assert (code, body["error"]["code"]) == (404, "not_found")
    with pytest.raises(HTTPClientError) as refused:
        await jp_ws_fetch("classlab", "api", "gpu", "jobs", job_id, "events", headers=headers("student2"))
    assert refused.value.code == 404
    assert (await api("student2", "jobs"))[1]["jobs"] == []
    assert (await api("student2", "jobs", params={"all": "1"}))[1]["jobs"] == []  # all=1 is for teachers


async def test_teachers_list_everyones_jobs_with_all(api, lesson):
    ids = [(await api(name, "jobs", method="POST", body=job()))[1]["job"]["id"] for name in ("student1", "student2")]
    code, body = await api("ms-li", "jobs", params={"all": "1"})
    assert code == 200 and {j["id"] for j in body["jobs"]} >= set(ids)
    assert (await api("ms-li", "jobs"))[1]["jobs"] == []  # without all=1: their own
    code, body = await api("principal", "jobs", ids[0])  # a Hub admin teaches too
    assert code == 200 and body["job"]["user"] == "student1"


async def test_cancel_own_job(api, queue, lesson):
    queue.hold = True
    code, body = await api("student1", "jobs", method="POST", body=job())
    job_id = body["job"]["id"]
    code, body = await api("student1", "jobs", job_id, method="DELETE")
    assert code == 200 and body["job"]["state"] == "cancelled"
    code, again = await api("student1", "jobs", job_id, method="DELETE")
    assert code == 200 and again["job"]["state"] == "cancelled"


@pytest.mark.parametrize(
    "body, words",
    [
        ("not json", "not JSON"),
        ([1, 2], "object"),
        ({**job(), "notebook": ""}, "notebook"),
        ({**job(), "kernel": 3}, "kernel"),
        ({**job(), "cells": []}, "cells"),
        ({**job(), "cells": [{"id": "a", "source": "1", "target": False}]}, "No cell to run"),
        ({**job(), "cells": [{"id": "a", "source": "  ", "target": True}]}, "empty"),
        ({**job(), "cells": [{"id": "a", "source": "1", "target": "yes"}]}, "true or false"),
        ({**job(), "cells": [{"id": "", "source": "1", "target": True}]}, "id"),
        ({**job(), "cells": [{"id": "a", "source": 1, "target": True}]}, "source"),
        ({**job(), "cells": [{"id": "a", "source": "1", "target": True}] * 2}, "twice"),
        ({**job(), "cells": ["print(1)"]}, "object"),
        ({**job(), "time_limit_seconds": 0}, "time_limit_seconds"),
        ({**job(), "time_limit_seconds": "60"}, "time_limit_seconds"),
        ({**job(), "time_limit_seconds": True}, "time_limit_seconds"),
    ],
)
async def test_bad_bodies_are_a_clear_400(api, lesson, body, words):
    code, answer = await api("student1", "jobs", method="POST", body=body)
    assert code == 400 and answer["error"]["code"] in ("bad_request", "bad_json")
    assert words in answer["error"]["message"]


@pytest.mark.parametrize(
    "notebook", ["../outside.ipynb", "lessons/../../outside.ipynb", "/etc/passwd", "missing/x.ipynb", "link/x.ipynb"]
)
async def test_a_notebook_path_outside_the_root_is_refused(api, jp_root_dir, lesson, tmp_path, notebook):
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    os.symlink(outside, jp_root_dir / "link")
    code, answer = await api("student1", "jobs", method="POST", body=job(notebook=notebook))
    assert (code, answer["error"]["code"]) == (400, "bad_request")
