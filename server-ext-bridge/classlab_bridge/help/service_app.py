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

import os
import secrets
from typing import Any, Optional

from tornado import ioloop, web, websocket
from traitlets import Bool, Float, Integer, Unicode, default

from ..hubservice import HubIdentities, HubServiceApp, ServiceAPIHandler, make_service_app, url_prefix
from .rooms import Connection, Limits, Room, RoomRegistry
from .roomsocket import RoomSocketMixin
from .service import HelpError, HelpService, Identity, identity_from_hub_model
from .store import HelpStore
from .tickets import TicketSigner


class ServiceHandler(ServiceAPIHandler):
    """REST of the service: the caller is whoever the Hub says owns the request's token (hubservice.py)."""

    error_class = HelpError
    who: Identity

    def initialize(self, service: HelpService, identities: HubIdentities[Identity]) -> None:
        self.service = service
        self.identities = identities


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
        self.admit(room_id, None)  # no login here: the ticket alone names the user


def make_app(service: HelpService, identities: HubIdentities[Identity], prefix: str = "/") -> web.Application:
    """The Tornado application: REST and rooms under ``prefix`` (the service's ``JUPYTERHUB_SERVICE_PREFIX``)."""
    kw = {"service": service, "identities": identities}
    routes: list[tuple[str, type, dict[str, Any]]] = [
        ("requests", RequestsHandler, kw),
        ("requests/([^/]+)", RequestHandler, kw),
        ("requests/([^/]+)/join", JoinHandler, kw),
        ("requests/([^/]+)/revoke", RevokeHandler, kw),
        ("requests/([^/]+)/log", LogHandler, kw),
        ("rooms/([^/]+)", RoomHandler, {"service": service}),
    ]
    return make_service_app("classlab-help", prefix, "help", routes)


class HelpServiceApp(HubServiceApp):
    """``python -m classlab_bridge.help.service_app [--HelpServiceApp.teachers_group=teachers …]``"""

    name = "classlab-help"
    description = "ClassLab help relay as a JupyterHub service"
    default_port = 10101

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

    @default("state_file")
    def _state_file(self) -> str:
        return os.environ.get("CLASSLAB_HELP_STATE_FILE", "classlab-help-state.json")

    aliases = {"teachers-group": "HelpServiceApp.teachers_group", "state-file": "HelpServiceApp.state_file"}

    def build(self, hub_auth: Any = None) -> tuple[HelpService, web.Application]:
        identities = self.hub_identities(lambda model: identity_from_hub_model(model, self.teachers_group), hub_auth)
        prefix = url_prefix(self.prefix)
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
        return service, make_app(service, identities, prefix)

    async def setup(self) -> None:
        service, app = self.build()
        self.listen(app)
        sweeper = ioloop.PeriodicCallback(service.sweep, max(1.0, min(30.0, self.room_ttl / 4)) * 1000)
        sweeper.start()


main = HelpServiceApp.launch_instance

if __name__ == "__main__":
    main()
