"""Help room tickets: signed, short-lived, bound to one room (classlab_bridge/help/tickets.py)."""

from __future__ import annotations

import base64
import json

import pytest
from classlab_bridge.help.tickets import TicketError, TicketSigner


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def issue(signer, room="room-1", role="helper"):
    return signer.issue(room=room, request_id="req-1", user="ms-li", display_name="Ms Li", role=role)


def test_a_ticket_verifies_and_carries_its_claims():
    clock = Clock()
    signer = TicketSigner(b"secret", ttl=60, clock=clock)
    ticket = signer.verify(issue(signer), "room-1")
    assert (ticket.room, ticket.request_id, ticket.user, ticket.display_name, ticket.role) == (
        "room-1",
        "req-1",
        "ms-li",
        "Ms Li",
        "helper",
    )
    assert ticket.exp == int(clock.now + 60)


def test_the_payload_is_base64url_json_and_the_signature_hmac_sha256():
    token = issue(TicketSigner(b"secret", clock=Clock()))
    payload, mac = token.split(".")
    assert set("+/=") & set(token) == set()
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert set(claims) == {"room", "request_id", "user", "display_name", "role", "exp", "nonce"}
    assert len(base64.urlsafe_b64decode(mac + "=" * (-len(mac) % 4))) == 32


def test_an_expired_ticket_is_refused():
    clock = Clock()
    signer = TicketSigner(b"secret", ttl=60, clock=clock)
    token = issue(signer)
    clock.now += 60
    assert signer.verify(token, "room-1").user == "ms-li"  # valid through its last second
    clock.now += 1.5
    with pytest.raises(TicketError, match="expired"):
        signer.verify(token, "room-1")


def test_a_ticket_for_another_room_is_refused():
    signer = TicketSigner(b"secret", clock=Clock())
    with pytest.raises(TicketError, match="another room"):
        signer.verify(issue(signer, room="room-1"), "room-2")


def test_a_ticket_signed_with_another_secret_is_refused():
    clock = Clock()
    forged = issue(TicketSigner(b"not-the-secret", clock=clock))
    with pytest.raises(TicketError, match="signature"):
        TicketSigner(b"secret", clock=clock).verify(forged, "room-1")


def test_a_ticket_with_changed_claims_is_refused():
    signer = TicketSigner(b"secret", clock=Clock())
    payload, mac = issue(signer, role="observer").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "helper"
    tampered = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(TicketError, match="signature"):
        signer.verify(f"{tampered}.{mac}", "room-1")


@pytest.mark.parametrize("token", [None, "", "garbage", "a.b", ".", "abc."])
def test_missing_and_malformed_tickets_are_refused(token):
    with pytest.raises(TicketError):
        TicketSigner(b"secret", clock=Clock()).verify(token, "room-1")


def test_only_known_roles_are_issued():
    with pytest.raises(ValueError):
        issue(TicketSigner(b"secret"), role="admin")


def test_a_consumed_ticket_cannot_be_used_again():
    clock = Clock()
    signer = TicketSigner(b"secret", ttl=60, clock=clock)
    token = issue(signer)
    signer.verify(token, "room-1", consume=True)
    with pytest.raises(TicketError, match="already used"):
        signer.verify(token, "room-1", consume=True)
    clock.now += 61
    signer.verify(issue(signer), "room-1", consume=True)
    assert len(signer._used) == 1  # spent tickets are forgotten once expired
