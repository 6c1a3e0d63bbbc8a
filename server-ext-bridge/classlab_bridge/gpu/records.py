"""What every queue that keeps job records (local.py, slurm/queue.py) does alike: find a record a user may see, the
kernel spec a job needs, a failed job's reason in words, and a job's events for its subscribers (a waiting job's new
places live only, never written) and waking them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Callable, Optional

from .joblog import CLIENT_TYPES, Tail, reserve
from .queue import QUEUED, TERMINAL, GpuError, GpuUser
from .store import JobRecord, JobStore

#: Seqs reserved at a time for a waiting job's live state events (one skip line in its events.jsonl per this many).
LIVE_SEQS = 10_000
#: A waiting job's new estimate is sent when its expected start moves by more than this many seconds, or this share
#: of the wait left, whichever is more (a countdown is the client's: the same start is not news).
ESTIMATE_SLACK = (10.0, 0.1)

#: What a client shows of a waiting job: position, reason, expected start on the queue's clock (None: unknown).
_View = tuple[int, Optional[str], Optional[float]]


def _same_view(a: Optional[_View], b: _View, now: float) -> bool:
    if a is None or a[:2] != b[:2]:
        return False
    if a[2] is None or b[2] is None:
        return a[2] is None and b[2] is None
    return abs(a[2] - b[2]) <= max(ESTIMATE_SLACK[0], ESTIMATE_SLACK[1] * max(0.0, b[2] - now))


@dataclass
class LiveEvents:
    """A waiting job's live state events: the seqs reserved for them and the latest one (seq, view, job JSON)."""

    next: int
    end: int
    latest: Optional[tuple[int, _View, dict[str, Any]]] = None


def failure_reason(error: Optional[dict[str, Any]]) -> str:
    """A failed job's ``reason`` from its ``error`` (PROTOCOL.md)."""
    if not error:
        return "The job failed."
    what = f"{error.get('ename')}: {error.get('evalue')}".rstrip(": ")
    if error.get("ename") == "DeadKernelError":
        return "The kernel died (out of memory, or it crashed)."
    if error.get("in_context"):
        return f"A setup cell above the one you ran (id {error.get('cell_id')}) raised {what}."
    if error.get("cell_id"):
        return f"Cell {error.get('cell_id')} raised {what}."
    return f"The job could not run: {what}."


class RecordsMixin:
    """Needs ``store`` (a JobStore, None until started), ``_kernel_specs`` (a KernelSpecManager or None),
    ``_waiters`` (job id → the Event its subscribers wait on), ``_live`` (job id → its live state events), ``clock``,
    ``_closed``, ``start()``, ``_events_path(id)`` and ``_job_json(rec)``."""

    store: Optional[JobStore]
    _kernel_specs: Any
    _waiters: dict[str, asyncio.Event]
    _live: dict[str, LiveEvents]
    _closed: bool
    clock: Callable[[], float]

    def _db(self) -> JobStore:
        if self.store is None:
            raise GpuError(503, "unavailable", "The GPU queue has not started.")
        return self.store

    def _visible(self, user: GpuUser, job_id: str) -> JobRecord:
        """The job's record; 404 for one the user may not see (teachers see all)."""
        rec = self._db().get(job_id) if isinstance(job_id, str) else None
        if rec is None or (rec.user != user.name and not user.teacher):
            raise GpuError(404, "not_found", "No such GPU job.")
        return rec

    def _kernel_spec(self, name: str) -> Any:
        if self._kernel_specs is None:
            from jupyter_client.kernelspec import KernelSpecManager

            self._kernel_specs = KernelSpecManager()
        try:
            return self._kernel_specs.get_kernel_spec(name)
        except Exception:  # NoSuchKernel, or an unreadable kernel.json: either way it cannot run
            raise GpuError(404, "no_such_kernel", f"The kernel {name!r} is not installed where GPU jobs run.") from None

    def _notify(self, job_id: str) -> None:
        """Wakes the job's events() subscribers; each reads its file from where it stopped."""
        waiter = self._waiters.pop(job_id, None)
        if waiter is not None:
            waiter.set()

    def _notify_all(self) -> None:
        """Wakes every events() subscriber (waiting jobs' places changed, or the queue stops)."""
        waiters, self._waiters = self._waiters, {}
        for waiter in waiters.values():
            waiter.set()

    async def events(self, user: GpuUser, job_id: str, after: int = 0) -> AsyncIterator[dict[str, Any]]:
        """The file's events after ``after``, then live ones; for a waiting job also its current state whenever the
        client's is out of date (position, reason or expected start): live events, never written (PROTOCOL.md)."""
        await self.start()
        self._visible(user, job_id)
        tail = Tail(self._events_path(job_id))
        ended_in_record = False
        sent = after  # the client holds every event up to this seq
        line = 0  # seq of the last line read
        #: The waiting job as the client shows it: ("logged", its last state line's job) or ("live", view); None:
        #: unknown (it holds a live event this subscriber did not send: from before a restart, or another socket's).
        shown: Optional[tuple[str, Any]] = None
        while not self._closed:
            waiter = self._waiters.setdefault(job_id, asyncio.Event())
            for seq, event in tail.read():
                line = seq
                if event is None or event.get("type") not in CLIENT_TYPES:
                    continue
                if event.get("type") == "state":
                    shown = ("logged", event.get("job") or {})
                if seq > after:
                    sent = seq
                    yield {"seq": seq, **event}
                if event.get("type") == "state" and (event.get("job") or {}).get("state") in TERMINAL:
                    return
            rec = self._db().get(job_id)
            if rec is None:
                return
            if rec.state in TERMINAL:
                # The terminal line follows the record at once; if a second read still lacks it (a crash between
                # the two), the record is the truth: say it, with the next seq.
                if ended_in_record:
                    yield {"seq": max(tail.lines + 1, after + 1), "type": "state", "job": self._job_json(rec)}
                    return
                ended_in_record = True
                continue
            if rec.state == QUEUED:
                if sent > line and (shown is None or shown[0] == "logged"):
                    live = self._live.get(job_id)
                    latest = live.latest if live is not None else None
                    shown = ("live", latest[1]) if latest is not None and latest[0] == sent else None
                update = self._live_update(rec, shown)
                if update is not None:
                    seq, view, job = update
                    shown = ("live", view)
                    if seq > sent:
                        sent = seq
                        yield {"seq": seq, "type": "state", "job": job}
            try:
                await asyncio.wait_for(waiter.wait(), timeout=1.0)
            except asyncio.TimeoutError:
                pass

    def _view(self, job: Mapping[str, Any], at: float) -> _View:
        estimate = job.get("estimate_seconds")
        return (job.get("position") or 0, job.get("reason"), None if estimate is None else at + estimate)

    def _live_update(self, rec: JobRecord, shown: Optional[tuple[str, Any]]) -> Optional[tuple[int, _View, dict]]:
        """The live state event a client showing ``shown`` of this waiting job should get now, or None when what it
        shows is still right. Subscribers of one job share each event (and its seq)."""
        now = self.clock()
        job = self._job_json(rec)
        view = self._view(job, now)
        if shown is not None:
            # A state line of a waiting job is written when it is queued, so its estimate counts from ``created``.
            old = self._view(shown[1], rec.created) if shown[0] == "logged" else shown[1]
            if _same_view(old, view, now):
                return None
        live = self._live.get(rec.id)
        if live is not None and live.latest is not None and _same_view(live.latest[1], view, now):
            return live.latest
        if live is None or live.next > live.end:
            first, last = reserve(self._events_path(rec.id), LIVE_SEQS)
            live = self._live[rec.id] = LiveEvents(first, last, live.latest if live is not None else None)
        live.latest = (live.next, view, job)
        live.next += 1
        return live.latest
