"""Fair-share order of the local queue: who starts next, each waiting job's position and its expected start.

Pure functions over plain values, so the dispatcher and the positions shown to students can never disagree: the
dispatcher starts ``plan(...)[0]`` whenever a slot is free, and ``position`` is the index in that same plan.

Rule (PROTOCOL.md): among users with waiting jobs and fewer than ``max_running`` running, the one who started a job
least recently goes first (round robin); a user's own jobs go oldest first. "Least recently" is by dispatch number,
not by clock time, so a test clock that stands still (or two starts in one second) cannot tie.

Cost: O((waiting + running) × log users) per plan: the users who may start a job sit in a heap keyed by (last start,
oldest waiting job, first appearance), which picks exactly whom a scan of every user would (tests/test_gpu_fairshare.py
checks it against that scan on random queues).
"""

from __future__ import annotations

import heapq
import statistics
from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Waiting:
    job_id: str
    user: str
    #: FIFO key: smaller was submitted earlier.
    order: int
    #: How long it is expected to run once started (seconds).
    expected_seconds: float


@dataclass(frozen=True)
class Running:
    user: str
    #: How much longer it is expected to run (seconds).
    remaining_seconds: float


@dataclass(frozen=True)
class Planned:
    job_id: str
    #: 1-based place in the queue.
    position: int
    #: Expected start, seconds from now; None when no slot will ever free (zero slots).
    start_in: Optional[float]


def plan(
    waiting: Iterable[Waiting],
    running: Sequence[Running],
    last_start: Mapping[str, int],
    slots: int,
    max_running: int,
) -> list[Planned]:
    """Every waiting job in the order it will start if nothing else is submitted, with expected starts.

    ``last_start`` maps a user to the dispatch number of their most recent start (absent: never started).
    Jobs are assumed to run their expected time; the order itself depends on that only when a user is held back by
    ``max_running`` while other slots are free.
    """
    queues: dict[str, deque[Waiting]] = {}
    for job in sorted(waiting, key=lambda w: w.order):
        queues.setdefault(job.user, deque()).append(job)
    # A user's rank is their place in ``queues`` (first job's order): the last tie-break, as a scan would find them.
    rank = {user: i for i, user in enumerate(queues)}
    counts = Counter(r.user for r in running)
    ends = [(max(0.0, r.remaining_seconds), i, r.user) for i, r in enumerate(running)]
    heapq.heapify(ends)
    tie = len(ends)
    last = dict(last_start)
    dispatch = max(last.values(), default=0) + 1
    free = max(0, slots - len(running))
    now = 0.0
    out: list[Planned] = []
    # Users who may start a job now (waiting jobs, fewer than max_running running), keyed by who goes first. A key
    # changes only when its user starts a job (popped then), so the heap never holds a stale one.
    eligible = [(last.get(u, -1), q[0].order, rank[u], u) for u, q in queues.items() if counts[u] < max_running]
    heapq.heapify(eligible)
    listed = {entry[3] for entry in eligible}
    while queues:
        if free > 0 and eligible:
            user = heapq.heappop(eligible)[3]
            listed.discard(user)
            job = queues[user].popleft()
            out.append(Planned(job.job_id, len(out) + 1, now))
            counts[user] += 1
            last[user] = dispatch
            dispatch += 1
            free -= 1
            heapq.heappush(ends, (now + max(0.0, job.expected_seconds), tie, user))
            tie += 1
            if not queues[user]:
                del queues[user]
            elif counts[user] < max_running:
                heapq.heappush(eligible, (last[user], queues[user][0].order, rank[user], user))
                listed.add(user)
        elif ends:
            end, _, user = heapq.heappop(ends)
            now = max(now, end)
            counts[user] -= 1
            free += 1
            if user in queues and user not in listed and counts[user] < max_running:
                heapq.heappush(eligible, (last.get(user, -1), queues[user][0].order, rank[user], user))
                listed.add(user)
        else:
            break  # no slot will ever free: the rest keep their order, with no estimate
    for rest in sorted((j for q in queues.values() for j in q), key=lambda w: w.order):
        out.append(Planned(rest.job_id, len(out) + 1, None))
    return out


def median_duration(durations: Iterable[float]) -> Optional[float]:
    """Median of recent finished jobs' run times; None with no history."""
    values = [d for d in durations if d >= 0]
    return statistics.median(values) if values else None


def expected_duration(limit: float, median: Optional[float]) -> float:
    """A waiting job is expected to run like recent jobs did, never past its own limit."""
    return limit if median is None else min(limit, median)


def expected_remaining(elapsed: float, limit: float, median: Optional[float]) -> float:
    """A running job is expected to end at the median, or at its limit once it has outlived the median."""
    left = max(0.0, limit - elapsed)
    if median is not None and median > elapsed:
        return min(left, median - elapsed)
    return left
