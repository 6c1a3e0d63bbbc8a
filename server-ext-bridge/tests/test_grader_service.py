"""The grader as the JupyterHub service ``classlab-grader`` and the bridge's ``grader_backend = "remote"``.

The service: the caller is whoever the Hub says owns the token (never a name in a body), teachers release and see the
class, a student submits only as themselves, sees only their own submissions (hidden tests as counts) and no URL gives
them a spec. The bridge: this test server plays a user's single-user server (the env a Hub spawner sets), forwards
the grader API to the service with its own token, sends the saved notebook and its folder's files, releases a
teacher's source there (the spec stays in the service), and says so in words when the service is gone.

What is FAKED: the Hub's REST API (hub_fake.py; the users' server tokens get the grader's scopes here). What is REAL:
jupyterhub's HubAuth, the service app, the GradingService with release, repair, the bubblewrap sandbox and the judge,
and the bridge on a real jupyter_server.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import hub_fake
import pytest
from classlab_bridge.grader.service import GraderUser
from classlab_bridge.grader.service_app import GraderServiceApp
from classlab_bridge.hubclient import multipart
from help_users import HubUsersIdentityProvider, headers
from test_grader_api import QUESTION, source_notebook
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

PREFIX = "/services/classlab-grader/"
GRADER_SCOPES = ["access:services!service=classlab-grader", "read:services!service=classlab-grader"]


@pytest.fixture
def grader_hub(jp_asyncio_loop, tmp_path, monkeypatch):
    """The fake Hub API (server tokens granted the grader's scopes, as ui-tests/hub/jupyterhub_config.py does) and the
    real grader service app against it, data under tmp_path."""
    for token, (name, groups, scopes) in list(hub_fake.TOKENS.items()):
        if token != "student3-server":  # student3's server token stays without the services' scopes
            monkeypatch.setitem(hub_fake.TOKENS, token, (name, groups, [*scopes, *GRADER_SCOPES]))

    async def start() -> dict[str, Any]:
        hub, api_url, hub_auth = hub_fake.start_hub()
        app = GraderServiceApp(prefix=PREFIX, data_dir=str(tmp_path / "grader-service"), pool_size=0)
        grading, service_app = app.build(hub_auth)
        port = hub_fake.start(service_app)
        hub.settings["services"]["classlab-grader"] = f"http://127.0.0.1:{port}"
        return {
            "app": app,
            "grading": grading,
            "url": f"http://127.0.0.1:{port}{PREFIX}",
            "hub_api": api_url,
            "servers": [hub.settings["_server"], service_app.settings["_server"]],
        }

    running = jp_asyncio_loop.run_until_complete(start())
    yield running
    jp_asyncio_loop.run_until_complete(running["app"].teardown())
    for server in running["servers"]:
        server.stop()


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def call(grader_hub):
    """``call(token, path, method, body, parts)``: the service's REST API straight, as a user with their own token
    would (parts: more multipart fields, the body then goes as the ``body`` part)."""

    async def fetch(token, path, method="GET", body=None, parts=None, raw=False):
        headers_ = {"Authorization": f"token {token}"} if token else {}
        data = None
        if parts is not None:
            fields = [("body", None, "application/json", json.dumps(body).encode())]
            fields += [(name, name, "application/octet-stream", value) for name, value in parts.items()]
            data, headers_["Content-Type"] = multipart(fields)
        elif method == "POST":
            data = json.dumps(body).encode()
        response = await AsyncHTTPClient().fetch(
            HTTPRequest(grader_hub["url"] + path, method=method, headers=headers_, body=data), raise_error=False
        )
        if raw:
            return response.code, response.body.decode()
        try:
            return response.code, json.loads(response.body)
        except ValueError:  # Tornado's own 404 page for a path nothing is served at
            return response.code, response.body.decode()

    return fetch


def answered(student_nb: dict[str, Any], source: str) -> dict[str, Any]:
    nb = json.loads(json.dumps(student_nb))
    for c in nb["cells"]:
        if (c["metadata"].get("nbgrader") or {}).get("grade_id") == "answer":
            c["source"] = source
    return nb


async def release_as_teacher(call, token="ms-li-server") -> dict[str, Any]:
    code, body = await call(
        token,
        "api/grader/assignments",
        "POST",
        {"notebook": "course/adding.ipynb"},
        {"notebook": json.dumps(source_notebook()).encode()},
    )
    assert code == 201, body
    return body


async def graded(call, token, sub_id) -> dict[str, Any]:
    for _ in range(12):
        code, body = await call(token, f"api/grader/submissions/{sub_id}?wait=10")
        assert code == 200, body
        if body["submission"]["state"] in ("done", "failed"):
            return body["submission"]
    raise AssertionError("not graded in 2 minutes")


async def submit(call, token, nb, mode="submit", files=None, **extra) -> tuple[int, Any]:
    body = {"notebook": "course/release/adding.ipynb", "mode": mode, **extra}
    return await call(
        token,
        "api/grader/submissions",
        "POST",
        body,
        {"notebook": json.dumps(nb).encode(), "folder": zipped(files or {})},
    )


# --- the service -----------------------------------------------------------------------------------------------------


async def test_the_caller_is_whoever_the_hub_says_owns_the_token(call, grader_hub):
    assert (await call(None, "api/grader/assignments"))[0] == 403
    assert (await call("made-up", "api/grader/assignments"))[0] == 403
    code, body = await call("student3-server", "api/grader/assignments")  # not granted access to this service
    assert (code, body["error"]["code"]) == (403, "forbidden")
    code, body = await call("student1-server", "api/grader/assignments")
    assert (code, body) == (200, {"assignments": []})
    response = await AsyncHTTPClient().fetch(grader_hub["url"])
    assert json.loads(response.body)["name"] == "classlab-grader"


async def test_a_teacher_releases_and_the_spec_stays_in_the_service(call, grader_hub):
    code, body = await call(
        "student1-server",
        "api/grader/assignments",
        "POST",
        {"notebook": "adding.ipynb"},
        {"notebook": json.dumps(source_notebook()).encode()},
    )
    assert (code, body["error"]["code"]) == (403, "forbidden")
    done = await release_as_teacher(call)
    assert done["student_notebook"] == "adding.ipynb"
    assert done["assignment"]["questions"] == [
        {"id": "q1", "title": QUESTION["title"], "points": 3, "visible": 1, "hidden": 1}
    ]
    text = json.dumps(done)
    assert "sum(range" not in text and '"expected"' not in text and '"calls"' not in text
    assert done["notebook"]["metadata"]["classlab"]["grader"]["assignment"] == "adding"
    assert grader_hub["grading"].specs.get("adding")["questions"][0]["checks"][1]["calls"]
    # Nothing about the upload is left behind.
    assert not list((Path(grader_hub["app"].data_dir) / "scratch").iterdir())
    # A release of a broken source says what is wrong in words.
    bad = source_notebook()
    bad["cells"][1]["metadata"]["classlab"]["grader"]["checks"][0].pop("expected")
    code, body = await call(
        "ms-li-server",
        "api/grader/assignments",
        "POST",
        {"notebook": "bad.ipynb"},
        {"notebook": json.dumps(bad).encode()},
    )
    assert (code, body["error"]["code"]) == (400, "bad_assignment") and "expected" in body["error"]["message"]


async def test_a_student_submits_as_themselves_and_sees_only_their_own(call, grader_hub):
    student_nb = (await release_as_teacher(call))["notebook"]
    right = answered(student_nb, "total = int(open('n.txt').read())\n\ndef square(x):\n    return x * x")
    # A name in the body is never read; the folder's files reach the sandbox (n.txt).
    code, body = await submit(call, "student1-server", right, files={"n.txt": "55"}, user="student2")
    assert code == 202, body
    sub = await graded(call, "student1-server", body["submission"]["id"])
    assert sub["user"] == "student1" and sub["state"] == "done", sub
    assert (sub["score"], sub["max_score"], sub["attempt"]) == (3, 3, 1)
    assert [t["name"] for t in sub["results"]["tests"]] == ["total-visible"]  # hidden ones only as counts
    q1 = sub["results"]["extra_data"]["questions"][0]
    assert (q1["hidden_passed"], q1["hidden_total"]) == (1, 1)

    # Nobody else's: student2 cannot read it, nor any class results; a made-up id is the same 404.
    code, body = await call("student2-server", f"api/grader/submissions/{sub['id']}")
    assert (code, body["error"]["code"]) == (404, "not_found")
    code, body = await call("student2-server", f"api/grader/submissions/{sub['id']}?wait=1")
    assert code == 404
    code, body = await call("student2-server", "api/grader/submissions")
    assert (code, body) == (200, {"submissions": []})
    for token in ("student1-server", "student2-server"):
        code, body = await call(token, "api/grader/results?assignment=adding")
        assert (code, body["error"]["code"]) == (403, "forbidden")
        code, body = await call(token, "api/grader/results?assignment=adding&format=csv")
        assert code == 403
        code, body = await call(token, "api/grader/results/regrade", "POST", {"assignment": "adding"})
        assert code == 403

    # The teacher sees the class, hidden tests and all, and the CSV.
    code, body = await call("ms-li-server", "api/grader/results?assignment=adding")
    assert code == 200 and [(r["user"], r["score"]) for r in body["results"]] == [("student1", 3)]
    assert {t["name"] for t in body["results"][0]["results"]["tests"]} == {"total-visible", "square-hidden"}
    code, text = await call("ms-li-server", "api/grader/results?assignment=adding&format=csv", raw=True)
    assert code == 200 and text.splitlines()[1].startswith("student1,1,")
    code, body = await call("ms-li-server", f"api/grader/submissions/{sub['id']}")
    assert code == 200 and len(body["submission"]["results"]["tests"]) == 2
    assert not list((Path(grader_hub["app"].data_dir) / "scratch").iterdir())


async def test_no_url_of_the_service_gives_a_student_a_spec(call, grader_hub):
    await release_as_teacher(call)
    code, body = await call("student1-server", "api/grader/assignments")
    assert code == 200 and [a["id"] for a in body["assignments"]] == ["adding"]
    assert '"checks"' not in json.dumps(body) and "square-hidden" not in json.dumps(body)
    for path in (
        "api/grader/assignments/adding",
        "api/grader/assignments/adding/spec.json",
        "api/grader/../grading/assignments/adding/spec.json",
        "api/grader/submissions/..%2F..%2Fassignments%2Fadding%2Fspec.json",
        "grading/assignments/adding/spec.json",
        "assignments/adding/spec.json",
        "api/grader/spec?assignment=adding",
    ):
        code, body = await call("student1-server", path)
        assert code in (403, 404), (path, code)
        assert "square-hidden" not in json.dumps(body) and "calls" not in json.dumps(body)


@pytest.mark.parametrize("name", ["../escape.txt", "/etc/evil", "a/../../b"])
async def test_an_archive_that_would_leave_its_folder_is_refused(call, grader_hub, name):
    student_nb = (await release_as_teacher(call))["notebook"]
    code, body = await submit(call, "student1-server", student_nb, files={name: "x"})
    assert (code, body["error"]["code"]) == (400, "bad_archive")
    assert not (Path(grader_hub["app"].data_dir) / "escape.txt").exists()


async def test_bad_submissions_in_words(call, grader_hub):
    await release_as_teacher(call)
    code, body = await call("student1-server", "api/grader/submissions", "POST", {"notebook": "x.ipynb"})
    assert (code, body["error"]["code"]) == (400, "bad_request") and "notebook" in body["error"]["message"]
    plain = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}
    code, body = await submit(call, "student1-server", plain)
    assert (code, body["error"]["code"]) == (400, "bad_notebook")
    other = {**plain, "metadata": {"classlab": {"grader": {"assignment": "nope"}}}}
    code, body = await submit(call, "student1-server", other)
    assert (code, body["error"]["code"]) == (404, "no_such_assignment")


# --- the bridge, grader_backend = "remote" ---------------------------------------------------------------------------


@pytest.fixture
def owner() -> str:
    """Whose single-user server this test server plays (a test parametrizes it to be the teacher's)."""
    return "student1"


@pytest.fixture
def jp_server_config(jp_server_config, grader_hub, owner, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", f"{owner}-server")
    monkeypatch.setenv("JUPYTERHUB_USER", owner)
    monkeypatch.setenv("JUPYTERHUB_API_URL", grader_hub["hub_api"])
    monkeypatch.delenv("CLASSLAB_GRADER_SERVICE_URL", raising=False)  # found through the Hub
    return {
        "ServerApp": {
            "jpserver_extensions": {"classlab_bridge": True},
            "identity_provider_class": HubUsersIdentityProvider,
        },
        "ClassLabBridgeApp": {"grader_backend": "remote"},
    }


@pytest.fixture
def bridge(jp_serverapp):
    (app,) = jp_serverapp.extension_manager.extension_apps["classlab_bridge"]
    return app


@pytest.fixture
def api(jp_fetch):
    async def fetch(user, *path, method="GET", body=None, params=None):
        kwargs: dict[str, Any] = {"method": method, "headers": headers(user), "params": params or {}}
        if method == "POST":
            kwargs["body"] = json.dumps(body or {})
        try:
            response = await jp_fetch("classlab", "api", "grader", *path, **kwargs)
        except HTTPClientError as e:
            return e.code, json.loads(e.response.body)
        return response.code, json.loads(response.body)

    return fetch


async def bridge_graded(api, user, sub_id) -> dict[str, Any]:
    for _ in range(12):
        code, body = await api(user, "submissions", sub_id, params={"wait": "10"})
        assert code == 200, body
        if body["submission"]["state"] in ("done", "failed"):
            return body["submission"]
    raise AssertionError("not graded in 2 minutes")


@pytest.mark.parametrize("owner", ["ms-li"])
async def test_a_teachers_bridge_releases_to_the_service(api, jp_fetch, jp_root_dir, grader_hub, owner):
    course = jp_root_dir / "course"
    (course / "adding.datasets").mkdir(parents=True)
    (course / "adding.ipynb").write_text(json.dumps(source_notebook()))
    code, body = await api("ms-li", "assignments", method="POST", body={"notebook": "course/adding.ipynb"})
    assert code == 201, body
    assert body["student_notebook"] == "course/release/adding.ipynb"
    assert body["assignment"]["id"] == "adding"
    released = json.loads((course / "release" / "adding.ipynb").read_text())
    assert released["metadata"]["classlab"]["grader"]["assignment"] == "adding"
    # The spec is in the service, nowhere on this server.
    assert grader_hub["grading"].specs.get("adding") is not None
    assert not [p for p in jp_root_dir.rglob("*") if p.name.endswith(".spec") or p.name == "spec.json"]
    assert "calls" not in (course / "release" / "adding.ipynb").read_text()
    code, body = await api("ms-li", "results", params={"assignment": "adding"})
    assert (code, body) == (200, {"results": []})  # the teacher flag of the panel
    csv = await jp_fetch(
        "classlab",
        "api",
        "grader",
        "results",
        headers=headers("ms-li"),
        params={"assignment": "adding", "format": "csv"},
    )
    assert csv.code == 200 and csv.body.decode().splitlines() == ["user,attempt,submitted,score,max_score,q1"]


async def test_a_students_bridge_submits_the_saved_notebook_with_its_files(api, call, jp_root_dir, grader_hub):
    student_nb = (await release_as_teacher(call))["notebook"]
    folder = jp_root_dir / "course" / "release"
    folder.mkdir(parents=True)
    (folder / "n.txt").write_text("55")
    (folder / ".secret").write_text("55")
    nb = answered(
        student_nb,
        "import os\ntotal = 0 if os.path.exists('.secret') else int(open('n.txt').read())\n\n"
        "def square(x):\n    return x + x",
    )
    (folder / "adding.ipynb").write_text(json.dumps(nb))
    path = "course/release/adding.ipynb"

    code, body = await api(
        "student1", "submissions", method="POST", body={"notebook": path, "mode": "check", "question": "q1"}
    )
    assert code == 202, body
    checked = await bridge_graded(api, "student1", body["submission"]["id"])
    assert checked["state"] == "done" and checked["score"] == 1, checked  # n.txt came along, .secret did not

    code, body = await api("student1", "submissions", method="POST", body={"notebook": path, "lang": "zh_CN"})
    assert code == 202
    sub = await bridge_graded(api, "student1", body["submission"]["id"])
    assert (sub["user"], sub["score"], sub["max_score"], sub["attempt"]) == ("student1", 1, 3, 1)
    assert [t["name"] for t in sub["results"]["tests"]] == ["total-visible"]
    assert sub["results"]["extra_data"]["questions"][0]["hidden_total"] == 1

    code, body = await api("student1", "submissions", params={"notebook": path})
    assert code == 200 and [s["mode"] for s in body["submissions"]] == ["submit", "check"]
    code, body = await api("student1", "assignments")
    assert code == 200 and [a["id"] for a in body["assignments"]] == ["adding"]

    # The student's bridge forwards no teacher's call, and gets nobody else's work.
    code, body = await api("student1", "results", params={"assignment": "adding"})
    assert (code, body["error"]["code"]) == (403, "forbidden")
    code, body = await api("student1", "results", params={"assignment": "adding", "format": "csv"})
    assert code == 403
    code, body = await api("student1", "results", "regrade", method="POST", body={"assignment": "adding"})
    assert code == 403
    (jp_root_dir / "mine.ipynb").write_text(json.dumps(source_notebook()))
    code, body = await api("student1", "assignments", method="POST", body={"notebook": "mine.ipynb"})
    assert (code, body["error"]["code"]) == (403, "forbidden")
    code, body = await submit(call, "student2-server", answered(student_nb, "total = 55"))
    theirs = body["submission"]["id"]
    code, body = await api("student1", "submissions", theirs)
    assert (code, body["error"]["code"]) == (404, "not_found")
    # Whoever else is logged in to this server (here the teacher) is not forwarded as its owner.
    code, body = await api("ms-li", "results", params={"assignment": "adding"})
    assert (code, body["error"]["code"]) == (403, "forbidden")
    code, body = await api("ms-li", "submissions", sub["id"])
    assert code == 403


async def test_refusals_of_the_service_come_back_as_they_are(api, jp_root_dir):
    (jp_root_dir / "other.ipynb").write_text(
        json.dumps(
            {
                "nbformat": 4,
                "nbformat_minor": 5,
                "cells": [],
                "metadata": {"classlab": {"grader": {"assignment": "nope"}}},
            }
        )
    )
    code, body = await api("student1", "submissions", method="POST", body={"notebook": "other.ipynb"})
    assert (code, body["error"]["code"]) == (404, "no_such_assignment") and "nope" in body["error"]["message"]
    code, body = await api("student1", "submissions", "s_nope")
    assert (code, body["error"]["code"]) == (404, "not_found")
    code, body = await api("student1", "submissions", method="POST", body={"notebook": "nowhere.ipynb"})
    assert code == 404


async def test_a_folder_too_big_is_refused_before_sending(api, bridge, call, jp_root_dir, grader_hub):
    student_nb = (await release_as_teacher(call))["notebook"]
    (jp_root_dir / "adding.ipynb").write_text(json.dumps(student_nb))
    (jp_root_dir / "data.bin").write_bytes(b"0" * 2000)
    bridge.grader.service().max_files_bytes = 1000
    code, body = await api("student1", "submissions", method="POST", body={"notebook": "adding.ipynb"})
    assert (code, body["error"]["code"]) == (413, "too_big") and "MiB" in body["error"]["message"]
    assert await grader_hub["grading"].history(GraderUser("student1")) == []


async def test_a_dead_service_is_a_502_in_words(api, bridge, jp_root_dir):
    bridge.grader.service().client._url = "http://127.0.0.1:9/services/classlab-grader/"
    (jp_root_dir / "adding.ipynb").write_text(json.dumps(source_notebook()))
    for path, method in ((("assignments",), "GET"), (("submissions",), "POST"), (("submissions", "s_1"), "GET")):
        code, body = await api("student1", *path, method=method, body={"notebook": "adding.ipynb"})
        assert (code, body["error"]["code"]) == (502, "grader_service_unavailable"), (path, body)
        assert "cannot be reached" in body["error"]["message"]


async def test_info_says_remote(jp_fetch):
    info = json.loads((await jp_fetch("classlab", "api", "info", headers=headers("student1"))).body)
    assert info["services"]["grader"] == {"backend": "remote"} and info["capabilities"]["grader"] is True
