"""``help_backend = "remote"``: the bridge runs no relay and forwards the help REST API to the JupyterHub service with
its server's own ``$JUPYTERHUB_API_TOKEN``, so the service sees the server's owner and nobody else.

This test server plays student1's single-user server: the env a Hub spawner sets (token, user, API URL), the Hub's
API faked (hub_fake.py), the real help service app behind it, found through the Hub (no help_service_url).
"""

from __future__ import annotations

import json

import pytest
from help_users import HubUsersIdentityProvider, headers
from hub_fake import PREFIX
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest


@pytest.fixture
def jp_server_config(jp_server_config, hub, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "student1-server")
    monkeypatch.setenv("JUPYTERHUB_USER", "student1")
    monkeypatch.setenv("JUPYTERHUB_API_URL", hub["hub_api"])
    monkeypatch.delenv("CLASSLAB_HELP_SERVICE_URL", raising=False)
    return {
        "ServerApp": {
            "jpserver_extensions": {"classlab_bridge": True},
            "identity_provider_class": HubUsersIdentityProvider,
        },
        "ClassLabBridgeApp": {"help_backend": "remote"},
    }


@pytest.fixture
def api(jp_fetch):
    async def call(user, *path, method="GET", body=None):
        kwargs = {"method": method, "headers": headers(user)}
        if method == "POST":
            kwargs["body"] = json.dumps(body or {})
        try:
            response = await jp_fetch("classlab", "api", "help", *path, **kwargs)
        except HTTPClientError as e:
            return e.code, json.loads(e.response.body)
        return response.code, json.loads(response.body)

    return call


async def service(hub, token, path, method="GET", body=None):
    data = json.dumps(body).encode() if body is not None else (b"{}" if method == "POST" else None)
    request = HTTPRequest(
        hub["url"] + "api/help/" + path, method=method, headers={"Authorization": f"token {token}"}, body=data
    )
    response = await AsyncHTTPClient().fetch(request, raise_error=False)
    return response.code, json.loads(response.body)


async def test_the_bridge_forwards_as_its_owner_to_the_service(api, hub):
    code, grant = await api("student1", "requests", method="POST", body={"cell_id": "c1", "error": "NameError"})
    assert code == 201
    assert grant["request"]["owner"]["name"] == "student1"
    assert grant["room_url"] == f"{PREFIX}api/help/rooms/{grant['room']}"  # the browser goes to the service
    rid = grant["request"]["id"]
    assert rid in hub["service"].requests  # held by the service, not by this server
    code, body = await api("student1", "requests")
    assert code == 200 and body["me"]["name"] == "student1" and [r["id"] for r in body["requests"]] == [rid]
    code, body = await api("student1", "requests", rid)
    assert code == 200 and body["request"]["id"] == rid
    # The owner's own join gets an owner ticket; a classmate (with their own token) cannot join a teacher-only one.
    code, body = await api("student1", "requests", rid, "join", method="POST", body={"role": "helper"})
    assert code == 200 and body["role"] == "owner"
    code, body = await service(hub, "student2-server", f"requests/{rid}/join", "POST", {"role": "helper"})
    assert (code, body["error"]["code"]) == (403, "forbidden")
    code, body = await service(hub, "ms-li-server", f"requests/{rid}/join", "POST", {"role": "helper"})
    assert code == 200 and body["role"] == "helper"
    code, body = await api("student1", "requests", rid, "revoke", method="POST", body={"helper": "ms-li"})
    assert code == 200 and body["request"]["helpers"] == []
    code, body = await api("student1", "requests", rid, "log")
    assert [e["event"] for e in body["events"]] == ["request", "revoked"]
    code, body = await api("student1", "requests", rid, method="DELETE")
    assert code == 200 and body["request"]["state"] == "closed"


async def test_errors_of_the_service_come_back_as_they_are(api):
    code, body = await api("student1", "requests", "nope")
    assert (code, body["error"]["code"]) == (404, "not_found")
    code, body = await api("student1", "requests", method="POST", body={"cell_id": ""})
    assert (code, body["error"]["code"]) == (400, "bad_request")
    # An id that decodes to more path stays one segment.
    code, body = await api("student1", "requests", "x%2F..%2F..%2Frequests")
    assert code == 404


async def test_nobody_but_the_owner_is_forwarded(api, hub):
    # Someone else logged in to student1's server (an admin, a user it is shared with) would act as student1.
    code, body = await api("ms-li", "requests")
    assert (code, body["error"]["code"]) == (403, "forbidden")
    code, body = await api("ms-li", "requests", method="POST", body={"cell_id": "c1"})
    assert code == 403 and not hub["service"].requests


async def test_no_relay_on_this_server(jp_fetch):
    with pytest.raises(HTTPClientError) as missing:
        await jp_fetch("classlab", "api", "help", "rooms", "r1", headers=headers("student1"))
    assert missing.value.code == 404


async def test_an_unreachable_service_is_a_502(api, jp_serverapp):
    (bridge,) = jp_serverapp.extension_manager.extension_apps["classlab_bridge"]
    bridge.help_remote._url = "http://127.0.0.1:9/services/classlab-help/"
    code, body = await api("student1", "requests")
    assert (code, body["error"]["code"]) == (502, "help_service_unavailable")


async def test_info_says_remote(jp_fetch):
    info = json.loads((await jp_fetch("classlab", "api", "info", headers=headers("student1"))).body)
    assert info["services"]["help"] == {"backend": "remote"}
