"""The help relay as a JupyterHub service: identity from the Hub for a token, never from the caller; the room socket
admitted by the ticket alone. The Hub's REST API is a fake (hub_fake.py says exactly what); HubAuth, the service
app, its rooms and tickets are the real ones."""

from __future__ import annotations

import json

import pytest
from classlab_bridge.help import protocol as p
from help_sockets import closed, read
from hub_fake import PREFIX
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect


@pytest.fixture
def call(hub):
    async def fetch(token, path, method="GET", body=None):
        headers = {"Authorization": f"token {token}"} if token else {}
        data = json.dumps(body).encode() if body is not None else (b"{}" if method == "POST" else None)
        request = HTTPRequest(hub["url"] + "api/help/" + path, method=method, headers=headers, body=data)
        response = await AsyncHTTPClient().fetch(request, raise_error=False)
        return response.code, json.loads(response.body)

    return fetch


def ask(call, token="student1-server", **body):
    return call(token, "requests", "POST", {"cell_id": "c1", "error": "NameError: x", **body})


async def socket(hub, grant, ticket=None):
    """A room socket as the browser opens it through the Hub's proxy: no login, only the ticket."""
    return await websocket_connect(f"{hub['ws']}{grant['room_url']}?ticket={ticket or grant['ticket']}")


async def test_the_caller_is_whoever_the_hub_says_owns_the_token(call, hub):
    assert (await call(None, "requests"))[0] == 403
    assert (await call("made-up", "requests"))[0] == 403
    # A real token of a real user, but not granted access to this service.
    code, body = await call("student3-server", "requests")
    assert (code, body["error"]["code"]) == (403, "forbidden")
    code, body = await call("student1-server", "requests")
    assert code == 200 and body["me"] == {"name": "student1", "display_name": "student1", "teacher": False}
    code, body = await call("ms-li-server", "requests")
    assert code == 200 and body["me"]["teacher"] is True
    # Asked once per token, then cached (HubAuth.cache_max_age).
    await call("student1-server", "requests")
    assert hub["hub_calls"].count("student1") == 1


async def test_names_in_the_body_are_ignored(call):
    code, grant = await ask(call, owner="ms-li", user="ms-li", teacher=True)
    assert code == 201
    assert grant["request"]["owner"]["name"] == "student1" and grant["role"] == "owner"


async def test_teacher_only_request_refused_to_a_classmate_and_granted_to_the_teacher(call):
    code, grant = await ask(call)
    rid = grant["request"]["id"]
    assert grant["room_url"] == f"{PREFIX}api/help/rooms/{grant['room']}"  # absolute, through the Hub's proxy
    assert [r["id"] for r in (await call("student2-server", "requests"))[1]["requests"]] == []
    code, body = await call("student2-server", f"requests/{rid}/join", "POST", {"role": "helper"})
    assert (code, body["error"]["code"]) == (403, "forbidden")
    code, body = await call("student2-server", f"requests/{rid}/join", "POST", {"role": "observer"})
    assert code == 403
    assert [r["id"] for r in (await call("ms-li-server", "requests"))[1]["requests"]] == [rid]
    code, joined = await call("ms-li-server", f"requests/{rid}/join", "POST", {"role": "helper"})
    assert code == 200 and joined["role"] == "helper" and joined["request"]["helpers"] == ["ms-li"]
    code, body = await call("student2-server", f"requests/{rid}", "DELETE")
    assert code == 403
    code, body = await call("student1-server", f"requests/{rid}", "DELETE")
    assert code == 200 and body["request"]["state"] == "closed"


async def test_class_request_joined_by_a_classmate(call):
    code, grant = await ask(call, audience="class")
    rid = grant["request"]["id"]
    assert [r["id"] for r in (await call("student2-server", "requests"))[1]["requests"]] == [rid]
    code, joined = await call("student2-server", f"requests/{rid}/join", "POST", {"role": "helper"})
    assert code == 200 and joined["role"] == "helper"


async def test_room_socket_admits_by_ticket_alone_and_enforces_roles(call, hub):
    _, grant = await ask(call, audience="class")
    rid = grant["request"]["id"]
    owner = await socket(hub, grant)
    owner.write_message(p.encode_sync_step1(b"\x00"), binary=True)
    assert await read(owner) == p.encode_sync_step2(p.EMPTY_UPDATE)
    _, helper_grant = await call("student2-server", f"requests/{rid}/join", "POST", {"role": "helper"})
    helper = await socket(hub, helper_grant)
    assert await read(helper) == p.encode_sync_step1(b"\x00")
    _, observer_grant = await call("ms-li-server", f"requests/{rid}/join", "POST", {"role": "observer"})
    observer = await socket(hub, observer_grant)
    assert await read(observer) == p.encode_sync_step1(b"\x00")

    update = p.encode_update(b"\x01\x01\xb9\x60\x00\x04\x01\x06source\x01x\x00")
    helper.write_message(update, binary=True)
    assert await read(owner) == update
    assert await read(observer) == update
    observer.write_message(p.encode_update(b"\x01\x01\x07\x00\x04\x01\x06source\x01y\x00"), binary=True)
    denied = await read(observer)
    assert denied[0] == 2  # auth: permission denied, to the observer only
    owner.write_message(p.encode_sync_step2(b"\x01\x02"), binary=True)
    assert await read(helper) == p.encode_sync_step2(b"\x01\x02")  # the observer's update never came first

    # A ticket connects once; a forged one never.
    again = await socket(hub, helper_grant)
    assert await closed(again) == (4401, "ticket already used")
    payload, _, mac = helper_grant["ticket"].partition(".")
    forged = await socket(hub, helper_grant, ticket=payload + "." + mac[::-1])
    assert await closed(forged) == (4401, "invalid ticket signature")
    for ws in (owner, helper, observer):
        ws.close()


async def test_the_prefix_answers_who_is_here(hub):
    response = await AsyncHTTPClient().fetch(hub["url"])
    assert json.loads(response.body)["name"] == "classlab-help"
