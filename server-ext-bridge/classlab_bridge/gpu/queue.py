"""The GPU queue interface every backend implements (local, Slurm) and the types it speaks.

The contract with the front end and between bridge and service is PROTOCOL.md in this folder.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from ..apibase import APIError

#: Job states; the last six are terminal and never change again.
QUEUED, RUNNING = "queued", "running"
SUCCEEDED, FAILED, CANCELLED, TIMED_OUT, QUOTA_EXHAUSTED, INTERRUPTED = (
    "succeeded",
    "failed",
    "cancelled",
    "timed_out",
    "quota_exhausted",
    "interrupted",
)
TERMINAL = frozenset({SUCCEEDED, FAILED, CANCELLED, TIMED_OUT, QUOTA_EXHAUSTED, INTERRUPTED})
STATES = (QUEUED, RUNNING, *sorted(TERMINAL))


class GpuError(APIError):
    """A refusal with an HTTP status and a stable code (PROTOCOL.md lists them)."""


@dataclass(frozen=True)
class GpuUser:
    """The caller, from the server's identity (in a Hub: the Hub's answer for their token), never from the client."""

    name: str
    teacher: bool = False


@dataclass(frozen=True)
class JobCell:
    id: str
    source: str
    #: True: run it and send its outputs back; False: context, replayed first, outputs dropped.
    target: bool


@dataclass
class JobBundle:
    """What to run: cells of one notebook, its kernel spec name, and the folder to run in."""

    notebook: str
    kernel: str
    cells: list[JobCell]
    workdir: Path
    time_limit: Optional[int] = None
    #: True: ``workdir`` was made for this job alone (the Hub service's scratch folder): the queue hands it to the job's
    #: account and removes it once the job has ended. False: the notebook's own folder, never touched.
    scratch: bool = False
    #: Anything a backend needs besides (e.g. the uploaded archive's size); not part of the API.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def targets(self) -> list[str]:
        return [c.id for c in self.cells if c.target]


class GpuQueue(ABC):
    """One GPU queue; all calls are made on the server's event loop."""

    @abstractmethod
    async def info(self) -> dict[str, Any]:
        """``GET info`` (PROTOCOL.md)."""

    @abstractmethod
    async def submit(self, user: GpuUser, bundle: JobBundle) -> dict[str, Any]:
        """A new job (J) or GpuError."""

    @abstractmethod
    async def list(self, user: GpuUser, all_users: bool = False) -> list[dict[str, Any]]:
        """The user's jobs (J…), newest first; everyone's when ``all_users`` and the user is a teacher."""

    @abstractmethod
    async def get(self, user: GpuUser, job_id: str) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
        """(J, outputs by cell id so far); GpuError 404 for a job the user may not see."""

    @abstractmethod
    async def cancel(self, user: GpuUser, job_id: str) -> dict[str, Any]:
        """Cancels a queued or running job; a finished one comes back unchanged."""

    @abstractmethod
    def events(self, user: GpuUser, job_id: str, after: int = 0) -> AsyncIterator[dict[str, Any]]:
        """Events with ``seq > after``, then live ones; ends after the terminal ``state`` event."""

    @abstractmethod
    async def quota(self, user: GpuUser) -> dict[str, Any]:
        """``GET quota`` for the user."""

    @abstractmethod
    async def close(self) -> None:
        """Stops timers and watchers (running jobs are left to the restart rules)."""
