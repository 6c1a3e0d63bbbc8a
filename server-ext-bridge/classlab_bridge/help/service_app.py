"""The help relay as a JupyterHub managed service (``help_backend = "remote"``): one relay for the whole class.

Run by the Hub (``python -m classlab_bridge.help.service_app``) and proxied at ``/services/classlab-help/``. The same
HelpService, rooms and tickets as the in-process relay; what differs is who the caller is:

* REST ``{prefix}api/help/…`` — every call carries ``Authorization: token <t>``, in practice the caller's single-user
  server's own ``$JUPYTERHUB_API_TOKEN`` (the bridge forwards with it, see remote.py). The service asks the Hub who
  owns that token (``GET /hub/api/user``, jupyterhub.services.auth.HubAuth, cached) and needs the token to hold
  ``access:services!service=<name>``. A name or role sent by a client is never read: a student's server, which the
  student controls, can only ever act as that student. Teachers: Hub admins and members of ``teachers_group``, from
  the same Hub reply.
* WebSocket ``{prefix}api/help/rooms/{room}?ticket=…`` — opened by the browser straight through the Hub's proxy,
  with no login of its own: the signed, single-use, 60-second ticket that REST issued names the user, room and role.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import secrets
from typing import Any, Optional
from urllib.parse import urlparse

from tornado import httpserver, ioloop, web, websocket
from traitlets import Bool, Float, Integer, Unicode, default
from traitlets.config import Application

from .rooms import Connection, Limits, Room, RoomRegistry
from .roomsocket import RoomSocketMixin
from .service import ConnectError, HelpError, HelpService, Identity, identity_from_hub_model
from .store import HelpStore
from .tickets import TicketSigner

TOKEN_HEADER = re.compile(r"(?:token|bearer)\s+(\S+)", re.IGNORECASE)


class HubIdentities:
    """Who owns a token, by asking the Hub (through ``hub_auth``, a jupyterhub HubAuth or anything with its
    ``user_for_token(token, sync=False)`` and ``check_scopes(required, model)``)."""

    def __init__(self, hub_auth: Any, teachers_group: str, access_scopes: set[str]) -> None:
        self.hub_auth = hub_auth
        self.teachers_group = teachers_group
        self.access_scopes = access_scopes

    async def identify(self, token: str) -> Optional[Identity]:
        model = await self.hub_auth.user_for_token(token, sync=False)
        if not model or model.get("kind", "user") != "user" or not model.get("name"):
            return None  # unknown token, or a service's
        if self.access_scopes and not self.hub_auth.check_scopes(self.access_scopes, model):
            return None  # a token of this user that was not granted access to this service
        return identity_from_hub_model(model, self.teachers_group)


class ServiceHandler(web.RequestHandler):
    """REST of the service: the caller is whoever the Hub says owns the request's token."""

    identities: HubIdentities
    who: Identity

    def initialize(self, service: HelpService, identities: HubIdentities) -> None:
        self.service = service
        self.identities = identities

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")

    def fail(self, error: HelpError) -> None:
        self.set_status(error.status)
        self.finish(json.dumps({"error": {"code": error.code, "message": error.message}}))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish(json.dumps({"error": {"code": str(status_code), "message": self._reason}}))

    async def prepare(self) -> None:
        match = TOKEN_HEADER.fullmatch(self.request.headers.get("Authorization", "").strip())
        who = await self.identities.identify(match.group(1)) if match else None
        if who is None:
            self.fail(HelpError(403, "forbidden", "A JupyterHub token with access to this service is required."))
            return
        self.who = who

    def body(self) -> Any:
        if not self.request.body:
            return {}
        try:
            return json.loads(self.request.body)
        except ValueError as e:
            raise HelpError(400, "bad_json", "The body is not JSON.") from e

    def reply(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(payload))


class RequestsHandler(ServiceHandler):
    def get(self) -> None:
        who = self.who
        me = {"name": who.name, "display_name": who.display_name, "teacher": who.teacher}
        self.reply({"requests": self.service.list(who), "me": me})

    def post(self) -> None:
        try:
            grant, created = self.service.create(self.who, self.body())
        except HelpError as e:
            return self.fail(e)
        self.reply(grant, 201 if created else 200)


class RequestHandler(ServiceHandler):
    def get(self, request_id: str) -> None:
        try:
            self.reply({"request": self.service.get(self.who, request_id)})
        except HelpError as e:
            self.fail(e)

    def delete(self, request_id: str) -> None:
        try:
            self.reply({"request": self.service.close(self.who, request_id)})
        except HelpError as e:
            self.fail(e)


class JoinHandler(ServiceHandler):
    def post(self, request_id: str) -> None:
        try:
            self.reply(self.service.join(self.who, request_id, self.body()))
        except HelpError as e:
            self.fail(e)


class RevokeHandler(ServiceHandler):
    def post(self, request_id: str) -> None:
        try:
            self.reply({"request": self.service.revoke(self.who, request_id, self.body())})
        except HelpError as e:
            self.fail(e)


class LogHandler(ServiceHandler):
    def get(self, request_id: str) -> None:
        try:
            self.reply({"events": self.service.events(self.who, request_id)})
        except HelpError as e:
            self.fail(e)


class RoomHandler(RoomSocketMixin, websocket.WebSocketHandler):
    """``WS {prefix}api/help/rooms/{room}?ticket=…``: the ticket alone admits (see the module docstring)."""

    room: Optional[Room] = None
    conn: Optional[Connection] = None

    def initialize(self, service: HelpService, ping_interval: float = 30.0) -> None:
        self.service = service
        self._ping = ping_interval

    def check_origin(self, origin: str) -> bool:
        # No cookie admits anyone here: the single-use ticket in the URL is the whole credential, so a page of
        # another origin gains nothing; and a Hub behind a TLS proxy that rewrites Host must still work.
        return True

    @property
    def max_message_size(self) -> int:
        return self.service.rooms.limits.max_message_size

    @property
    def ping_interval(self) -> float:
        return self._ping

    def open(self, room_id: str) -> None:  # type: ignore[override]
        try:
            self.room, self.conn = self.service.connect(self.get_argument("ticket", None), room_id, None, self)
        except ConnectError as e:
            self.service.log.info("ClassLab help: refused a socket in room %s: %s", room_id, e.reason)
            self.close(e.code, e.reason)


class RootHandler(web.RequestHandler):
    """``GET {prefix}``: who answers here (for the Hub's and admins' checks), nothing about anyone."""

    def get(self) -> None:
        from .._version import __version__

        self.finish({"name": "classlab-help", "version": __version__})


def make_app(service: HelpService, identities: HubIdentities, prefix: str = "/") -> web.Application:
    """The Tornado application: REST and rooms under ``prefix`` (the service's ``JUPYTERHUB_SERVICE_PREFIX``)."""
    base = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    api = re.escape(base) + "api/help"
    kw = {"service": service, "identities": identities}
    return web.Application(
        [
            (re.escape(base), RootHandler),
            (rf"{api}/requests", RequestsHandler, kw),
            (rf"{api}/requests/([^/]+)", RequestHandler, kw),
            (rf"{api}/requests/([^/]+)/join", JoinHandler, kw),
            (rf"{api}/requests/([^/]+)/revoke", RevokeHandler, kw),
            (rf"{api}/requests/([^/]+)/log", LogHandler, kw),
            (rf"{api}/rooms/([^/]+)", RoomHandler, {"service": service}),
        ],
        xsrf_cookies=False,  # token-authenticated REST; no cookie is read anywhere
    )


class HelpServiceApp(Application):
    """``python -m classlab_bridge.help.service_app [--HelpServiceApp.teachers_group=teachers …]``"""

    name = "classlab-help"
    description = "ClassLab help relay as a JupyterHub service"

    teachers_group = Unicode("teachers", config=True, help="JupyterHub group whose members (with admins) teach.")
    ticket_ttl = Float(60.0, config=True, help="Seconds a room ticket may be used to connect.")
    room_ttl = Float(600.0, config=True, help="Seconds an empty room lives before it is closed.")
    room_max_age = Float(4 * 3600.0, config=True, help="Seconds after which any room is closed.")
    allow_peer_on_graded = Bool(False, config=True, help="Whether classmates may help on graded cells.")
    max_peer_helpers = Integer(
        2, config=True, help="Classmates who may help with one request at once (teachers always may)."
    )
    state_file = Unicode(
        config=True,
        help="JSON file that keeps open requests across a restart of this service (empty: memory only). Default: "
        "$CLASSLAB_HELP_STATE_FILE, else classlab-help-state.json in the working directory.",
    )
    cache_max_age = Integer(
        60, config=True, help="Seconds the Hub's answer about a token (its user and groups) is reused."
    )
    prefix = Unicode(config=True, help="URL prefix (default $JUPYTERHUB_SERVICE_PREFIX).")
    bind_url = Unicode(config=True, help="Where to listen (default $JUPYTERHUB_SERVICE_URL).")

    @default("prefix")
    def _prefix(self) -> str:
        return os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/classlab-help/")

    @default("state_file")
    def _state_file(self) -> str:
        return os.environ.get("CLASSLAB_HELP_STATE_FILE", "classlab-help-state.json")

    @default("bind_url")
    def _bind_url(self) -> str:
        return os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:10101")

    aliases = {"teachers-group": "HelpServiceApp.teachers_group", "state-file": "HelpServiceApp.state_file"}

    @default("log_level")
    def _log_level(self) -> int:
        return logging.INFO

    def build(self, hub_auth: Any = None) -> tuple[HelpService, web.Application]:
        if hub_auth is None:
            from jupyterhub.services.auth import HubAuth  # the Hub's environment has it

            hub_auth = HubAuth(cache_max_age=self.cache_max_age)
        access = set(getattr(hub_auth, "access_scopes", None) or ())
        if not access:
            access = {f"access:services!service={os.environ.get('JUPYTERHUB_SERVICE_NAME', 'classlab-help')}"}
        prefix = "/" + self.prefix.strip("/") + "/"
        service = HelpService(
            TicketSigner(secrets.token_bytes(32), ttl=self.ticket_ttl),
            RoomRegistry(idle_ttl=self.room_ttl, max_age=self.room_max_age, limits=Limits()),
            allow_peer_on_graded=self.allow_peer_on_graded,
            max_peer_helpers=self.max_peer_helpers,
            rooms_path=prefix + "api/help/rooms/",  # absolute: the browser reaches it through the Hub's proxy
            # A new secret per process: tickets from before a restart are void, clients ask for fresh ones.
            store=HelpStore(self.state_file) if self.state_file else None,
            log=self.log,
        )
        return service, make_app(service, HubIdentities(hub_auth, self.teachers_group, access), prefix)

    async def serve(self) -> None:
        service, app = self.build()
        url = urlparse(self.bind_url)
        server = httpserver.HTTPServer(app, xheaders=True)
        server.listen(url.port or 80, url.hostname or "127.0.0.1")
        sweeper = ioloop.PeriodicCallback(service.sweep, max(1.0, min(30.0, self.room_ttl / 4)) * 1000)
        sweeper.start()
        self.log.info("ClassLab help service on %s, prefix %s", self.bind_url, self.prefix)
        await asyncio.Event().wait()

    def start(self) -> None:
        try:
            asyncio.run(self.serve())
        except KeyboardInterrupt:
            pass


main = HelpServiceApp.launch_instance

if __name__ == "__main__":
    main()
