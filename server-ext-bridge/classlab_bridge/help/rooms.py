"""Help rooms: a y-websocket message router that holds no Yjs state.

Each room forwards every message of one connection to the room's other connections, enforcing the connection's
role (an observer's document changes are dropped), rewriting awareness with the server-known identity, stamping
chat, and applying size and rate limits. The clients' Y.Docs are the truth; a new joiner gets the others' state
because its SyncStep1 is forwarded (they answer with SyncStep2) and the others' last SyncStep1 is replayed to it
(it answers with what they lack); with no writer to answer, the relay itself answers a SyncStep1 with an empty
SyncStep2, so that a lone client counts as synced. Pure and synchronous: connections are anything with ``send``
and ``close``.
"""

from __future__ import annotations

import secrets
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Optional, Protocol

from . import protocol as p

CLOSE_TOO_BIG = 1009
CLOSE_CLOSED = 4001
CLOSE_REVOKED = 4003
CLOSE_TICKET = 4401
CLOSE_RATE = 4429

#: Why an awareness message was dropped when it only echoed other connections' states (y-websocket clients answer
#: every awareness change with their whole view): routine, thousands a minute, not worth a log line.
ECHO = "no awareness of its own"


class Peer(Protocol):
    """The transport side of a connection (the WebSocket handler, or a fake in tests)."""

    def send(self, message: bytes) -> None: ...

    def close(self, code: int, reason: str) -> None: ...


@dataclass
class Limits:
    max_message_size: int = 256 * 1024
    #: Messages per second per connection; more are dropped.
    rate_per_second: int = 100
    #: Closed with 4429 once this many one-second windows within ``abuse_period`` seconds overflowed.
    abuse_windows: int = 5
    abuse_period: float = 10.0
    chat_max_chars: int = 500


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class Connection:
    """One socket in a room, with the identity and role from its ticket."""

    def __init__(self, peer: Peer, user: str, display_name: str, role: str, request_id: str = "") -> None:
        self.peer = peer
        self.request_id = request_id
        self.user = user
        self.display_name = display_name or user
        self.role = role
        self.open = True
        self.window_start = 0.0
        self.window_count = 0
        self.overflows: deque[float] = deque()
        self.denied_sent = False
        self.client_ids: set[int] = set()
        self.last_step1: Optional[bytes] = None

    @property
    def identity(self) -> dict[str, str]:
        return {"name": self.user, "display_name": self.display_name, "role": self.role}

    @property
    def may_write(self) -> bool:
        return self.role in ("owner", "helper")

    def send(self, message: bytes) -> None:
        if self.open:
            self.peer.send(message)

    def close(self, code: int, reason: str) -> None:
        if self.open:
            self.open = False
            self.peer.close(code, reason)


#: Called on joins and leaves: (connection, event).
EventHook = Callable[[Connection, str], None]


class Room:
    def __init__(
        self,
        room_id: str,
        request_id: str,
        now: float,
        limits: Optional[Limits] = None,
        on_event: Optional[EventHook] = None,
    ) -> None:
        self.id = room_id
        self.request_id = request_id
        self.created = now
        self.empty_since: Optional[float] = now
        self.limits = limits or Limits()
        self.on_event = on_event
        self.connections: list[Connection] = []
        self.revoked: set[str] = set()
        #: Latest awareness entry per client id, already rewritten: (owner connection, clock, state).
        self.awareness: dict[int, tuple[Connection, int, Any]] = {}
        self.closed = False

    # -- membership -------------------------------------------------------------------------------------------

    def add(self, conn: Connection, now: float) -> None:
        if self.closed:
            raise ValueError("room is closed")
        self.connections.append(conn)
        self.empty_since = None
        # What the newcomer needs from the others: their state vectors (it answers each with SyncStep2) and the
        # awareness states the relay last saw.
        for other in self.connections:
            if other is not conn and other.last_step1 is not None:
                conn.send(other.last_step1)
        states = [(cid, clock, state) for cid, (_, clock, state) in self.awareness.items() if state is not None]
        if states:
            conn.send(p.encode_awareness(states))
        self._event(conn, "join")

    def remove(self, conn: Connection, now: float) -> None:
        if conn not in self.connections:
            return
        self.connections.remove(conn)
        conn.open = False
        # Tell the others that this connection's awareness states are gone (as y-websocket's server does).
        gone = []
        for cid in sorted(conn.client_ids):
            entry = self.awareness.pop(cid, None)
            if entry is not None:
                gone.append((cid, entry[1] + 1, None))
        if gone:
            self._broadcast(p.encode_awareness(gone), exclude=conn)
        if not self.connections:
            self.empty_since = now
        self._event(conn, "leave")

    def close(self, code: int = CLOSE_CLOSED, reason: str = "closed") -> None:
        self.closed = True
        for conn in list(self.connections):
            conn.close(code, reason)

    def revoke(self, user: str, now: float) -> int:
        """Disconnects ``user``'s connections (4003) and refuses them from now on; how many were closed."""
        self.revoked.add(user)
        victims = [c for c in self.connections if c.user == user]
        for conn in victims:
            conn.close(CLOSE_REVOKED, "revoked")
            self.remove(conn, now)
        return len(victims)

    def _event(self, conn: Connection, event: str) -> None:
        if self.on_event is not None:
            self.on_event(conn, event)

    # -- routing ----------------------------------------------------------------------------------------------

    def _broadcast(self, message: bytes, exclude: Optional[Connection] = None) -> None:
        for conn in list(self.connections):
            if conn is not exclude:
                conn.send(message)

    def _rate_ok(self, conn: Connection, now: float) -> bool:
        limits = self.limits
        if now - conn.window_start >= 1.0:
            conn.window_start = now
            conn.window_count = 0
        conn.window_count += 1
        if conn.window_count <= limits.rate_per_second:
            return True
        if conn.window_count == limits.rate_per_second + 1:
            conn.overflows.append(now)
            while conn.overflows and now - conn.overflows[0] > limits.abuse_period:
                conn.overflows.popleft()
            if len(conn.overflows) >= limits.abuse_windows:
                conn.close(CLOSE_RATE, "too many messages")
                self.remove(conn, now)
        return False

    def receive(self, conn: Connection, message: bytes, now: float) -> Optional[str]:
        """Routes one message from ``conn``; returns why it was dropped (None when it was routed)."""
        if not conn.open or conn not in self.connections:
            return "not connected"
        if len(message) > self.limits.max_message_size:
            conn.close(CLOSE_TOO_BIG, "message too big")
            self.remove(conn, now)
            return "too big"
        if not self._rate_ok(conn, now):
            return "rate limited"
        try:
            kind = p.classify(message)
            if kind.type == p.MSG_SYNC:
                return self._sync(conn, kind.sub, message)
            if kind.type == p.MSG_AWARENESS:
                return self._awareness(conn, message)
            if kind.type == p.MSG_QUERY_AWARENESS:
                self._broadcast(message, exclude=conn)
                return None
            if kind.type == p.MSG_CHAT:
                return self._chat(conn, message, now)
        except p.ProtocolError as e:
            return f"malformed: {e}"
        return f"unknown message type {kind.type}"

    def _sync(self, conn: Connection, sub: Optional[int], message: bytes) -> Optional[str]:
        if sub == p.SYNC_STEP1:
            conn.last_step1 = message
            if not any(c.may_write for c in self.connections if c is not conn):
                # Nobody who may write is here to answer, and the relay holds no document: "you lack nothing", so
                # that the client counts as synced. Writers who come later get its state vector replayed.
                conn.send(p.encode_sync_step2(p.EMPTY_UPDATE))
        elif not conn.may_write:
            # An observer's client answers every SyncStep1 with a (usually empty) SyncStep2: drop it silently; tell
            # it once when it really tried to change the document.
            if not conn.denied_sent and p.sync_payload(message) != p.EMPTY_UPDATE:
                conn.denied_sent = True
                conn.send(p.encode_auth_denied("observers cannot edit this room"))
            return "read-only"
        self._broadcast(message, exclude=conn)
        return None

    def _awareness(self, conn: Connection, message: bytes) -> Optional[str]:
        kept = []
        for cid, clock, state in p.decode_awareness(message):
            owner = self.awareness.get(cid, (None,))[0]
            if owner is not None and owner is not conn:
                continue  # another connection's client (a queryAwareness answer echoes everyone): not this one's to set
            conn.client_ids.add(cid)
            state = p.with_user(state, conn.identity)
            self.awareness[cid] = (conn, clock, state)
            kept.append((cid, clock, state))
        if not kept:
            return ECHO
        self._broadcast(p.encode_awareness(kept), exclude=conn)
        return None

    def _chat(self, conn: Connection, message: bytes, now: float) -> Optional[str]:
        text = p.decode_chat(message).get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > self.limits.chat_max_chars:
            return "bad chat text"
        stamped = {
            "from": conn.user,
            "display_name": conn.display_name,
            "role": conn.role,
            "text": text,
            "time": iso(now),
        }
        self._broadcast(p.encode_chat(stamped))
        return None


@dataclass
class RoomRegistry:
    """All rooms of this relay, with their time-to-live rules."""

    idle_ttl: float = 600.0
    max_age: float = 4 * 3600.0
    limits: Limits = field(default_factory=Limits)
    rooms: dict[str, Room] = field(default_factory=dict)

    def create(
        self, request_id: str, now: float, on_event: Optional[EventHook] = None, room_id: Optional[str] = None
    ) -> Room:
        """A new room; ``room_id`` only to give a restored request its room back."""
        room_id = room_id or secrets.token_urlsafe(16)
        room = Room(room_id, request_id, now, self.limits, on_event)
        self.rooms[room_id] = room
        return room

    def get(self, room_id: str) -> Optional[Room]:
        return self.rooms.get(room_id)

    def destroy(self, room_id: str, code: int = CLOSE_CLOSED, reason: str = "closed") -> Optional[Room]:
        room = self.rooms.pop(room_id, None)
        if room is not None:
            room.close(code, reason)
        return room

    def expired(self, now: float) -> list[tuple[Room, str]]:
        """Rooms past their time: ``(room, "idle")`` when empty for ``idle_ttl``, ``(room, "expired")`` when older
        than ``max_age``."""
        out = []
        for room in self.rooms.values():
            if now - room.created >= self.max_age:
                out.append((room, "expired"))
            elif room.empty_since is not None and now - room.empty_since >= self.idle_ttl:
                out.append((room, "idle"))
        return out
