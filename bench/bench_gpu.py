"""GPU queue scheduling: 500 queued jobs from 50 users, fair share against plain FIFO (scheduler only, no processes)

The local queue's order is the pure ``classlab_bridge.gpu.fairshare.plan`` (the dispatcher starts its first job
whenever a slot frees, and the positions students see are its indices). Here it plans 500 jobs submitted at once by
50 users in bursts (each user's 10 jobs back to back, users one after another: the worst case for FIFO), on 4
slots, one running job per user, with run times drawn from a fixed-seed distribution (median ~60 s). Reported: the
wall time of one full plan (what every queue change and every position costs), scheduling decisions per second, and
fairness of the planned starts: mean wait per user, the max/min spread of those means and Jain's index, against FIFO
of the same submissions (the anchor) computed in the same run. Nothing here runs a kernel: no GPU on this machine,
and the policy is what is measured. The button-to-start overhead on a real server is not measured yet.
"""

from __future__ import annotations

import heapq
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "server-ext-bridge"))

from classlab_bridge.gpu import fairshare  # noqa: E402

USERS, JOBS_PER_USER, SLOTS, ROUNDS = 50, 10, 4, 20


def _workload(seed: int = 7) -> list[fairshare.Waiting]:
    rng = random.Random(seed)
    jobs = []
    for u in range(USERS):
        for k in range(JOBS_PER_USER):
            order = u * JOBS_PER_USER + k
            jobs.append(fairshare.Waiting(f"j{order}", f"user{u:02d}", order, rng.lognormvariate(4.1, 0.6)))
    return jobs


def _fifo_starts(jobs: list[fairshare.Waiting]) -> dict[str, float]:
    free_at = [0.0] * SLOTS
    heapq.heapify(free_at)
    starts = {}
    for job in sorted(jobs, key=lambda j: j.order):
        start = heapq.heappop(free_at)
        starts[job.job_id] = start
        heapq.heappush(free_at, start + job.expected_seconds)
    return starts


def _fairness(jobs: list[fairshare.Waiting], starts: dict[str, float]) -> dict[str, float]:
    waits: dict[str, list[float]] = {}
    for job in jobs:
        waits.setdefault(job.user, []).append(starts[job.job_id])
    means = [statistics.mean(w) for w in waits.values()]
    jain = sum(means) ** 2 / (len(means) * sum(m * m for m in means))
    return {
        "mean_wait_min": round(min(means) / 60, 1),
        "mean_wait_max": round(max(means) / 60, 1),
        "spread": round(max(means) / max(min(means), 1e-9), 2),
        "jain": round(jain, 3),
    }


def run() -> list[dict]:
    jobs = _workload()
    timings = []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        planned = fairshare.plan(jobs, [], {}, SLOTS, 1)
        timings.append(time.perf_counter() - t0)
    fair = {p.job_id: p.start_in for p in planned}
    assert all(v is not None for v in fair.values())
    fifo = _fifo_starts(jobs)
    fair_stats, fifo_stats = _fairness(jobs, fair), _fairness(jobs, fifo)  # type: ignore[arg-type]
    median = statistics.median(timings)
    rows = [
        {
            "section": "Scheduling 500 jobs from 50 users on 4 slots",
            "policy": "fair share (ours)",
            "plan ms (median of 20)": round(median * 1000, 1),
            "decisions/s": round(len(jobs) / median),
            **fair_stats,
        },
        {
            "section": "Scheduling 500 jobs from 50 users on 4 slots",
            "policy": "FIFO (anchor)",
            "plan ms (median of 20)": None,
            "decisions/s": None,
            **fifo_stats,
        },
        {
            "section": "Scheduling 500 jobs from 50 users on 4 slots",
            "note": f"spread ratio fair/FIFO {fair_stats['spread'] / fifo_stats['spread']:.3f}; plan min/max "
            f"{min(timings) * 1000:.1f}/{max(timings) * 1000:.1f} ms; waits are planned starts (minutes), all "
            "jobs submitted at t=0 in per-user bursts",
        },
    ]
    return rows
