"""``help_backend = "remote"``: the bridge forwards the help REST API to the JupyterHub service ``classlab-help``.

Each ``{base_url}classlab/api/help/requests…`` call of this server's own user goes to
``{service}api/help/requests…`` with ``Authorization: token $JUPYTERHUB_API_TOKEN``: this server's token, which
belongs to its owner, so the service (which asks the Hub who owns the token) sees exactly that user, whatever this
server (controlled by that user) claims. Nobody else logged in here (a Hub admin, a user the server is shared with)
is forwarded: they would act as the owner. Room sockets do not pass here: the grants carry an absolute ``room_url``
under the service's prefix, which the browser opens through the Hub's proxy.

The service's URL: ``c.ClassLabBridgeApp.help_service_url``, else ``$CLASSLAB_HELP_SERVICE_URL``, else asked of
the Hub once (``GET /hub/api/services/<help_service_name>``: its ``url`` and ``prefix``; the server token needs
``read:services!service=<name>``).
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import quote

from jupyter_server.base.handlers import APIHandler
from tornado import httpclient, web

if TYPE_CHECKING:
    from ..app import ClassLabBridgeApp

HELP_API = "classlab/api/help"


class ServiceUnavailable(Exception):
    pass


class RemoteHelp:
    """Where the service is and how to call it as this server's owner."""

    def __init__(self, bridge: ClassLabBridgeApp, env: Optional[dict[str, str]] = None) -> None:
        env = dict(os.environ if env is None else env)
        self.service_name = bridge.help_service_name
        self.token = env.get("JUPYTERHUB_API_TOKEN", "")
        self.owner = env.get("JUPYTERHUB_USER", "")
        self.api_url = env.get("JUPYTERHUB_API_URL", "")
        url = bridge.help_service_url or env.get("CLASSLAB_HELP_SERVICE_URL", "")
        self._url: Optional[str] = url.rstrip("/") + "/" if url else None
        self.timeout = bridge.help_service_timeout
        self.log = bridge.log

    def handlers(self) -> list[tuple[str, Any, dict[str, Any]]]:
        return [(rf"/{HELP_API}/requests(?:/([^/]+)(?:/(join|revoke|log))?)?", ForwardHandler, {"remote": self})]

    async def _fetch(self, url: str, method: str = "GET", body: Optional[bytes] = None) -> httpclient.HTTPResponse:
        headers = {"Authorization": f"token {self.token}", "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        request = httpclient.HTTPRequest(
            url, method=method, headers=headers, body=body, request_timeout=self.timeout, follow_redirects=False
        )
        return await httpclient.AsyncHTTPClient().fetch(request, raise_error=False)

    async def service_url(self) -> str:
        if self._url is None:
            if not (self.api_url and self.token):
                raise ServiceUnavailable("no help_service_url, and not in a JupyterHub")
            response = await self._fetch(f"{self.api_url.rstrip('/')}/services/{quote(self.service_name)}")
            try:
                model = json.loads(response.body or b"{}") if response.code == 200 else {}
            except ValueError:
                model = {}
            if not model.get("url") or not model.get("prefix"):
                raise ServiceUnavailable(
                    f"the Hub did not tell this server where the service {self.service_name!r} is "
                    f"({response.code}): does the server token hold read:services!service={self.service_name}?"
                )
            self._url = model["url"].rstrip("/") + "/" + model["prefix"].strip("/") + "/"
            self.log.info("ClassLab help: the help service is at %s", self._url)
        return self._url

    async def forward(self, method: str, path: str, body: Optional[bytes]) -> httpclient.HTTPResponse:
        base = await self.service_url()
        try:
            response = await self._fetch(f"{base}api/help/{path}", method, body)
        except (OSError, httpclient.HTTPError) as e:  # refused, unreachable, timed out
            raise ServiceUnavailable(str(e)) from e
        if response.code == 599:
            raise ServiceUnavailable(str(response.error))
        return response


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
        if self.remote.owner and user.username != self.remote.owner:
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
