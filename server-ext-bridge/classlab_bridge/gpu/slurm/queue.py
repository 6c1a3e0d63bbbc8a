"""``SlurmQueue``: the GpuQueue interface (queue.py, PROTOCOL.md) over a Slurm cluster, through slurmrestd.

A job goes to Slurm as a batch script that runs the same headless runner as the local queue
(``python -m classlab_bridge.gpu.runner <job-dir>``) on a compute node, in the notebook's folder (a shared filesystem
is assumed, as on HPC clusters; ``path_map`` turns this server's paths into the cluster's). The runner writes its
events to ``<job-dir>/events.jsonl`` on the shared filesystem; this queue follows every live job with one
``GET /jobs`` per ``poll_interval``, copies the runner's output lines into its own event log (``<data_dir>/jobs/<id>/
events.jsonl``, with its own ``state`` lines, so seqs, replay and ``get()`` work as with the local queue) and decides
the job's end from Slurm's state and the runner's ``result`` line.

Two identity modes (SLURM.md):

- ``mode = "user"`` (a): each job is submitted as the student (``GpuUser.name`` is their cluster login) with a token
  for that user only; Slurm accounting is the quota (``GrpTRESMins=gres/gpu=N`` with ``safe`` enforcement), and
  ``quota()`` reads limit and use from slurmdbd.
- ``mode = "service"`` (b): every job is submitted as ``service_user``; the student's name goes into the job's
  comment and name, and the quota is this queue's own ledger (the local queue's rules: GPU-seconds per period, a
  submit refused at zero, the Slurm time limit cut to what is left, running jobs cancelled when it runs out). Run it
  where students cannot reach it: the JupyterHub service ``classlab-gpu``.

Faults: slurmrestd unreachable → ``info()`` says so (``reachable: false``), submits answer 502, records stay as they
are and the watcher retries (backing off to ``max_backoff``) until it answers again. The bridge restarted → the
watcher re-attaches to every queued or running record by its Slurm job id (the runner's file offset is kept beside
the record). slurmctld restarted → its state is saved; the job runs on and is followed again. A node failure →
``failed``, outputs so far kept.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import pwd
import secrets
import shlex
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional

from .. import ledger
from ..joblog import EVENTS, Tail, append, read_all, replay_outputs
from ..queue import (
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
from ..records import LiveEvents, RecordsMixin, failure_reason
from ..store import JobRecord, JobStore
from ..validate import check_cells, time_limit
from .rest import SlurmJob, SlurmRest, SlurmRestError

log = logging.getLogger("classlab_bridge.gpu")

MODES = ("user", "service")
#: Runner lines copied into the queue's log besides the client's types: the runner's verdict and its output cap.
RUNNER_TYPES = frozenset({"output", "clear", "update", "truncated", "result"})


def _fmt_minutes(seconds: float) -> str:
    minutes = seconds / 60
    if minutes >= 90:
        return f"{minutes / 60:.1f} h"
    return f"{max(0, round(minutes))} min"


class PathMap:
    """This server's paths → the compute nodes' (``"/home=/cluster/home,/srv/data=/data"``); unmapped stay."""

    def __init__(self, spec: str = "") -> None:
        self.pairs: list[tuple[str, str]] = []
        for part in filter(None, (p.strip() for p in spec.split(","))):
            local, sep, remote = part.partition("=")
            if not sep or not local.startswith("/") or not remote.startswith("/"):
                raise ValueError(f"a path mapping is 'local=cluster' with absolute paths, not {part!r}")
            self.pairs.append((local.rstrip("/") or "/", remote.rstrip("/") or "/"))
        self.pairs.sort(key=lambda pair: -len(pair[0]))  # the longest prefix wins

    def __call__(self, path: Path) -> str:
        text = str(path)
        for local, remote in self.pairs:
            if text == local or text.startswith(local.rstrip("/") + "/"):
                return remote + text[len(local) :] if local != "/" else remote.rstrip("/") + text
        return text


class SlurmQueue(RecordsMixin, GpuQueue):
    def __init__(
        self,
        *,
        data_dir: Path,
        rest: SlurmRest,
        mode: str = "user",
        job_root: Optional[Path] = None,
        path_map: str = "",
        partition: str = "gpu",
        account: str = "",
        service_user: str = "",
        gpus_per_job: int = 1,
        quota_seconds: float = 36000.0,
        quota_period: str = "none",
        time_limit: int = 1800,
        max_time_limit: int = 7200,
        max_queued_per_user: int = 5,
        max_output_bytes: int = 2 * 1024 * 1024,
        max_jobs_listed: int = 50,
        context: str = "above",
        max_bundle_bytes: int = 50 * 1024 * 1024,
        poll_interval: float = 1.0,
        fast_poll_interval: float = 0.1,
        fast_poll_seconds: float = 3.0,
        max_backoff: float = 10.0,
        startup_timeout: int = 120,
        python: str = sys.executable,
        job_env: Optional[dict[str, str]] = None,
        kernel_specs: Any = None,
        check_kernel: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"the Slurm identity mode is 'user' or 'service', not {mode!r}")
        if mode == "service" and not service_user:
            raise ValueError("mode 'service' needs the cluster account jobs run as (slurm_service_user)")
        self.data_dir = Path(data_dir)
        self.rest = rest
        self.mode = mode
        self.job_root = Path(job_root) if job_root else self.data_dir / "cluster-jobs"
        self.path_map = PathMap(path_map)
        self.partition = partition
        self.account = account
        self.service_user = service_user
        self.gpus_per_job = gpus_per_job
        self.quota_seconds = float(quota_seconds)
        self.quota_period = ledger.check_period(quota_period)
        self.time_limit = time_limit
        self.max_time_limit = max_time_limit
        self.max_queued_per_user = max_queued_per_user
        self.max_output_bytes = max_output_bytes
        self.max_jobs_listed = max_jobs_listed
        self.context = context
        self.max_bundle_bytes = max_bundle_bytes
        self.poll_interval = poll_interval
        #: Right after a submit the cluster usually starts the job within a second: looking more often then shows
        #: "running" as soon as plain squeue would, without polling that often the rest of the time.
        self.fast_poll_interval = min(fast_poll_interval, poll_interval)
        self.fast_poll_seconds = fast_poll_seconds
        self._fast_until = 0.0
        self.max_backoff = max_backoff
        self.startup_timeout = startup_timeout
        self.python = python
        self.job_env = dict(job_env or {})
        self._kernel_specs = kernel_specs
        self.check_kernel = check_kernel
        self.clock = clock
        self.store: Optional[JobStore] = None
        #: None: not asked yet; else whether slurmrestd answered the last call, and why not.
        self.reachable: Optional[bool] = None
        self.problem: Optional[str] = None
        self._started = False
        self._closed = False
        self._watcher: Optional[asyncio.Task[None]] = None
        self._wake = asyncio.Event()
        self._waiters: dict[str, asyncio.Event] = {}
        self._live: dict[str, LiveEvents] = {}
        self._tails: dict[str, Tail] = {}
        #: The waiting place each queued job's last state line showed: (position, reason).
        self._shown: dict[str, tuple[int, str]] = {}
        #: Slurm's expected start of each pending job (seconds since the epoch), from the last poll.
        self._expected: dict[str, Optional[float]] = {}

    # --- lifecycle ----------------------------------------------------------------------------------------------
    async def start(self) -> None:
        if self._started:
            return
        if self._closed:
            raise GpuError(503, "unavailable", "The GPU queue has stopped.")
        self._started = True
        (self.data_dir / "jobs").mkdir(parents=True, exist_ok=True)
        self.store = JobStore(self.data_dir / "queue.sqlite")
        for path in (self.data_dir / "queue.sqlite", self.data_dir / "jobs"):
            path.chmod(0o600 if path.is_file() else 0o700)
        self._watcher = asyncio.ensure_future(self._watch())

    async def close(self) -> None:
        """Stops following jobs; they run on in Slurm and are picked up again by the next start."""
        self._closed = True
        if self._watcher is not None:
            self._watcher.cancel()
            try:
                await self._watcher
            except (asyncio.CancelledError, Exception):
                pass
        self._notify_all()
        if self.store is not None:
            self.store.close()
            self.store = None

    # --- GpuQueue -----------------------------------------------------------------------------------------------
    async def info(self) -> dict[str, Any]:
        await self.start()
        if self.reachable is None:
            await self._ping()
        answer: dict[str, Any] = {
            "backend": "slurm",
            "device": "cuda",
            "gpus": [],
            "slots": 0,
            "time_limit_seconds": min(self.time_limit, self.max_time_limit),
            "max_time_limit_seconds": self.max_time_limit,
            "context": self.context,
            "max_bundle_bytes": self.max_bundle_bytes,
            "reachable": bool(self.reachable),
            # Jobs never run under this queue's account: the student's own (a) or the service account (b).
            "isolated": True,
            "partition": self.partition,
        }
        if not self.reachable:
            answer["message"] = self._unreachable_message()
        return answer

    def _unreachable_message(self) -> str:
        return (
            "The GPU cluster cannot be reached right now. Jobs already sent are kept and are picked up again when "
            f"it answers. ({self.problem or 'slurmrestd does not answer'})"
        )

    async def _ping(self) -> None:
        try:
            await self.rest.ping(self.service_user or self._someone())
            self._reached()
        except SlurmRestError as e:
            self._lost(e)

    def _someone(self) -> str:
        """A user to ask Slurm as when no job says whom (mode a: the newest job's owner, or this process's user)."""
        recent = self._db().recent(None, 1)
        if recent:
            return recent[0].user
        return pwd.getpwuid(os.getuid()).pw_name

    def _reached(self) -> None:
        if self.reachable is False:
            log.info("ClassLab GPU: slurmrestd answers again")
        self.reachable, self.problem = True, None

    def _lost(self, error: SlurmRestError) -> None:
        if self.reachable is not False:
            log.warning("ClassLab GPU: slurmrestd: %s", error.message)
        self.reachable, self.problem = False, error.message

    def _slurm_user(self, user: str) -> str:
        return self.service_user if self.mode == "service" else user

    def _refuse(self, error: SlurmRestError) -> GpuError:
        if error.kind in ("unreachable", "auth"):
            if error.kind == "unreachable":
                self._lost(error)
            what = "cannot be reached right now" if error.kind == "unreachable" else "refused ClassLab's sign-in"
            return GpuError(
                502,
                "gpu_service_unavailable",
                f"The GPU cluster {what}; nothing was lost, try again in a minute. ({error.message})",
            )
        return GpuError(502, "cluster_refused", f"The GPU cluster (Slurm) refused the job: {error.message}")

    async def submit(self, user: GpuUser, bundle: JobBundle) -> dict[str, Any]:
        await self.start()
        store = self._db()
        if not bundle.targets:
            check_cells(bundle, python=False)
        python = True
        if self.check_kernel:
            spec = self._kernel_spec(bundle.kernel)
            python = str(getattr(spec, "language", "")).lower() == "python"
        check_cells(bundle, python=python)
        limit = time_limit(bundle.time_limit, self.time_limit, self.max_time_limit)
        workdir = Path(bundle.workdir)
        if not workdir.is_dir():
            raise GpuError(400, "bad_request", f"The notebook's folder {bundle.notebook!r} was not found.")
        active = store.in_states([QUEUED, RUNNING], user.name)
        if len(active) >= self.max_queued_per_user:
            raise GpuError(
                429,
                "too_many_jobs",
                f"You already have {len(active)} GPU jobs queued or running (at most {self.max_queued_per_user}). "
                "Wait for one to finish, or cancel one.",
            )
        slurm_limit = limit
        if self.mode == "service":
            # The ledger is ours: refused at zero, and Slurm stops the job when the student's time is used up.
            q = await self._quota(user.name)
            if q["remaining_seconds"] <= 0:
                raise GpuError(403, "quota_exhausted", self._quota_message(q))
            slurm_limit = int(min(limit, max(60.0, q["remaining_seconds"] / self.gpus_per_job)))
        # Mode "user": Slurm's accounting decides (a job its GPU minutes cannot cover is held, and says so); its
        # usage as read here lags a top-up by RawUsage=0, so it must not refuse on its own.

        job_id = "j_" + secrets.token_hex(8)
        job_dir = self.job_root / job_id
        slurm_user = self._slurm_user(user.name)
        self._make_job_dir(job_dir, slurm_user)
        if bundle.scratch:
            # The Hub service's upload: moved onto the shared filesystem, where the compute node finds it.
            work = job_dir / "work"
            shutil.move(str(workdir), str(work))
            self._hand_over(work, slurm_user)
            workdir = work
        job_file = {
            "id": job_id,
            "kernel": bundle.kernel,
            "cells": [{"id": c.id, "source": c.source, "target": c.target} for c in bundle.cells],
            "max_output_bytes": self.max_output_bytes,
            "startup_timeout": self.startup_timeout,
        }
        (job_dir / "job.json").write_text(json.dumps(job_file))
        self._hand_over(job_dir / "job.json", slurm_user)
        try:
            slurm_id = await self.rest.submit(
                slurm_user,
                self._script(job_id, user.name, workdir, job_dir),
                self._props(user.name, job_dir, slurm_limit),
            )
        except SlurmRestError as e:
            shutil.rmtree(job_dir, ignore_errors=True)
            raise self._refuse(e) from None
        self._reached()
        own = self.data_dir / "jobs" / job_id
        own.mkdir(mode=0o700)
        (own / "asked_limit").write_text(str(limit))
        rec = store.insert(
            JobRecord(
                id=job_id,
                user=user.name,
                notebook=bundle.notebook,
                kernel=bundle.kernel,
                targets=bundle.targets,
                workdir=str(workdir),
                state=QUEUED,
                created=self.clock(),
                time_limit=slurm_limit,
                backend_job_id=str(slurm_id),
                reason="Sent to the GPU cluster; waiting for its answer.",
            )
        )
        log.info("ClassLab GPU: %s of %s is Slurm job %s (as %s)", job_id, user.name, slurm_id, slurm_user)
        self._append_state(rec)
        self._fast_until = time.monotonic() + self.fast_poll_seconds
        self._wake.set()
        return self._job_json(rec)

    def _make_job_dir(self, job_dir: Path, slurm_user: str) -> None:
        self.job_root.mkdir(parents=True, exist_ok=True)
        job_dir.mkdir(mode=0o700)
        self._hand_over(job_dir, slurm_user)

    def _hand_over(self, path: Path, slurm_user: str) -> None:
        """Gives a path (and what is under it) to the account the job runs as, when this process may and it is
        another account (the Hub service as root, say). Accounts unknown here live on the cluster only: there the
        shared folders' own modes must let them in."""
        if os.getuid() != 0:
            return
        try:
            entry = pwd.getpwnam(slurm_user)
        except KeyError:
            return
        paths = [path]
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                paths.extend(Path(root) / name for name in [*dirs, *files])
        for p in paths:
            os.chown(p, entry.pw_uid, entry.pw_gid, follow_symlinks=False)

    def _script(self, job_id: str, student: str, workdir: Path, job_dir: Path) -> str:
        here, folder = self.path_map(workdir), self.path_map(job_dir)
        missing = shlex.quote(f"ClassLab: the folder {here} is not on this node")
        return "\n".join(
            [
                "#!/bin/bash",
                f"# ClassLab GPU job {job_id} for {student}",
                f"cd {shlex.quote(here)} || {{ echo {missing} >&2; exit 97; }}",
                f"exec {shlex.quote(self.python)} -m classlab_bridge.gpu.runner {shlex.quote(folder)}",
                "",
            ]
        )

    def _props(self, student: str, job_dir: Path, limit_seconds: int) -> dict[str, Any]:
        folder = self.path_map(job_dir)
        home = folder if self.mode == "service" else self.path_map(Path.home())
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            "HOME": home,
            "PYTHONUNBUFFERED": "1",
            "JUPYTER_RUNTIME_DIR": f"{folder}/runtime",
            "CLASSLAB_GPU_JOB": job_dir.name,
            **self.job_env,
        }
        props: dict[str, Any] = {
            "name": f"classlab-{student}"[:64],
            "partition": self.partition,
            "gres": f"gpu:{self.gpus_per_job}",
            "time_limit": max(1, math.ceil(limit_seconds / 60)),
            "current_working_directory": folder,
            "standard_output": f"{folder}/slurm.out",
            "standard_error": f"{folder}/slurm.out",
            "environment": env,
            "comment": f"classlab {job_dir.name} user={student}",
            # No "requeue": v0.0.38 turns the key on whatever its value ("requeue": false gives Requeue=1). A job
            # Slurm requeues anyway (JobRequeue=1) is stopped by _advance rather than run twice.
        }
        if self.account:
            props["account"] = self.account
        return props

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
        await self.start()
        self._visible(user, job_id)

    async def cancel(self, user: GpuUser, job_id: str) -> dict[str, Any]:
        await self.start()
        rec = self._visible(user, job_id)
        if rec.state in TERMINAL:
            return self._job_json(rec)
        try:
            await self.rest.cancel(self._slurm_user(rec.user), int(rec.backend_job_id or 0))
        except SlurmRestError as e:
            raise self._refuse(e) from None
        fresh = self._db().get(job_id)
        assert fresh is not None
        if fresh.state not in TERMINAL:
            self._copy_runner_lines(fresh)
            reason = "Cancelled by you." if rec.user == user.name else f"Cancelled by {user.name}."
            now = self.clock()
            self._finish(fresh, CANCELLED, reason, now, self._charge(fresh, now))
        fresh = self._db().get(job_id)
        assert fresh is not None
        return self._job_json(fresh)

    async def quota(self, user: GpuUser) -> dict[str, Any]:
        await self.start()
        return await self._quota(user.name)

    # --- quota --------------------------------------------------------------------------------------------------
    async def _quota(self, user: str) -> dict[str, Any]:
        now = self.clock()
        if self.mode == "user":
            # Slurm's own numbers: the association's GrpTRESMins and slurmdbd's job records (running ones so far).
            try:
                limit = await self.rest.gpu_limit_minutes(user, self.account or None)
                used_minutes = await self.rest.gpu_used_minutes(user)
            except SlurmRestError as e:
                raise self._refuse(e) from None
            limit_seconds = float(limit) * 60 if limit is not None else self.quota_seconds
            running = sum(
                max(0.0, now - rec.started) * self.gpus_per_job
                for rec in self._db().in_states([RUNNING], user)
                if rec.started is not None
            )
            used = used_minutes * 60 + running
            return {
                "used_seconds": round(used, 3),
                "limit_seconds": limit_seconds,
                "remaining_seconds": round(max(0.0, limit_seconds - used), 3),
                "period": self.quota_period,
                "resets": None,
                "running_seconds": round(running, 3),
                "source": "slurm",
            }
        charged = self._db().used(user, ledger.period_key(now, self.quota_period))
        running = sum(
            min(max(0.0, now - rec.started), float(rec.time_limit)) * self.gpus_per_job
            for rec in self._db().in_states([RUNNING], user)
            if rec.started is not None
        )
        used = charged + running
        return {
            "used_seconds": round(used, 3),
            "limit_seconds": self.quota_seconds,
            "remaining_seconds": round(max(0.0, self.quota_seconds - used), 3),
            "period": self.quota_period,
            "resets": ledger.iso(ledger.period_resets(now, self.quota_period)),
            "running_seconds": round(running, 3),
        }

    def _quota_message(self, q: dict[str, Any]) -> str:
        resets = f"It resets at {q['resets']}." if q.get("resets") else "Ask your teacher for more."
        return (
            f"You have used your GPU time: {_fmt_minutes(q['used_seconds'])} of {_fmt_minutes(q['limit_seconds'])}. "
            f"{resets}"
        )

    # --- following jobs -----------------------------------------------------------------------------------------
    async def _watch(self) -> None:
        backoff = self.poll_interval
        while not self._closed:
            active = self._db().in_states([QUEUED, RUNNING])
            if not active:
                self._wake.clear()
                await self._wake.wait()
                continue
            try:
                await self._poll(active)
                self._reached()
                backoff = self.fast_poll_interval if time.monotonic() < self._fast_until else self.poll_interval
            except SlurmRestError as e:
                self._lost(e)
                backoff = min(self.max_backoff, max(backoff * 2, self.poll_interval))
                for rec in active:  # outputs already on the shared filesystem still reach the cell
                    if rec.state == RUNNING and self._copy_runner_lines(rec):
                        self._notify(rec.id)
            except Exception:  # a bug must not stop every job being followed
                log.exception("ClassLab GPU: following Slurm jobs failed")
                backoff = self.max_backoff
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=backoff)
            except asyncio.TimeoutError:
                pass

    async def _poll(self, active: list[JobRecord]) -> None:
        asker = self._slurm_user(active[0].user)
        seen = {job.id: job for job in await self.rest.jobs(asker)}
        pending = sorted(
            (j for j in seen.values() if j.state == "PENDING" and j.partition == self.partition),
            key=lambda j: (-j.priority, j.submit_time or 0, j.id),
        )
        places = {j.id: i for i, j in enumerate(pending, start=1)}
        for rec in active:
            slurm_id = int(rec.backend_job_id or 0)
            job = seen.get(slurm_id)
            if job is None:
                # Not in slurmctld's list: aged out (MinJobAge) or never known; ask for it alone.
                job = await self.rest.job(self._slurm_user(rec.user), slurm_id)
            fresh = self._db().get(rec.id)
            if fresh is None or fresh.state in TERMINAL:
                continue  # cancelled meanwhile
            self._advance(fresh, job, places.get(slurm_id, 0))
        if self.mode == "service":
            self._check_quotas()

    def _advance(self, rec: JobRecord, job: Optional[SlurmJob], place: int) -> None:
        now = self.clock()
        if job is None:
            self._copy_runner_lines(rec)
            reason = "The GPU cluster no longer knows this job (it was removed there); outputs so far are kept."
            self._finish(rec, FAILED, reason, now, self._charge(rec, now), error=self._error(reason))
            return
        if job.state == "PENDING" and rec.state == RUNNING:
            # Requeued after its node failed (the cluster's JobRequeue=1): it would start again from the top and
            # print everything twice. It is stopped instead, with what it printed so far kept.
            self._copy_runner_lines(rec)
            asyncio.ensure_future(self._cancel_quietly(rec))
            reason = (
                "The GPU computer running this job stopped working, and the cluster wanted to start it again from "
                "the beginning. It was stopped instead; outputs so far are kept. Run it again."
            )
            self._finish(rec, FAILED, reason, now, self._charge(rec, now), error=self._error(reason))
            return
        if job.state == "PENDING":
            self._expected[rec.id] = float(job.start_time) if job.start_time and job.start_time > now else None
            reason = self._pending_reason(job, place, rec)
            shown = (place, reason)
            if self._shown.get(rec.id) != shown:
                # A new place is sent live to the job's subscribers (events()), never written: with a class's jobs
                # waiting, a line per place change would grow every log with the queue's length.
                self._shown[rec.id] = shown
                self._db().update(rec.id, reason=reason)
                rec.reason = reason
                self._notify(rec.id)
            return
        if (
            rec.state == QUEUED
            and job.state in ("RUNNING", "SUSPENDED", "COMPLETING", "CONFIGURING")
            or (rec.state == QUEUED and job.terminal and job.start_time)
        ):
            started = float(job.start_time or now)
            device = f"cuda:{job.gpu_indexes[0]}" if job.gpu_indexes else "cuda"
            self._db().update(rec.id, state=RUNNING, started=started, device=device, reason=None)
            self._shown.pop(rec.id, None)
            self._expected.pop(rec.id, None)
            self._live.pop(rec.id, None)
            fresh = self._db().get(rec.id)
            assert fresh is not None
            self._append_state(fresh)
            rec = fresh
        if self._copy_runner_lines(rec):
            self._notify(rec.id)
        if job.terminal:
            self._end(rec, job)

    def _pending_reason(self, job: SlurmJob, place: int, rec: JobRecord) -> str:
        why = job.reason
        if "Minutes" in why and why.startswith(("AssocGrp", "AssocMax", "QOSGrp", "QOSMax")):
            return (
                f"Held: your GPU time left is less than this job's time limit ({_fmt_minutes(rec.time_limit)}). "
                "Ask your teacher for more GPU time, or cancel it and run it with a shorter time limit."
            )
        if why.startswith(("AssocGrpGRES", "AssocMaxJobs", "QOSMaxJobsPerUser", "AssocGrpJobs", "QOSMaxGRESPerUser")):
            return "Waiting for your running GPU job to finish (one at a time per person)."
        if why in (
            "PartitionDown",
            "PartitionInactive",
            "NodeDown",
            "ReqNodeNotAvail",
            "Nodes_required_for_job_are_DOWN,_DRAINED_or_reserved_for_jobs_in_higher_priority_partitions",
        ):
            return f"Waiting: the cluster's GPU computers are not available right now (Slurm: {why})."
        if why.startswith("JobHeld"):
            return f"Held by an administrator on the cluster (Slurm: {why})."
        if why in ("Resources", "Priority", "None", "", "BeginTime", "Dependency") or why.startswith("Prolog"):
            if place <= 1:
                return "Waiting for a free GPU."
            return f"{place - 1} job{'s' if place != 2 else ''} ahead of yours; waiting for a free GPU."
        return f"Waiting on the cluster (Slurm: {why})."

    def _end(self, rec: JobRecord, job: SlurmJob) -> None:
        now = self.clock()
        started = rec.started if rec.started is not None else (float(job.start_time) if job.start_time else None)
        ended = float(job.end_time) if job.end_time else now
        if started is not None and rec.started is None:
            self._db().update(rec.id, started=started)
            rec.started = started
        charged = self._charge(rec, ended)
        result = self._runner_result(rec.id)
        state, reason, error = FAILED, None, None
        if job.state in ("COMPLETED", "FAILED") and result is not None:
            error = result.get("error") if isinstance(result.get("error"), dict) else None
            ok = result.get("status") == "succeeded" and not error and job.exit_code in (0, None)
            state = SUCCEEDED if ok else FAILED
            if not ok:
                reason = failure_reason(error)
                error = error or self._error(f"The job's runner exited with code {job.exit_code}.")
        elif job.state in ("COMPLETED", "FAILED"):
            reason = (
                f"The job stopped on the cluster before it finished (exit code {job.exit_code}); see slurm.out in its "
                "job folder."
            )
            error = self._error(reason)
        elif job.state == "CANCELLED":
            state, reason = CANCELLED, "Cancelled on the cluster (by an administrator)."
        elif job.state in ("TIMEOUT", "DEADLINE"):
            cut = self.mode == "service" and rec.time_limit < self._asked_limit(rec)
            if cut or "Minutes" in job.reason:
                state, reason = QUOTA_EXHAUSTED, "Your GPU time ran out, so the cluster stopped the job."
            else:
                state = TIMED_OUT
                reason = f"It ran past its time limit of {_fmt_minutes(rec.time_limit)} and was stopped."
        elif job.state == "NODE_FAIL":
            reason = (
                "The GPU computer running this job stopped working (Slurm: node failure). Outputs so far are kept; "
                "run it again."
            )
            error = self._error(reason)
        elif job.state == "OUT_OF_MEMORY":
            reason = "The job ran out of memory on the cluster."
            error = self._error(reason)
        elif job.state == "PREEMPTED":
            state, reason = INTERRUPTED, "The cluster stopped this job to make room for another; outputs are kept."
        else:
            reason = f"The cluster ended the job ({job.state})."
            error = self._error(reason)
        self._finish(rec, state, reason, ended, charged, error=error)

    def _asked_limit(self, rec: JobRecord) -> int:
        """The time limit the job asked for (before the quota cut it), from its job folder's note."""
        try:
            return int((self.data_dir / "jobs" / rec.id / "asked_limit").read_text())
        except (OSError, ValueError):
            return rec.time_limit

    def _check_quotas(self) -> None:
        """Mode b: a student whose time ran out has their running jobs cancelled (Slurm also stops each at the
        limit it was given; this catches several jobs of one student running at once)."""
        now = self.clock()
        for rec in self._db().in_states([RUNNING]):
            charged = self._db().used(rec.user, ledger.period_key(now, self.quota_period))
            running = sum(
                min(max(0.0, now - r.started), float(r.time_limit)) * self.gpus_per_job
                for r in self._db().in_states([RUNNING], rec.user)
                if r.started is not None
            )
            if charged + running >= self.quota_seconds:
                asyncio.ensure_future(self._stop_for_quota(rec))

    async def _cancel_quietly(self, rec: JobRecord) -> None:
        try:
            await self.rest.cancel(self._slurm_user(rec.user), int(rec.backend_job_id or 0))
        except SlurmRestError as e:
            log.warning("ClassLab GPU: could not cancel Slurm job %s: %s", rec.backend_job_id, e.message)

    async def _stop_for_quota(self, rec: JobRecord) -> None:
        try:
            await self.rest.cancel(self._slurm_user(rec.user), int(rec.backend_job_id or 0))
        except SlurmRestError as e:
            self._lost(e)
            return
        fresh = self._db().get(rec.id)
        if fresh is not None and fresh.state not in TERMINAL:
            self._copy_runner_lines(fresh)
            now = self.clock()
            self._finish(fresh, QUOTA_EXHAUSTED, "Your GPU time ran out.", now, self._charge(fresh, now))

    # --- runner lines -------------------------------------------------------------------------------------------
    def _runner_events(self, rec: JobRecord) -> Path:
        return self.job_root / rec.id / EVENTS

    def _copy_runner_lines(self, rec: JobRecord) -> bool:
        """Copies the runner's new lines (outputs, its output cap, its result) into the queue's log; True if any.
        The runner's file is the job's word: only those types are taken, never a ``state`` line."""
        tail = self._tails.get(rec.id)
        if tail is None:
            tail = self._tails[rec.id] = Tail(self._runner_events(rec))
            mark = self.data_dir / "jobs" / rec.id / "runner.offset"
            try:
                tail.offset, tail.lines = (int(v) for v in mark.read_text().split())
            except (OSError, ValueError):
                pass
        copied = False
        truncated = False
        own = self._events_path(rec.id)
        for _seq, event in tail.read():
            if event is None or event.get("type") not in RUNNER_TYPES:
                continue
            append(own, event)
            copied = True
            truncated = truncated or event.get("type") == "truncated"
        if copied:
            (self.data_dir / "jobs" / rec.id / "runner.offset").write_text(f"{tail.offset} {tail.lines}")
            if truncated:
                self._db().update(rec.id, output_truncated=True)
        return copied

    def _runner_result(self, job_id: str) -> Optional[dict[str, Any]]:
        result = None
        for _seq, event in read_all(self._events_path(job_id)):
            if event.get("type") == "result":
                result = event
        return result

    # --- records ------------------------------------------------------------------------------------------------
    def _charge(self, rec: JobRecord, until: float) -> float:
        if rec.started is None:
            return 0.0
        return round(min(max(0.0, until - rec.started), float(rec.time_limit)) * self.gpus_per_job, 3)

    def _finish(
        self, rec: JobRecord, state: str, reason: Optional[str], now: float, charged: float, **extra: Any
    ) -> None:
        values: dict[str, Any] = {"state": state, "reason": reason, "ended": now, "charged": charged}
        values.update({k: v for k, v in extra.items() if v is not None})
        # Mode a: Slurm's accounting is the quota; the record keeps the charge for the panel only.
        charge = (rec.user, ledger.period_key(now, self.quota_period), charged) if charged > 0 else None
        self._db().finish(rec.id, charge if self.mode == "service" else None, **values)
        self._tails.pop(rec.id, None)
        self._shown.pop(rec.id, None)
        self._expected.pop(rec.id, None)
        self._live.pop(rec.id, None)
        fresh = self._db().get(rec.id)
        assert fresh is not None
        self._append_state(fresh)
        log.info("ClassLab GPU: %s (Slurm job %s) ended %s", rec.id, rec.backend_job_id, state)

    @staticmethod
    def _error(message: str) -> dict[str, Any]:
        return {"cell_id": None, "ename": "ClusterError", "evalue": message, "traceback": [], "in_context": False}

    def _job_json(self, rec: JobRecord, place: Optional[int] = None) -> dict[str, Any]:
        now = self.clock()
        position, estimate = 0, None
        if rec.state == QUEUED:
            position = place if place is not None else (self._shown.get(rec.id) or (0, ""))[0]
            expected = self._expected.get(rec.id)
            estimate = int(round(max(0.0, expected - now))) if expected is not None else None
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
            "reason": rec.reason,
            "created": ledger.iso(rec.created),
            "started": ledger.iso(rec.started),
            "ended": ledger.iso(rec.ended),
            "elapsed_seconds": round(elapsed, 3),
            "time_limit_seconds": rec.time_limit,
            "device": rec.device,
            "error": rec.error,
            "output_truncated": rec.output_truncated,
            "backend": "slurm",
            "backend_job_id": rec.backend_job_id,
        }

    def _append_state(self, rec: JobRecord, place: Optional[int] = None) -> None:
        append(self._events_path(rec.id), {"type": "state", "job": self._job_json(rec, place)})
        self._notify(rec.id)

    def _events_path(self, job_id: str) -> Path:
        return self.data_dir / "jobs" / job_id / EVENTS
