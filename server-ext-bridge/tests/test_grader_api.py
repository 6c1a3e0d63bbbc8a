"""The grader through the bridge's REST API on a real jupyter_server, with the real release, repair, bubblewrap
sandbox and judge: a teacher releases a source notebook, a student's saved copy is checked and submitted, and the
class's results come back (PROTOCOL.md "REST"). The server's owner is a teacher (outside a JupyterHub)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from classlab_bridge.grader.service import GraderUser
from tornado.httpclient import HTTPClientError

QUESTION = {
    "question": "q1",
    "title": {"en": "Add up", "zh_CN": "加起来"},
    "checks": [
        {
            "id": "total-visible",
            "kind": "value",
            "name": "total",
            "expected": 55,
            "points": 1,
            "visibility": "visible",
            "hint": {"en": "Add the numbers from 1 to 10.", "zh_CN": "把 1 到 10 加起来。"},
        },
        {
            "id": "square-hidden",
            "kind": "function",
            "name": "square",
            "calls": [{"args": [3], "expected": 9}, {"args": [-4], "expected": 16}],
            "points": 2,
            "visibility": "hidden",
        },
    ],
}


def source_notebook() -> dict[str, Any]:
    def cell(cell_type: str, cell_id: str, source: str, **meta: Any) -> dict[str, Any]:
        c: dict[str, Any] = {"cell_type": cell_type, "id": cell_id, "metadata": meta, "source": source}
        if cell_type == "code":
            c.update(outputs=[], execution_count=None)
        return c

    answer = {
        "nbgrader": {
            "schema_version": 3,
            "grade": False,
            "solution": True,
            "locked": False,
            "task": False,
            "grade_id": "answer",
        },
        "classlab": {"grader": copy.deepcopy(QUESTION)},  # callers may change their copy
    }
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "classlab": {"grader": {"assignment": "adding"}},
        },
        "cells": [
            cell("markdown", "intro", "# Adding up\nMake `total` and `square(x)`."),
            cell(
                "code",
                "answer",
                "### BEGIN SOLUTION\ntotal = sum(range(1, 11))\n\ndef square(x):\n    return x * x\n### END SOLUTION",
                **answer,
            ),
        ],
    }


@pytest.fixture
def jp_server_config(jp_server_config, tmp_path):
    return {
        "ServerApp": {"jpserver_extensions": {"classlab_bridge": True}},
        "ClassLabBridgeApp": {"grader_data_dir": str(tmp_path / "grader"), "grader_pool_size": 1},
    }


@pytest.fixture
def api(jp_fetch):
    async def call(*path: str, method: str = "GET", body: Any = None, params: Any = None) -> Any:
        response = await jp_fetch(
            "classlab",
            "api",
            "grader",
            *path,
            method=method,
            body=None if body is None else json.dumps(body),
            params=params,
        )
        return response.code, json.loads(response.body)

    return call


def answer_with(released: Path, source: str) -> None:
    nb = json.loads(released.read_text())
    for c in nb["cells"]:
        if (c["metadata"].get("nbgrader") or {}).get("grade_id") == "answer":
            c["source"] = source
    released.write_text(json.dumps(nb))


async def graded(api, sub_id: str) -> dict[str, Any]:
    for _ in range(12):
        _, body = await api("submissions", sub_id, params={"wait": "10"})
        if body["submission"]["state"] in ("done", "failed"):
            return body["submission"]
    raise AssertionError("not graded in 2 minutes")


async def test_release_check_submit_and_class_results(api, jp_root_dir, jp_serverapp):
    (jp_root_dir / "course").mkdir()
    (jp_root_dir / "course" / "adding.ipynb").write_text(json.dumps(source_notebook()))
    code, body = await api("assignments", method="POST", body={"notebook": "course/adding.ipynb"})
    assert code == 201 and body["student_notebook"] == "course/release/adding.ipynb"
    assert body["assignment"]["questions"] == [
        {"id": "q1", "title": QUESTION["title"], "points": 3, "visible": 1, "hidden": 1}
    ]
    released = jp_root_dir / "course" / "release" / "adding.ipynb"
    text = released.read_text()
    assert "sum(range" not in text and "square-hidden" in text and '"expected"' not in text
    assert not list((jp_root_dir / "course" / "release").glob("*.spec"))  # the spec never lands beside it

    # A half-right answer: total is right, square is wrong.
    answer_with(released, "total = 55\n\ndef square(x):\n    return x + x")
    code, body = await api(
        "submissions",
        method="POST",
        body={"notebook": "course/release/adding.ipynb", "mode": "check", "question": "q1"},
    )
    assert code == 202
    checked = await graded(api, body["submission"]["id"])
    assert checked["state"] == "done", checked
    names = [t["name"] for t in checked["results"]["tests"]]
    assert names == ["total-visible"]  # Check runs the visible checks only
    assert checked["score"] == 1

    code, body = await api("submissions", method="POST", body={"notebook": "course/release/adding.ipynb"})
    first = await graded(api, body["submission"]["id"])
    assert (first["score"], first["max_score"], first["attempt"]) == (1, 3, 1)
    hidden = next(t for t in first["results"]["tests"] if t["name"] == "square-hidden")
    assert hidden["status"] == "failed" and "9" not in hidden["output"] and "16" not in hidden["output"]
    q1 = first["results"]["extra_data"]["questions"][0]
    assert (q1["hidden_passed"], q1["hidden_total"]) == (0, 1)

    # What a student would see of it: hidden tests only as counts.
    bridge = next(iter(jp_serverapp.extension_manager.extension_apps["classlab_bridge"]))
    student_copy = await bridge.grader.service().get(GraderUser(first["user"], teacher=False), first["id"])
    assert [t["name"] for t in student_copy["results"]["tests"]] == ["total-visible"]

    answer_with(released, "total = 55\n\ndef square(x):\n    return x * x")
    code, body = await api("submissions", method="POST", body={"notebook": "course/release/adding.ipynb"})
    second = await graded(api, body["submission"]["id"])
    assert (second["score"], second["attempt"]) == (3, 2)

    _, results = await api("results", params={"assignment": "adding"})
    assert [(r["attempt"], r["score"]) for r in results["results"]] == [(2, 3)]
    _, history = await api("submissions", params={"notebook": "course/release/adding.ipynb"})
    assert [s["mode"] for s in history["submissions"]] == ["submit", "submit", "check"]


async def test_a_forged_answer_scores_nothing(api, jp_root_dir):
    (jp_root_dir / "adding.ipynb").write_text(json.dumps(source_notebook()))
    await api("assignments", method="POST", body={"notebook": "adding.ipynb"})
    released = jp_root_dir / "release" / "adding.ipynb"
    answer_with(
        released,
        "class Anything(int):\n    def __eq__(self, other):\n        return True\n\n"
        "total = Anything(0)\nsquare = lambda x: Anything(0)\n",
    )
    _, body = await api("submissions", method="POST", body={"notebook": "release/adding.ipynb"})
    sub = await graded(api, body["submission"]["id"])
    assert sub["state"] == "done" and sub["score"] == 0, sub


async def test_errors_in_plain_words(api, jp_root_dir):
    (jp_root_dir / "plain.ipynb").write_text(
        json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []})
    )
    with pytest.raises(HTTPClientError) as refused:
        await api("submissions", method="POST", body={"notebook": "plain.ipynb"})
    error = json.loads(refused.value.response.body)["error"]
    assert (refused.value.code, error["code"]) == (400, "bad_notebook") and "not a graded assignment" in error[
        "message"
    ]
    with pytest.raises(HTTPClientError) as missing:
        await api("submissions", method="POST", body={"notebook": "nowhere.ipynb"})
    assert missing.value.code == 404
    bad = source_notebook()
    bad["cells"][1]["metadata"]["classlab"]["grader"]["checks"][0].pop("expected")
    (jp_root_dir / "bad.ipynb").write_text(json.dumps(bad))
    with pytest.raises(HTTPClientError) as mistake:
        await api("assignments", method="POST", body={"notebook": "bad.ipynb"})
    error = json.loads(mistake.value.response.body)["error"]
    assert (mistake.value.code, error["code"]) == (400, "bad_assignment") and "expected" in error["message"]
