"""Short-lived signed room tickets: ``base64url(payload JSON) "." base64url(HMAC-SHA256(secret, payload part))``.

The payload is ``{room, request_id, user, display_name, role, exp, nonce}`` (``exp``: Unix seconds). A ticket is
only for connecting, once: the relay spends it on connect, and an open socket stays open after the ticket expires.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import asdict, dataclass
from typing import Callable, Optional

ROLES = ("owner", "helper", "observer")


class TicketError(ValueError):
    """A ticket that must be refused; ``str(error)`` is the reason sent to the client."""


@dataclass(frozen=True)
class Ticket:
    room: str
    request_id: str
    user: str
    display_name: str
    role: str
    exp: int
    #: Makes every ticket distinct, so that spending one never spends another issued in the same second.
    nonce: str = ""


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as e:
        raise TicketError("malformed ticket") from e


class TicketSigner:
    """Issues and verifies tickets with one secret and one time-to-live."""

    def __init__(self, secret: bytes, ttl: float = 60, clock: Callable[[], float] = time.time) -> None:
        if not secret:
            raise ValueError("the ticket secret must not be empty")
        self.secret = secret
        self.ttl = ttl
        self.clock = clock
        #: Signatures of tickets already used, with their expiry (a ticket connects once).
        self._used: dict[str, int] = {}

    def _mac(self, payload: str) -> str:
        return _b64encode(hmac.new(self.secret, payload.encode("ascii"), hashlib.sha256).digest())

    def issue(self, *, room: str, request_id: str, user: str, display_name: str, role: str) -> str:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        ticket = Ticket(
            room, request_id, user, display_name, role, int(self.clock() + self.ttl), secrets.token_urlsafe(9)
        )
        payload = _b64encode(json.dumps(asdict(ticket), separators=(",", ":")).encode("utf-8"))
        return f"{payload}.{self._mac(payload)}"

    def verify(self, token: Optional[str], room: str, *, consume: bool = False) -> Ticket:
        """The ticket's content when ``token`` is genuine, unexpired and for ``room``; TicketError otherwise.

        With ``consume``, the ticket is spent: verifying it again (with or without ``consume``) fails."""
        if not token:
            raise TicketError("missing ticket")
        payload, sep, mac = token.partition(".")
        if not sep or not payload or not mac:
            raise TicketError("malformed ticket")
        if not hmac.compare_digest(self._mac(payload), mac):
            raise TicketError("invalid ticket signature")
        try:
            data = json.loads(_b64decode(payload))
            ticket = Ticket(**data)
        except (ValueError, TypeError) as e:
            raise TicketError("malformed ticket") from e
        if ticket.role not in ROLES or not isinstance(ticket.exp, int):
            raise TicketError("malformed ticket")
        if ticket.exp < self.clock():
            raise TicketError("ticket expired")
        if ticket.room != room:
            raise TicketError("ticket is for another room")
        now = self.clock()
        for used in [m for m, exp in self._used.items() if exp < now]:
            del self._used[used]
        if mac in self._used:
            raise TicketError("ticket already used")
        if consume:
            self._used[mac] = ticket.exp
        return ticket
