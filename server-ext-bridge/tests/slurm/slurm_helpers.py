"""What the Slurm tests share: the test logins, the Python that job accounts can run, a SlurmQueue on the test
cluster, and waiting for a job's events."""

from __future__ import annotations

import asyncio
import os
import pwd
import sys
import time
from pathlib import Path
from typing import Any

import classlab_bridge
from classlab_bridge.gpu.queue import GpuUser, JobBundle, JobCell
from classlab_bridge.gpu.slurm.queue import SlurmQueue
from classlab_bridge.gpu.slurm.rest import SlurmRest
from classlab_bridge.gpu.slurm.tokens import KeyTokens

S1, S2, SVC = "classlab-s1", "classlab-s2", "classlab-svc"
#: The Python job accounts run: this venv's is under /root (not theirs to enter), so the system's of the same version
#: with this environment's packages on PYTHONPATH.
JOB_PYTHON = f"/usr/bin/python{sys.version_info[0]}.{sys.version_info[1]}"
JOB_ENV = {
    "PYTHONPATH": os.pathsep.join(
        [str(Path(classlab_bridge.__file__).parents[1]), *__import__("site").getsitepackages()]
    )
}


def notebook_folder(shared: Path, owner: str) -> Path:
    folder = shared / f"lesson-{owner}"
    folder.mkdir()
    (folder / "data.txt").write_text("42\n")
    entry = pwd.getpwnam(owner)
    os.chown(folder, entry.pw_uid, entry.pw_gid)
    os.chown(folder / "data.txt", entry.pw_uid, entry.pw_gid)
    return folder


def make_queue(slurm_cluster, shared: Path, mode: str = "user", **kw: Any) -> SlurmQueue:
    allowed = {SVC} if mode == "service" else None
    rest = SlurmRest(slurm_cluster.rest_url, KeyTokens(Path(slurm_cluster.jwt_key_path), 600, allowed))
    kw.setdefault("poll_interval", 0.3)
    return SlurmQueue(
        data_dir=shared / "queue",
        rest=rest,
        mode=mode,
        job_root=shared / "jobs",
        partition=slurm_cluster.partition,
        service_user=SVC if mode == "service" else "",
        python=JOB_PYTHON,
        job_env=JOB_ENV,
        time_limit=300,
        **kw,
    )


def bundle(folder: Path, source: str, time_limit: int | None = None, scratch: bool = False) -> JobBundle:
    return JobBundle("lesson.ipynb", "python3", [JobCell("c1", source, True)], folder, time_limit, scratch=scratch)


async def follow(queue: SlurmQueue, user: GpuUser, job_id: str, timeout: float = 120) -> list[dict[str, Any]]:
    """Every event of the job until its end."""
    events: list[dict[str, Any]] = []

    async def collect() -> None:
        async for event in queue.events(user, job_id):
            events.append(event)

    await asyncio.wait_for(collect(), timeout)
    return events


async def wait_for(queue: SlurmQueue, user: GpuUser, job_id: str, check, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job, outputs = await queue.get(user, job_id)
        if check(job, outputs):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting; job is {job}")
        await asyncio.sleep(0.3)


def text_of(outputs: dict[str, list[dict[str, Any]]], cell: str = "c1") -> str:
    return "".join(o.get("text", "") for o in outputs.get(cell, []) if o.get("output_type") == "stream")


def states(events: list[dict[str, Any]]) -> list[str]:
    return [e["job"]["state"] for e in events if e["type"] == "state"]
