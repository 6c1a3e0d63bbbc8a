"""A stand-in for the JupyterHub REST API, just the two calls the help service and the bridge make, and the help
service app in front of it.

What is FAKED here: the Hub. ``GET /hub/api/user`` answers for a token with the user model a real Hub 6 sends for it
(name, admin, groups — always present, the Hub adds the identify scopes — and the token's expanded ``scopes``);
``GET /hub/api/services/classlab-help`` answers with the service's ``url`` and ``prefix`` when the token holds
``read:services``. What is REAL: jupyterhub.services.auth.HubAuth (its HTTP call, cache and ``check_scopes``), the
service app, and the bridge. The real Hub with real tokens is exercised by ui-tests/hub/tests/help.spec.ts.
"""

from __future__ import annotations

import json
from typing import Any

from tornado import httpserver, web
from tornado.testing import bind_unused_port

ACCESS = "access:services!service=classlab-help"
READ = "read:services!service=classlab-help"
SERVER_SCOPES = ["users:activity!user", ACCESS, READ]

#: token -> (user, groups, scopes); "<name>-server" is the single-user server token of <name>.
TOKENS: dict[str, tuple[str, list[str], list[str]]] = {
    "student1-server": ("student1", ["class-7a"], SERVER_SCOPES),
    "student2-server": ("student2", ["class-7a"], SERVER_SCOPES),
    "ms-li-server": ("ms-li", ["teachers", "class-7a"], SERVER_SCOPES),
    # A server token issued without the help scopes (the admin forgot server_token_scopes).
    "student3-server": ("student3", ["class-7a"], ["users:activity!user"]),
}


class HubUserHandler(web.RequestHandler):
    def get(self) -> None:
        token = self.request.headers.get("Authorization", "").removeprefix("token ").strip()
        if token not in TOKENS:
            raise web.HTTPError(403)
        name, groups, scopes = TOKENS[token]
        self.application.settings["calls"].append(name)
        # The Hub sends the token's scopes expanded: "!user" becomes "!user=<name>".
        scopes = [f"{s}={name}" if s.endswith("!user") else s for s in scopes]
        self.finish({"kind": "user", "name": name, "admin": False, "groups": groups, "scopes": scopes})


class HubServiceHandler(web.RequestHandler):
    def get(self, name: str) -> None:
        token = self.request.headers.get("Authorization", "").removeprefix("token ").strip()
        if name != "classlab-help" or READ not in TOKENS.get(token, ("", [], []))[2]:
            raise web.HTTPError(404)
        self.finish(json.dumps({"name": name, "url": self.settings["service_url"], "prefix": PREFIX}))


PREFIX = "/services/classlab-help/"


def start(app: web.Application) -> int:
    """Serves ``app`` on a free loopback port of the running loop; the port."""
    sock, port = bind_unused_port()
    server = httpserver.HTTPServer(app)
    server.add_sockets([sock])
    app.settings["_server"] = server
    return port


def start_hub_and_service(**service_config: Any) -> dict[str, Any]:
    """Starts the fake Hub API and the real help service app; call inside the running loop."""
    from classlab_bridge.help.service_app import HelpServiceApp
    from jupyterhub.services.auth import HubAuth

    calls: list[str] = []
    hub = web.Application(
        [(r"/hub/api/user", HubUserHandler), (r"/hub/api/services/([^/]+)", HubServiceHandler)], calls=calls
    )
    hub_port = start(hub)
    hub_auth = HubAuth(api_url=f"http://127.0.0.1:{hub_port}/hub/api", api_token="service-own-token", cache_max_age=60)
    service_config.setdefault("state_file", "")  # memory only, unless a test gives a file
    app = HelpServiceApp(prefix=PREFIX, **service_config)
    service, service_app = app.build(hub_auth)
    port = start(service_app)
    hub.settings["service_url"] = f"http://127.0.0.1:{port}"
    return {
        "service": service,
        "url": f"http://127.0.0.1:{port}{PREFIX}",
        "ws": f"ws://127.0.0.1:{port}",
        "hub_api": f"http://127.0.0.1:{hub_port}/hub/api",
        "hub_calls": calls,
        "servers": [hub.settings["_server"], service_app.settings["_server"]],
    }
