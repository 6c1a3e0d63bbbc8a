"""A stand-in for the JupyterHub REST API, just the two calls the ClassLab services and the bridge make, and the
help and GPU service apps in front of it.

What is FAKED here: the Hub. ``GET /hub/api/user`` answers for a token with the user model a real Hub 6 sends for it
(name, admin, groups — always present, the Hub adds the identify scopes — and the token's expanded ``scopes``);
``GET /hub/api/services/<name>`` (classlab-help, classlab-gpu) answers with the service's ``url`` and ``prefix`` when
the token holds ``read:services!service=<name>``. What is REAL: jupyterhub.services.auth.HubAuth (its HTTP call, cache
and ``check_scopes``), the service apps, and the bridge. The real Hub with real tokens is exercised by
ui-tests/hub/tests/help.spec.ts.
"""

from __future__ import annotations

import json
from typing import Any

from tornado import httpserver, web
from tornado.testing import bind_unused_port

ACCESS = "access:services!service=classlab-help"
READ = "read:services!service=classlab-help"
GPU_ACCESS = "access:services!service=classlab-gpu"
GPU_READ = "read:services!service=classlab-gpu"
SERVER_SCOPES = ["users:activity!user", ACCESS, READ, GPU_ACCESS, GPU_READ]

#: token -> (user, groups, scopes); "<name>-server" is the single-user server token of <name>.
TOKENS: dict[str, tuple[str, list[str], list[str]]] = {
    "student1-server": ("student1", ["class-7a"], SERVER_SCOPES),
    "student2-server": ("student2", ["class-7a"], SERVER_SCOPES),
    "ms-li-server": ("ms-li", ["teachers", "class-7a"], SERVER_SCOPES),
    "principal-server": ("principal", [], SERVER_SCOPES),  # a Hub admin (see ADMINS)
    # A server token issued without the services' scopes (the admin forgot server_token_scopes).
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
        admin = name in ADMINS
        self.finish({"kind": "user", "name": name, "admin": admin, "groups": groups, "scopes": scopes})


ADMINS = {"principal"}


class HubServiceHandler(web.RequestHandler):
    def get(self, name: str) -> None:
        token = self.request.headers.get("Authorization", "").removeprefix("token ").strip()
        services = self.settings["services"]
        if name not in services or f"read:services!service={name}" not in TOKENS.get(token, ("", [], []))[2]:
            raise web.HTTPError(404)
        self.finish(json.dumps({"name": name, "url": services[name], "prefix": f"/services/{name}/"}))


PREFIX = "/services/classlab-help/"
GPU_PREFIX = "/services/classlab-gpu/"


def start(app: web.Application) -> int:
    """Serves ``app`` on a free loopback port of the running loop; the port."""
    sock, port = bind_unused_port()
    server = httpserver.HTTPServer(app)
    server.add_sockets([sock])
    app.settings["_server"] = server
    return port


def start_hub() -> tuple[web.Application, str, Any]:
    """Starts the fake Hub API; (its app, its API URL, a real HubAuth for a service of it)."""
    from jupyterhub.services.auth import HubAuth

    hub = web.Application(
        [(r"/hub/api/user", HubUserHandler), (r"/hub/api/services/([^/]+)", HubServiceHandler)], calls=[], services={}
    )
    api_url = f"http://127.0.0.1:{start(hub)}/hub/api"
    return hub, api_url, HubAuth(api_url=api_url, api_token="service-own-token", cache_max_age=60)


def start_hub_and_service(**service_config: Any) -> dict[str, Any]:
    """Starts the fake Hub API and the real help service app; call inside the running loop."""
    from classlab_bridge.help.service_app import HelpServiceApp

    hub, api_url, hub_auth = start_hub()
    service_config.setdefault("state_file", "")  # memory only, unless a test gives a file
    app = HelpServiceApp(prefix=PREFIX, **service_config)
    service, service_app = app.build(hub_auth)
    port = start(service_app)
    hub.settings["services"]["classlab-help"] = f"http://127.0.0.1:{port}"
    return {
        "service": service,
        "url": f"http://127.0.0.1:{port}{PREFIX}",
        "ws": f"ws://127.0.0.1:{port}",
        "hub_api": api_url,
        "hub_calls": hub.settings["calls"],
        "servers": [hub.settings["_server"], service_app.settings["_server"]],
    }


def start_hub_and_gpu_service(queue: Any = None, **service_config: Any) -> dict[str, Any]:
    """Starts the fake Hub API and the real GPU service app (with ``queue``, else the LocalQueue its settings make);
    call inside the running loop."""
    from classlab_bridge.gpu.service_app import GpuServiceApp

    hub, api_url, hub_auth = start_hub()
    app = GpuServiceApp(prefix=GPU_PREFIX, **service_config)
    queue, service_app = app.build(hub_auth, queue)
    port = start(service_app)
    hub.settings["services"]["classlab-gpu"] = f"http://127.0.0.1:{port}"
    return {
        "app": app,
        "queue": queue,
        "url": f"http://127.0.0.1:{port}{GPU_PREFIX}",
        "hub_api": api_url,
        "hub_calls": hub.settings["calls"],
        "servers": [hub.settings["_server"], service_app.settings["_server"]],
    }
