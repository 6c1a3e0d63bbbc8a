"""The GPU queue as a JupyterHub service: the caller is whoever the Hub says owns the token (never a name in the body),
students see and cancel only their own jobs, the uploaded folder becomes the job's scratch folder (safely), and events
come by long poll. The Hub's REST API is a fake (hub_fake.py); HubAuth and the service app are the real ones."""

from __future__ import annotations

import io
import json
import stat
import time
import zipfile

import pytest
from classlab_bridge.gpu.remote import multipart
from hub_fake import GPU_PREFIX
from tornado.httpclient import AsyncHTTPClient, HTTPRequest


def job(source="print('hello')", **extra):
    return {
        "notebook": "lessons/nb.ipynb",
        "kernel": "python3",
        "cells": [{"id": "c1", "source": source, "target": True}],
        **extra,
    }


def zipped(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            if isinstance(data, zipfile.ZipInfo):
                archive.writestr(data, b"x")
            else:
                archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def call(gpu_hub):
    async def fetch(token, path, method="GET", body=None, folder=None, params=""):
        headers = {"Authorization": f"token {token}"} if token else {}
        data = None
        if folder is not None:
            data, headers["Content-Type"] = multipart(
                [
                    ("job", None, "application/json", json.dumps(body).encode()),
                    ("folder", "f.zip", "application/zip", folder),
                ]
            )
        elif method == "POST":
            data = json.dumps(body).encode()
        url = gpu_hub["url"] + "api/gpu/" + path + (f"?{params}" if params else "")
        response = await AsyncHTTPClient().fetch(
            HTTPRequest(url, method=method, headers=headers, body=data), raise_error=False
        )
        return response.code, json.loads(response.body)

    return fetch


async def test_the_caller_is_whoever_the_hub_says_owns_the_token(call, gpu_hub):
    assert (await call(None, "info"))[0] == 403
    assert (await call("made-up", "jobs"))[0] == 403
    code, body = await call("student3-server", "quota")  # a real user's token, not granted access to this service
    assert (code, body["error"]["code"]) == (403, "forbidden")
    code, body = await call("student1-server", "info")
    assert code == 200 and body["reachable"] is True
    # A name in the body is never read.
    code, body = await call("student1-server", "jobs", "POST", {**job(), "user": "ms-li"}, folder=zipped({}))
    assert code == 201 and body["job"]["user"] == "student1"


async def test_the_service_answers_at_its_prefix(gpu_hub):
    response = await AsyncHTTPClient().fetch(gpu_hub["url"])
    assert json.loads(response.body)["name"] == "classlab-gpu"
    assert gpu_hub["url"].endswith(GPU_PREFIX)


async def test_a_student_sees_and_cancels_only_their_own_jobs(call, gpu_hub):
    gpu_hub["queue"].hold = True
    job_id = (await call("student1-server", "jobs", "POST", job(), folder=zipped({})))[1]["job"]["id"]
    for method in ("GET", "DELETE"):
        code, body = await call("student2-server", f"jobs/{job_id}", method)
        assert (code, body["error"]["code"]) == (404, "not_found")
    code, body = await call("student2-server", f"jobs/{job_id}/events", params="after=0&timeout=0")
    assert code == 404
    assert (await call("student2-server", "jobs", params="all=1"))[1]["jobs"] == []
    # Teachers (the teachers group, Hub admins) see everyone's and may cancel.
    code, body = await call("ms-li-server", "jobs", params="all=1")
    assert [j["id"] for j in body["jobs"]] == [job_id]
    assert (await call("principal-server", f"jobs/{job_id}"))[0] == 200
    code, body = await call("ms-li-server", f"jobs/{job_id}", "DELETE")
    assert code == 200 and body["job"]["state"] == "cancelled"


async def test_the_job_runs_in_a_scratch_folder_made_from_the_upload(call, gpu_hub, tmp_path):
    folder = zipped({"data.csv": "x\n1\n", "sub/model.txt": "weights", "empty/": ""})
    code, body = await call("student1-server", "jobs", "POST", job(), folder=folder)
    assert code == 201
    workdir = gpu_hub["queue"].bundles[body["job"]["id"]].workdir
    assert workdir.parent == (tmp_path / "gpu-service" / "scratch").resolve()
    assert stat.S_IMODE(workdir.stat().st_mode) == 0o700
    assert (workdir / "data.csv").read_text() == "x\n1\n" and (workdir / "sub" / "model.txt").read_text() == "weights"
    assert (workdir / "empty").is_dir()
    # A plain JSON body is a job with an empty folder.
    code, body = await call("student1-server", "jobs", "POST", job())
    assert code == 201 and list(gpu_hub["queue"].bundles[body["job"]["id"]].workdir.iterdir()) == []


def link_entry():
    info = zipfile.ZipInfo("link")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize(
    "files",
    [
        {"../evil.txt": "x"},
        {"ok.txt": "x", "sub/../../evil.txt": "x"},
        {"/tmp/evil.txt": "x"},
        {"C:/evil.txt": "x"},
        {"a\\..\\..\\evil.txt": "x"},
        {"link": link_entry()},
    ],
)
async def test_an_archive_that_would_leave_its_folder_is_refused(call, gpu_hub, tmp_path, files):
    code, body = await call("student1-server", "jobs", "POST", job(), folder=zipped(files))
    assert (code, body["error"]["code"]) == (400, "bad_archive")
    assert not (tmp_path / "gpu-service" / "evil.txt").exists() and not (tmp_path / "evil.txt").exists()
    assert list((tmp_path / "gpu-service" / "scratch").iterdir()) == []  # nothing left behind
    assert gpu_hub["queue"].jobs == {}


async def test_too_big_and_broken_archives(call, gpu_hub, tmp_path):
    gpu_hub["app"].max_bundle_bytes = 1000
    code, body = await call("student1-server", "jobs", "POST", job(), folder=zipped({"big.bin": "0" * 5000}))
    assert (code, body["error"]["code"]) == (413, "too_big")  # 5000 zeros pack small: counted unpacked
    code, body = await call("student1-server", "jobs", "POST", job(), folder=b"not a zip")
    assert (code, body["error"]["code"]) == (400, "bad_archive")
    code, body = await call("student1-server", "jobs", "POST", {"kernel": "python3"}, folder=zipped({}))
    assert (code, body["error"]["code"]) == (400, "bad_request")
    assert list((tmp_path / "gpu-service" / "scratch").iterdir()) == []


async def test_events_by_long_poll(call, gpu_hub):
    job_id = (await call("student1-server", "jobs", "POST", job("print('polled')"), folder=zipped({})))[1]["job"]["id"]
    events, after, done = [], 0, False
    while not done:
        code, body = await call("student1-server", f"jobs/{job_id}/events", params=f"after={after}&timeout=10")
        assert code == 200 and body["events"] or body["done"]
        events += body["events"]
        after = events[-1]["seq"] if events else after
        done = body["done"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[-1]["job"]["state"] == "succeeded"
    assert any("polled" in e["output"].get("text", "") for e in events if e["type"] == "output")
    # After the end: nothing more, at once.
    start = time.monotonic()
    code, body = await call("student1-server", f"jobs/{job_id}/events", params=f"after={after}&timeout=10")
    assert (code, body) == (200, {"events": [], "done": True}) and time.monotonic() - start < 2


async def test_a_poll_with_nothing_new_waits_then_answers_empty(call, gpu_hub):
    gpu_hub["queue"].hold = True
    job_id = (await call("student1-server", "jobs", "POST", job(), folder=zipped({})))[1]["job"]["id"]
    code, body = await call("student1-server", f"jobs/{job_id}/events", params="after=0&timeout=5")
    after = body["events"][-1]["seq"]
    code, body = await call("student1-server", f"jobs/{job_id}/events", params=f"after={after}&timeout=5")
    if body["events"]:  # the running state may come in a second answer
        after = body["events"][-1]["seq"]
    start = time.monotonic()
    code, body = await call("student1-server", f"jobs/{job_id}/events", params=f"after={after}&timeout=0.5")
    assert (code, body) == (200, {"events": [], "done": False})
    assert 0.4 < time.monotonic() - start < 3
    code, body = await call("student1-server", f"jobs/{job_id}/events", params="after=x")
    assert (code, body["error"]["code"]) == (400, "bad_request")


async def test_scratch_folders_of_ended_jobs_are_swept(call, gpu_hub):
    gpu_hub["queue"].hold = True
    running = (await call("student1-server", "jobs", "POST", job(), folder=zipped({"a": "1"})))[1]["job"]["id"]
    ended = (await call("student2-server", "jobs", "POST", job(), folder=zipped({"b": "2"})))[1]["job"]["id"]
    await call("student2-server", f"jobs/{ended}", "DELETE")
    bundles = gpu_hub["queue"].bundles
    await gpu_hub["app"].scratch.sweep(gpu_hub["queue"])
    assert bundles[running].workdir.is_dir() and not bundles[ended].workdir.exists()
    assert not bundles[ended].workdir.with_suffix(".job").exists()
