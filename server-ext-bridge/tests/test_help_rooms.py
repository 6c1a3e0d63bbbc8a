"""Help rooms without a server: routing by role, awareness, chat, limits, and the room lifecycle
(classlab_bridge/help/rooms.py and service.py)."""

from __future__ import annotations

import pytest
from classlab_bridge.help import protocol as p
from classlab_bridge.help.rooms import Connection, Limits, Room, RoomRegistry
from classlab_bridge.help.service import ConnectError, HelpError, HelpService, Identity
from classlab_bridge.help.store import HelpStore
from classlab_bridge.help.tickets import TicketSigner


class FakePeer:
    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.closed: tuple[int, str] | None = None

    def send(self, message: bytes) -> None:
        self.sent.append(message)

    def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)

    def take(self) -> list[bytes]:
        out, self.sent = self.sent, []
        return out


def join(room, user, role, now=0.0):
    peer = FakePeer()
    conn = Connection(peer, user, user.title(), role)
    room.add(conn, now)
    return conn, peer


UPDATE = p.encode_update(b"\x01\x01\x05\x00")


def test_owner_and_helper_updates_reach_everyone_else():
    room = Room("r", "q", 0)
    owner, o = join(room, "student1", "owner")
    helper, h = join(room, "ms-li", "helper")
    observer, w = join(room, "head", "observer")
    assert room.receive(helper, UPDATE, 1) is None
    assert (o.take(), h.take(), w.take()) == ([UPDATE], [], [UPDATE])
    step2 = p.encode_sync_step2(b"\x01\x01\x05\x00")
    assert room.receive(owner, step2, 1) is None
    assert (o.take(), h.take(), w.take()) == ([], [step2], [step2])


def test_an_observers_updates_are_dropped_and_it_is_told_once():
    room = Room("r", "q", 0)
    owner, o = join(room, "student1", "owner")
    observer, w = join(room, "head", "observer")
    assert room.receive(observer, UPDATE, 1) == "read-only"
    assert room.receive(observer, p.encode_sync_step2(b"\x01\x01\x05\x00"), 1) == "read-only"
    assert o.take() == []
    assert [p.decode_auth(m) for m in w.take()] == [(p.AUTH_PERMISSION_DENIED, "observers cannot edit this room")]


def test_an_observers_empty_sync_answer_is_dropped_silently_and_its_step1_forwarded():
    room = Room("r", "q", 0)
    owner, o = join(room, "student1", "owner")
    observer, w = join(room, "head", "observer")
    room.receive(observer, p.encode_sync_step2(p.EMPTY_UPDATE), 1)
    assert w.take() == [] and o.take() == []
    step1 = p.encode_sync_step1(b"\x00")
    room.receive(observer, step1, 1)
    room.receive(observer, p.encode_query_awareness(), 1)
    assert o.take() == [step1, p.encode_query_awareness()]


def test_a_newcomer_gets_the_others_state_vectors_and_awareness():
    room = Room("r", "q", 0)
    owner, o = join(room, "student1", "owner")
    step1 = p.encode_sync_step1(b"\x01\x07\x03")
    room.receive(owner, step1, 1)
    room.receive(owner, p.encode_awareness([(7, 1, {"cursor": None})]), 1)
    helper, h = join(room, "ms-li", "helper", now=2)
    sent = h.take()
    assert sent[0] == step1  # the newcomer answers it with SyncStep2: what the owner lacks
    assert p.decode_awareness(sent[1]) == [
        (7, 1, {"cursor": None, "user": {"name": "student1", "display_name": "Student1", "role": "owner"}})
    ]


def test_a_step1_nobody_may_answer_is_answered_with_an_empty_step2():
    room = Room("r", "q", 0)
    owner, o = join(room, "student1", "owner")
    step1 = p.encode_sync_step1(b"\x00")
    room.receive(owner, step1, 1)
    assert o.take() == [p.encode_sync_step2(p.EMPTY_UPDATE)]
    observer, w = join(room, "ms-li", "observer")
    w.take()
    room.receive(owner, step1, 2)  # an observer's answer would be dropped: the relay answers
    assert (o.take(), w.take()) == ([p.encode_sync_step2(p.EMPTY_UPDATE)], [step1])
    room.receive(observer, step1, 2)  # the owner answers the observer; the relay stays out
    assert (o.take(), w.take()) == ([step1], [])


def test_awareness_names_come_from_the_server_and_client_ids_cannot_be_taken_over():
    room = Room("r", "q", 0)
    owner, o = join(room, "student1", "owner")
    helper, h = join(room, "student2", "helper")
    forged = {"user": {"name": "ms-li", "display_name": "Teacher", "role": "owner"}, "cursor": {"anchor": 3}}
    room.receive(helper, p.encode_awareness([(20, 1, forged)]), 1)
    assert p.decode_awareness(o.take()[0]) == [
        (20, 1, {"user": {"name": "student2", "display_name": "Student2", "role": "helper"}, "cursor": {"anchor": 3}})
    ]
    room.receive(owner, p.encode_awareness([(10, 1, {})]), 1)
    h.take()
    # The helper answers a queryAwareness with every state it knows; only its own client id passes.
    assert room.receive(helper, p.encode_awareness([(10, 2, None), (20, 2, {"x": 1})]), 2) is None
    assert [e[0] for e in p.decode_awareness(o.take()[0])] == [20]
    assert room.receive(helper, p.encode_awareness([(10, 3, None)]), 3) == "no awareness of its own"


def test_leaving_removes_the_connections_awareness_for_the_others():
    room = Room("r", "q", 0)
    owner, o = join(room, "student1", "owner")
    helper, h = join(room, "ms-li", "helper")
    room.receive(helper, p.encode_awareness([(20, 4, {})]), 1)
    o.take()
    room.remove(helper, 2)
    assert p.decode_awareness(o.take()[0]) == [(20, 5, None)]
    assert room.awareness == {}


def test_chat_is_stamped_with_the_sender_and_sent_to_everyone():
    room = Room("r", "q", 0)
    owner, o = join(room, "student1", "owner")
    observer, w = join(room, "ms-li", "observer")
    room.receive(observer, p.encode_chat({"text": "Look at line 2", "from": "student1"}), 1_700_000_000)
    expected = {
        "from": "ms-li",
        "display_name": "Ms-Li",
        "role": "observer",
        "text": "Look at line 2",
        "time": "2023-11-14T22:13:20Z",
    }
    assert [p.decode_chat(m) for m in o.take()] == [expected]
    assert [p.decode_chat(m) for m in w.take()] == [expected]
    assert room.receive(owner, p.encode_chat({"text": "x" * 501}), 2) == "bad chat text"
    assert room.receive(owner, p.encode_chat({"text": 5}), 2) == "bad chat text"
    assert o.take() == [] and w.take() == []


def test_unknown_and_malformed_messages_are_dropped():
    room = Room("r", "q", 0)
    owner, o = join(room, "student1", "owner")
    helper, h = join(room, "ms-li", "helper")
    assert room.receive(helper, b"\x02\x00\x01x", 1) == "unknown message type 2"
    assert room.receive(helper, b"\x00\x02\x09", 1).startswith("malformed")
    assert room.receive(helper, b"\x01\x03\x01\x01", 1).startswith("malformed")
    assert o.take() == []


def test_a_message_over_the_size_limit_closes_with_1009():
    room = Room("r", "q", 0, Limits(max_message_size=1000))
    owner, o = join(room, "student1", "owner")
    helper, h = join(room, "ms-li", "helper")
    assert room.receive(helper, p.encode_update(b"x" * 1000), 1) == "too big"
    assert h.closed == (1009, "message too big")
    assert o.take() == [] and room.connections == [owner]


def test_messages_over_the_rate_are_dropped_and_persistent_abuse_closes_with_4429():
    room = Room("r", "q", 0, Limits(rate_per_second=100, abuse_windows=3, abuse_period=10))
    owner, o = join(room, "student1", "owner")
    helper, h = join(room, "ms-li", "helper")
    results = [room.receive(helper, UPDATE, 1.0 + i / 1000) for i in range(150)]
    assert results.count(None) == 100 and results.count("rate limited") == 50
    assert len(o.take()) == 100 and h.closed is None
    for second in (2, 3):
        for i in range(101):
            room.receive(helper, UPDATE, second + i / 1000)
    assert h.closed == (4429, "too many messages")
    assert helper not in room.connections


def test_a_steady_connection_under_the_rate_is_never_closed():
    room = Room("r", "q", 0, Limits(rate_per_second=100, abuse_windows=2))
    owner, o = join(room, "student1", "owner")
    for i in range(1000):  # 100 per second for 10 s
        assert room.receive(owner, UPDATE, i / 100) is None


def test_revoke_closes_with_4003_and_close_with_4001():
    room = Room("r", "q", 0)
    owner, o = join(room, "student1", "owner")
    helper, h = join(room, "student2", "helper")
    assert room.revoke("student2", 1) == 1
    assert h.closed == (4003, "revoked") and room.connections == [owner] and "student2" in room.revoked
    room.close()
    assert o.closed == (4001, "closed")


def test_rooms_expire_when_empty_for_the_ttl_or_too_old():
    rooms = RoomRegistry(idle_ttl=600, max_age=4 * 3600)
    a = rooms.create("qa", now=0)
    b = rooms.create("qb", now=0)
    conn, _ = join(b, "student1", "owner", now=1)
    assert rooms.expired(599) == []
    assert rooms.expired(600) == [(a, "idle")]
    b.remove(conn, 700)
    assert rooms.expired(1299) == [(a, "idle")]
    assert rooms.expired(1300) == [(a, "idle"), (b, "idle")]
    join(b, "student1", "owner", now=1300)
    assert rooms.expired(4 * 3600) == [(a, "expired"), (b, "expired")]
    assert rooms.destroy(a.id) is a and rooms.get(a.id) is None and a.closed


# -- the service: requests, permissions, tickets, lifecycle -------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


STUDENT1 = Identity("student1", "Student One", teacher=False)
STUDENT2 = Identity("student2", "Student Two", teacher=False)
TEACHER = Identity("ms-li", "Ms Li", teacher=True)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def service(clock):
    return HelpService(TicketSigner(b"s", ttl=60, clock=clock), RoomRegistry(), clock=clock)


def ask(service, who=STUDENT1, **body):
    return service.create(who, {"cell_id": "c1", "message": "help", "error": "NameError", **body})


def test_one_open_request_per_user_and_cell(service):
    first, created = ask(service)
    again, created_again = ask(service)
    assert (created, created_again) == (True, False)
    assert again["request"]["id"] == first["request"]["id"] and again["role"] == "owner"
    assert first["room_url"] == "classlab/api/help/rooms/" + first["room"]
    assert ask(service, cell_id="c2")[1] is True


def test_positions_count_waiting_requests_by_age(service, clock):
    a = ask(service)[0]["request"]["id"]
    clock.now += 1
    b = ask(service, STUDENT2)[0]["request"]["id"]
    assert [r["position"] for r in service.list(TEACHER)] == [1, 2]
    service.join(TEACHER, a, {"role": "helper"})
    assert {r["id"]: (r["state"], r["position"]) for r in service.list(TEACHER)} == {
        a: ("joined", 0),
        b: ("waiting", 1),
    }


def test_who_may_join_with_which_role(service):
    to_teacher = ask(service)[0]["request"]["id"]
    to_class = ask(service, cell_id="c2", audience="class")[0]["request"]["id"]
    with pytest.raises(HelpError) as refused:
        service.join(STUDENT2, to_teacher, {"role": "helper"})
    assert refused.value.status == 403
    assert service.join(STUDENT2, to_class, {"role": "helper"})["role"] == "helper"
    with pytest.raises(HelpError):
        service.join(STUDENT2, to_class, {"role": "observer"})
    assert service.join(TEACHER, to_teacher, {"role": "observer"})["role"] == "observer"
    assert service.join(STUDENT1, to_teacher, {"role": "observer"})["role"] == "owner"
    assert [r["id"] for r in service.list(STUDENT2)] == [to_class]


def test_peer_help_on_graded_cells_needs_the_teachers_permission(service):
    with pytest.raises(HelpError) as refused:
        ask(service, audience="class", graded=True)
    assert refused.value.status == 403
    assert ask(service, audience="teacher", graded=True)[1] is True
    service.allow_peer_on_graded = True
    assert ask(service, cell_id="c2", audience="class", graded=True)[1] is True


def test_connect_checks_ticket_user_room_and_revocation(service, clock):
    grant = ask(service, audience="class")[0]
    room_id, request_id = grant["room"], grant["request"]["id"]
    stolen, helper, spare = (service.join(STUDENT2, request_id, {"role": "helper"}) for _ in range(3))
    with pytest.raises(ConnectError) as e:
        service.connect(stolen["ticket"], room_id, "student3", FakePeer())
    assert (e.value.code, e.value.reason) == (4401, "ticket is for another user")
    with pytest.raises(ConnectError) as e:
        service.connect(stolen["ticket"], room_id, "student2", FakePeer())
    assert (e.value.code, e.value.reason) == (4401, "ticket already used")
    room, conn = service.connect(helper["ticket"], room_id, "student2", FakePeer())
    service.revoke(STUDENT1, request_id, {"helper": "student2"})
    assert conn.peer.closed == (4003, "revoked")
    with pytest.raises(ConnectError) as e:
        service.connect(spare["ticket"], room_id, "student2", FakePeer())
    assert e.value.code == 4003
    with pytest.raises(HelpError):
        service.join(STUDENT2, request_id, {"role": "helper"})
    clock.now += 61
    with pytest.raises(ConnectError) as e:
        service.connect(grant["ticket"], room_id, "student1", FakePeer())
    assert (e.value.code, e.value.reason) == (4401, "ticket expired")
    events = [(e["user"], e["role"], e["event"]) for e in service.events(TEACHER, request_id)]
    assert events == [
        ("student1", "owner", "request"),
        ("student2", "helper", "join"),
        ("student2", "helper", "leave"),
        ("student2", "helper", "revoked"),
    ]


def test_closing_a_request_closes_its_room_and_sockets(service):
    grant = ask(service)[0]
    room, conn = service.connect(grant["ticket"], grant["room"], "student1", FakePeer())
    with pytest.raises(HelpError):
        service.close(STUDENT2, grant["request"]["id"])
    assert service.close(TEACHER, grant["request"]["id"])["state"] == "closed"
    assert conn.peer.closed == (4001, "closed") and service.rooms.get(grant["room"]) is None
    assert service.list(TEACHER) == []
    with pytest.raises(HelpError) as gone:
        service.join(TEACHER, grant["request"]["id"], {})
    assert gone.value.status == 410


def test_sweep_closes_idle_rooms_and_their_requests(service, clock):
    grant = ask(service)[0]
    room, conn = service.connect(grant["ticket"], grant["room"], "student1", FakePeer())
    clock.now += 601
    assert service.sweep() == []  # the owner is still there
    room.remove(conn, clock.now)
    clock.now += 600
    assert service.sweep() == [grant["room"]]
    assert service.requests[grant["request"]["id"]].state == "closed"
    assert service.events(TEACHER, grant["request"]["id"])[-1]["event"] == "idle"


# -- classes: Hub groups other than the teachers' group ------------------------------------------------------------

IN_7A = Identity("ann", "Ann", teacher=False, classes=frozenset({"7a"}))
ALSO_7A = Identity("bo", "Bo", teacher=False, classes=frozenset({"7a", "chess-club"}))
IN_7B = Identity("cy", "Cy", teacher=False, classes=frozenset({"7b"}))
TEACHES_7A = Identity("mr-wu", "Mr Wu", teacher=True, classes=frozenset({"7a"}))
TEACHES_7B = Identity("ms-ng", "Ms Ng", teacher=True, classes=frozenset({"7b"}))
TEACHES_ALL = Identity("head", "Head", teacher=True)


def test_requests_are_seen_and_joined_within_the_askers_class(service):
    rid = ask(service, IN_7A, audience="class")[0]["request"]["id"]
    seen = {who.name: [r["id"] for r in service.list(who)] for who in (ALSO_7A, IN_7B, TEACHES_7A, TEACHES_7B)}
    assert seen == {"bo": [rid], "cy": [], "mr-wu": [rid], "ms-ng": []}
    assert [r["id"] for r in service.list(TEACHES_ALL)] == [rid]  # a teacher in no class group teaches everyone
    for stranger in (IN_7B, TEACHES_7B):
        with pytest.raises(HelpError) as e:
            service.join(stranger, rid, {"role": "helper"})
        assert e.value.status == 404
    with pytest.raises(HelpError) as e:
        service.close(TEACHES_7B, rid)
    assert e.value.status == 403
    assert service.join(ALSO_7A, rid, {"role": "helper"})["role"] == "helper"
    assert service.join(TEACHES_7A, rid, {"role": "observer"})["role"] == "observer"
    assert service.events(TEACHES_7A, rid)[0]["event"] == "request"
    assert service.close(TEACHES_7A, rid)["state"] == "closed"


def test_without_class_groups_everyone_is_one_class(service):
    rid = ask(service, STUDENT1, audience="class")[0]["request"]["id"]
    assert [r["id"] for r in service.list(STUDENT2)] == [rid]
    assert [r["id"] for r in service.list(IN_7B)] == []  # a student in a class is not in the no-class class
    assert [r["id"] for r in service.list(TEACHES_7B)] == [rid]  # nor hidden from any teacher


def test_at_most_two_classmates_help_at_once_and_teachers_always_may(service):
    rid = ask(service, IN_7A, audience="class")[0]["request"]["id"]
    classmates = [Identity(f"p{i}", f"P{i}", teacher=False, classes=frozenset({"7a"})) for i in range(3)]
    service.join(classmates[0], rid, {"role": "helper"})
    service.join(classmates[1], rid, {"role": "helper"})
    assert service.join(classmates[1], rid, {"role": "helper"})["role"] == "helper"  # a reconnect is no new helper
    with pytest.raises(HelpError) as e:
        service.join(classmates[2], rid, {"role": "helper"})
    assert (e.value.status, e.value.code) == (409, "enough_helpers")
    assert service.join(TEACHES_7A, rid, {"role": "helper"})["role"] == "helper"
    service.revoke(IN_7A, rid, {"helper": "p0"})
    assert service.join(classmates[2], rid, {"role": "helper"})["request"]["helpers"] == ["p1", "mr-wu", "p2"]


# -- a restarted relay: requests from the state file --------------------------------------------------------------


def restarted(service, clock):
    """A new service as a new process would make it: new ticket secret, new rooms, the same state file."""
    return HelpService(
        TicketSigner(b"another secret", ttl=60, clock=clock),
        RoomRegistry(),
        store=HelpStore(service.store.path),
        clock=clock,
    )


@pytest.fixture
def kept(clock, tmp_path):
    return HelpService(
        TicketSigner(b"s", ttl=60, clock=clock), RoomRegistry(), store=HelpStore(tmp_path / "help.json"), clock=clock
    )


def test_a_restarted_relay_knows_its_open_requests_and_their_rooms(kept, clock, tmp_path):
    grant = ask(kept, IN_7A, audience="class")[0]
    rid, room_id = grant["request"]["id"], grant["room"]
    helper = kept.join(ALSO_7A, rid, {"role": "helper"})
    kept.connect(grant["ticket"], room_id, "ann", FakePeer())
    kept.revoke(IN_7A, rid, {"helper": "bo"})
    closed = ask(kept, IN_7A, cell_id="c2")[0]["request"]["id"]
    kept.close(IN_7A, closed)
    assert oct((tmp_path / "help.json").stat().st_mode & 0o777) == "0o600"

    clock.now += 5
    again = restarted(kept, clock)
    assert [r["id"] for r in again.list(TEACHES_7A)] == [rid]
    restored = again.requests[rid]
    assert (restored.room_id, restored.classes, restored.owner) == (room_id, ["7a"], "ann")
    # Tickets of the old process are void (another secret); a fresh one connects to the same room id.
    with pytest.raises(ConnectError) as e:
        again.connect(helper["ticket"], room_id, "bo", FakePeer())
    assert e.value.code == 4401
    fresh = again.join(IN_7A, rid, {})
    room, conn = again.connect(fresh["ticket"], room_id, "ann", FakePeer())
    assert room.id == room_id and fresh["room_url"].endswith(room_id)
    # What the old process decided still holds: the revoked classmate stays out, the closed request stays closed.
    with pytest.raises(HelpError) as e:
        again.join(ALSO_7A, rid, {"role": "helper"})
    assert e.value.code == "revoked"
    assert again.requests[closed].state == "closed" and again.rooms.get(again.requests[closed].room_id) is None
    assert [e["event"] for e in again.events(TEACHES_7A, rid)] == ["request", "join", "revoked", "join"]


def test_an_unreadable_state_file_is_kept_aside_and_the_relay_starts_empty(clock, tmp_path):
    path = tmp_path / "help.json"
    path.write_text("{ not json")
    service = HelpService(TicketSigner(b"s", clock=clock), RoomRegistry(), store=HelpStore(path), clock=clock)
    assert service.requests == {}
    assert (tmp_path / "help.json.broken").read_text() == "{ not json"
    ask(service)
    assert HelpStore(path).load()[0]["owner"] == "student1"
