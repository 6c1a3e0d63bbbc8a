"""Help requests and who may do what with them; owns the room registry and the ticket signer.

Pure (no Tornado): the handlers pass the authenticated identity in and turn HelpError into an HTTP error.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from ..apibase import APIError, hub_teacher
from .rooms import CLOSE_CLOSED, CLOSE_REVOKED, CLOSE_TICKET, Connection, Peer, Room, RoomRegistry, iso
from .store import HelpStore
from .tickets import Ticket, TicketError, TicketSigner

AUDIENCES = ("teacher", "class")
MESSAGE_MAX = 500
ERROR_MAX = 2000
CELL_ID_MAX = 256
#: Closed requests (and their logs) are forgotten after this many seconds.
CLOSED_RETENTION = 24 * 3600.0


class HelpError(APIError):
    """A refusal with an HTTP status and a stable code (help/PROTOCOL.md)."""


class ConnectError(Exception):
    """A socket that must be closed at once with ``code`` and ``reason``."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Identity:
    """The authenticated user, as the server knows them."""

    name: str
    display_name: str
    teacher: bool
    #: The user's classes: their JupyterHub groups other than the teachers' group (none without a Hub).
    classes: frozenset[str] = frozenset()


def identity_from_hub_model(model: dict[str, Any], teachers_group: str) -> Identity:
    """Name, teacher (a Hub admin or a member of ``teachers_group``) and classes (the other groups), from the Hub's
    user model."""
    name = str(model["name"])
    groups = frozenset(str(g) for g in model.get("groups") or [])
    return Identity(
        name=name,
        display_name=name,
        teacher=hub_teacher(model, teachers_group),
        classes=groups - {teachers_group},
    )


@dataclass
class HelpRequest:
    id: str
    owner: str
    owner_display_name: str
    cell_id: str
    message: str
    audience: str
    error: str
    context: bool
    graded: bool
    created: float
    room_id: str
    #: The owner's classes when they asked: who counts as a classmate, and which teachers see the request.
    classes: list[str] = field(default_factory=list)
    state: str = "waiting"
    helpers: list[str] = field(default_factory=list)
    #: The helpers who are not teachers (at most ``max_peer_helpers``).
    peers: list[str] = field(default_factory=list)
    events: list[dict[str, str]] = field(default_factory=list)
    closed_at: Optional[float] = None

    def to_json(self, position: int) -> dict[str, Any]:
        return {
            "id": self.id,
            "owner": {"name": self.owner, "display_name": self.owner_display_name},
            "cell_id": self.cell_id,
            "message": self.message,
            "audience": self.audience,
            "error": self.error,
            "context": self.context,
            "graded": self.graded,
            "created": iso(self.created),
            "state": self.state,
            "helpers": list(self.helpers),
            "classes": list(self.classes),
            "position": position,
        }


def _bad(message: str) -> HelpError:
    return HelpError(400, "bad_request", message)


class HelpService:
    def __init__(
        self,
        signer: TicketSigner,
        rooms: RoomRegistry,
        *,
        allow_peer_on_graded: bool = False,
        max_peer_helpers: int = 2,
        rooms_path: str = "classlab/api/help/rooms/",
        store: Optional[HelpStore] = None,
        log: Optional[logging.Logger] = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.signer = signer
        self.rooms = rooms
        self.allow_peer_on_graded = allow_peer_on_graded
        self.max_peer_helpers = max_peer_helpers
        self.rooms_path = rooms_path
        self.store = store
        self.log = log or logging.getLogger("classlab_bridge.help")
        self.clock = clock
        self.requests: dict[str, HelpRequest] = {}
        if store is not None:
            self._restore(store)

    # -- persistence ------------------------------------------------------------------------------------------

    def _restore(self, store: HelpStore) -> None:
        """Requests saved by an earlier run; each open one gets its room back (same id, empty until its people
        reconnect), so that their clients, which keep their documents, carry on where they were."""
        now = self.clock()
        fields = set(HelpRequest.__dataclass_fields__)
        for row in store.load():
            try:
                req = HelpRequest(**{k: v for k, v in row.items() if k in fields})
            except TypeError:
                continue  # a row this version cannot read
            self.requests[req.id] = req
            if req.state != "closed":
                room = self.rooms.create(req.id, now, on_event=self._room_event, room_id=req.room_id)
                room.revoked.update(u for u in row.get("revoked", []) if isinstance(u, str))
        if self.requests:
            self.log.info("ClassLab help: %d request(s) restored from %s", len(self.requests), store.path)

    def _changed(self) -> None:
        if self.store is None:
            return
        revoked = {r.id: sorted(room.revoked) for r in self.requests.values() if (room := self.rooms.get(r.room_id))}
        try:
            self.store.save(list(self.requests.values()), revoked)
        except OSError as e:  # a full or read-only disk must not stop the help that is going on
            self.log.warning("ClassLab help: cannot save %s: %s", self.store.path, e)

    # -- helpers ----------------------------------------------------------------------------------------------

    def _record(self, req: HelpRequest, user: str, role: str, event: str) -> None:
        req.events.append({"time": iso(self.clock()), "user": user, "role": role, "event": event})
        self.log.info("ClassLab help request %s (room %s): %s %s as %s", req.id, req.room_id, user, event, role)

    def position(self, req: HelpRequest) -> int:
        if req.state != "waiting":
            return 0
        waiting = sorted((r for r in self.requests.values() if r.state == "waiting"), key=lambda r: r.created)
        return waiting.index(req) + 1

    def to_json(self, req: HelpRequest) -> dict[str, Any]:
        return req.to_json(self.position(req))

    def _get(self, request_id: str) -> HelpRequest:
        req = self.requests.get(request_id)
        if req is None:
            raise HelpError(404, "not_found", "No such help request.")
        return req

    @staticmethod
    def _same_class(req: HelpRequest, who: Identity) -> bool:
        """A teacher of the owner's class (a teacher in no class group teaches everyone), or a classmate (on a Hub
        without class groups, everyone is in one class)."""
        if who.teacher:
            return not who.classes or not req.classes or bool(who.classes.intersection(req.classes))
        if not who.classes and not req.classes:
            return True
        return bool(who.classes.intersection(req.classes))

    def _visible(self, req: HelpRequest, who: Identity) -> bool:
        if req.owner == who.name:
            return True
        return self._same_class(req, who) and (who.teacher or req.audience == "class")

    def _moderates(self, req: HelpRequest, who: Identity) -> bool:
        """The owner, or a teacher of their class."""
        return req.owner == who.name or (who.teacher and self._same_class(req, who))

    def _grant(self, req: HelpRequest, who: Identity, role: str) -> dict[str, Any]:
        ticket = self.signer.issue(
            room=req.room_id, request_id=req.id, user=who.name, display_name=who.display_name, role=role
        )
        return {
            "request": self.to_json(req),
            "ticket": ticket,
            "room": req.room_id,
            "room_url": self.rooms_path + req.room_id,
            "role": role,
        }

    # -- REST operations --------------------------------------------------------------------------------------

    def create(self, who: Identity, body: Any) -> tuple[dict[str, Any], bool]:
        """A new request (True) or the caller's open one for the same cell (False), with an owner ticket."""
        if not isinstance(body, dict):
            raise _bad("The body must be a JSON object.")
        cell_id = body.get("cell_id")
        message = body.get("message", "")
        audience = body.get("audience", "teacher")
        error = body.get("error", "")
        context = body.get("context", False)
        graded = body.get("graded", False)
        if not isinstance(cell_id, str) or not cell_id or len(cell_id) > CELL_ID_MAX:
            raise _bad("cell_id must be a non-empty string.")
        if not isinstance(message, str) or len(message) > MESSAGE_MAX:
            raise _bad(f"message must be a string of at most {MESSAGE_MAX} characters.")
        if audience not in AUDIENCES:
            raise _bad("audience must be 'teacher' or 'class'.")
        if not isinstance(error, str):
            raise _bad("error must be a string.")
        if not isinstance(context, bool) or not isinstance(graded, bool):
            raise _bad("context and graded must be true or false.")
        if graded and audience == "class" and not self.allow_peer_on_graded:
            raise HelpError(
                403, "peer_help_not_allowed", "Classmates may not help on graded cells; ask your teacher instead."
            )
        if len(error) > ERROR_MAX:
            error = error[: ERROR_MAX - 1] + "…"
        for req in self.requests.values():
            if req.owner == who.name and req.cell_id == cell_id and req.state != "closed":
                return self._grant(req, who, "owner"), False
        now = self.clock()
        request_id = secrets.token_urlsafe(9)
        room = self.rooms.create(request_id, now, on_event=self._room_event)
        req = HelpRequest(
            id=request_id,
            owner=who.name,
            owner_display_name=who.display_name,
            cell_id=cell_id,
            message=message,
            audience=audience,
            error=error,
            context=context,
            graded=graded,
            created=now,
            room_id=room.id,
            classes=sorted(who.classes),
        )
        self.requests[request_id] = req
        self._record(req, who.name, "owner", "request")
        self._changed()
        return self._grant(req, who, "owner"), True

    def list(self, who: Identity) -> list[dict[str, Any]]:
        return [
            self.to_json(r)
            for r in sorted(self.requests.values(), key=lambda r: r.created)
            if r.state != "closed" and self._visible(r, who)
        ]

    def get(self, who: Identity, request_id: str) -> dict[str, Any]:
        req = self._get(request_id)
        if not self._visible(req, who):
            raise HelpError(404, "not_found", "No such help request.")
        return self.to_json(req)

    def join(self, who: Identity, request_id: str, body: Any) -> dict[str, Any]:
        req = self._get(request_id)
        role = body.get("role", "helper") if isinstance(body, dict) else "helper"
        if role not in ("helper", "observer"):
            raise _bad("role must be 'helper' or 'observer'.")
        if req.state == "closed":
            raise HelpError(410, "closed", "This help request is closed.")
        if req.owner == who.name:
            return self._grant(req, who, "owner")
        if not self._same_class(req, who):
            raise HelpError(404, "not_found", "No such help request.")
        if who.name in self._room(req).revoked:
            raise HelpError(403, "revoked", "The student stopped sharing with you.")
        if role == "observer":
            if not who.teacher:
                raise HelpError(403, "forbidden", "Only teachers may observe.")
            return self._grant(req, who, "observer")
        if not who.teacher and req.audience != "class":
            raise HelpError(403, "forbidden", "This student asked the teacher for help.")
        if not who.teacher and who.name not in req.peers and len(req.peers) >= self.max_peer_helpers:
            raise HelpError(
                409, "enough_helpers", "Enough classmates are already helping with this cell; find another request."
            )
        if who.name not in req.helpers:
            req.helpers.append(who.name)
        if not who.teacher and who.name not in req.peers:
            req.peers.append(who.name)
        req.state = "joined"
        self._changed()
        return self._grant(req, who, "helper")

    def close(self, who: Identity, request_id: str, reason: str = "closed") -> dict[str, Any]:
        req = self._get(request_id)
        if not self._moderates(req, who):
            raise HelpError(403, "forbidden", "Only the student who asked or a teacher may end this request.")
        if req.state != "closed":
            role = "owner" if req.owner == who.name else "teacher"
            self._close(req, who.name, role, "closed")
        return self.to_json(req)

    def _close(self, req: HelpRequest, user: str, role: str, event: str) -> None:
        req.state = "closed"
        req.closed_at = self.clock()
        self._record(req, user, role, event)
        self.rooms.destroy(req.room_id, CLOSE_CLOSED, "closed" if event == "closed" else event)
        self._changed()

    def revoke(self, who: Identity, request_id: str, body: Any) -> dict[str, Any]:
        req = self._get(request_id)
        if not self._moderates(req, who):
            raise HelpError(403, "forbidden", "Only the student who asked or a teacher may remove a helper.")
        helper = body.get("helper") if isinstance(body, dict) else None
        if not isinstance(helper, str) or not helper:
            raise _bad("helper must be a user name.")
        if helper == req.owner:
            raise _bad("The owner cannot be removed from their own request.")
        room = self.rooms.get(req.room_id)
        if room is not None:
            room.revoke(helper, self.clock())
        if helper in req.helpers:
            req.helpers.remove(helper)
        if helper in req.peers:
            req.peers.remove(helper)
        if req.state == "joined" and not req.helpers:
            req.state = "waiting"
        self._record(req, helper, "helper", "revoked")
        self._changed()
        return self.to_json(req)

    def events(self, who: Identity, request_id: str) -> list[dict[str, str]]:
        req = self._get(request_id)
        if not self._moderates(req, who):
            raise HelpError(403, "forbidden", "Only teachers may read the log of this request.")
        return list(req.events)

    # -- rooms ------------------------------------------------------------------------------------------------

    def _room(self, req: HelpRequest) -> Room:
        room = self.rooms.get(req.room_id)
        if room is None:
            raise HelpError(410, "closed", "This help request is closed.")
        return room

    def _room_event(self, conn: Connection, event: str) -> None:
        req = self.requests.get(conn.request_id)
        if req is not None:
            self._record(req, conn.user, conn.role, event)
            self._changed()

    def connect(self, token: Optional[str], room_id: str, user: Optional[str], peer: Peer) -> tuple[Room, Connection]:
        """Checks a ticket presented by the authenticated ``user`` and adds a connection to the room.

        ``user`` None: the socket has no login of its own (the JupyterHub service, reached straight from the
        browser through the Hub's proxy), so the signed single-use ticket alone names the user."""
        try:
            ticket: Ticket = self.signer.verify(token, room_id, consume=True)
        except TicketError as e:
            raise ConnectError(CLOSE_TICKET, str(e)) from e
        if user is not None and ticket.user != user:
            raise ConnectError(CLOSE_TICKET, "ticket is for another user")
        room = self.rooms.get(room_id)
        req = self.requests.get(ticket.request_id)
        if room is None or req is None or req.state == "closed":
            raise ConnectError(CLOSE_CLOSED, "closed")
        if ticket.user in room.revoked:
            raise ConnectError(CLOSE_REVOKED, "revoked")
        conn = Connection(peer, ticket.user, ticket.display_name, ticket.role, req.id)
        room.add(conn, self.clock())
        return room, conn

    def sweep(self) -> list[str]:
        """Destroys rooms past their time (closing their requests) and forgets old closed requests."""
        now = self.clock()
        done = []
        for room, why in self.rooms.expired(now):
            req = self.requests.get(room.request_id)
            if req is not None and req.state != "closed":
                self._close(req, "relay", "relay", why)
            else:
                self.rooms.destroy(room.id, CLOSE_CLOSED, why)
            done.append(room.id)
        old = [r.id for r in self.requests.values() if r.closed_at and now - r.closed_at > CLOSED_RETENTION]
        for rid in old:
            del self.requests[rid]
        if old:
            self._changed()
        return done
