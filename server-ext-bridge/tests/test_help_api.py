"""The help REST API on a real jupyter_server: who may ask, list, join, observe, end, revoke and read the log."""

from __future__ import annotations

import json

import pytest
from classlab_bridge.help.handlers import help_identity
from help_users import HubUser, HubUsersIdentityProvider, headers
from jupyter_server.auth import User
from tornado.httpclient import HTTPClientError


@pytest.fixture
def jp_server_config(jp_server_config):
    return {
        "ServerApp": {
            "jpserver_extensions": {"classlab_bridge": True},
            "identity_provider_class": HubUsersIdentityProvider,
        }
    }


@pytest.fixture
def api(jp_fetch):
    async def call(user, *path, method="GET", body=None, expect=200):
        kwargs = {"method": method, "headers": headers(user)}
        if body is not None:
            kwargs["body"] = json.dumps(body)
        elif method == "POST":
            kwargs["body"] = "{}"
        try:
            response = await jp_fetch("classlab", "api", "help", *path, **kwargs)
        except HTTPClientError as e:
            assert e.code == expect, e.response.body if e.response else e
            return json.loads(e.response.body)
        assert response.code == expect, response.body
        return json.loads(response.body)

    return call


def ask(api, user="student1", expect=201, **body):
    return api(
        user,
        "requests",
        method="POST",
        body={
            "cell_id": "cell-1",
            "message": "It says NameError",
            "audience": "teacher",
            "error": "NameError: x",
            **body,
        },
        expect=expect,
    )


async def test_asking_makes_the_caller_owner_of_one_request_per_cell(api):
    reply = await ask(api)
    request = reply["request"]
    assert set(request) >= {"id", "owner", "cell_id", "message", "audience", "error", "created", "state", "helpers"}
    assert request["owner"] == {"name": "student1", "display_name": "Student1"}
    assert (request["state"], request["helpers"], request["position"]) == ("waiting", [], 1)
    assert request["created"].endswith("Z")
    assert reply["room_url"] == f"classlab/api/help/rooms/{reply['room']}"
    assert reply["ticket"]
    again = await ask(api, expect=200)
    assert again["request"]["id"] == request["id"] and again["ticket"] != reply["ticket"]


async def test_requests_are_validated(api):
    error = await ask(api, message="x" * 501, expect=400)
    assert error["error"]["code"] == "bad_request" and "500" in error["error"]["message"]
    assert (await ask(api, audience="everyone", expect=400))["error"]["code"] == "bad_request"
    assert (await ask(api, cell_id="", expect=400))["error"]["code"] == "bad_request"
    long_error = await ask(api, error="E" * 5000)
    assert len(long_error["request"]["error"]) == 2000


async def test_teachers_see_their_class_and_students_their_classmates_class_requests_and_their_own(api):
    to_teacher = (await ask(api))["request"]["id"]
    to_class = (await ask(api, "student2", cell_id="cell-9", audience="class"))["request"]["id"]
    for teacher in ("ms-li", "principal"):  # the teacher of class-7a; an admin in no class group teaches all
        reply = await api(teacher, "requests")
        assert [r["id"] for r in reply["requests"]] == [to_teacher, to_class]
        assert reply["me"]["teacher"] is True
    assert [r["id"] for r in (await api("student1", "requests"))["requests"]] == [to_teacher, to_class]
    reply = await api("student3", "requests")  # in class-7b
    assert reply["requests"] == [] and reply["me"]["teacher"] is False
    assert (await api("student3", "requests", to_class, expect=404))["error"]["code"] == "not_found"
    await api("student3", "requests", to_class, "join", method="POST", body={"role": "helper"}, expect=404)


async def test_who_may_join_and_as_what(api):
    to_teacher = (await ask(api))["request"]["id"]
    to_class = (await ask(api, cell_id="cell-2", audience="class"))["request"]["id"]
    refused = await api("student2", "requests", to_teacher, "join", method="POST", body={"role": "helper"}, expect=403)
    assert refused["error"]["code"] == "forbidden"
    await api("student2", "requests", to_class, "join", method="POST", body={"role": "observer"}, expect=403)
    joined = await api("student2", "requests", to_class, "join", method="POST", body={"role": "helper"})
    assert joined["role"] == "helper" and joined["request"]["helpers"] == ["student2"]
    assert joined["request"]["state"] == "joined" and joined["room_url"].endswith(joined["room"])
    observing = await api("ms-li", "requests", to_teacher, "join", method="POST", body={"role": "observer"})
    assert observing["role"] == "observer" and observing["request"]["state"] == "waiting"
    assert (await api("principal", "requests", to_teacher, "join", method="POST"))["role"] == "helper"
    owner = await api("student1", "requests", to_teacher, "join", method="POST", body={"role": "helper"})
    assert owner["role"] == "owner"
    await api("ms-li", "requests", to_teacher, "join", method="POST", body={"role": "owner"}, expect=400)
    await api("ms-li", "requests", "no-such-id", "join", method="POST", expect=404)


async def test_peer_help_on_graded_cells_is_off_unless_allowed(api, jp_serverapp):
    refused = await ask(api, audience="class", graded=True, expect=403)
    assert refused["error"]["code"] == "peer_help_not_allowed"
    await ask(api, audience="teacher", graded=True)
    bridge = jp_serverapp.extension_manager.extension_apps["classlab_bridge"]
    (bridge,) = bridge
    bridge.help_relay.service.allow_peer_on_graded = True
    await ask(api, cell_id="cell-2", audience="class", graded=True)


async def test_the_owner_or_a_teacher_ends_a_request(api):
    mine = (await ask(api))["request"]["id"]
    theirs = (await ask(api, cell_id="cell-2", audience="class"))["request"]["id"]
    await api("student2", "requests", theirs, method="DELETE", expect=403)
    assert (await api("student1", "requests", mine, method="DELETE"))["request"]["state"] == "closed"
    assert (await api("ms-li", "requests", theirs, method="DELETE"))["request"]["state"] == "closed"
    assert (await api("ms-li", "requests"))["requests"] == []
    assert (await api("ms-li", "requests", mine, "join", method="POST", expect=410))["error"]["code"] == "closed"


async def test_revoking_a_helper_refuses_their_next_ticket(api):
    rid = (await ask(api, audience="class"))["request"]["id"]
    await api("student2", "requests", rid, "join", method="POST")
    await api("student3", "requests", rid, "revoke", method="POST", body={"helper": "student2"}, expect=403)
    revoked = await api("student1", "requests", rid, "revoke", method="POST", body={"helper": "student2"})
    assert (revoked["request"]["helpers"], revoked["request"]["state"]) == ([], "waiting")
    assert (await api("student2", "requests", rid, "join", method="POST", expect=403))["error"]["code"] == "revoked"
    await api("student1", "requests", rid, "revoke", method="POST", body={}, expect=400)


async def test_the_log_is_for_teachers(api):
    rid = (await ask(api, audience="class"))["request"]["id"]
    await api("student2", "requests", rid, "join", method="POST")
    await api("student1", "requests", rid, "revoke", method="POST", body={"helper": "student2"})
    events = (await api("ms-li", "requests", rid, "log"))["events"]
    assert [(e["user"], e["role"], e["event"]) for e in events] == [
        ("student1", "owner", "request"),
        ("student2", "helper", "revoked"),
    ]
    assert all(e["time"].endswith("Z") for e in events)
    await api("student2", "requests", rid, "log", expect=403)


async def test_the_api_needs_a_logged_in_user(jp_fetch):
    for method, body in (("GET", None), ("POST", "{}")):
        with pytest.raises(HTTPClientError) as refused:
            await jp_fetch(
                "classlab", "api", "help", "requests", method=method, body=body, headers={"Authorization": "token x"}
            )
        assert refused.value.code in (401, 403)


async def test_a_body_that_is_not_json_is_a_400(api, jp_fetch):
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("classlab", "api", "help", "requests", method="POST", body="{", headers=headers("student1"))
    assert refused.value.code == 400
    assert json.loads(refused.value.response.body)["error"]["code"] == "bad_json"


def is_teacher(user, group):
    return help_identity(user, group).teacher


def test_teachers_are_the_teachers_group_and_hub_admins_and_the_one_user_without_a_hub():
    assert is_teacher(HubUser({"name": "a", "admin": False, "groups": ["teachers"]}), "teachers")
    assert is_teacher(HubUser({"name": "a", "admin": True, "groups": []}), "teachers")
    assert not is_teacher(HubUser({"name": "a", "admin": False, "groups": ["students"]}), "teachers")
    assert not is_teacher(HubUser({"name": "a", "admin": False}), "teachers")  # groups not in the model
    assert is_teacher(HubUser({"name": "a", "admin": False, "groups": ["staff"]}), "staff")
    assert is_teacher(User("me"), "teachers")  # a single server without JupyterHub: its own user


def test_a_users_classes_are_their_hub_groups_other_than_the_teachers_group():
    who = help_identity(HubUser({"name": "ms-li", "admin": False, "groups": ["teachers", "7a", "7b"]}), "teachers")
    assert who.name == "ms-li" and who.teacher and who.classes == {"7a", "7b"}
    assert help_identity(User("me"), "teachers").classes == frozenset()


def test_jupyterhubs_single_user_identity_has_the_shape_we_read():
    extension = pytest.importorskip("jupyterhub.singleuser.extension")
    user = extension.JupyterHubUser({"name": "ms-li", "admin": False, "groups": ["teachers"]})
    assert user.username == "ms-li" and is_teacher(user, "teachers")
    assert not is_teacher(extension.JupyterHubUser({"name": "s", "admin": False, "groups": []}), "teachers")
