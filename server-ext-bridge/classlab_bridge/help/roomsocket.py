"""The half of a room WebSocket that the in-process relay and the Hub service share: it is the room's peer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from tornado import websocket

from .rooms import ECHO
from .service import ConnectError

if TYPE_CHECKING:
    from .rooms import Connection, Room
    from .service import HelpService


class RoomSocketMixin:
    """Messages go to the room (which enforces the connection's role); the room sends back through ``send``.

    Mixed into a ``tornado.websocket.WebSocketHandler`` that sets ``service`` and, once admitted, ``room``/``conn``.
    """

    service: HelpService
    room: Optional[Room] = None
    conn: Optional[Connection] = None

    def admit(self, room_id: str, user: Optional[str]) -> None:
        """From ``open()``: spends the socket's ticket and joins the room, or closes the socket with the reason."""
        # Tornado leaves Nagle's algorithm on: a small frame written while the previous one is not acknowledged yet
        # waits for the peer's delayed ACK (about 40 ms on Linux). Relay frames are small and each one is somebody's
        # keystroke or cursor, so they go out at once (bench/bench_help.py: p95 31 → 3 ms).
        self.set_nodelay(True)  # type: ignore[attr-defined]
        try:
            self.room, self.conn = self.service.connect(
                self.get_argument("ticket", None),  # type: ignore[attr-defined]
                room_id,
                user,
                self,  # type: ignore[arg-type]
            )
        except ConnectError as e:
            self.service.log.info("ClassLab help: refused %s in room %s: %s", user or "a socket", room_id, e.reason)
            self.close(e.code, e.reason)  # type: ignore[attr-defined]

    def on_message(self, message: Any) -> None:
        if self.room is None or self.conn is None or not isinstance(message, bytes):
            return
        why = self.room.receive(self.conn, message, self.service.clock())
        if why is not None and why != ECHO:
            self.service.log.debug("ClassLab help: dropped a message of %s: %s", self.conn.user, why)

    def on_close(self) -> None:
        if self.room is not None and self.conn is not None:
            self.room.remove(self.conn, self.service.clock())

    def send(self, message: bytes) -> None:
        try:
            self.write_message(message, binary=True)  # type: ignore[attr-defined]
        except websocket.WebSocketClosedError:
            pass
