"""What the ClassLab JupyterHub managed services (``classlab-help``, ``classlab-gpu``, ``classlab-grader``) share:
who the caller is, JSON handlers (and multipart uploads), the Tornado application under the service's prefix, and
the traitlets Application that serves it.

Every REST call carries ``Authorization: token <t>``, in practice the caller's single-user server's own
``$JUPYTERHUB_API_TOKEN`` (the bridge forwards with it, see hubclient.py). The service asks the Hub who owns that token
(``GET /hub/api/user`` through jupyterhub.services.auth.HubAuth, cached) and needs the token to hold
``access:services!service=<name>``. A name or role sent by a client is never read: a student's server, which the
student controls, can only ever act as that student.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
from typing import Any, Callable, Generic, Optional, TypeVar

from tornado import httpserver, web
from traitlets import Integer, Unicode, default
from traitlets.config import Application

from ._version import __version__
from .apibase import JsonAPIMixin

TOKEN_HEADER = re.compile(r"(?:token|bearer)\s+(\S+)", re.IGNORECASE)

Who = TypeVar("Who")


class HubIdentities(Generic[Who]):
    """Who owns a token, by asking the Hub (through ``hub_auth``, a jupyterhub HubAuth or anything with its
    ``user_for_token(token, sync=False)`` and ``check_scopes(required, model)``); ``make`` turns the Hub's user
    model into the feature's identity."""

    def __init__(self, hub_auth: Any, access_scopes: set[str], make: Callable[[dict[str, Any]], Who]) -> None:
        self.hub_auth = hub_auth
        self.access_scopes = access_scopes
        self.make = make

    async def identify(self, token: str) -> Optional[Who]:
        model = await self.hub_auth.user_for_token(token, sync=False)
        if not model or model.get("kind", "user") != "user" or not model.get("name"):
            return None  # unknown token, or a service's
        if self.access_scopes and not self.hub_auth.check_scopes(self.access_scopes, model):
            return None  # a token of this user that was not granted access to this service
        return self.make(model)


class ServiceAPIHandler(JsonAPIMixin, web.RequestHandler):
    """REST of a service: the caller (``who``) is whoever the Hub says owns the request's token."""

    identities: HubIdentities[Any]
    who: Any

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish(json.dumps({"error": {"code": str(status_code), "message": self._reason}}))

    def get_current_user(self) -> Any:
        # Set by prepare (before any method runs), so that @web.authenticated reads the same caller.
        return getattr(self, "who", None)

    def is_form(self) -> bool:
        """Whether the body is ``multipart/form-data`` (a JSON part and files, e.g. a notebook's folder)."""
        return self.request.headers.get("Content-Type", "").startswith("multipart/form-data")

    def form_part(self, name: str) -> Optional[bytes]:
        """The first part called ``name`` of a ``multipart/form-data`` body (a field or a file), or None."""
        fields = self.request.body_arguments.get(name) or [f.body for f in self.request.files.get(name, [])]
        return fields[0] if fields else None

    def form_json(self, name: str) -> Any:
        """The part ``name`` as JSON; 400 when it is missing or not JSON."""
        part = self.form_part(name)
        if part is None:
            raise self.error_class(400, "bad_request", f"The '{name}' part is missing.")
        try:
            return json.loads(part)
        except ValueError as e:
            raise self.error_class(400, "bad_json", f"The '{name}' part is not JSON.") from e

    async def prepare(self) -> None:
        match = TOKEN_HEADER.fullmatch(self.request.headers.get("Authorization", "").strip())
        who = await self.identities.identify(match.group(1)) if match else None
        if who is None:
            self.fail(self.error_class(403, "forbidden", "A JupyterHub token with access to this service is required."))
            return
        self.who = who


class RootHandler(web.RequestHandler):
    """``GET {prefix}``: who answers here (for the Hub's and admins' checks), nothing about anyone."""

    def get(self) -> None:
        self.finish({"name": self.settings["service_name"], "version": __version__})


def url_prefix(prefix: str) -> str:
    """``prefix`` with one leading and one trailing slash (``/`` for none)."""
    return "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"


def make_service_app(
    name: str, prefix: str, api: str, routes: list[tuple[str, type, dict[str, Any]]], **settings: Any
) -> web.Application:
    """The Tornado application of a service: ``GET {prefix}`` names it; each route ``(path, handler, kwargs)`` is
    served at ``{prefix}api/{api}/{path}`` (``path`` a regular expression)."""
    base = re.escape(url_prefix(prefix))
    return web.Application(
        [(base, RootHandler)] + [(rf"{base}api/{api}/{path}", handler, kw) for path, handler, kw in routes],
        service_name=name,
        xsrf_cookies=False,  # token-authenticated REST; no cookie is read anywhere
        **settings,
    )


class HubServiceApp(Application):
    """A JupyterHub managed service's command line: ``python -m classlab_bridge.<feature>.service_app``.

    Subclasses set ``name`` (the service's default name and prefix), ``default_port``, and implement ``setup``.
    """

    default_port = 10100

    teachers_group = Unicode("teachers", config=True, help="JupyterHub group whose members (with admins) teach.")
    cache_max_age = Integer(
        60, config=True, help="Seconds the Hub's answer about a token (its user and groups) is reused."
    )
    prefix = Unicode(config=True, help="URL prefix (default $JUPYTERHUB_SERVICE_PREFIX).")
    bind_url = Unicode(config=True, help="Where to listen (default $JUPYTERHUB_SERVICE_URL).")

    @default("prefix")
    def _prefix(self) -> str:
        return os.environ.get("JUPYTERHUB_SERVICE_PREFIX", f"/services/{self.name}/")

    @default("bind_url")
    def _bind_url(self) -> str:
        return os.environ.get("JUPYTERHUB_SERVICE_URL", f"http://127.0.0.1:{self.default_port}")

    @default("log_level")
    def _log_level(self) -> int:
        return logging.INFO

    def hub_identities(self, make: Callable[[dict[str, Any]], Who], hub_auth: Any = None) -> HubIdentities[Who]:
        """Callers identified by the Hub; ``hub_auth`` defaults to jupyterhub's HubAuth (from the service's env)."""
        if hub_auth is None:
            from jupyterhub.services.auth import HubAuth  # the Hub's environment has it

            hub_auth = HubAuth(cache_max_age=self.cache_max_age)
        access = set(getattr(hub_auth, "access_scopes", None) or ())
        if not access:
            access = {f"access:services!service={os.environ.get('JUPYTERHUB_SERVICE_NAME', self.name)}"}
        return HubIdentities(hub_auth, access, make)

    def listen(self, app: web.Application, **server_options: Any) -> httpserver.HTTPServer:
        """Serves ``app`` at ``bind_url`` (behind the Hub's proxy: ``xheaders``)."""
        from urllib.parse import urlparse

        url = urlparse(self.bind_url)
        server = httpserver.HTTPServer(app, xheaders=True, **server_options)
        server.listen(url.port or 80, url.hostname or "127.0.0.1")
        self.log.info("ClassLab %s service on %s, prefix %s", self.name, self.bind_url, self.prefix)
        return server

    async def setup(self) -> None:
        """Builds the service and ``listen``s; runs on the service's event loop."""
        raise NotImplementedError

    async def teardown(self) -> None:
        """Called once SIGTERM or SIGINT asked the service to stop (the Hub stops it with SIGTERM)."""

    async def serve(self) -> None:
        await self.setup()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        self.log.info("ClassLab %s service stopping", self.name)
        await self.teardown()

    def start(self) -> None:
        asyncio.run(self.serve())
