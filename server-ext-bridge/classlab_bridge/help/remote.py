"""``help_backend = "remote"``: the bridge forwards the help REST API to the JupyterHub service ``classlab-help``.

Each ``{base_url}classlab/api/help/requests…`` call of this server's own user goes to
``{service}api/help/requests…`` with this server's own ``$JUPYTERHUB_API_TOKEN`` (hubclient.py says why that makes
the service see exactly the owner, and where the service is found). Room sockets do not pass here: the grants carry an
absolute ``room_url`` under the service's prefix, which the browser opens through the Hub's proxy.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import quote

from jupyter_server.base.handlers import APIHandler
from tornado import httpclient, web

from ..hubclient import HubServiceClient, ServiceUnavailable

if TYPE_CHECKING:
    from ..app import ClassLabBridgeApp

HELP_API = "classlab/api/help"


class RemoteHelp(HubServiceClient):
    """The help service, called as this server's owner."""

    def __init__(self, bridge: ClassLabBridgeApp, env: Optional[dict[str, str]] = None) -> None:
        super().__init__(
            bridge.help_service_name,
            bridge.help_service_url,
            url_env="CLASSLAB_HELP_SERVICE_URL",
            timeout=bridge.help_service_timeout,
            log=bridge.log,
            env=env,
        )

    def handlers(self) -> list[tuple[str, Any, dict[str, Any]]]:
        return [(rf"/{HELP_API}/requests(?:/([^/]+)(?:/(join|revoke|log))?)?", ForwardHandler, {"remote": self})]

    async def forward(self, method: str, path: str, body: Optional[bytes]) -> httpclient.HTTPResponse:
        return await self.call(f"api/help/{path}", method, body)


class ForwardHandler(APIHandler):
    """The help REST API of PROTOCOL.md, answered by the service on behalf of this server's owner."""

    def initialize(self, remote: RemoteHelp) -> None:
        self.remote = remote

    def _error(self, status: int, code: str, message: str) -> None:
        self.set_status(status)
        self.finish(json.dumps({"error": {"code": code, "message": message}}))

    async def _forward(self, method: str, request_id: Optional[str], action: Optional[str]) -> None:
        # Tornado hands the id over URL-decoded: quote it again, so that it stays one path segment.
        path = "requests" + (f"/{quote(request_id, safe='')}" if request_id else "") + (f"/{action}" if action else "")
        user: Any = self.current_user
        if not self.remote.is_owner(user.username):
            return self._error(
                403, "forbidden", "Only this server's owner may use its help requests; use your own JupyterLab."
            )
        body = (self.request.body or b"{}") if method == "POST" else None
        try:
            response = await self.remote.forward(method, path, body)
        except ServiceUnavailable as e:
            self.log.warning("ClassLab help: the help service is unavailable: %s", e)
            return self._error(502, "help_service_unavailable", "The help service cannot be reached right now.")
        if response.code >= 500 or not (response.body or b"").lstrip().startswith(b"{"):
            self.log.warning("ClassLab help: the help service answered %s to %s %s", response.code, method, path)
            return self._error(502, "help_service_unavailable", "The help service cannot be reached right now.")
        self.set_status(response.code)
        self.finish(response.body)

    @web.authenticated
    async def get(self, request_id: Optional[str] = None, action: Optional[str] = None) -> None:
        await self._forward("GET", request_id, action)

    @web.authenticated
    async def post(self, request_id: Optional[str] = None, action: Optional[str] = None) -> None:
        await self._forward("POST", request_id, action)

    @web.authenticated
    async def delete(self, request_id: Optional[str] = None, action: Optional[str] = None) -> None:
        await self._forward("DELETE", request_id, action)
