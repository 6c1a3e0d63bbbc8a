"""The GPU queue as a JupyterHub service: the caller is whoever the Hub says owns the token (never a name in the body),
students see and cancel only their own jobs, the uploaded folder becomes the job's scratch folder (safely), and events
come by long poll. The Hub's REST API is a fake (hub_fake.py); HubAuth, the service app and its LocalQueue (jobs run in
real kernels) are the real ones."""

from __future__ import annotations

import io
import json
import os
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


async def poll(call, token, job_id, after=0, timeout=10):
    """One long poll; (status, body)."""
    return await call(token, f"jobs/{job_id}/events", params=f"after={after}&timeout={timeout}")


async def events_until(call, token, job_id, stop=None):
    """Long-polls the job's events until ``done`` (or until one matches ``stop``)."""
    events, after = [], 0
    for _ in range(100):
        code, body = await poll(call, token, job_id, after)
        assert code == 200, body
        events += body["events"]
        after = events[-1]["seq"] if events else after
        if body["done"] or (stop and any(stop(e) for e in body["events"])):
            return events
    raise AssertionError("the job did not end")


def text_of(events):
    return "".join(e["output"].get("text", "") for e in events if e["type"] == "output")


def running(event):
    return event["type"] == "state" and event["job"]["state"] == "running"


SLEEP = "import time; time.sleep(120)"


async def submit(call, token, source=SLEEP, files=None):
    code, body = await call(token, "jobs", "POST", job(source), folder=zipped(files or {}))
    assert code == 201, body
    return body["job"]["id"]


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
    job_id = await submit(call, "student1-server")
    await events_until(call, "student1-server", job_id, stop=running)
    for method in ("GET", "DELETE"):
        code, body = await call("student2-server", f"jobs/{job_id}", method)
        assert (code, body["error"]["code"]) == (404, "not_found")
    code, body = await poll(call, "student2-server", job_id, timeout=0)
    assert code == 404
    assert (await call("student2-server", "jobs", params="all=1"))[1]["jobs"] == []
    # Teachers (the teachers group, Hub admins) see everyone's and may cancel.
    code, body = await call("ms-li-server", "jobs", params="all=1")
    assert [j["id"] for j in body["jobs"]] == [job_id]
    assert (await call("principal-server", f"jobs/{job_id}"))[0] == 200
    code, body = await call("ms-li-server", f"jobs/{job_id}", "DELETE")
    assert code == 200 and body["job"]["state"] == "cancelled" and body["job"]["reason"] == "Cancelled by ms-li."


LIST_FILES = (
    "import os\n"
    "print(os.getcwd())\n"
    "print(sorted(os.path.relpath(os.path.join(d, f)) for d, _, fs in os.walk('.') for f in fs))\n"
    "print(open('data.csv').read().split()[1])"
)


async def test_the_job_runs_in_a_scratch_folder_made_from_the_upload(call, gpu_hub, tmp_path):
    files = {"data.csv": "x\n1\n", "sub/model.txt": "weights", "empty/": ""}
    job_id = await submit(call, "student1-server", LIST_FILES, files)
    events = await events_until(call, "student1-server", job_id)
    assert events[-1]["job"]["state"] == "succeeded", events[-1]
    cwd, listing, value = text_of(events).splitlines()
    scratch = (tmp_path / "gpu-service" / "scratch").resolve()
    assert os.path.dirname(cwd) == str(scratch)
    assert listing == "['data.csv', 'sub/model.txt']" and value == "1"
    assert stat.S_IMODE(os.stat(cwd).st_mode) == 0o700  # the service's account only
    # Once the job has ended, the sweeper removes its folder.
    await gpu_hub["app"].scratch.sweep(gpu_hub["queue"])
    assert not os.path.exists(cwd) and list(scratch.iterdir()) == []


async def test_a_plain_json_job_runs_in_an_empty_folder(call, gpu_hub):
    code, body = await call("student1-server", "jobs", "POST", job("import os; print(os.listdir('.'))"))
    assert code == 201
    events = await events_until(call, "student1-server", body["job"]["id"])
    assert text_of(events) == "[]\n"


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
    assert (await call("student1-server", "jobs"))[1]["jobs"] == []


async def test_too_big_and_broken_archives(call, gpu_hub, tmp_path):
    gpu_hub["app"].max_bundle_bytes = 1000
    code, body = await call("student1-server", "jobs", "POST", job(), folder=zipped({"big.bin": "0" * 5000}))
    assert (code, body["error"]["code"]) == (413, "too_big")  # 5000 zeros pack small: counted unpacked
    code, body = await call("student1-server", "jobs", "POST", job(), folder=b"not a zip")
    assert (code, body["error"]["code"]) == (400, "bad_archive")
    code, body = await call("student1-server", "jobs", "POST", {"kernel": "python3"}, folder=zipped({}))
    assert (code, body["error"]["code"]) == (400, "bad_request")
    # Refused by the queue (a syntax error): the scratch folder goes too.
    code, body = await call("student1-server", "jobs", "POST", job("print("), folder=zipped({"a": "1"}))
    assert (code, body["error"]["code"]) == (400, "syntax_error")
    assert list((tmp_path / "gpu-service" / "scratch").iterdir()) == []


async def test_events_by_long_poll(call, gpu_hub):
    job_id = await submit(call, "student1-server", "print('polled')")
    events = await events_until(call, "student1-server", job_id)
    seqs = [e["seq"] for e in events]
    assert seqs[0] == 1 and seqs == sorted(set(seqs))
    assert events[-1]["job"]["state"] == "succeeded" and text_of(events) == "polled\n"
    # After the end: nothing more, at once.
    start = time.monotonic()
    code, body = await poll(call, "student1-server", job_id, after=seqs[-1])
    assert (code, body) == (200, {"events": [], "done": True}) and time.monotonic() - start < 2
    # From the start again: the same events.
    assert await events_until(call, "student1-server", job_id) == events


async def test_a_poll_with_nothing_new_waits_then_answers_empty(call, gpu_hub):
    job_id = await submit(call, "student1-server")
    events = await events_until(call, "student1-server", job_id, stop=running)
    start = time.monotonic()
    code, body = await poll(call, "student1-server", job_id, after=events[-1]["seq"], timeout=0.5)
    assert (code, body) == (200, {"events": [], "done": False})
    assert 0.4 < time.monotonic() - start < 3
    code, body = await call("student1-server", f"jobs/{job_id}/events", params="after=x")
    assert (code, body["error"]["code"]) == (400, "bad_request")
    await call("student1-server", f"jobs/{job_id}", "DELETE")


async def test_scratch_folders_of_ended_jobs_are_swept_and_of_running_ones_kept(call, gpu_hub, tmp_path):
    scratch = tmp_path / "gpu-service" / "scratch"
    busy = await submit(call, "student1-server", SLEEP, {"a": "1"})
    await events_until(call, "student1-server", busy, stop=running)
    done = await submit(call, "student2-server", "print(2)", {"b": "2"})
    await events_until(call, "student2-server", done)
    await gpu_hub["app"].scratch.sweep(gpu_hub["queue"])
    left = [p for p in scratch.iterdir() if p.is_dir()]
    assert len(left) == 1 and (left[0] / "a").exists() and left[0].with_suffix(".job").read_text() == busy
    await call("student1-server", f"jobs/{busy}", "DELETE")
    await gpu_hub["app"].scratch.sweep(gpu_hub["queue"])
    assert list(scratch.iterdir()) == []
