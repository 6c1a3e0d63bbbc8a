"""Tornado handlers of the local help relay: the REST API under ``classlab/api/help/`` and the room WebSocket."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from jupyter_server.base.handlers import APIHandler, JupyterHandler
from tornado import ioloop, web, websocket

from ..apibase import JsonAPIMixin
from ..handlers import ws_authenticated
from .rooms import Connection, Limits, Room, RoomRegistry
from .roomsocket import RoomSocketMixin
from .service import HelpError, HelpService, Identity, identity_from_hub_model
from .tickets import TicketSigner

if TYPE_CHECKING:
    from ..app import ClassLabBridgeApp

HELP_API = "classlab/api/help"


def help_identity(user: Any, teachers_group: str) -> Identity:
    """This server's user; from JupyterHub's model when there is one, else the server's own (only) user, who may
    do everything (a teacher in no class)."""
    hub_user = getattr(user, "hub_user", None)  # jupyterhub.singleuser's JupyterHubUser (JupyterHub >= 2)
    display_name = user.display_name or user.username
    if isinstance(hub_user, dict):
        hub = identity_from_hub_model({**hub_user, "name": user.username}, teachers_group)
        return Identity(user.username, display_name, hub.teacher, hub.classes)
    return Identity(name=user.username, display_name=display_name, teacher=True)


class LocalHelp:
    """The relay of this server: the service plus the timer that expires its rooms."""

    def __init__(self, bridge: ClassLabBridgeApp) -> None:
        secret = bridge.help_ticket_secret.encode("utf-8")
        self.teachers_group = bridge.teachers_group
        self.service = HelpService(
            TicketSigner(secret, ttl=bridge.help_ticket_ttl),
            RoomRegistry(idle_ttl=bridge.help_room_ttl, max_age=bridge.help_room_max_age, limits=Limits()),
            allow_peer_on_graded=bridge.help_allow_peer_on_graded,
            rooms_path=f"{HELP_API}/rooms/",  # relative to the server's base URL
            log=bridge.log,
        )
        self.sweep_interval = max(1.0, min(30.0, bridge.help_room_ttl / 4))
        self._sweeper: Optional[ioloop.PeriodicCallback] = None

    def ensure_sweeper(self) -> None:
        """Starts the expiry timer (from a handler, so that it runs on the server's event loop)."""
        if self._sweeper is None:
            self._sweeper = ioloop.PeriodicCallback(self.service.sweep, self.sweep_interval * 1000)
            self._sweeper.start()

    def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.stop()
            self._sweeper = None

    def handlers(self) -> list[tuple[str, Any, dict[str, Any]]]:
        kw = {"relay": self}
        return [
            (rf"/{HELP_API}/requests", RequestsHandler, kw),
            (rf"/{HELP_API}/requests/([^/]+)", RequestHandler, kw),
            (rf"/{HELP_API}/requests/([^/]+)/join", JoinHandler, kw),
            (rf"/{HELP_API}/requests/([^/]+)/revoke", RevokeHandler, kw),
            (rf"/{HELP_API}/requests/([^/]+)/log", LogHandler, kw),
            (rf"/{HELP_API}/rooms/([^/]+)", RoomHandler, kw),
        ]


class HelpAPIHandler(JsonAPIMixin, APIHandler):
    error_class = HelpError

    def initialize(self, relay: LocalHelp) -> None:
        self.relay = relay
        self.service = relay.service

    @property
    def identity(self) -> Identity:
        return help_identity(self.current_user, self.relay.teachers_group)


class RequestsHandler(HelpAPIHandler):
    """``GET`` the requests the caller may see; ``POST`` a new one (the caller owns it)."""

    @web.authenticated
    def get(self) -> None:
        who = self.identity
        me = {"name": who.name, "display_name": who.display_name, "teacher": who.teacher}
        self.reply({"requests": self.service.list(who), "me": me})

    @web.authenticated
    def post(self) -> None:
        try:
            grant, created = self.service.create(self.identity, self.body())
        except HelpError as e:
            return self.fail(e)
        self.relay.ensure_sweeper()
        self.reply(grant, 201 if created else 200)


class RequestHandler(HelpAPIHandler):
    @web.authenticated
    def get(self, request_id: str) -> None:
        try:
            self.reply({"request": self.service.get(self.identity, request_id)})
        except HelpError as e:
            self.fail(e)

    @web.authenticated
    def delete(self, request_id: str) -> None:
        try:
            self.reply({"request": self.service.close(self.identity, request_id)})
        except HelpError as e:
            self.fail(e)


class JoinHandler(HelpAPIHandler):
    @web.authenticated
    def post(self, request_id: str) -> None:
        try:
            self.reply(self.service.join(self.identity, request_id, self.body()))
        except HelpError as e:
            self.fail(e)


class RevokeHandler(HelpAPIHandler):
    @web.authenticated
    def post(self, request_id: str) -> None:
        try:
            self.reply({"request": self.service.revoke(self.identity, request_id, self.body())})
        except HelpError as e:
            self.fail(e)


class LogHandler(HelpAPIHandler):
    @web.authenticated
    def get(self, request_id: str) -> None:
        try:
            self.reply({"events": self.service.events(self.identity, request_id)})
        except HelpError as e:
            self.fail(e)


class RoomHandler(RoomSocketMixin, JupyterHandler, websocket.WebSocketHandler):
    """``WS classlab/api/help/rooms/{room}?ticket=…``: y-websocket framing, routed by the room (rooms.py).

    The upgrade needs a logged-in user (like every Jupyter API); the ticket then names the room and the role, and
    must belong to that same user. This handler is the room's ``Peer``: ``send`` and tornado's ``close``.
    """

    room: Optional[Room] = None
    conn: Optional[Connection] = None

    def initialize(self, relay: LocalHelp) -> None:
        self.relay = relay
        self.service = relay.service

    @property
    def max_message_size(self) -> int:
        # Tornado closes with 1009 itself before reading a bigger frame into memory.
        return self.service.rooms.limits.max_message_size

    @property
    def ping_interval(self) -> float:
        # Keeps idle rooms alive through proxies, and finds sockets whose peer vanished.
        return float(self.settings.get("websocket_ping_interval") or 30)

    @ws_authenticated
    async def get(self, *args: Any, **kwargs: Any) -> None:
        res = super().get(*args, **kwargs)
        if res is not None:
            await res

    def open(self, room_id: str) -> None:  # type: ignore[override]
        user: Any = self.current_user
        self.admit(room_id, user.username)
