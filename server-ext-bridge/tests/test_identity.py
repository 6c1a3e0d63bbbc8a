"""``info`` names the user the server's identity provider authenticated (in a Hub: the Hub user)."""

from __future__ import annotations

import inspect
import json

import pytest
from jupyter_server.auth import IdentityProvider, User


class FixedUserIdentityProvider(IdentityProvider):
    """A token-checking identity provider that names its user, as JupyterHub's does."""

    async def get_user(self, handler):
        user = super().get_user(handler)
        if inspect.isawaitable(user):
            user = await user
        return None if user is None else User("ada", display_name="Ada Lovelace")


@pytest.fixture
def jp_server_config(jp_server_config):
    return {
        "ServerApp": {
            "jpserver_extensions": {"classlab_bridge": True},
            "identity_provider_class": FixedUserIdentityProvider,
        }
    }


async def test_info_names_the_authenticated_user(jp_fetch):
    body = json.loads((await jp_fetch("classlab", "api", "info")).body)
    assert body["user"] == {"name": "ada", "display_name": "Ada Lovelace"}
