"""GPU queue: Run on GPU to job start on a real server, kernel start-up apart, and fair share of 500 jobs from 50 users

Issue #6's performance part, in five tables. (1) **Start overhead** on an isolated JupyterLab server with the
bridge's in-process ``local`` queue (without a GPU, as on this machine: one CPU slot, ``device: "cpu"``): from the
client sending ``POST classlab/api/gpu/jobs`` (one cell that prints) to the job ``running`` (the 201 answer, and the
first ``state: running`` on the job's events WebSocket), split with the queue's own ``created``/``started`` in
queue.sqlite; anchor: the same server's ``GET classlab/api/info`` round trip. (2) **Start-up after running**, apart:
runner launched → kernel launched → first output, from the job's events.jsonl watched every 2 ms, and the WebSocket's
view; anchor: an nbclient run of the same cell in a subprocess. (3) **Scheduling** 500 jobs from 50 users (10 each,
in bursts) on 4 slots with a fake clock and no processes: ``fairshare.plan`` (what LocalQueue dispatches and shows)
against plain FIFO of the same submissions. (4) The same 500 jobs through LocalQueue itself (SQLite, event files)
with stand-in runners and the fake clock: the queue's own cost per submit and per job end. (5) 30 real jobs from 6
users on 1 CPU slot through LocalQueue: start order and fairness.
"""

from __future__ import annotations

import asyncio
import heapq
import http.client
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Callable, Optional

from _servers import REPO, Server, isolated_env, start_server

sys.path.insert(0, str(REPO / "server-ext-bridge"))

from classlab_bridge.gpu import fairshare, joblog  # noqa: E402
from classlab_bridge.gpu import local as local_queue  # noqa: E402
from classlab_bridge.gpu.procs import JOB_ENV  # noqa: E402
from classlab_bridge.gpu.queue import QUEUED, RUNNING, TERMINAL, GpuUser, JobBundle, JobCell  # noqa: E402

START_JOBS = int(os.environ.get("CLASSLAB_BENCH_GPU_JOBS", "20"))
WARMUP_JOBS = 2
NBCLIENT_RUNS = int(os.environ.get("CLASSLAB_BENCH_GPU_NBCLIENT_RUNS", "3"))
USERS, JOBS_PER_USER, SLOTS = 50, 10, 4
E2E_USERS, E2E_JOBS_PER_USER = 6, int(os.environ.get("CLASSLAB_BENCH_GPU_E2E_JOBS_PER_USER", "5"))
QUEUE_SIM = os.environ.get("CLASSLAB_BENCH_GPU_QUEUE_SIM", "1") != "0"
TARGET_MS = 50.0
TIME_LIMIT = 1800  # the queue's default per-job limit: what a waiting job is expected to take before any history
CELL = "print('ready', flush=True)"
EPOCH = 1_800_000_000.0  # the fake clock's t = 0

SECTION_START = "GPU job start: Run on GPU → running (real server, in-process local queue)"
SECTION_KERNEL = "GPU job start-up after running: runner and kernel (reported apart)"
SECTION_SCHED = "Scheduling 500 jobs from 50 users on 4 slots (fairshare.plan, fake clock, no processes)"
SECTION_QUEUE = "The same 500 jobs through LocalQueue itself (SQLite, event files; stand-in runners, fake clock)"
SECTION_E2E = "Real jobs through LocalQueue: 6 users, 1 CPU slot (real runners and kernels)"


# -- small helpers ------------------------------------------------------------------------------------------------


def _r(x: Optional[float], digits: int = 1) -> Optional[float]:
    return None if x is None else round(x, digits)


def _p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, -(-95 * len(ordered) // 100) - 1))]


def _stats_ms(values: Sequence[float]) -> dict[str, Optional[float]]:
    """median, p95 (nearest rank), min, max of seconds, in ms."""
    if not values:
        return {"median ms": None, "p95 ms": None, "min ms": None, "max ms": None}
    ms = [v * 1000 for v in values]
    digits = 2 if max(ms) < 10 else 1
    return {
        "median ms": _r(statistics.median(ms), digits),
        "p95 ms": _r(_p95(ms), digits),
        "min ms": _r(min(ms), digits),
        "max ms": _r(max(ms), digits),
    }


def _fairness(waits: dict[str, list[float]]) -> dict[str, Any]:
    """Per-user mean wait: min, max, max/min spread, Jain's index of the means."""
    means = [statistics.mean(w) for w in waits.values()]
    jain = sum(means) ** 2 / (len(means) * sum(m * m for m in means)) if any(means) else 1.0
    return {"min": min(means), "max": max(means), "spread": max(means) / max(min(means), 1e-9), "jain": jain}


# -- 1 + 2: a real server ---------------------------------------------------------------------------------------


class EventsWatcher(threading.Thread):
    """Notes when each kind of line first appears in a job's events.jsonl (wall clock, polled every 2 ms)."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.seen: dict[str, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        offset, partial = 0, b""
        while True:
            last = self.done.is_set()  # one more read after the job ended, so no line is missed
            try:
                with open(self.path, "rb") as f:
                    f.seek(offset)
                    data = f.read()
            except FileNotFoundError:
                data = b""
            now = time.time()
            if data:
                offset += len(data)
                lines = (partial + data).split(b"\n")
                partial = lines.pop()
                for line in lines:
                    try:
                        kind = json.loads(line).get("type")
                    except ValueError:
                        continue
                    self.seen.setdefault(str(kind), now)
            if last:
                return
            time.sleep(0.002)


class Client:
    """One keep-alive HTTP connection with the server's token, as a browser tab would hold."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        self.headers = {"Authorization": f"token {server.token}"}

    def call(self, method: str, path: str, body: Optional[dict[str, Any]] = None) -> tuple[int, bytes]:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=headers)
        resp = self.conn.getresponse()
        return resp.status, resp.read()

    def timed(self, method: str, path: str, body: Optional[dict[str, Any]] = None) -> float:
        t0 = time.perf_counter()
        status, payload = self.call(method, path, body)
        if status != 200:
            raise RuntimeError(f"{method} {path}: {status} {payload[:300]!r}")
        return time.perf_counter() - t0


async def _one_job(client: Client, data_dir: Path) -> dict[str, Any]:
    """Submits one job and follows it on its events socket to the end; the client's and the file's timings."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    body = {"notebook": "gpu-bench.ipynb", "kernel": "python3", "cells": [{"id": "c1", "source": CELL, "target": True}]}
    wall0, t0 = time.time(), time.perf_counter()
    status, payload = client.call("POST", "/classlab/api/gpu/jobs", body)
    t_post = time.perf_counter()
    if status != 201:
        raise RuntimeError(f"POST classlab/api/gpu/jobs: {status} {payload[:500]!r}")
    job = json.loads(payload)["job"]
    watcher = EventsWatcher(data_dir / "jobs" / job["id"] / joblog.EVENTS)
    watcher.start()
    marks: dict[str, float] = {}
    final: Optional[dict[str, Any]] = None
    url = f"ws://127.0.0.1:{client.server.port}/classlab/api/gpu/jobs/{job['id']}/events?after=0"
    ws = await websocket_connect(HTTPRequest(url, headers=client.headers))
    try:
        while True:
            msg = await asyncio.wait_for(ws.read_message(), timeout=120)
            now = time.perf_counter()
            if msg is None:
                break
            event = json.loads(msg)
            if event["type"] == "state":
                state = event["job"]["state"]
                marks.setdefault(state, now)
                if state in TERMINAL:
                    marks["terminal"] = now
                    final = event["job"]
                    break
            elif event["type"] == "output":
                marks.setdefault("output", now)
    finally:
        ws.close()
        watcher.done.set()
        watcher.join()
    if final is None:
        raise RuntimeError(f"job {job['id']}: the events socket closed before the job ended")
    if final["state"] != "succeeded":
        raise RuntimeError(f"job {job['id']} ended {final['state']}: {final.get('reason')}")
    return {
        "id": job["id"],
        "state_in_answer": job["state"],
        "device": job["device"],
        "wall0": wall0,
        "post": t_post - t0,
        "wall_post": wall0 + (t_post - t0),
        "ws": {k: v - t0 for k, v in marks.items()},
        "file": watcher.seen,
    }


NBCLIENT_ANCHOR = """
import json, sys, time
if sys.argv[1] == "shortcut":
    sys.modules.setdefault("rfc3987_syntax", None)
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook
marks = {"imported": time.time()}

class Client(NotebookClient):
    async def async_start_new_kernel(self, **kw):
        await super().async_start_new_kernel(**kw)
        marks["kernel"] = time.time()

    def process_message(self, msg, cell, index):
        if msg["msg_type"] == "stream":
            marks.setdefault("output", time.time())
        return super().process_message(msg, cell, index)

nb = new_notebook(cells=[new_code_cell(sys.argv[2])])
Client(nb, kernel_name="python3", shutdown_kernel="immediate").execute()
marks["done"] = time.time()
print(json.dumps(marks))
"""


def _nbclient_anchor(mode: str, cwd: Path, env: dict[str, str]) -> dict[str, float]:
    """A plain nbclient run of the same cell in a subprocess: seconds from spawn to each mark."""
    spawn = time.time()
    proc = subprocess.run(
        [sys.executable, "-c", NBCLIENT_ANCHOR, mode, CELL], cwd=cwd, env=env, capture_output=True, text=True
    )
    exited = time.time()
    if proc.returncode != 0:
        raise RuntimeError(f"nbclient anchor failed: {proc.stderr[-1000:]}")
    marks = json.loads(proc.stdout.strip().splitlines()[-1])
    return {**{k: v - spawn for k, v in marks.items()}, "exit": exited - spawn}


def _records(db: Path) -> dict[str, dict[str, Any]]:
    """The queue's own records (server clock, full precision): id -> created, started, ended, state, user, n."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        con.row_factory = sqlite3.Row
        rows = con.execute("SELECT id, n, user, state, created, started, ended FROM jobs ORDER BY n").fetchall()
        return {row["id"]: dict(row) for row in rows}
    finally:
        con.close()


def measure_start(tmp: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    state = tmp / "server"
    data_dir = state / "gpu"
    env = isolated_env(state)
    (Path(env["JUPYTER_CONFIG_DIR"]) / "jupyter_server_config.py").write_text(
        textwrap.dedent(
            f"""\
            c.ClassLabBridgeApp.gpu_backend = "local"
            c.ClassLabBridgeApp.gpu_cpu_slots = 1
            c.ClassLabBridgeApp.gpu_data_dir = {str(data_dir)!r}
            """
        )
    )
    server = start_server("gpu", state)
    try:
        client = Client(server)
        status, info = client.call("GET", "/classlab/api/gpu/info")
        if status != 200:
            raise RuntimeError(f"GET classlab/api/gpu/info: {status} {info[:300]!r}")
        info_json = json.loads(info)
        anchors: dict[str, list[float]] = {"info": [], "status": []}
        jobs: list[dict[str, Any]] = []
        nbclient: dict[str, list[dict[str, float]]] = {"plain": [], "shortcut": []}
        anchor_env = dict(os.environ, CUDA_VISIBLE_DEVICES="")
        loop = asyncio.new_event_loop()
        try:
            for i in range(WARMUP_JOBS + START_JOBS):
                for _ in range(2):
                    anchors["info"].append(client.timed("GET", "/classlab/api/info"))
                    anchors["status"].append(client.timed("GET", "/api/status"))
                job = loop.run_until_complete(_one_job(client, data_dir))
                if i >= WARMUP_JOBS:
                    jobs.append(job)
                # The anchor runs interleaved with the jobs, on the same machine state.
                k = i - WARMUP_JOBS
                if k >= 0 and k % max(1, START_JOBS // NBCLIENT_RUNS) == 0 and len(nbclient["plain"]) < NBCLIENT_RUNS:
                    for mode in ("plain", "shortcut"):
                        nbclient[mode].append(_nbclient_anchor(mode, state / "root", anchor_env))
        finally:
            loop.close()
            client.conn.close()
    finally:
        server.stop()
    records = _records(data_dir / "queue.sqlite")
    for job in jobs:
        job["record"] = records[job["id"]]
    return _start_rows(jobs, anchors, nbclient, info_json)


def _start_rows(
    jobs: list[dict[str, Any]],
    anchors: dict[str, list[float]],
    nbclient: dict[str, list[dict[str, float]]],
    info: dict[str, Any],
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    info_anchor = statistics.median(anchors["info"])
    shortcut = [m["output"] for m in nbclient["shortcut"]]
    nbclient_anchor = statistics.median(shortcut) if shortcut else None

    def row(section: str, measure: str, values: list[float], target: bool = False, **extra: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"section": section, "measure": measure, "n": len(values), **_stats_ms(values)}
        if section == SECTION_START:
            ratio = statistics.median(values) / info_anchor
            out["median / GET info"] = _r(ratio, 2 if ratio < 10 else 1)
        else:
            out["median / nbclient run"] = _r(statistics.median(values) / nbclient_anchor, 2) if nbclient_anchor else ""
        if section == SECTION_START:
            out[f"≤ {TARGET_MS:.0f} ms (median, p95)"] = (
                ("met" if statistics.median(values) * 1000 <= TARGET_MS else "missed")
                + " / "
                + ("met" if _p95(values) * 1000 <= TARGET_MS else "missed")
                if target
                else ""
            )
        return {**out, **extra}

    rec = [j["record"] for j in jobs]
    start_rows = [
        row(SECTION_START, "GET classlab/api/info round trip (anchor)", anchors["info"]),
        row(SECTION_START, "GET /api/status round trip", anchors["status"]),
        row(
            SECTION_START, "POST jobs → 201 answer (the job is already running in it)", [j["post"] for j in jobs], True
        ),
        row(
            SECTION_START,
            "POST jobs → first state: running on the events WebSocket (what the panel shows)",
            [j["ws"]["running"] for j in jobs],
            True,
        ),
        row(
            SECTION_START,
            "  of which: request sent → job recorded (queue: created)",
            [r["created"] - j["wall0"] for r, j in zip(rec, jobs)],
        ),
        row(
            SECTION_START,
            "  of which: created → started, runner launched (queue.sqlite)",
            [r["started"] - r["created"] for r in rec],
        ),
        row(
            SECTION_START,
            "  of which: started → 201 answer received",
            [j["wall_post"] - r["started"] for r, j in zip(rec, jobs)],
        ),
        row(
            SECTION_START,
            "  of which: 201 answer → running on the WebSocket (connect + replay)",
            [j["ws"]["running"] - j["post"] for j in jobs],
        ),
    ]
    kernel_rows = [
        row(
            SECTION_KERNEL,
            "started → runner wrote `kernel` (runner imports, kernel process launched)",
            [j["file"]["kernel"] - r["started"] for r, j in zip(rec, jobs)],
        ),
        row(
            SECTION_KERNEL,
            "`kernel` → first output written (kernel ready, cell runs)",
            [j["file"]["output"] - j["file"]["kernel"] for j in jobs],
        ),
        row(
            SECTION_KERNEL,
            "started → first output written (kernel start-up, ours)",
            [j["file"]["output"] - r["started"] for r, j in zip(rec, jobs)],
        ),
        row(
            SECTION_KERNEL,
            "running → first output on the WebSocket (client)",
            [j["ws"]["output"] - j["ws"]["running"] for j in jobs],
        ),
        row(
            SECTION_KERNEL,
            "first output written → on the WebSocket (output latency: the queue reads it, the socket sends it)",
            [j["wall0"] + j["ws"]["output"] - j["file"]["output"] for j in jobs],
        ),
        row(
            SECTION_KERNEL,
            "result written → job ended (kernel shutdown, runner exit, the queue notices)",
            [r["ended"] - j["file"]["result"] for r, j in zip(rec, jobs)],
        ),
        row(
            SECTION_KERNEL,
            "POST jobs → terminal state on the WebSocket (whole job)",
            [j["ws"]["terminal"] for j in jobs],
        ),
        row(
            SECTION_KERNEL,
            "nbclient run (anchor): subprocess with the runner's import shortcut, spawn → kernel",
            [m["kernel"] for m in nbclient["shortcut"]],
        ),
        row(SECTION_KERNEL, "nbclient run (anchor): the same, spawn → first output", shortcut),
        row(
            SECTION_KERNEL,
            "plain nbclient subprocess (as installed), spawn → first output",
            [m["output"] for m in nbclient["plain"]],
        ),
    ]
    ours = statistics.median([j["file"]["output"] - r["started"] for r, j in zip(rec, jobs)])
    plain = statistics.median([m["output"] for m in nbclient["plain"]]) if nbclient["plain"] else None
    like = statistics.median([m["output"] for m in nbclient["shortcut"]]) if nbclient["shortcut"] else None
    answered = {j["state_in_answer"] for j in jobs}
    notes = [
        {
            "section": SECTION_START,
            "note": f"Queue: {info.get('backend')} in the server, device {info.get('device')!r} ({info.get('slots')} "
            f"slot{'s' if info.get('slots') != 1 else ''}; this machine has no GPU, so jobs run on the CPU), "
            f"isolated {info.get('isolated')}. {len(jobs)} sequential one-cell jobs (`{CELL}`) after "
            f"{WARMUP_JOBS} warm-up jobs, each submitted when the previous one had ended (the slot is free); "
            "one keep-alive HTTP connection with the token (as a browser tab), a new WebSocket per job as the "
            "panel opens it after the POST. State in the 201 answer: "
            f"{', '.join(sorted(answered))} (LocalQueue dispatches inside the POST, so the answer already says "
            "running). 'of which' rows split the WebSocket figure with the queue's own float timestamps from "
            "queue.sqlite (the job JSON's are to the second); same machine, same clock. Anchor: GET "
            "classlab/api/info on the same connection, 2 per job, interleaved.",
        }
    ]
    kernel_notes = [
        {
            "section": SECTION_KERNEL,
            "note": "Not part of the 50 ms: from its start on, a job runs a fresh Python (the runner, which imports "
            "nbclient), which starts a fresh kernel of the notebook's kernel spec and waits for it to be ready. "
            "File rows: the job's events.jsonl watched every 2 ms by the bench (the runner writes `kernel` once "
            "the kernel process runs, outputs as they come, `result` last) against the queue's `started` and "
            "`ended`. The runner rings the queue (a byte on a pipe) after each line and the queue watches its exit "
            "(pidfd), so 'output latency' (the file's first output line → the same on the client's WebSocket) is "
            "the queue reading and sending it, with no poll; the bench looks at the file every 2 ms from a thread "
            "of the client's process, so a few ms either way (even below 0) is as fast as it can tell. Anchor "
            f"(median of {len(shortcut)}, interleaved with the jobs): `python -c` running nbclient on the same "
            "cell in a subprocess, spawn to the first stream message, with the runner's import shortcut "
            "(`sys.modules['rfc3987_syntax'] = None`: nbformat's jsonschema otherwise builds an IRI grammar at "
            "import), so like for like; the plain row is nbclient as installed. Medians: ours "
            f"{ours * 1000:.0f} ms"
            + (f", nbclient run {like * 1000:.0f} ms (ours / that {ours / like:.2f})" if like else "")
            + (f", plain nbclient {plain * 1000:.0f} ms (ours / plain {ours / plain:.2f})" if plain else "")
            + ".",
        }
    ]
    data = {"jobs": jobs, "anchors": anchors, "nbclient": nbclient, "info": info}
    return start_rows + notes + kernel_rows + kernel_notes, data


# -- 3: scheduling, fake clock ----------------------------------------------------------------------------------


def workload(kind: str, seed: int = 7) -> tuple[list[tuple[float, str]], list[float]]:
    """(submission time s, user) in submission order, and each job's run time (s), from a fixed seed.

    ``bursts``: each user comes once in the first 15 minutes and sends their 10 jobs in bursts of 1–4 (2 s apart
    within a burst, about 2 minutes between bursts): a class at work. ``at once``: all 500 at t = 0, each user's 10
    back to back, one user after the other (FIFO's worst case)."""
    rng = random.Random(seed)
    subs: list[tuple[float, str]] = []
    for u in range(USERS):
        user = f"user{u:02d}"
        if kind == "at once":
            subs += [(0.0, user)] * JOBS_PER_USER
            continue
        t, left = rng.uniform(0, 900), JOBS_PER_USER
        while left:
            burst = min(left, rng.randint(1, 4))
            subs += [(t + 2.0 * k, user) for k in range(burst)]
            left -= burst
            t += 2.0 * burst + rng.expovariate(1 / 120)
    subs.sort(key=lambda s: s[0])  # stable: "at once" keeps its per-user order
    durations = [rng.lognormvariate(4.1, 0.6) for _ in subs]  # median e^4.1 ≈ 60 s, mean ≈ 72 s
    return subs, durations


def simulate(
    subs: list[tuple[float, str]], durations: list[float], policy: str, slots: int = SLOTS, max_running: int = 1
) -> dict[str, Any]:
    """An event-driven run of the queue on a fake clock, as LocalQueue dispatches: after every submission and every
    job end, ``plan(...)[0]`` starts while a slot is free (fair share), or the oldest waiting job (FIFO); at every
    submission the positions of all waiting jobs are computed, as the panel shows them. Times only plan()."""
    waiting: dict[int, tuple[str, int]] = {}  # index -> (user, order)
    running: list[tuple[float, int, str, float]] = []  # (end, index, user, start) heap
    finished: list[tuple[float, float]] = []  # (end, duration)
    last_start: dict[str, int] = {}
    dispatch_no = 0
    starts: dict[int, float] = {}
    order: list[int] = []
    decide_s: list[float] = []
    position_s: list[float] = []
    max_waiting = 0
    now = 0.0

    def median() -> Optional[float]:
        recent = [d for _, d in sorted(finished, reverse=True)[:20]]
        return fairshare.median_duration(recent)

    def plan_now() -> list[fairshare.Planned]:
        med = median()
        expected = fairshare.expected_duration(TIME_LIMIT, med)
        w = [fairshare.Waiting(str(i), user, n, expected) for i, (user, n) in waiting.items()]
        r = [
            fairshare.Running(user, fairshare.expected_remaining(now - st, TIME_LIMIT, med))
            for _, _, user, st in running
        ]
        return fairshare.plan(w, r, last_start, slots, max_running)

    def dispatch() -> None:
        nonlocal dispatch_no
        while waiting and len(running) < slots:
            if policy == "fifo":
                index = min(waiting, key=lambda i: waiting[i][1])
            else:
                t0 = time.perf_counter()
                planned = plan_now()
                decide_s.append(time.perf_counter() - t0)
                if not planned or planned[0].start_in != 0:
                    break
                index = int(planned[0].job_id)
            user, _ = waiting.pop(index)
            dispatch_no += 1
            last_start[user] = dispatch_no
            starts[index] = now
            order.append(index)
            heapq.heappush(running, (now + durations[index], index, user, now))

    i = 0
    while i < len(subs) or running:
        next_end = running[0][0] if running else float("inf")
        if i < len(subs) and subs[i][0] <= next_end:
            now = subs[i][0]
            waiting[i] = (subs[i][1], i)
            max_waiting = max(max_waiting, len(waiting))
            if policy != "fifo":
                t0 = time.perf_counter()
                plan_now()
                position_s.append(time.perf_counter() - t0)
            i += 1
        else:
            now = next_end
            while running and running[0][0] <= now:
                end, _, _, st = heapq.heappop(running)
                finished.append((end, end - st))
        dispatch()
    waits: dict[str, list[float]] = {}
    for index, (t, user) in enumerate(subs):
        waits.setdefault(user, []).append(starts[index] - t)
    return {
        "order": order,
        "starts": starts,
        "waits": waits,
        "decide_s": decide_s,
        "position_s": position_s,
        "max_waiting": max_waiting,
        "makespan": now,
    }


def _plan_all_500() -> list[float]:
    """Wall time of one plan of 500 waiting jobs from 50 users, 4 running (every position the panel shows)."""
    subs, durations = workload("at once")
    jobs = [fairshare.Waiting(str(i), user, i, 60.0) for i, (_, user) in enumerate(subs)]
    running = [fairshare.Running(f"user{u:02d}", 30.0) for u in range(SLOTS)]
    timings = []
    for _ in range(10):
        t0 = time.perf_counter()
        planned = fairshare.plan(jobs, running, {}, SLOTS, 1)
        timings.append(time.perf_counter() - t0)
    assert len(planned) == len(jobs)
    return timings


def measure_scheduling() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    data: dict[str, Any] = {}
    for kind in ("bursts", "at once"):
        subs, durations = workload(kind)
        fair, fifo = simulate(subs, durations, "fair"), simulate(subs, durations, "fifo")
        fifo_f = _fairness(fifo["waits"])
        data[kind] = {"fair_order": fair["order"], "fifo_order": fifo["order"]}
        for label, result in (("fair share (ours)", fair), ("FIFO (anchor)", fifo)):
            f = _fairness(result["waits"])
            decide, position = result["decide_s"], result["position_s"]
            rows.append(
                {
                    "section": SECTION_SCHED,
                    "workload": f"{kind}: most waiting {result['max_waiting']}",
                    "policy": label,
                    "decisions": len(result["order"]),
                    "decision ms median / max": f"{statistics.median(decide) * 1000:.2f} / {max(decide) * 1000:.2f}"
                    if decide
                    else "",
                    "decisions/s": round(len(decide) / sum(decide)) if decide else "",
                    "all positions ms median / max": f"{statistics.median(position) * 1000:.2f} / "
                    f"{max(position) * 1000:.2f}"
                    if position
                    else "",
                    "mean wait per user min / max (min)": f"{f['min'] / 60:.1f} / {f['max'] / 60:.1f}",
                    "spread max/min": _r(f["spread"], 2),
                    "Jain's index": _r(f["jain"], 3),
                    "spread / FIFO spread": _r(f["spread"] / fifo_f["spread"], 3),
                    "data": {k: v for k, v in f.items()},
                }
            )
    plan500 = _plan_all_500()
    med = statistics.median(plan500)
    rows.append(
        {
            "section": SECTION_SCHED,
            "note": f"One plan of all 500 waiting jobs (50 users, 4 running; every position the panel shows): "
            f"{med * 1000:.2f} ms median of 10 (min {min(plan500) * 1000:.2f}, max {max(plan500) * 1000:.2f}), "
            f"{500 / med:,.0f} positions/s. Simulation: an event-driven run on a fake clock with 4 slots, one "
            "running job per user, run times lognormal (median 60 s, σ 0.6, seed 7; mean ≈ 72 s, so the 500 jobs "
            "keep the slots busy for about 2½ h); after each submission and each job end the first job of "
            "`fairshare.plan` starts while a slot is free, exactly as LocalQueue dispatches (expected run time = "
            "the median of the last 20 finished, the time limit before any). A decision is one such plan "
            "(O((waiting + running) log users): a heap of the users who may start); 'all positions' is the plan "
            "made at each submission. Waits are start − "
            "submission. FIFO: the oldest waiting job on any free slot, no per-user limit, same submissions and "
            "run times, computed in the same run (the anchor). Jain's index of the per-user mean waits: 1 = all "
            "equal.",
        }
    )
    data["plan_500_s"] = plan500
    return rows, data


# -- 3b: the same through LocalQueue, stand-in runners ----------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = EPOCH

    def __call__(self) -> float:
        return self.now


class StandInRunner:
    """Takes the runner's place in ``subprocess.Popen``: no process; it 'exits' (writing its ``result`` line through
    the events descriptor the queue opened for it, as the runner does) when the fake clock reaches its run time."""

    clock: FakeClock
    duration: Callable[[str], float]

    def __init__(self, args: list[str], env: dict[str, str], **_: Any) -> None:
        self.fd = os.dup(int(args[args.index("--events-fd") + 1]))
        self.job = env[JOB_ENV]
        self.end = self.clock.now + self.duration(self.job)
        self.pid = None  # nothing to signal
        self.returncode: Optional[int] = None

    def poll(self) -> Optional[int]:
        if self.returncode is None and self.clock.now >= self.end:
            joblog.append_fd(self.fd, {"type": "result", "status": "succeeded", "error": None})
            os.close(self.fd)
            self.returncode = 0
        return self.returncode


class _StandInSubprocess:
    Popen = StandInRunner


async def _queue_sim(tmp: Path, subs: list[tuple[float, str]], durations: list[float]) -> dict[str, Any]:
    clock = FakeClock()
    workdir = tmp / "notebooks"
    workdir.mkdir()
    queue = local_queue.LocalQueue(
        data_dir=tmp / "queue",
        cpu_slots=SLOTS,
        max_queued_per_user=JOBS_PER_USER,
        poll_interval=3600,  # the watcher stays asleep: the bench calls its tick when the fake clock says
        clock=clock,
        environ={"CUDA_VISIBLE_DEVICES": ""},
    )
    StandInRunner.clock = clock
    # The run time of the job with this id: the n-th submission's, n from its record.
    StandInRunner.duration = staticmethod(lambda job_id: durations[queue._db().get(job_id).n - 1])  # type: ignore
    cells = [JobCell("c1", CELL, True)]
    submit_s: list[tuple[int, float]] = []  # (waiting before, seconds)
    tick_s: list[float] = []
    real = local_queue.subprocess
    local_queue.subprocess = _StandInSubprocess  # type: ignore[assignment]
    try:
        await queue.start()
        i = 0
        while i < len(subs) or queue._runs:
            next_end = min((run.proc.end for run in queue._runs.values()), default=float("inf"))  # type: ignore
            if i < len(subs) and EPOCH + subs[i][0] <= next_end:
                clock.now = EPOCH + subs[i][0]
                waiting = len(queue._db().waiting())
                t0 = time.perf_counter()
                await queue.submit(GpuUser(subs[i][1]), JobBundle("gpu-bench.ipynb", "python3", cells, workdir))
                submit_s.append((waiting, time.perf_counter() - t0))
                i += 1
            else:
                clock.now = next_end
                t0 = time.perf_counter()
                queue._tick()  # reads runner lines, ends the job, dispatches the next, wakes subscribers
                tick_s.append(time.perf_counter() - t0)
        records = sorted(queue._db().in_states(TERMINAL), key=lambda r: r.dispatch_no or 0)
        order = [r.n - 1 for r in records]
        states = {r.state for r in records}
        events_bytes, state_lines = 0, 0
        for path in (tmp / "queue" / "jobs").glob(f"*/{joblog.EVENTS}"):
            events_bytes += path.stat().st_size
            state_lines += sum(1 for _, e in joblog.read_all(path) if e.get("type") == "state")
    finally:
        local_queue.subprocess = real  # type: ignore[assignment]
        await queue.close()
    return {
        "submit_s": submit_s,
        "tick_s": tick_s,
        "order": order,
        "states": sorted(states),
        "events_bytes": events_bytes,
        "state_lines": state_lines,
    }


def measure_queue_sim(tmp: Path, fair_order: list[int]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    subs, durations = workload("bursts")
    result = asyncio.run(_queue_sim(tmp, subs, durations))
    submits = [s for _, s in result["submit_s"]]
    shallow = [s for w, s in result["submit_s"] if w <= 50]
    deep = [s for w, s in result["submit_s"] if w >= 300]
    ticks = result["tick_s"]

    def row(step: str, values: list[float]) -> dict[str, Any]:
        return {
            "section": SECTION_QUEUE,
            "step": step,
            "n": len(values),
            **_stats_ms(values),
            "total s": _r(sum(values), 2),
            "per s": round(len(values) / sum(values)) if values else None,
        }

    rows = [
        row("submit (checks, record, positions, dispatch)", submits),
        row("  submit with ≤ 50 waiting", shallow),
        row("  submit with ≥ 300 waiting", deep),
        row("job end → next start (one watcher pass: end, dispatch, wake subscribers)", ticks),
    ]
    same = result["order"] == fair_order
    rows.append(
        {
            "section": SECTION_QUEUE,
            "note": f"The 'bursts' workload above, through `LocalQueue` (4 CPU slots, max_queued_per_user 10) with its "
            "SQLite records and event files in a temp dir; the runner process is replaced by a stand-in (no "
            "process: `subprocess.Popen` in local.py swapped for the run, it 'exits' with a result line when the "
            "fake clock passes its run time) and the watcher's tick is called by the bench when a job is due, so "
            "these are the queue's own costs on the server's event loop. Start order the same as the "
            f"fairshare.plan simulation: {'yes' if same else 'NO'}; end states {', '.join(result['states'])}. "
            f"State events written: {result['state_lines']:,} ({result['state_lines'] / len(subs):.0f} per job: "
            "queued, running, the end; a waiting job's new places are sent live to its sockets, never written), "
            f"events.jsonl in all {result['events_bytes'] / 1e6:.2f} MB, all of it replayed to a socket that "
            "connects with after=0.",
        }
    )
    return rows, {k: v for k, v in result.items() if k != "order"}


# -- 4: real jobs, 6 users, 1 CPU slot --------------------------------------------------------------------------


def e2e_workload(seed: int = 11) -> list[tuple[float, str]]:
    """6 users × 5 jobs, each user's in bursts of 1–3 jobs, the bursts shuffled over the first 3 s."""
    rng = random.Random(seed)
    bursts: list[tuple[float, str, int]] = []
    for u in range(E2E_USERS):
        left = E2E_JOBS_PER_USER
        while left:
            size = min(left, rng.randint(1, 3))
            bursts.append((rng.uniform(0, 3.0), "ABCDEFGH"[u], size))
            left -= size
    subs = []
    for t, user, size in bursts:
        subs += [(t + 0.05 * k, user) for k in range(size)]
    return sorted(subs)


async def _e2e(tmp: Path, subs: list[tuple[float, str]]) -> list[dict[str, Any]]:
    workdir = tmp / "notebooks"
    workdir.mkdir()
    queue = local_queue.LocalQueue(
        data_dir=tmp / "queue",
        cpu_slots=1,
        max_queued_per_user=E2E_JOBS_PER_USER,
        environ={"CUDA_VISIBLE_DEVICES": ""},  # one CPU slot even where a GPU is found
    )
    cells = [JobCell("c1", "pass", True)]
    teacher = GpuUser("teacher", teacher=True)
    try:
        await queue.start()
        t0 = time.monotonic()
        for t, user in subs:
            await asyncio.sleep(max(0.0, t0 + t - time.monotonic()))
            await queue.submit(GpuUser(user), JobBundle("gpu-bench.ipynb", "python3", cells, workdir))
        deadline = time.monotonic() + 60 + 10 * len(subs)
        while True:
            jobs = await queue.list(teacher, all_users=True)
            if all(j["state"] not in (QUEUED, RUNNING) for j in jobs):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("real jobs did not all end in time")
            await asyncio.sleep(0.2)
        bad = [j for j in jobs if j["state"] != "succeeded"]
        if bad:
            raise RuntimeError(f"{len(bad)} real jobs did not succeed: {bad[0].get('reason')}")
    finally:
        await queue.close(stop_running=True)
    return list(_records(tmp / "queue" / "queue.sqlite").values())


def measure_e2e(tmp: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    subs = e2e_workload()
    records = asyncio.run(_e2e(tmp, subs))  # in submission order (n)
    by_start = sorted(records, key=lambda r: r["started"])
    order = "".join(r["user"] for r in by_start)
    fifo_order = "".join(r["user"] for r in records)
    waits: dict[str, list[float]] = {}
    for r in records:
        waits.setdefault(r["user"], []).append(r["started"] - r["created"])
    # FIFO anchor: the same submissions (created) and each job's measured run time, one slot, oldest first.
    fifo_waits: dict[str, list[float]] = {}
    free_at = 0.0
    for r in records:
        start = max(r["created"], free_at)
        free_at = start + (r["ended"] - r["started"])
        fifo_waits.setdefault(r["user"], []).append(start - r["created"])
    fair_f, fifo_f = _fairness(waits), _fairness(fifo_waits)
    runs = [r["ended"] - r["started"] for r in records]
    gaps = [b["started"] - a["ended"] for a, b in zip(by_start, by_start[1:])]

    def group(s: str) -> str:
        return " ".join(s[k : k + E2E_USERS] for k in range(0, len(s), E2E_USERS))

    rows = [
        {
            "section": SECTION_E2E,
            "policy": label,
            "jobs": len(records),
            "start order (users A–F)": group(seq),
            "mean wait per user min / max (s)": f"{f['min']:.1f} / {f['max']:.1f}",
            "spread max/min": _r(f["spread"], 2),
            "Jain's index": _r(f["jain"], 3),
            "spread / FIFO spread": _r(f["spread"] / fifo_f["spread"], 3),
        }
        for label, seq, f in (
            ("fair share (LocalQueue, measured)", order, fair_f),
            ("FIFO (anchor: same submissions and run times, computed)", fifo_order, fifo_f),
        )
    ]
    rows.append(
        {
            "section": SECTION_E2E,
            "note": f"{E2E_USERS} users × {E2E_JOBS_PER_USER} one-cell jobs (`pass`), each user's in bursts of 1–3 "
            "submitted 50 ms apart, the bursts shuffled over the first 3 s (seed 11), through `LocalQueue` in the "
            "bench's process (1 CPU slot, one running job per user), each job a real runner "
            "process with a fresh kernel. Submission order: "
            f"{group(fifo_order)}. Waits from queue.sqlite (created → started). Run time per job (started → "
            f"ended: runner, kernel start, cell, shutdown) median {statistics.median(runs):.2f} s "
            f"(min {min(runs):.2f}, max {max(runs):.2f}); queue's ended → next started median "
            f"{statistics.median(gaps) * 1000:.1f} ms, max {max(gaps) * 1000:.1f} ms (the next job starts in the "
            "watcher pass that notices the end, woken by the runner's exit: see 'result written → job ended' "
            "above).",
        }
    )
    return rows, {"records": records}


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    data: dict[str, Any] = {}
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="classlab-bench-gpu-") as name:
        tmp = Path(name)
        t = time.monotonic()
        sched_rows, data["scheduling"] = measure_scheduling()
        timings["scheduling"] = time.monotonic() - t
        if QUEUE_SIM:
            t = time.monotonic()
            (tmp / "sim").mkdir()
            queue_rows, data["queue_sim"] = measure_queue_sim(tmp / "sim", data["scheduling"]["bursts"]["fair_order"])
            timings["queue_sim"] = time.monotonic() - t
        else:
            queue_rows = [{"section": SECTION_QUEUE, "step": "skipped: CLASSLAB_BENCH_GPU_QUEUE_SIM=0"}]
        t = time.monotonic()
        start_rows, data["start"] = measure_start(tmp)
        timings["start"] = time.monotonic() - t
        t = time.monotonic()
        (tmp / "e2e").mkdir()
        e2e_rows, data["e2e"] = measure_e2e(tmp / "e2e")
        timings["e2e"] = time.monotonic() - t
    rows = start_rows + sched_rows + queue_rows + e2e_rows
    rows.append(
        {
            "section": SECTION_E2E,
            "note": "Parts took " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()) + ".",
        }
    )
    rows[0]["data"] = data
    return rows
