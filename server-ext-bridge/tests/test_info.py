"""The info endpoint, served by a real jupyter_server started by pytest-jupyter."""

from __future__ import annotations

import json

import pytest
from classlab_bridge import __version__
from tornado.httpclient import HTTPClientError


async def test_info_reports_version_user_and_default_backends(jp_fetch):
    response = await jp_fetch("classlab", "api", "info")
    assert response.code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = json.loads(response.body)
    assert body["version"] == __version__
    # pytest-jupyter's identity provider names the token user; the name must come from the server, not the client.
    assert body["user"]["name"]
    assert body["services"] == {
        "gpu": {"backend": "local"},
        "grader": {"backend": "local"},
        "help": {"backend": "local"},
    }


async def test_info_ignores_a_client_supplied_user_name(jp_fetch):
    response = await jp_fetch("classlab", "api", "info", params={"user": "mallory"})
    assert json.loads(response.body)["user"]["name"] != "mallory"


@pytest.mark.parametrize("authorization", ["none", "token not-the-token"])
async def test_info_refuses_requests_without_a_valid_token(jp_fetch, authorization):
    with pytest.raises(HTTPClientError) as raised:
        await jp_fetch("classlab", "api", "info", headers={"Authorization": authorization})
    assert raised.value.code in (401, 403)


async def test_info_is_served_under_the_base_url_only(http_server_client, jp_auth_header):
    with pytest.raises(HTTPClientError) as raised:
        await http_server_client.fetch("/classlab/api/info", headers=jp_auth_header)
    assert raised.value.code == 404
