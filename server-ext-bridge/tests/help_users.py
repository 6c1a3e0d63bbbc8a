"""Several users on one test server, as JupyterHub's single-user identity provider presents them.

jupyterhub.singleuser's ``JupyterHubUser`` is a jupyter_server ``User`` with the Hub's user model in ``hub_user``
(name, admin, groups); ``HubUser`` below has the same shape without importing JupyterHub (test_help_api checks the
real class once). Each user logs in with their own token: ``headers("student1")``.
"""

from __future__ import annotations

from jupyter_server.auth import IdentityProvider, User

HUB_USERS = {
    "ms-li": {"name": "ms-li", "admin": False, "groups": ["teachers", "class-7a"]},
    "principal": {"name": "principal", "admin": True, "groups": []},
    "student1": {"name": "student1", "admin": False, "groups": ["class-7a"]},
    "student2": {"name": "student2", "admin": False, "groups": ["class-7a"]},
    "student3": {"name": "student3", "admin": False, "groups": ["class-7b"]},
}


class HubUser(User):
    hub_user: dict

    def __init__(self, hub_user: dict) -> None:
        self.hub_user = hub_user
        super().__init__(username=hub_user["name"], display_name=hub_user["name"].title())


class HubUsersIdentityProvider(IdentityProvider):
    """``Authorization: token <name>-token`` logs in as ``<name>``; anything else is refused."""

    async def get_user(self, handler):
        token = self.get_token(handler) or ""
        model = HUB_USERS.get(token.removesuffix("-token"))
        if model is None:
            return None
        handler._token_authenticated = True
        return HubUser(model)


def headers(name: str) -> dict[str, str]:
    return {"Authorization": f"token {name}-token"}
