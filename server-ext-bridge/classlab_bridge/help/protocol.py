"""The y-websocket wire format, as far as the relay needs it (lib0 encoding, y-protocols message types).

The relay never decodes Yjs documents: it reads the message type (and the sync sub-type), rewrites awareness
entries, and speaks its own chat message (type 125). Everything is pure and synchronous.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

MSG_SYNC = 0
MSG_AWARENESS = 1
MSG_AUTH = 2
MSG_QUERY_AWARENESS = 3
MSG_CHAT = 125

SYNC_STEP1 = 0
SYNC_STEP2 = 1
SYNC_UPDATE = 2

AUTH_PERMISSION_DENIED = 0

#: A Yjs (v1) update with no structs and an empty delete set: what a client with nothing new sends.
EMPTY_UPDATE = b"\x00\x00"


class ProtocolError(ValueError):
    """A message that is not well-formed y-websocket framing."""


# -- lib0 encoding ----------------------------------------------------------------------------------------------


def write_varuint(n: int) -> bytes:
    if n < 0:
        raise ValueError("varuint must be >= 0")
    out = bytearray()
    while n > 0x7F:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    out.append(n)
    return bytes(out)


def write_varbytes(data: bytes) -> bytes:
    return write_varuint(len(data)) + data


def write_varstring(s: str) -> bytes:
    return write_varbytes(s.encode("utf-8"))


class Decoder:
    """Reads lib0-encoded values from ``data``, raising ProtocolError past its end."""

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def varuint(self) -> int:
        n = 0
        shift = 0
        while True:
            if self.pos >= len(self.data):
                raise ProtocolError("truncated varuint")
            byte = self.data[self.pos]
            self.pos += 1
            n |= (byte & 0x7F) << shift
            if byte < 0x80:
                return n
            shift += 7
            if shift > 63:
                raise ProtocolError("varuint too long")

    def varbytes(self) -> bytes:
        length = self.varuint()
        end = self.pos + length
        if end > len(self.data):
            raise ProtocolError("truncated byte array")
        chunk = self.data[self.pos : end]
        self.pos = end
        return bytes(chunk)

    def varstring(self) -> str:
        try:
            return self.varbytes().decode("utf-8")
        except UnicodeDecodeError as e:
            raise ProtocolError("string is not UTF-8") from e

    def rest(self) -> bytes:
        chunk = bytes(self.data[self.pos :])
        self.pos = len(self.data)
        return chunk

    @property
    def done(self) -> bool:
        return self.pos >= len(self.data)


# -- messages ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """What a message is: its type and, for sync messages, the sub-type (else None)."""

    type: int
    sub: Optional[int] = None


def classify(message: bytes) -> Kind:
    """The type (and sync sub-type) of ``message``; ProtocolError when it cannot be read."""
    d = Decoder(message)
    kind = d.varuint()
    if kind == MSG_SYNC:
        sub = d.varuint()
        if sub not in (SYNC_STEP1, SYNC_STEP2, SYNC_UPDATE):
            raise ProtocolError(f"unknown sync message {sub}")
        d.varbytes()  # the state vector or update must be there
        return Kind(kind, sub)
    return Kind(kind)


def sync_payload(message: bytes) -> bytes:
    """The state vector (step 1) or update (step 2, update) carried by a sync message."""
    d = Decoder(message)
    if d.varuint() != MSG_SYNC:
        raise ProtocolError("not a sync message")
    d.varuint()
    return d.varbytes()


def encode_sync_step1(state_vector: bytes) -> bytes:
    return write_varuint(MSG_SYNC) + write_varuint(SYNC_STEP1) + write_varbytes(state_vector)


def encode_sync_step2(update: bytes) -> bytes:
    return write_varuint(MSG_SYNC) + write_varuint(SYNC_STEP2) + write_varbytes(update)


def encode_update(update: bytes) -> bytes:
    return write_varuint(MSG_SYNC) + write_varuint(SYNC_UPDATE) + write_varbytes(update)


def encode_query_awareness() -> bytes:
    return write_varuint(MSG_QUERY_AWARENESS)


def encode_auth_denied(reason: str) -> bytes:
    """y-protocols ``writePermissionDenied``: type 2, sub-type 0, reason."""
    return write_varuint(MSG_AUTH) + write_varuint(AUTH_PERMISSION_DENIED) + write_varstring(reason)


def decode_auth(message: bytes) -> tuple[int, str]:
    d = Decoder(message)
    if d.varuint() != MSG_AUTH:
        raise ProtocolError("not an auth message")
    return d.varuint(), d.varstring()


# -- awareness --------------------------------------------------------------------------------------------------

#: One awareness entry: client id, clock, state (a dict, or None for "this client is gone").
AwarenessEntry = tuple[int, int, Optional[Any]]


def decode_awareness_update(update: bytes) -> list[AwarenessEntry]:
    """y-protocols ``encodeAwarenessUpdate`` output → entries (states parsed from JSON)."""
    d = Decoder(update)
    entries: list[AwarenessEntry] = []
    for _ in range(d.varuint()):
        client_id = d.varuint()
        clock = d.varuint()
        text = d.varstring()
        try:
            state = json.loads(text)
        except ValueError as e:
            raise ProtocolError("awareness state is not JSON") from e
        entries.append((client_id, clock, state))
    return entries


def encode_awareness_update(entries: list[AwarenessEntry]) -> bytes:
    out = bytearray(write_varuint(len(entries)))
    for client_id, clock, state in entries:
        out += write_varuint(client_id) + write_varuint(clock)
        out += write_varstring(json.dumps(state, ensure_ascii=False, separators=(",", ":")))
    return bytes(out)


def encode_awareness(entries: list[AwarenessEntry]) -> bytes:
    """A whole awareness message (type 1 + the update as a byte array)."""
    return write_varuint(MSG_AWARENESS) + write_varbytes(encode_awareness_update(entries))


def decode_awareness(message: bytes) -> list[AwarenessEntry]:
    d = Decoder(message)
    if d.varuint() != MSG_AWARENESS:
        raise ProtocolError("not an awareness message")
    return decode_awareness_update(d.varbytes())


def with_user(state: Any, user: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The awareness ``state`` with ``state.user`` replaced by the server-known identity (None stays None)."""
    if state is None:
        return None
    new = dict(state) if isinstance(state, dict) else {}
    new["user"] = dict(user)
    return new


def rewrite_awareness(message: bytes, user: dict[str, Any]) -> bytes:
    """An awareness message with every entry's ``state.user`` overwritten by ``user``."""
    return encode_awareness([(c, k, with_user(s, user)) for c, k, s in decode_awareness(message)])


# -- chat (ClassLab's own type 125) -----------------------------------------------------------------------------


def encode_chat(payload: dict[str, Any]) -> bytes:
    """Type 125, then the JSON object as a varstring."""
    return write_varuint(MSG_CHAT) + write_varstring(json.dumps(payload, ensure_ascii=False))


def decode_chat(message: bytes) -> dict[str, Any]:
    d = Decoder(message)
    if d.varuint() != MSG_CHAT:
        raise ProtocolError("not a chat message")
    try:
        payload = json.loads(d.varstring())
    except ValueError as e:
        raise ProtocolError("chat message is not JSON") from e
    if not isinstance(payload, dict):
        raise ProtocolError("chat message is not a JSON object")
    return payload
