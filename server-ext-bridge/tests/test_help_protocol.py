"""The y-websocket framing the relay reads and writes (classlab_bridge/help/protocol.py)."""

from __future__ import annotations

import pytest
from classlab_bridge.help import protocol as p


@pytest.mark.parametrize(
    ("n", "encoded"),
    [
        (0, b"\x00"),
        (1, b"\x01"),
        (127, b"\x7f"),
        (128, b"\x80\x01"),
        (300, b"\xac\x02"),
        (2**32, b"\x80\x80\x80\x80\x10"),
    ],
)
def test_varuint_is_lib0s(n, encoded):
    assert p.write_varuint(n) == encoded
    assert p.Decoder(encoded).varuint() == n


def test_varstring_is_length_prefixed_utf8():
    encoded = p.write_varstring("老师 ok")
    assert encoded[0] == len("老师 ok".encode())
    assert p.Decoder(encoded).varstring() == "老师 ok"


@pytest.mark.parametrize("data", [b"", b"\x80", b"\x05ab"])
def test_truncated_input_is_a_protocol_error(data):
    d = p.Decoder(data)
    with pytest.raises(p.ProtocolError):
        d.varbytes()


def test_sync_messages_are_classified_with_their_sub_type():
    assert p.classify(p.encode_sync_step1(b"\x00")) == p.Kind(p.MSG_SYNC, p.SYNC_STEP1)
    assert p.classify(p.encode_sync_step2(b"\x00\x00")) == p.Kind(p.MSG_SYNC, p.SYNC_STEP2)
    assert p.classify(p.encode_update(b"\x01\x02")) == p.Kind(p.MSG_SYNC, p.SYNC_UPDATE)
    assert p.sync_payload(p.encode_update(b"\x01\x02")) == b"\x01\x02"
    assert p.classify(p.encode_query_awareness()) == p.Kind(p.MSG_QUERY_AWARENESS)
    assert p.classify(p.encode_chat({"text": "hi"})) == p.Kind(p.MSG_CHAT)


@pytest.mark.parametrize("message", [b"", b"\x00", b"\x00\x07\x00", b"\x00\x02\x05ab"])
def test_malformed_sync_messages_are_refused(message):
    with pytest.raises(p.ProtocolError):
        p.classify(message)


def test_a_y_protocols_awareness_message_decodes():
    # Bytes as y-protocols' encodeAwarenessUpdate writes them for client 7, clock 3, {"cursor":null}, wrapped by
    # y-websocket: [messageAwareness, varUint8Array(update)].
    state = b'{"cursor":null}'
    update = b"\x01" + b"\x07" + b"\x03" + bytes([len(state)]) + state
    message = b"\x01" + bytes([len(update)]) + update
    assert p.decode_awareness(message) == [(7, 3, {"cursor": None})]
    assert p.encode_awareness([(7, 3, {"cursor": None})]) == message


def test_awareness_rewrite_overwrites_the_user_and_keeps_the_rest():
    forged = p.encode_awareness(
        [
            (1, 5, {"user": {"name": "teacher", "display_name": "The Teacher"}, "cursor": {"anchor": 1}}),
            (2, 9, None),
            (3, 1, "not an object"),
        ]
    )
    me = {"name": "student2", "display_name": "Sam", "role": "helper"}
    assert p.decode_awareness(p.rewrite_awareness(forged, me)) == [
        (1, 5, {"user": me, "cursor": {"anchor": 1}}),
        (2, 9, None),
        (3, 1, {"user": me}),
    ]


def test_auth_and_chat_round_trip():
    assert p.decode_auth(p.encode_auth_denied("read only")) == (p.AUTH_PERMISSION_DENIED, "read only")
    assert p.encode_auth_denied("x")[:2] == b"\x02\x00"
    assert p.decode_chat(p.encode_chat({"text": "你好"})) == {"text": "你好"}
    assert p.encode_chat({"text": "a"})[0] == 125
    with pytest.raises(p.ProtocolError):
        p.decode_chat(p.write_varuint(125) + p.write_varstring("[1]"))
