"""What every queue that keeps job records (local.py, slurm/queue.py) does alike: find a record a user may see, the
kernel spec a job needs, a failed job's reason in words, and waking the subscribers of a job's events."""

from __future__ import annotations

import asyncio
from typing import Any, Optional

from .queue import GpuError, GpuUser
from .store import JobRecord, JobStore


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
    """Needs ``store`` (a JobStore, None until started), ``_kernel_specs`` (a KernelSpecManager or None) and
    ``_waiters`` (job id → the Event its subscribers wait on)."""

    store: Optional[JobStore]
    _kernel_specs: Any
    _waiters: dict[str, asyncio.Event]

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
