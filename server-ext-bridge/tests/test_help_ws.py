"""The help room WebSocket on a real jupyter_server: y-protocols frames between owner, helper and observer."""

from __future__ import annotations

import json

import pytest
from classlab_bridge.help import protocol as p
from help_sockets import closed, read
from help_users import HubUsersIdentityProvider, headers
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
    async def call(user, *path, body=None, method="POST"):
        kwargs = {"method": method, "headers": headers(user)}
        if method == "POST":
            kwargs["body"] = json.dumps(body or {})
        return json.loads((await jp_fetch("classlab", "api", "help", *path, **kwargs)).body)

    return call


@pytest.fixture
def connect(jp_ws_fetch):
    async def open_room(user, grant, ticket=None):
        path = grant["room_url"].split("/")
        return await jp_ws_fetch(*path, headers=headers(user), params={"ticket": ticket or grant["ticket"]})

    return open_room


async def room_of_three(api, connect):
    """student1 asks the class; student2 helps, ms-li observes. Each socket is drained of its join messages."""
    grant = await api("student1", "requests", body={"cell_id": "c1", "audience": "class", "error": "NameError"})
    rid = grant["request"]["id"]
    owner = await connect("student1", grant)
    owner.write_message(p.encode_sync_step1(b"\x00"), binary=True)
    assert await read(owner) == p.encode_sync_step2(p.EMPTY_UPDATE)  # alone: the relay says "nothing to get"
    helper = await connect("student2", await api("student2", "requests", rid, "join", body={"role": "helper"}))
    assert await read(helper) == p.encode_sync_step1(b"\x00")  # the owner's state vector, for the newcomer
    observer = await connect("ms-li", await api("ms-li", "requests", rid, "join", body={"role": "observer"}))
    assert await read(observer) == p.encode_sync_step1(b"\x00")
    return rid, owner, helper, observer


async def test_edits_flow_between_owner_and_helper_and_never_from_the_observer(api, connect):
    rid, owner, helper, observer = await room_of_three(api, connect)
    update = p.encode_update(b"\x01\x01\xb9\x60\x00\x04\x01\x06source\x01x\x00")
    helper.write_message(update, binary=True)
    assert await read(owner) == update
    assert await read(observer) == update
    owner.write_message(p.encode_sync_step2(b"\x01\x02"), binary=True)
    assert await read(helper) == p.encode_sync_step2(b"\x01\x02")
    assert await read(observer) == p.encode_sync_step2(b"\x01\x02")

    observer.write_message(update, binary=True)
    assert p.decode_auth(await read(observer)) == (p.AUTH_PERMISSION_DENIED, "observers cannot edit this room")
    # The observer's edit is dropped: the next thing the owner and the helper get is this chat line.
    observer.write_message(p.encode_chat({"text": "Try line 2"}), binary=True)
    for ws in (owner, helper, observer):
        line = p.decode_chat(await read(ws))
        assert (line["from"], line["role"], line["text"]) == ("ms-li", "observer", "Try line 2")


async def test_awareness_carries_the_server_known_names(api, connect):
    rid, owner, helper, observer = await room_of_three(api, connect)
    spoof = {"user": {"name": "ms-li", "display_name": "Teacher", "role": "owner"}, "cursor": {"head": 4}}
    helper.write_message(p.encode_awareness([(42, 1, spoof)]), binary=True)
    expected = [
        (42, 1, {"user": {"name": "student2", "display_name": "Student2", "role": "helper"}, "cursor": {"head": 4}})
    ]
    assert p.decode_awareness(await read(owner)) == expected
    assert p.decode_awareness(await read(observer)) == expected
    helper.close()
    assert p.decode_awareness(await read(owner)) == [(42, 2, None)]  # its cursor goes with it
    events = (await api("ms-li", "requests", rid, "log", method="GET"))["events"]
    assert [(e["user"], e["role"], e["event"]) for e in events] == [
        ("student1", "owner", "request"),
        ("student1", "owner", "join"),
        ("student2", "helper", "join"),
        ("ms-li", "observer", "join"),
        ("student2", "helper", "leave"),
    ]


async def test_ending_the_request_closes_every_socket_with_4001(api, connect):
    rid, owner, helper, observer = await room_of_three(api, connect)
    await api("ms-li", "requests", rid, method="DELETE")
    for ws in (owner, helper, observer):
        assert await closed(ws) == (4001, "closed")


async def test_a_revoked_helper_is_disconnected_with_4003_and_refused_after(api, connect):
    rid, owner, helper, observer = await room_of_three(api, connect)
    spare = await api("student2", "requests", rid, "join")
    await api("student1", "requests", rid, "revoke", body={"helper": "student2"})
    assert await closed(helper) == (4003, "revoked")
    assert await closed(await connect("student2", spare)) == (4003, "revoked")
    owner.write_message(p.encode_chat({"text": "still here"}), binary=True)
    assert p.decode_chat(await read(observer))["text"] == "still here"


async def test_bad_tickets_are_refused_with_4401_and_a_reason(api, connect):
    grant = await api("student1", "requests", body={"cell_id": "c1", "audience": "class"})
    other = await api("student1", "requests", body={"cell_id": "c2", "audience": "class"})
    assert await closed(await connect("student1", grant, ticket="forged.ticket")) == (
        4401,
        "invalid ticket signature",
    )
    assert await closed(await connect("student1", grant, ticket=other["ticket"])) == (
        4401,
        "ticket is for another room",
    )
    assert await closed(await connect("student3", grant)) == (4401, "ticket is for another user")
    assert await closed(await connect("student1", grant)) == (4401, "ticket already used")
    fresh = await api("student1", "requests", grant["request"]["id"], "join")
    ws = await connect("student1", fresh)
    ws.write_message(p.encode_sync_step1(b"\x00"), binary=True)
    assert await read(ws) == p.encode_sync_step2(p.EMPTY_UPDATE)


async def test_an_expired_ticket_is_refused(api, connect, jp_serverapp):
    (bridge,) = jp_serverapp.extension_manager.extension_apps["classlab_bridge"]
    bridge.help_relay.service.signer.ttl = -1
    grant = await api("student1", "requests", body={"cell_id": "c1"})
    assert await closed(await connect("student1", grant)) == (4401, "ticket expired")


async def test_the_socket_needs_a_logged_in_user(api, jp_ws_fetch):
    grant = await api("student1", "requests", body={"cell_id": "c1"})
    with pytest.raises(HTTPClientError) as refused:
        await jp_ws_fetch(
            *grant["room_url"].split("/"), headers={"Authorization": "token nobody"}, params={"ticket": grant["ticket"]}
        )
    assert refused.value.code == 403


async def test_a_message_over_256_kb_closes_with_1009(api, connect):
    rid, owner, helper, observer = await room_of_three(api, connect)
    helper.write_message(p.encode_update(b"x" * (256 * 1024)), binary=True)
    code, _ = await closed(helper)
    assert code == 1009
    owner.write_message(p.encode_chat({"text": "ok"}), binary=True)
    assert p.decode_chat(await read(observer))["text"] == "ok"
