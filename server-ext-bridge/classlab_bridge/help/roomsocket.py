"""The half of a room WebSocket that the in-process relay and the Hub service share: it is the room's peer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from tornado import websocket

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
    _nodelay = False

    def on_message(self, message: Any) -> None:
        if self.room is None or self.conn is None or not isinstance(message, bytes):
            return
        why = self.room.receive(self.conn, message, self.service.clock())
        if why is not None:
            self.service.log.debug("ClassLab help: dropped a message of %s: %s", self.conn.user, why)

    def on_close(self) -> None:
        if self.room is not None and self.conn is not None:
            self.room.remove(self.conn, self.service.clock())

    def send(self, message: bytes) -> None:
        if not self._nodelay and getattr(self, "ws_connection", None) is not None:
            # Tornado leaves Nagle's algorithm on: a small frame written while the previous one is not acknowledged
            # yet waits for the peer's delayed ACK (about 40 ms on Linux). Relay frames are small and each one is
            # somebody's keystroke or cursor, so they go out at once (bench/bench_help.py: p95 31 → 3 ms).
            self._nodelay = True
            self.set_nodelay(True)  # type: ignore[attr-defined]
        try:
            self.write_message(message, binary=True)  # type: ignore[attr-defined]
        except websocket.WebSocketClosedError:
            pass
