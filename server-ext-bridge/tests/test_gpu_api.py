"""The GPU queue's bridge API on a real jupyter_server with the real LocalQueue (gpu_backend = "local"): cells run in a
fresh kernel and their events stream over the WebSocket; who may see and cancel which job; what a job body and its
notebook path may be."""

from __future__ import annotations

import asyncio
import json
import os

import pytest
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
        # Two slots (on the CPU where there is no GPU): two students' jobs run side by side.
        "ClassLabBridgeApp": {"gpu_data_dir": str(tmp_path / "gpu-data"), "gpu_slots": 2, "gpu_cpu_slots": 2},
    }


@pytest.fixture
def lesson(jp_root_dir):
    folder = jp_root_dir / "lessons"
    folder.mkdir()
    (folder / "data.csv").write_text("x\n1\n")
    return folder


@pytest.fixture
def api(jp_fetch):
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


async def events_of(jp_ws_fetch, user, job_id, after=0, until=None):
    """The events the socket sends until it closes (or until one matches ``until``); (events, close code)."""
    ws = await jp_ws_fetch(
        "classlab", "api", "gpu", "jobs", job_id, "events", headers=headers(user), params={"after": str(after)}
    )
    events = []
    while (message := await asyncio.wait_for(ws.read_message(), 60)) is not None:
        events.append(json.loads(message))
        if until is not None and until(events[-1]):
            ws.close()
            return events, None
    return events, ws.close_code


def text_of(events):
    return "".join(e["output"].get("text", "") for e in events if e["type"] == "output")


def running(event):
    return event["type"] == "state" and event["job"]["state"] == "running"


async def finished(jp_ws_fetch, user, job_id):
    events, _ = await events_of(jp_ws_fetch, user, job_id)
    return events[-1]["job"]


async def test_a_submitted_cell_runs_and_its_events_stream_over_the_websocket(api, jp_ws_fetch, lesson):
    code, body = await api("student1", "jobs", method="POST", body=job())
    assert code == 201, body
    submitted = body["job"]
    assert submitted["user"] == "student1" and submitted["notebook"] == "lessons/mnist.ipynb"
    events, close_code = await events_of(jp_ws_fetch, "student1", submitted["id"])
    assert close_code == 1000
    seqs = [e["seq"] for e in events]
    assert seqs[0] == 1 and seqs == sorted(set(seqs))
    assert [e["job"]["state"] for e in events if e["type"] == "state"][-2:] == ["running", "succeeded"]
    assert events[-1]["type"] == "state"
    outputs = [e for e in events if e["type"] == "output"]
    assert outputs and all(e["cell_id"] == "c7" for e in outputs)  # the context cell's outputs stay behind
    assert text_of(events) == "hi from the GPU queue\n"
    # Reconnecting after the first event replays only the rest.
    rest, _ = await events_of(jp_ws_fetch, "student1", submitted["id"], after=1)
    assert rest == events[1:]
    code, body = await api("student1", "jobs", submitted["id"])
    assert code == 200 and body["job"]["state"] == "succeeded" and body["outputs"]["c7"]
    code, body = await api("student1", "jobs")
    assert [j["id"] for j in body["jobs"]] == [submitted["id"]]


async def test_the_job_runs_in_the_notebooks_folder(api, jp_ws_fetch, lesson):
    source = "import os; print(os.getcwd()); print(open('data.csv').read().split()[1], x)"
    code, body = await api("student1", "jobs", method="POST", body=job(source))
    assert code == 201
    events, _ = await events_of(jp_ws_fetch, "student1", body["job"]["id"])
    assert text_of(events) == f"{lesson.resolve()}\n1 1\n"  # x = 1: the context cell ran first


async def test_info_and_quota(api):
    code, info = await api("student1", "info")
    assert code == 200 and info["backend"] == "local" and info["reachable"] is True
    assert info["max_bundle_bytes"] == 50 * 1024 * 1024
    code, quota = await api("student1", "quota")
    assert code == 200 and {"used_seconds", "limit_seconds", "remaining_seconds", "period"} <= set(quota)


async def test_without_a_login_everything_is_refused(jp_fetch, jp_ws_fetch):
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
    await finished(jp_ws_fetch, "student1", job_id)
    for method in ("GET", "DELETE"):
        code, body = await api("student2", "jobs", job_id, method=method)
        assert (code, body["error"]["code"]) == (404, "not_found")
    with pytest.raises(HTTPClientError) as refused:
        await jp_ws_fetch("classlab", "api", "gpu", "jobs", job_id, "events", headers=headers("student2"))
    assert refused.value.code == 404
    assert (await api("student2", "jobs"))[1]["jobs"] == []
    assert (await api("student2", "jobs", params={"all": "1"}))[1]["jobs"] == []  # all=1 is for teachers


async def test_the_events_socket_checks_who_may_see_without_replaying_outputs(api, jp_ws_fetch, lesson, monkeypatch):
    from classlab_bridge.gpu import local

    code, body = await api("student1", "jobs", method="POST", body=job())
    job_id = body["job"]["id"]
    await finished(jp_ws_fetch, "student1", job_id)
    replays = []
    monkeypatch.setattr(local, "replay_outputs", lambda path: replays.append(path) or {})
    events, close_code = await events_of(jp_ws_fetch, "student1", job_id)
    assert close_code == 1000 and events[-1]["job"]["state"] == "succeeded"
    with pytest.raises(HTTPClientError) as refused:
        await jp_ws_fetch("classlab", "api", "gpu", "jobs", job_id, "events", headers=headers("student2"))
    assert refused.value.code == 404
    assert replays == []  # only GET jobs/{id} replays outputs
    await api("student1", "jobs", job_id)
    assert len(replays) == 1


async def test_teachers_list_everyones_jobs_with_all(api, jp_ws_fetch, lesson):
    ids = [(await api(name, "jobs", method="POST", body=job()))[1]["job"]["id"] for name in ("student1", "student2")]
    for name, job_id in zip(("student1", "student2"), ids):
        assert (await finished(jp_ws_fetch, name, job_id))["state"] == "succeeded"
    code, body = await api("ms-li", "jobs", params={"all": "1"})
    assert code == 200 and {j["id"] for j in body["jobs"]} >= set(ids)
    assert (await api("ms-li", "jobs"))[1]["jobs"] == []  # without all=1: their own
    code, body = await api("principal", "jobs", ids[0])  # a Hub admin teaches too
    assert code == 200 and body["job"]["user"] == "student1"


async def test_a_running_job_is_cancelled_by_its_owner_only(api, jp_ws_fetch, lesson):
    code, body = await api("student1", "jobs", method="POST", body=job("import time; time.sleep(120)"))
    job_id = body["job"]["id"]
    await events_of(jp_ws_fetch, "student1", job_id, until=running)
    code, body = await api("student2", "jobs", job_id, method="DELETE")
    assert code == 404
    code, body = await api("student1", "jobs", job_id, method="DELETE")
    assert code == 200 and body["job"]["state"] == "cancelled"
    code, again = await api("student1", "jobs", job_id, method="DELETE")
    assert code == 200 and again["job"]["state"] == "cancelled"
    events, close_code = await events_of(jp_ws_fetch, "student1", job_id)
    assert close_code == 1000 and events[-1]["job"]["state"] == "cancelled"


@pytest.mark.parametrize(
    "body, words",
    [
        ("not json", "not JSON"),
        ([1, 2], "object"),
        ({**job(), "notebook": ""}, "notebook"),
        ({**job(), "kernel": 3}, "kernel"),
        ({**job(), "cells": []}, "cells"),
        ({**job(), "cells": [{"id": "a", "source": "1", "target": False}]}, "at least one code cell"),
        ({**job(), "cells": [{"id": "a", "source": "  ", "target": True}]}, "is empty"),
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


async def test_what_the_queue_refuses_comes_back_as_it_is(api, lesson):
    code, answer = await api("student1", "jobs", method="POST", body=job("print(1"))
    assert (code, answer["error"]["code"]) == (400, "syntax_error") and "c7" in answer["error"]["message"]
    code, answer = await api("student1", "jobs", method="POST", body={**job(), "kernel": "no-such-kernel"})
    assert (code, answer["error"]["code"]) == (404, "no_such_kernel")


@pytest.mark.parametrize(
    "notebook", ["../outside.ipynb", "lessons/../../outside.ipynb", "/etc/passwd", "missing/x.ipynb", "link/x.ipynb"]
)
async def test_a_notebook_path_outside_the_root_is_refused(api, jp_root_dir, lesson, tmp_path, notebook):
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    os.symlink(outside, jp_root_dir / "link")
    code, answer = await api("student1", "jobs", method="POST", body=job(notebook=notebook))
    assert (code, answer["error"]["code"]) == (400, "bad_request")
