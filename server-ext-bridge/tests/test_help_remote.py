"""With ``help_backend = "remote"`` this server runs no relay: the help API is not served here."""

from __future__ import annotations

import pytest
from tornado.httpclient import HTTPClientError


@pytest.fixture
def jp_server_config(jp_server_config):
    return {
        "ServerApp": {"jpserver_extensions": {"classlab_bridge": True}},
        "ClassLabBridgeApp": {"help_backend": "remote"},
    }


async def test_no_local_relay_when_the_help_backend_is_remote(jp_fetch):
    with pytest.raises(HTTPClientError) as missing:
        await jp_fetch("classlab", "api", "help", "requests")
    assert missing.value.code == 404
