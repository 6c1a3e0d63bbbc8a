"""fairshare.plan (a heap of eligible users) against a plain scan of every eligible user per decision, on random
queues: the same order, positions and expected starts, to the float."""

import heapq
import random
from collections import Counter, deque

import pytest
from classlab_bridge.gpu import fairshare


def reference_plan(waiting, running, last_start, slots, max_running):
    """The rule written the obvious way: at each free slot, scan every user who may start one (O(waiting × users))."""
    queues = {}
    for job in sorted(waiting, key=lambda w: w.order):
        queues.setdefault(job.user, deque()).append(job)
    counts = Counter(r.user for r in running)
    ends = [(max(0.0, r.remaining_seconds), i, r.user) for i, r in enumerate(running)]
    heapq.heapify(ends)
    tie = len(ends)
    last = dict(last_start)
    dispatch = max(last.values(), default=0) + 1
    free = max(0, slots - len(running))
    now = 0.0
    out = []
    while queues:
        eligible = [u for u in queues if counts[u] < max_running]
        if free > 0 and eligible:
            user = min(eligible, key=lambda u: (last.get(u, -1), queues[u][0].order))
            job = queues[user].popleft()
            if not queues[user]:
                del queues[user]
            out.append(fairshare.Planned(job.job_id, len(out) + 1, now))
            counts[user] += 1
            last[user] = dispatch
            dispatch += 1
            free -= 1
            heapq.heappush(ends, (now + max(0.0, job.expected_seconds), tie, user))
            tie += 1
        elif ends:
            end, _, user = heapq.heappop(ends)
            now = max(now, end)
            counts[user] -= 1
            free += 1
        else:
            break
    for rest in sorted((j for q in queues.values() for j in q), key=lambda w: w.order):
        out.append(fairshare.Planned(rest.job_id, len(out) + 1, None))
    return out


def random_case(rng):
    users = [f"u{i}" for i in range(rng.randint(1, 12))]
    n = rng.randint(0, 60)
    # Orders mostly distinct (as the store's n), sometimes repeated; durations with ties, zeros and negatives.
    orders = rng.sample(range(1000), n) if rng.random() < 0.7 else [rng.randint(0, 15) for _ in range(n)]
    durations = [0.0, 5.0, 10.0, 60.0, -1.0]
    waiting = [
        fairshare.Waiting(
            f"j{i}",
            rng.choice(users),
            orders[i],
            rng.choice(durations) if rng.random() < 0.4 else round(rng.uniform(0, 120), 1),
        )
        for i in range(n)
    ]
    running = [
        fairshare.Running(rng.choice(users + ["other"]), rng.choice([0.0, 3.0, rng.uniform(-5, 90)]))
        for _ in range(rng.randint(0, 6))
    ]
    last_start = {u: rng.randint(0, 20) for u in users if rng.random() < 0.6}
    return waiting, running, last_start, rng.randint(0, 5), rng.randint(1, 3)


@pytest.mark.parametrize("seed", range(8))
def test_heap_plan_equals_the_plain_scan(seed):
    rng = random.Random(seed)
    for _ in range(250):
        waiting, running, last_start, slots, max_running = random_case(rng)
        got = fairshare.plan(waiting, running, last_start, slots, max_running)
        want = reference_plan(waiting, running, last_start, slots, max_running)
        assert got == want, (waiting, running, last_start, slots, max_running)


def test_heap_plan_equals_the_plain_scan_on_a_class_sized_queue():
    rng = random.Random(2026)
    users = [f"user{u:02d}" for u in range(50)]
    waiting = [fairshare.Waiting(f"j{i}", rng.choice(users), i, rng.lognormvariate(4.1, 0.6)) for i in range(500)]
    running = [fairshare.Running(users[u], rng.uniform(0, 60)) for u in range(4)]
    last_start = {u: i for i, u in enumerate(rng.sample(users, 30))}
    for max_running in (1, 2):
        got = fairshare.plan(waiting, running, last_start, 4, max_running)
        assert got == reference_plan(waiting, running, last_start, 4, max_running)
        assert sorted(p.position for p in got) == list(range(1, 501))
