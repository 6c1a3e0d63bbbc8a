"""The embedded ``local`` GPU queue: slots on this machine's GPUs (or its CPU), fair share, quota ledger, runners.

Construct it with keyword settings (each maps 1:1 to a traitlet of the bridge or the Hub service), then ``await
start()`` (every call also starts it when needed) and ``await close()`` when the server stops::

    LocalQueue(
        data_dir=Path,                    # holds queue.sqlite and jobs/<id>/ (job.json, events.jsonl, runner.log)
        gpu_slots=None,                   # slots when GPUs are found (default: one per GPU; slot i uses GPU i % n)
        cpu_slots=1,                      # slots when no GPU is found (jobs then run on the CPU, device "cpu")
        quota_seconds=36000,              # GPU-seconds per user per period
        quota_period="none",              # "none" (one budget for the term) | "day" | "week" | "month" (UTC)
        time_limit=1800,                  # default per-job limit, seconds
        max_time_limit=7200,              # the most a job may ask for
        max_running_per_user=1,
        max_queued_per_user=5,            # queued + running; more is a 429
        max_output_bytes=2 * 1024 * 1024, # per job; past it a notice and output_truncated
        max_jobs_listed=50,               # also how many of a user's jobs keep their files (older ones: records only)
        context="above",                  # "above" | "tagged": reported by info(); the bundle already says which cells
        max_bundle_bytes=50 * 1024 * 1024,# reported by info() (the handler or service enforces it on upload)
        kill_grace=5.0,                   # seconds between SIGTERM and SIGKILL of a job's process groups
        poll_interval=0.2,                # how often running jobs' limits are looked at (new runner lines and a
                                          # runner's exit wake the queue at once; with nothing running it sleeps)
        startup_timeout=120,              # seconds a kernel may take to start
        clock=time.time,                  # wall clock for records, limits and the ledger (tests pass a fake one)
        python=sys.executable,            # runs ``-m classlab_bridge.gpu.runner``
        environ=None,                     # where GPUs are looked for (default os.environ)
        job_env=None,                     # base environment of jobs (default os.environ without server secrets)
        kernel_specs=None,                # a jupyter_client KernelSpecManager (default: a new one)
        isolate_jobs="off",               # "on" | "auto" | "off": jobs under accounts of their own (see Trust below)
        job_uids="61000-61063",           # the uids (and gids) isolated jobs run as, one per running job
    )

Public calls are the GpuQueue interface (queue.py, PROTOCOL.md): ``info``, ``submit``, ``list``, ``get``, ``cancel``,
``events``, ``quota``, ``close(stop_running=False)``; ``close`` leaves running jobs to the restart rules unless
``stop_running`` is set, which ends them ``interrupted`` now (and charges them), as a server shutdown should.

Details PROTOCOL.md leaves open, decided here:
- A job has two process groups, the runner's (its own session) and its kernel's (jupyter_client always starts a kernel
  in a session of its own); cancel, time limit and quota signal both (isolated: the runner's group and every process
  of the job's uid), SIGTERM then SIGKILL after ``kill_grace``.
- GPU time charged = from the start to the moment the job was told to stop (cancel, time limit, the instant the quota
  ran out) or ended by itself, never more than its time limit: kill latency and polling are not the student's.
  After a restart an interrupted job is charged up to its last sign of life (now if it was still running).
- ``output`` events of displays carry the kernel's ``display_id`` beside the output, for ``update`` events.
- The output cap counts every output and update event a job wrote (a clear does not give bytes back), which keeps
  its events file, and so every replay, bounded.

Trust (DESIGN.md §2: the quota is the queue's; PROTOCOL.md "Trust"). A job's code is the student's. Isolated, each
running job has a uid of ``job_uids`` no other running job has (isolation.py); the runner is started already switched
to it, with ``umask 077``, HOME and TMPDIR in a home of its own, and without the queue's secrets in its environment
(``SECRET_ENV``); the queue's own process, with its token in ``/proc/<pid>/environ``, is another account's. Layout::

    <data_dir>/                  0711 queue's account: passable, not listable (jobs reach homes/ and scratch/)
      queue.sqlite (-wal, -shm)  0600 queue's: records and the ledger
      jobs/                      0700 queue's: <id>/job.json, events.jsonl, runner.log, uid; jobs cannot enter
      homes/<id>/                0700 the job's uid (its HOME, TMPDIR, Jupyter runtime files); removed at its end
      scratch/<folder>/          0700 the job's uid from its start (the Hub service's ``bundle.scratch`` folders,
                                 root-owned 0700 while queued); removed at its end

The runner never opens anything in ``jobs/``: the queue passes it ``job.json`` as its standard input and an
append descriptor on ``events.jsonl`` (``--events-fd``), opened before the switch; its stdout and stderr go to
``runner.log`` the same way. So a job writes its own events and nothing else of the queue's. What it writes there is
its word only: outputs, ``truncated``, ``result`` (which decides ``succeeded`` vs ``failed`` only for a job that ended
by itself, exit code 0, inside its time limit and quota: the queue's clock and the process's exit decide the rest,
and every charge is the queue's clock) and ``kernel`` (whose group is signalled only when not isolated; isolated, the
queue signals every process of the job's uid instead). A forged ``state`` line can mislabel the job's own event
stream, never its record, the ledger or another job. When the job ends, every process of its uid is killed
(daemons included), its home and scratch folder and its entries in /tmp, /var/tmp and /dev/shm removed, and only
then is the uid free again.

``isolate_jobs``: ``on`` refuses jobs (info() and submit say why; queued ones wait) unless isolation works: the
process has CAP_SETUID, CAP_SETGID, CAP_CHOWN, CAP_KILL, CAP_DAC_OVERRIDE and CAP_FOWNER (root has them), the data
dir's parents are passable by others, and ``python`` can run the runner's package under a job uid (a Python under
a root-only folder such as ``/root/.pyenv`` cannot). ``auto`` isolates when that holds and otherwise runs jobs under
the queue's own account (``isolation_problem`` says why; the Hub service logs it loudly). ``off``: the queue's account.
The Hub service defaults to ``auto``; the in-process bridge maps ``auto`` to ``off`` (settings.py): there a job runs
in the user's own notebook folder, which another account could not write, and there is no one else to protect the
ledger from. Isolated with ``on`` in the bridge, a job reads the notebook folder only as its modes allow others, and
the folder is never changed or removed.

Memory stays small whatever the jobs print: outputs are only on disk (joblog.py); the queue keeps, per running job,
its process and a file offset.

Waking: the runner rings a doorbell (one byte on a non-blocking pipe, ``--wake-fd``) after each line it writes, and
the queue watches the runner's exit through a pidfd (Linux), so outputs reach subscribers and the next job starts
within milliseconds, not at the next poll. ``poll_interval`` only paces the time limit and quota checks (and the
SIGKILL after ``kill_grace``) while jobs run; with none running the watcher sleeps until a job starts. A runner ringing
without end costs at most one watcher pass per ``MIN_TICK``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from . import fairshare, isolation, ledger
from .devices import Gpu, detect_gpus
from .joblog import EVENTS, Tail, append, open_events, read_all, replay_outputs
from .procs import JOB_ENV, group_running, kill_stale_group, signal_group
from .queue import (
    CANCELLED,
    FAILED,
    INTERRUPTED,
    QUEUED,
    QUOTA_EXHAUSTED,
    RUNNING,
    SUCCEEDED,
    TERMINAL,
    TIMED_OUT,
    GpuError,
    GpuQueue,
    GpuUser,
    JobBundle,
)
from .records import LiveEvents, RecordsMixin, failure_reason
from .store import JobRecord, JobStore
from .validate import check_cells, time_limit

log = logging.getLogger("classlab_bridge.gpu")

#: Server secrets a job must not inherit (matters where the queue runs as the Hub service, under its token).
SECRET_ENV = (
    "JUPYTERHUB_API_TOKEN",
    "JPY_API_TOKEN",
    "JUPYTER_TOKEN",
    "JUPYTERHUB_COOKIE_SECRET",
    "JUPYTERHUB_CRYPT_KEY",
    "CONFIGPROXY_AUTH_TOKEN",
)


@dataclass
class _Run:
    """What the queue holds for one running job (records stay in SQLite, outputs on disk)."""

    job_id: str
    user: str
    started: float
    time_limit: int
    slot: int
    proc: Optional[subprocess.Popen]
    tail: Tail
    kernel_pgid: Optional[int] = None
    truncated: bool = False
    result: Optional[dict[str, Any]] = None
    #: (state, reason, charge until) once it is being stopped.
    stop: Optional[tuple[str, str, float]] = None
    kill_at: Optional[float] = None
    #: Isolated: the job's uid (and gid), its home, and its scratch folder (removed at its end) if it has one.
    uid: Optional[int] = None
    home: Optional[Path] = None
    scratch: Optional[Path] = None
    #: Descriptors the event loop watches: the doorbell pipe's read end, the runner's pidfd (None once closed).
    wake_fd: Optional[int] = None
    pid_fd: Optional[int] = None


#: The least time between two watcher passes (seconds), however often runners ring.
MIN_TICK = 0.02

#: A plan (who starts next, positions, estimates) is made again after every change of the queue (submit, start, end,
#: cancel) and otherwise when older than this (seconds): estimates drift as running jobs outlive the median.
PLAN_MAX_AGE = 1.0


@dataclass
class _Plan:
    """The fair-share plan of every waiting job, made once per change and shared by the dispatcher and every reader."""

    #: The queue's clock when it was made (estimates are from then).
    at: float
    #: Median run time of the last finished jobs; None without history.
    median: Optional[float]
    jobs: dict[str, fairshare.Planned]
    #: Owner of each waiting job.
    users: dict[str, str]
    #: The job that starts next (position 1), if any.
    first: Optional[fairshare.Planned]


def _fmt_seconds(s: float) -> str:
    s = max(0, int(round(s)))
    if s >= 3600:
        return f"{s // 3600} h {s % 3600 // 60} min"
    if s >= 60:
        return f"{s // 60} min {s % 60} s"
    return f"{s} s"


class LocalQueue(RecordsMixin, GpuQueue):
    def __init__(
        self,
        *,
        data_dir: Path,
        gpu_slots: Optional[int] = None,
        cpu_slots: int = 1,
        quota_seconds: float = 36000,
        quota_period: str = "none",
        time_limit: int = 1800,
        max_time_limit: int = 7200,
        max_running_per_user: int = 1,
        max_queued_per_user: int = 5,
        max_output_bytes: int = 2 * 1024 * 1024,
        max_jobs_listed: int = 50,
        context: str = "above",
        max_bundle_bytes: int = 50 * 1024 * 1024,
        kill_grace: float = 5.0,
        poll_interval: float = 0.2,
        startup_timeout: int = 120,
        clock: Callable[[], float] = time.time,
        python: str = sys.executable,
        environ: Optional[Mapping[str, str]] = None,
        job_env: Optional[Mapping[str, str]] = None,
        kernel_specs: Any = None,
        isolate_jobs: str = "off",
        job_uids: str = "61000-61063",
    ) -> None:
        if isolate_jobs not in ("on", "auto", "off"):
            raise ValueError(f"isolate_jobs must be 'on', 'auto' or 'off', not {isolate_jobs!r}")
        self.data_dir = Path(data_dir)
        self.gpu_slots = gpu_slots
        self.cpu_slots = max(0, cpu_slots)
        self.quota_seconds = float(quota_seconds)
        self.quota_period = ledger.check_period(quota_period)
        self.time_limit = time_limit
        self.max_time_limit = max_time_limit
        self.max_running_per_user = max(1, max_running_per_user)
        self.max_queued_per_user = max(1, max_queued_per_user)
        self.max_output_bytes = max_output_bytes
        self.max_jobs_listed = max_jobs_listed
        self.context = context
        self.max_bundle_bytes = max_bundle_bytes
        self.kill_grace = kill_grace
        self.poll_interval = poll_interval
        self.startup_timeout = startup_timeout
        self.clock = clock
        self.python = python
        self.environ = environ
        if job_env is None:
            job_env = {k: v for k, v in os.environ.items() if k not in SECRET_ENV}
        self.job_env = dict(job_env)
        self._kernel_specs = kernel_specs
        self.isolate_jobs = isolate_jobs
        self.job_uids = isolation.parse_uids(job_uids) if isolate_jobs != "off" else []
        #: Whether jobs run under accounts of their own (known once started).
        self.isolated = False
        #: Why they do not, when asked to (``on``/``auto``); with ``on`` jobs are then refused.
        self.isolation_problem: Optional[str] = None
        self._accounts = isolation.Accounts(self.job_uids)
        self._cleanups: dict[int, asyncio.Future[None]] = {}
        self.gpus: list[Gpu] = []
        self.slots: list[Optional[Gpu]] = []
        self.store: Optional[JobStore] = None
        self._runs: dict[str, _Run] = {}
        self._plan_cache: Optional[_Plan] = None
        self._live: dict[str, LiveEvents] = {}
        #: Per job, the event its events() subscribers wait on (set and dropped when the job has news).
        self._waiters: dict[str, asyncio.Event] = {}
        self._task: Optional[asyncio.Task] = None
        #: Set when the watcher should look now (a runner rang or exited, a job started); made by start().
        self._wake: Optional[asyncio.Event] = None
        self._start_lock: Optional[asyncio.Lock] = None
        self._started = False
        self._closed = False

    # --- life cycle ---------------------------------------------------------------------------------------------
    async def start(self) -> None:
        """Detects GPUs, opens the records, applies the restart rules and starts the watcher (idempotent)."""
        if self._started:
            return
        if self._closed:
            raise GpuError(503, "unavailable", "The GPU queue has stopped.")
        if self._start_lock is None:
            self._start_lock = asyncio.Lock()
        async with self._start_lock:
            if self._started:
                return
            self._wake = asyncio.Event()
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, self._prepare)
            self.gpus = await loop.run_in_executor(None, detect_gpus, self.environ)
            if self.gpus:
                count = self.gpu_slots if self.gpu_slots is not None else len(self.gpus)
                self.slots = [self.gpus[i % len(self.gpus)] for i in range(max(0, count))]
            else:
                self.slots = [None] * self.cpu_slots
            self.store = JobStore(self.data_dir / "queue.sqlite")
            self._protect_records()
            await self._recover()
            if self.isolated:  # nothing of ours runs now: whatever runs under the range is left from before
                await loop.run_in_executor(None, self._sweep_accounts)
            self._task = asyncio.ensure_future(self._watch())
            self._started = True
            self._dispatch()

    async def close(self, stop_running: bool = False) -> None:
        """Stops the watcher. Running jobs are left to the restart rules, or ended ``interrupted`` if asked."""
        if self._closed or not self._started:
            self._closed = True
            return
        if stop_running and self._runs:
            now = self.clock()
            for run in list(self._runs.values()):
                self._stop(
                    run, INTERRUPTED, "The GPU queue stopped while this job ran; its outputs so far are kept.", now
                )
            deadline = time.monotonic() + self.kill_grace + 2
            while self._runs and time.monotonic() < deadline:
                await asyncio.sleep(self.poll_interval)
        self._closed = True
        for run in list(self._runs.values()):
            self._unwatch(run)
        if self._cleanups:
            await asyncio.gather(*self._cleanups.values(), return_exceptions=True)
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self._notify_all()
        if self.store is not None:
            self.store.close()

    def _prepare(self) -> None:
        """The data dir's layout and modes (module docstring), and whether jobs can be isolated."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "jobs").mkdir(mode=0o700, exist_ok=True)
        if self.isolate_jobs != "off":
            self.isolation_problem = self._isolation_check()
            self.isolated = self.isolation_problem is None
        self._chmod(self.data_dir, 0o711 if self.isolated else 0o700)
        self._chmod(self.data_dir / "jobs", 0o700)
        db = self.data_dir / "queue.sqlite"
        os.close(os.open(db, os.O_RDWR | os.O_CREAT, 0o600))
        if self.isolated:
            homes = self.data_dir / "homes"
            homes.mkdir(mode=0o711, exist_ok=True)
            self._chmod(homes, 0o711)

    def _isolation_check(self) -> Optional[str]:
        missing = isolation.missing_capabilities()
        if missing:
            return f"this process (uid {os.geteuid()}) lacks {', '.join(missing)} (run it as root in its container)."
        far = isolation.unreachable(self.data_dir / "jobs")
        if far:
            return f"the jobs' accounts cannot reach the data dir {self.data_dir}: {far}."
        fails = isolation.check_runs(self.python, self.job_env, self.job_uids[0])
        if fails:
            return f"{fails} (install it where other accounts may run it)."
        return None

    def _protect_records(self) -> None:
        """queue.sqlite and its WAL files: the queue's account only."""
        for name in ("queue.sqlite", "queue.sqlite-wal", "queue.sqlite-shm"):
            self._chmod(self.data_dir / name, 0o600)

    @staticmethod
    def _chmod(path: Path, mode: int) -> None:
        try:
            os.chmod(path, mode)
        except FileNotFoundError:
            pass
        except OSError as e:  # not ours (a shared folder): say so, go on
            log.warning("GPU queue: cannot set mode %o on %s: %s", mode, path, e)

    def _sweep_accounts(self) -> None:
        """At start: no job of ours runs, so every process under the uid range and every job home is a leftover."""
        for uid in self.job_uids:
            if isolation.kill_all(uid):
                log.warning("GPU queue: killed processes of job uid %s left from before", uid)
        homes = self.data_dir / "homes"
        for home in homes.iterdir() if homes.is_dir() else []:
            isolation.remove(home)

    async def _recover(self) -> None:
        """After a restart: running jobs become ``interrupted`` (killed if still alive); queued ones stay queued."""
        store = self._db()
        for rec in store.in_states([RUNNING]):
            path = self._events_path(rec.id)
            kernel_pgid = rec.kernel_pgid
            for _seq, event in read_all(path):
                if event.get("type") == "kernel" and event.get("pgid"):
                    kernel_pgid = int(event["pgid"])
            groups = (rec.pgid, kernel_pgid)
            killed = [kill_stale_group(pgid, rec.id) for pgid in groups]
            uid = self._job_uid(rec.id)
            if uid is not None and uid in self.job_uids:  # it ran isolated: every process of its uid is the job's
                killed.append(bool(isolation.kill_all(uid)))
                self._clean_up(rec.id, uid, self._scratch_of(rec))
            # Its last lines are written before it is marked interrupted, so they never follow the terminal event.
            deadline = time.monotonic() + 2
            while any(killed) and time.monotonic() < deadline and any(group_running(p) for p in groups):
                await asyncio.sleep(0.05)
            now = self.clock()
            # Charge up to its last sign of life: now if it was still running, else the last write to its events.
            if any(killed):
                end = now
            else:
                try:
                    end = min(now, max(rec.started or now, path.stat().st_mtime))
                except OSError:
                    end = rec.started or now
            charged = self._charge(rec, end)
            reason = "The GPU queue restarted while this job ran; its outputs so far are kept."
            self._finish(rec, INTERRUPTED, reason, now, charged, kernel_pgid=kernel_pgid)

    # --- GpuQueue -----------------------------------------------------------------------------------------------
    async def info(self) -> dict[str, Any]:
        await self.start()
        return {
            "backend": "local",
            "device": "cuda" if self.gpus else "cpu",
            "gpus": [{"index": g.index, "name": g.name} for g in self.gpus],
            "slots": len(self.slots),
            "time_limit_seconds": min(self.time_limit, self.max_time_limit),
            "max_time_limit_seconds": self.max_time_limit,
            "context": self.context,
            "max_bundle_bytes": self.max_bundle_bytes,
            "reachable": True,
            "isolated": self.isolated,
            **({"message": self._refusal()} if self._refusal() else {}),
        }

    def _refusal(self) -> Optional[str]:
        """Why no job may run (``isolate_jobs = on`` without isolation), or None."""
        if self.isolate_jobs == "on" and not self.isolated:
            return "GPU jobs are switched off: they must run under accounts of their own, but " + (
                self.isolation_problem or "isolation is not available."
            )
        return None

    async def submit(self, user: GpuUser, bundle: JobBundle) -> dict[str, Any]:
        await self.start()
        store = self._db()
        refusal = self._refusal()
        if refusal:
            raise GpuError(503, "isolation_unavailable", refusal)
        if not bundle.targets:
            check_cells(bundle, python=False)  # raises the "no target" error
        spec = self._kernel_spec(bundle.kernel)
        check_cells(bundle, python=str(getattr(spec, "language", "")).lower() == "python")
        limit = time_limit(bundle.time_limit, self.time_limit, self.max_time_limit)
        workdir = Path(bundle.workdir)
        if not workdir.is_dir():
            raise GpuError(400, "bad_request", f"The notebook's folder {bundle.notebook!r} was not found.")
        q = self._quota(user.name)
        if q["remaining_seconds"] <= 0:
            raise GpuError(403, "quota_exhausted", self._quota_message(q))
        active = store.in_states([QUEUED, RUNNING], user.name)
        if len(active) >= self.max_queued_per_user:
            raise GpuError(
                429,
                "too_many_jobs",
                f"You already have {len(active)} GPU jobs queued or running (at most {self.max_queued_per_user}). "
                "Wait for one to finish, or cancel one.",
            )
        job_id = "j_" + secrets.token_hex(8)
        job_dir = self._job_dir(job_id)
        job_dir.mkdir(parents=True)
        job_file = {
            "id": job_id,
            "kernel": bundle.kernel,
            "cells": [{"id": c.id, "source": c.source, "target": c.target} for c in bundle.cells],
            "max_output_bytes": self.max_output_bytes,
            "startup_timeout": self.startup_timeout,
            "scratch": bool(bundle.scratch),
        }
        (job_dir / "job.json").write_text(json.dumps(job_file))
        rec = store.insert(
            JobRecord(
                id=job_id,
                user=user.name,
                notebook=bundle.notebook,
                kernel=bundle.kernel,
                targets=bundle.targets,
                workdir=str(workdir.resolve()),
                state=QUEUED,
                created=self.clock(),
                time_limit=limit,
            )
        )
        self._invalidate()
        self._append_state(rec)
        self._dispatch()
        fresh = store.get(job_id)
        assert fresh is not None
        return self._job_json(fresh)

    async def list(self, user: GpuUser, all_users: bool = False) -> list[dict[str, Any]]:
        await self.start()
        who = None if all_users and user.teacher else user.name
        return [self._job_json(rec) for rec in self._db().recent(who, self.max_jobs_listed)]

    async def get(self, user: GpuUser, job_id: str) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
        await self.start()
        rec = self._visible(user, job_id)
        outputs = await asyncio.get_running_loop().run_in_executor(None, replay_outputs, self._events_path(job_id))
        return self._job_json(rec), outputs

    async def check_visible(self, user: GpuUser, job_id: str) -> None:
        """GpuError 404 unless the user may see the job: one record read, no outputs (the events socket's check)."""
        await self.start()
        self._visible(user, job_id)

    async def cancel(self, user: GpuUser, job_id: str) -> dict[str, Any]:
        await self.start()
        rec = self._visible(user, job_id)
        reason = "Cancelled by you." if rec.user == user.name else f"Cancelled by {user.name}."
        if rec.state == QUEUED:
            self._finish(rec, CANCELLED, reason, self.clock(), 0.0)
            self._dispatch()
        elif rec.state == RUNNING and job_id in self._runs:
            self._stop(self._runs[job_id], CANCELLED, reason, self.clock())
            # Answer once it really ended (SIGKILL follows SIGTERM after kill_grace), so the UI shows the truth.
            deadline = time.monotonic() + self.kill_grace + 5
            while job_id in self._runs and time.monotonic() < deadline:
                await asyncio.sleep(self.poll_interval / 2)
        fresh = self._db().get(job_id)
        assert fresh is not None
        return self._job_json(fresh)

    async def quota(self, user: GpuUser) -> dict[str, Any]:
        await self.start()
        return self._quota(user.name)

    # --- scheduling ---------------------------------------------------------------------------------------------
    def _plan(self) -> _Plan:
        """The current plan: the one made since the last change, unless older than PLAN_MAX_AGE."""
        now = self.clock()
        cached = self._plan_cache
        if cached is not None and 0 <= now - cached.at < PLAN_MAX_AGE:
            return cached
        store = self._db()
        median = fairshare.median_duration(store.recent_durations([SUCCEEDED, FAILED]))
        rows = store.waiting()
        waiting = [
            fairshare.Waiting(job_id, user, n, fairshare.expected_duration(limit, median))
            for job_id, user, n, limit in rows
        ]
        running = [
            fairshare.Running(run.user, fairshare.expected_remaining(now - run.started, run.time_limit, median))
            for run in self._runs.values()
        ]
        planned = fairshare.plan(waiting, running, store.last_starts(), len(self.slots), self.max_running_per_user)
        self._plan_cache = _Plan(
            at=now,
            median=median,
            jobs={p.job_id: p for p in planned},
            users={job_id: user for job_id, user, _n, _limit in rows},
            first=planned[0] if planned else None,
        )
        return self._plan_cache

    def _invalidate(self) -> None:
        """The queue changed (a job queued, started or ended): the next reader makes a new plan."""
        self._plan_cache = None

    def _dispatch(self) -> None:
        """Starts waiting jobs while slots are free, in fair-share order; then wakes subscribers (new places)."""
        if not self._started or self._closed:
            return
        while not self._refusal():
            busy = {run.slot for run in self._runs.values()}
            free = [i for i in range(len(self.slots)) if i not in busy]
            if not free:
                break
            first = self._plan().first
            if first is None or first.start_in != 0:
                break
            rec = self._db().get(first.job_id)
            assert rec is not None
            uid = None
            if self.isolated:
                uid = self._accounts.take()
                if uid is None:
                    break  # every uid is running a job or being cleaned up after one: the next end frees one
            self._start_job(rec, free[0], uid)
        # Places may have changed: every subscriber looks (a waiting job's gets a live state event if so).
        self._notify_all()

    def _start_job(self, rec: JobRecord, slot: int, uid: Optional[int] = None) -> None:
        """Starts the runner on ``slot``; isolated, under ``uid`` (taken for it by ``_dispatch``)."""
        store = self._db()
        now = self.clock()
        q = self._quota(rec.user)
        if q["remaining_seconds"] <= 0:
            if uid is not None:
                self._accounts.give_back(uid)
            reason = "Your GPU time ran out before this job could start. " + self._quota_message(q)
            self._finish(rec, QUOTA_EXHAUSTED, reason, now, 0.0)
            return
        gpu = self.slots[slot]
        env = dict(self.job_env)
        env["CUDA_VISIBLE_DEVICES"] = gpu.visible_id if gpu else ""
        env[JOB_ENV] = rec.id
        env["PYTHONUNBUFFERED"] = "1"
        job_dir = self._job_dir(rec.id)
        scratch = self._scratch_of(rec)
        home = None
        events_fd = None
        proc: Optional[subprocess.Popen] = None
        wake_r, wake_w = os.pipe()  # the runner's doorbell; neither end is inherited unless passed
        os.set_blocking(wake_r, False)
        os.set_blocking(wake_w, False)  # shared with the runner's copy: a full pipe never blocks it
        try:
            if uid is not None:
                (job_dir / "uid").write_text(str(uid))  # for the restart rules: whose processes to kill
                home = self._home_dir(rec.id)
                isolation.make_home(home, uid)
                if scratch is not None:
                    isolation.hand_over(scratch, uid)
                env = isolation.job_env(env, home, uid)
            events_fd = open_events(self._events_path(rec.id))
            with open(job_dir / "job.json", "rb") as job_file, open(job_dir / "runner.log", "ab") as runner_log:
                proc = subprocess.Popen(
                    [
                        *(self.python, "-m", "classlab_bridge.gpu.runner"),
                        *("--events-fd", str(events_fd), "--wake-fd", str(wake_w)),
                    ],
                    cwd=rec.workdir,
                    env=env,
                    stdin=job_file,
                    stdout=runner_log,
                    stderr=runner_log,
                    start_new_session=True,  # its own process group: cancel kills the group
                    close_fds=True,
                    pass_fds=(events_fd, wake_w),
                    **isolation.popen_kwargs(uid),  # switched to the job's account before exec
                )
        except OSError as e:
            log.warning("GPU job %s could not start: %s", rec.id, e)
            if uid is not None:
                self._release(rec.id, uid, scratch)
            self._finish(rec, FAILED, f"The job could not start: {e}.", now, 0.0)
            return
        finally:
            os.close(wake_w)
            if proc is None:
                os.close(wake_r)
            if events_fd is not None:
                os.close(events_fd)
        assert proc is not None
        path = self._events_path(rec.id)
        tail = Tail(path)
        tail.offset = path.stat().st_size if path.exists() else 0
        run = self._runs[rec.id] = _Run(
            rec.id, rec.user, now, rec.time_limit, slot, proc, tail, uid=uid, home=home, scratch=scratch
        )
        self._watch_run(run, wake_r)
        reason = None
        if q["remaining_seconds"] < rec.time_limit:
            reason = f"Stops when your GPU time runs out, in {_fmt_seconds(q['remaining_seconds'])}."
        store.update(
            rec.id,
            state=RUNNING,
            started=now,
            slot=slot,
            device=f"cuda:{gpu.index}" if gpu else "cpu",
            pgid=proc.pid,
            dispatch_no=store.next_dispatch_no(),
            reason=reason,
        )
        self._live.pop(rec.id, None)
        self._invalidate()
        fresh = store.get(rec.id)
        assert fresh is not None
        self._append_state(fresh)

    # --- watching running jobs ----------------------------------------------------------------------------------
    async def _watch(self) -> None:
        assert self._wake is not None
        while True:
            self._wake.clear()
            began = time.monotonic()
            try:
                self._tick()
            except Exception:  # one bad job must not stop the watcher for everyone
                log.exception("GPU queue watcher")
            # Running jobs: their limits every poll_interval, or sooner when a runner rings. None: until one starts.
            try:
                await asyncio.wait_for(self._wake.wait(), self.poll_interval if self._runs else None)
            except asyncio.TimeoutError:
                pass
            rest = MIN_TICK - (time.monotonic() - began)
            if rest > 0:
                await asyncio.sleep(rest)

    def _kick(self) -> None:
        """The watcher looks now (or after MIN_TICK since its last look)."""
        if self._wake is not None:
            self._wake.set()

    def _watch_run(self, run: _Run, wake_fd: int) -> None:
        """Wakes the watcher when the runner rings (a new line) or exits (pidfd, where Linux has it)."""
        loop = asyncio.get_running_loop()
        run.wake_fd = wake_fd
        loop.add_reader(wake_fd, self._rang, run)
        pidfd_open = getattr(os, "pidfd_open", None)
        pid = getattr(run.proc, "pid", None)
        if pidfd_open is not None and isinstance(pid, int):
            try:
                run.pid_fd = pidfd_open(pid)
            except OSError:  # an old kernel, or it is gone already (the poll sees it)
                run.pid_fd = None
            else:
                loop.add_reader(run.pid_fd, self._exited, run)
        self._kick()

    def _rang(self, run: _Run) -> None:
        fd = run.wake_fd
        if fd is None:
            return
        for _ in range(64):  # drain what is there (a byte per line), without looping forever on a ringing runner
            try:
                data = os.read(fd, 4096)
            except BlockingIOError:
                break
            except OSError:
                data = b""
            if not data:  # the runner closed it: it has exited
                self._close_fd(run, "wake_fd")
                break
        self._kick()

    def _exited(self, run: _Run) -> None:
        self._close_fd(run, "pid_fd")
        self._kick()

    def _close_fd(self, run: _Run, name: str) -> None:
        fd = getattr(run, name)
        if fd is None:
            return
        setattr(run, name, None)
        try:
            asyncio.get_running_loop().remove_reader(fd)
        except RuntimeError:  # no loop running (the queue is being closed from outside one)
            pass
        os.close(fd)

    def _unwatch(self, run: _Run) -> None:
        self._close_fd(run, "wake_fd")
        self._close_fd(run, "pid_fd")

    def _tick(self) -> None:
        ended = False
        for run in list(self._runs.values()):
            if self._read_runner(run):
                self._notify(run.job_id)
            code = run.proc.poll() if run.proc else -1
            if code is None:
                if run.stop is None:
                    self._check_limits(run)
                if run.kill_at is not None and time.monotonic() >= run.kill_at:
                    self._signal_job(run, signal.SIGKILL)
                    run.kill_at = None
                continue
            self._read_runner(run)
            # The runner is gone; so must its kernel be (a crashed runner leaves it to its parent poller otherwise).
            self._signal_job(run, signal.SIGKILL, runner=False)
            self._end_run(run, code)
            ended = True
        if ended:
            self._dispatch()

    def _read_runner(self, run: _Run) -> bool:
        """Takes in the runner's new lines; True when the file grew (subscribers may have news)."""
        grew = False
        for _seq, event in run.tail.read():
            grew = True
            if event is None:
                continue
            kind = event.get("type")
            if kind == "kernel" and event.get("pgid"):
                run.kernel_pgid = int(event["pgid"])
                self._db().update(run.job_id, kernel_pgid=run.kernel_pgid)
                if run.stop is not None:
                    self._signal_job(run, signal.SIGTERM, runner=False)
            elif kind == "truncated" and not run.truncated:
                run.truncated = True
                self._db().update(run.job_id, output_truncated=True)
            elif kind == "result":
                run.result = event
        return grew

    def _used(self, user: str, now: float) -> tuple[float, float]:
        """(ledger seconds this period, running jobs' seconds so far) for a user."""
        charged = self._db().used(user, ledger.period_key(now, self.quota_period))
        running = 0.0
        for run in self._runs.values():
            if run.user == user:
                end = min(now, run.stop[2]) if run.stop else now
                running += min(max(0.0, end - run.started), run.time_limit)
        return charged, running

    def _over_limit(self, run: _Run, now: float) -> Optional[tuple[str, str, float]]:
        """(state, reason, charge until) when the queue's clock says the job must stop: quota or time limit."""
        charged, running = self._used(run.user, now)
        over = charged + running - self.quota_seconds
        if over >= 0:
            mine = [r for r in self._runs.values() if r.user == run.user and r.stop is None]
            # The budget ran out ``over / len(mine)`` seconds ago; charge up to that moment, not our polling delay.
            end = now - over / max(1, len(mine))
            reason = (
                f"Your GPU time ran out ({_fmt_seconds(self.quota_seconds)} "
                f"{'this ' + self.quota_period if self.quota_period != 'none' else 'in all'})."
            )
            return QUOTA_EXHAUSTED, reason, end
        if now - run.started >= run.time_limit:
            reason = f"It ran past its time limit of {_fmt_seconds(run.time_limit)} and was stopped."
            return TIMED_OUT, reason, run.started + run.time_limit
        return None

    def _check_limits(self, run: _Run) -> None:
        decided = self._over_limit(run, self.clock())
        if decided is None:
            return
        state, reason, end = decided
        if state == QUOTA_EXHAUSTED:  # every running job of the user stops
            for other in [r for r in self._runs.values() if r.user == run.user and r.stop is None]:
                self._stop(other, state, reason, max(other.started, end))
        else:
            self._stop(run, state, reason, end)

    def _signal_job(self, run: _Run, sig: int, runner: bool = True) -> None:
        """Signals the runner's group (``runner``) and the rest of the job: isolated, every process of its uid (the
        kernel's group as the runner reported it is the job's word, and could name anyone's); else the kernel's."""
        if runner:
            signal_group(run.proc.pid if run.proc else None, sig)
        if run.uid is not None:
            isolation.signal_all(run.uid, sig)
        else:
            signal_group(run.kernel_pgid, sig)

    def _stop(self, run: _Run, state: str, reason: str, charge_until: float) -> None:
        """SIGTERM to the job's process groups now, SIGKILL after ``kill_grace`` (the watcher does that)."""
        if run.stop is not None:
            return
        self._read_runner(run)  # learn the kernel's group if it was just written
        run.stop = (state, reason, charge_until)
        self._signal_job(run, signal.SIGTERM)
        run.kill_at = time.monotonic() + self.kill_grace

    def _end_run(self, run: _Run, code: int) -> None:
        rec = self._db().get(run.job_id)
        now = self.clock()
        if run.stop is None:
            # Ended by itself, but maybe after its limit or quota, before the watcher looked: the queue's clock decides.
            decided = self._over_limit(run, now)
            if decided is not None:
                run.stop = (decided[0], decided[1], max(run.started, decided[2]))
        self._runs.pop(run.job_id, None)
        self._unwatch(run)
        self._invalidate()
        if run.uid is not None:
            self._release(run.job_id, run.uid, run.scratch)
        if rec is None or rec.state in TERMINAL:
            return
        error = None
        if run.stop is not None:
            state, reason, until = run.stop
        elif run.result is not None:
            error = run.result.get("error")
            # The result line is the job's word; a success also needs the runner's own exit code 0.
            ok = run.result.get("status") == "succeeded" and not error and code == 0
            state = SUCCEEDED if ok else FAILED
            if state == FAILED and not error and run.result.get("status") == "succeeded":
                error = {
                    "cell_id": None,
                    "ename": "RunnerError",
                    "evalue": f"The job's runner exited with code {code}.",
                    "traceback": [],
                    "in_context": False,
                }
            reason, until = (failure_reason(error) if state == FAILED else None), now
        else:
            state, until = FAILED, now
            reason = f"The job's runner stopped unexpectedly (exit code {code}); see runner.log in its job folder."
            error = {"cell_id": None, "ename": "RunnerError", "evalue": reason, "traceback": [], "in_context": False}
        charged = self._charge(rec, min(now, until))
        self._finish(rec, state, reason, now, charged, error=error, output_truncated=run.truncated or None)

    def _charge(self, rec: JobRecord, until: float) -> float:
        """GPU-seconds for a job that ran from ``started`` to ``until``, never more than its time limit."""
        if rec.started is None:
            return 0.0
        return round(min(max(0.0, until - rec.started), float(rec.time_limit)), 3)

    def _finish(
        self,
        rec: JobRecord,
        state: str,
        reason: Optional[str],
        now: float,
        charged: float,
        **extra: Any,
    ) -> None:
        """Records a terminal state and its charge together, then tells subscribers (file after record)."""
        values: dict[str, Any] = {"state": state, "reason": reason, "ended": now, "charged": charged}
        values.update({k: v for k, v in extra.items() if v is not None})
        charge = (rec.user, ledger.period_key(now, self.quota_period), charged) if charged > 0 else None
        self._db().finish(rec.id, charge, **values)
        self._live.pop(rec.id, None)
        self._invalidate()
        fresh = self._db().get(rec.id)
        assert fresh is not None
        self._append_state(fresh)
        self._prune(rec.user)

    def _prune(self, user: str) -> None:
        """Removes the files of a user's ended jobs beyond the newest ``max_jobs_listed`` (the records stay), so a
        term of jobs cannot fill a student's home with outputs."""
        for job_id in self._db().ended_beyond(user, self.max_jobs_listed, TERMINAL):
            job_dir = self._job_dir(job_id)
            if job_dir.exists():
                shutil.rmtree(job_dir, ignore_errors=True)

    # --- job JSON, quota, helpers -------------------------------------------------------------------------------
    def _queued_reason(self, user: str, p: Optional[fairshare.Planned]) -> str:
        mine = sum(1 for run in self._runs.values() if run.user == user)
        if mine >= self.max_running_per_user:
            return "Waiting for your running GPU job to finish (one at a time per person)."
        what = "GPU" if self.gpus else "slot (this queue has no GPU; jobs run on the CPU)"
        if p is None or p.position <= 1:
            return f"Waiting for a free {what}."
        ahead = p.position - 1
        return f"{ahead} job{'s' if ahead != 1 else ''} ahead of yours; waiting for a free {what}."

    def _job_json(self, rec: JobRecord) -> dict[str, Any]:
        now = self.clock()
        position, estimate, reason = 0, None, rec.reason
        if rec.state == QUEUED:
            plan = self._plan()
            p = plan.jobs.get(rec.id)
            position = p.position if p else 0
            # Unknown (null) without finished jobs to estimate run times from, unless it starts as soon as it can
            # anyway: time limits would say "about 30 minutes" for a job that is likely to start in one.
            if p is not None and p.start_in is not None and (p.start_in == 0 or plan.median is not None):
                estimate = int(round(max(0.0, p.start_in - (now - plan.at))))
            reason = self._queued_reason(rec.user, p)
        if rec.state == RUNNING and rec.started is not None:
            elapsed = min(max(0.0, now - rec.started), float(rec.time_limit))
        else:
            elapsed = rec.charged or 0.0
        return {
            "id": rec.id,
            "user": rec.user,
            "notebook": rec.notebook,
            "kernel": rec.kernel,
            "targets": list(rec.targets),
            "state": rec.state,
            "position": position,
            "estimate_seconds": estimate,
            "reason": reason,
            "created": ledger.iso(rec.created),
            "started": ledger.iso(rec.started),
            "ended": ledger.iso(rec.ended),
            "elapsed_seconds": round(elapsed, 3),
            "time_limit_seconds": rec.time_limit,
            "device": rec.device,
            "error": rec.error,
            "output_truncated": rec.output_truncated,
            "backend": "local",
            "backend_job_id": None,
        }

    def _append_state(self, rec: JobRecord) -> None:
        """Writes a state line: when a job is queued, starts and ends (a waiting job's new places are live only)."""
        append(self._events_path(rec.id), {"type": "state", "job": self._job_json(rec)})
        self._notify(rec.id)

    def _quota(self, user: str) -> dict[str, Any]:
        now = self.clock()
        charged, running = self._used(user, now)
        used = charged + running
        return {
            "used_seconds": round(used, 3),
            "limit_seconds": self.quota_seconds,
            "remaining_seconds": round(max(0.0, self.quota_seconds - used), 3),
            "period": self.quota_period,
            "resets": ledger.iso(ledger.period_resets(now, self.quota_period)),
            "running_seconds": round(running, 3),
        }

    def _quota_message(self, q: Mapping[str, Any]) -> str:
        resets = f"It resets at {q['resets']}." if q["resets"] else "It does not reset this term; ask your teacher."
        return (
            f"You have used your GPU time: {_fmt_seconds(q['used_seconds'])} of {_fmt_seconds(q['limit_seconds'])} "
            f"({q['used_seconds']:g} of {q['limit_seconds']:g} seconds). {resets}"
        )

    def _job_dir(self, job_id: str) -> Path:
        return self.data_dir / "jobs" / job_id

    def _home_dir(self, job_id: str) -> Path:
        return self.data_dir / "homes" / job_id

    def _job_uid(self, job_id: str) -> Optional[int]:
        """The uid a job ran under (isolated), from its job folder."""
        try:
            return int((self._job_dir(job_id) / "uid").read_text())
        except (OSError, ValueError):
            return None

    def _scratch_of(self, rec: JobRecord) -> Optional[Path]:
        """The job's workdir when it was made for it alone (``bundle.scratch``, in job.json), else None."""
        try:
            scratch = json.loads((self._job_dir(rec.id) / "job.json").read_text()).get("scratch")
        except (OSError, ValueError):
            return None
        return Path(rec.workdir) if scratch is True else None

    def _clean_up(self, job_id: str, uid: int, scratch: Optional[Path]) -> None:
        """After an isolated job: its processes killed, its files gone (home, scratch, shared temp entries)."""
        isolation.kill_all(uid)
        isolation.remove(self._home_dir(job_id))
        if scratch is not None:
            isolation.remove(scratch)
        isolation.clear_shared_tmp(uid)
        (self._job_dir(job_id) / "uid").unlink(missing_ok=True)

    def _release(self, job_id: str, uid: int, scratch: Optional[Path]) -> None:
        """Kills what runs under the ended job's uid now, removes its files in a thread, then frees the uid."""
        isolation.kill_all(uid)
        loop = asyncio.get_running_loop()
        done = loop.run_in_executor(None, self._clean_up, job_id, uid, scratch)
        self._cleanups[uid] = done

        def freed(_: asyncio.Future[None]) -> None:
            self._cleanups.pop(uid, None)
            self._accounts.give_back(uid)
            self._dispatch()

        done.add_done_callback(freed)

    def _events_path(self, job_id: str) -> Path:
        return self._job_dir(job_id) / EVENTS
