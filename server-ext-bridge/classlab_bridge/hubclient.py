"""The bridge's side of a ClassLab JupyterHub service (``help_backend``/``gpu_backend``/``grader_backend = "remote"``):
where the service is, calls to it as this single-user server's owner, multipart bodies for uploads, and the service's
JSON answers turned into the feature's own errors (``call_json``).

Calls carry ``Authorization: token $JUPYTERHUB_API_TOKEN``: this server's token, which belongs to its owner, so the
service (which asks the Hub who owns the token, see hubservice.py) sees exactly that user, whatever this server
(controlled by that user) claims. Nobody else logged in here (a Hub admin, a user the server is shared with) may be
forwarded: they would act as the owner (``is_owner``).

The service's URL: the feature's ``*_service_url`` setting, else the environment variable ``url_env``, else asked of
the Hub once (``GET /hub/api/services/<service_name>``: its ``url`` and ``prefix``; the server token needs
``read:services!service=<name>``).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import Collection
from typing import Any, Callable, Optional
from urllib.parse import quote

from tornado import httpclient


class ServiceUnavailable(Exception):
    """The service could not be found or reached, or failed (a 5xx)."""


def multipart(fields: list[tuple[str, Optional[str], str, bytes]]) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body from ``(name, filename or None, content type, data)``; (body, its type)."""
    boundary = "classlab-" + secrets.token_hex(16)
    parts: list[bytes] = []
    for name, filename, content_type, data in fields:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: {content_type}\r\n\r\n"
        parts += [head.encode(), data, b"\r\n"]
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class HubServiceClient:
    """Where a Hub service is and how to call it as this server's owner."""

    def __init__(
        self,
        service_name: str,
        service_url: str = "",
        *,
        url_env: str = "",
        timeout: float = 10.0,
        log: Optional[logging.Logger] = None,
        env: Optional[dict[str, str]] = None,
    ) -> None:
        env = dict(os.environ if env is None else env)
        self.service_name = service_name
        self.token = env.get("JUPYTERHUB_API_TOKEN", "")
        self.owner = env.get("JUPYTERHUB_USER", "")
        self.api_url = env.get("JUPYTERHUB_API_URL", "")
        url = service_url or (env.get(url_env, "") if url_env else "")
        self._url: Optional[str] = url.rstrip("/") + "/" if url else None
        self.timeout = timeout
        self.log = log or logging.getLogger("classlab_bridge")

    def is_owner(self, name: str) -> bool:
        """Whether ``name`` may be forwarded: the server's owner (anyone when not in a JupyterHub)."""
        return not self.owner or name == self.owner

    async def _fetch(
        self,
        url: str,
        method: str = "GET",
        body: Optional[bytes] = None,
        content_type: str = "application/json",
        timeout: Optional[float] = None,
    ) -> httpclient.HTTPResponse:
        headers = {"Authorization": f"token {self.token}", "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = content_type
        request = httpclient.HTTPRequest(
            url,
            method=method,
            headers=headers,
            body=body,
            request_timeout=timeout or self.timeout,
            follow_redirects=False,
        )
        return await httpclient.AsyncHTTPClient().fetch(request, raise_error=False)

    async def service_url(self) -> str:
        """The service's base URL (with its prefix and a trailing slash)."""
        if self._url is None:
            if not (self.api_url and self.token):
                raise ServiceUnavailable(f"no URL for the service {self.service_name!r}, and not in a JupyterHub")
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
            self.log.info("ClassLab: the service %s is at %s", self.service_name, self._url)
        return self._url

    async def call(
        self,
        path: str,
        method: str = "GET",
        body: Optional[bytes] = None,
        content_type: str = "application/json",
        timeout: Optional[float] = None,
    ) -> httpclient.HTTPResponse:
        """``method {service}{path}`` as the owner; ServiceUnavailable when it cannot be reached."""
        base = await self.service_url()
        try:
            response = await self._fetch(f"{base}{path}", method, body, content_type, timeout)
        except (OSError, httpclient.HTTPError) as e:  # refused, unreachable, timed out
            raise ServiceUnavailable(str(e)) from e
        if response.code == 599:
            raise ServiceUnavailable(str(response.error))
        return response


async def call_json(
    client: HubServiceClient,
    path: str,
    method: str = "GET",
    body: Optional[bytes] = None,
    content_type: str = "application/json",
    timeout: Optional[float] = None,
    *,
    error: Callable[[int, str, str], Exception],
    unavailable: tuple[str, str],
    refusals: Collection[str] = (),
) -> dict[str, Any]:
    """The service's JSON answer to ``method {service}{path}`` as the owner (``client.call``). Its refusals come back as
    ``error(status, code, message)``: every 4xx, and the 5xx whose code is in ``refusals`` (the service said why
    in words). Anything else (not reachable, not JSON, another 5xx) is ``error(502, *unavailable)``, i.e. the
    feature's "cannot be reached" code and words."""
    try:
        response = await client.call(path, method, body, content_type, timeout)
    except ServiceUnavailable as e:
        client.log.warning("ClassLab: the service %s is unavailable: %s", getattr(client, "service_name", ""), e)
        raise error(502, *unavailable) from e
    try:
        data = json.loads(response.body or b"")
    except ValueError:
        data = None
    problem = data.get("error") if isinstance(data, dict) and isinstance(data.get("error"), dict) else {}
    if response.code >= 500 and problem.get("code") in refusals:
        raise error(response.code, str(problem["code"]), str(problem.get("message", "")))
    if response.code >= 500 or not isinstance(data, dict):
        client.log.warning(
            "ClassLab: the service %s answered %s to %s %s",
            getattr(client, "service_name", ""),
            response.code,
            method,
            path,
        )
        raise error(502, *unavailable)
    if response.code >= 400:
        raise error(response.code, str(problem.get("code", "error")), str(problem.get("message", "")))
    return data
