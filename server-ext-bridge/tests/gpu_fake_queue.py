"""TEMPORARY: a GpuQueue stand-in until gpu/local.py lands (then the tests use the real LocalQueue)."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from classlab_bridge.gpu.queue import GpuError, GpuQueue, GpuUser, JobBundle

_ids = itertools.count(1)


class FakeQueue(GpuQueue):
    def __init__(self, hold: bool = False) -> None:
        self.jobs: dict[str, dict[str, Any]] = {}
        self.log: dict[str, list[dict[str, Any]]] = {}
        self.outputs: dict[str, dict[str, list[Any]]] = {}
        self.changed = asyncio.Event()
        self.hold = hold
        self.bundles: dict[str, JobBundle] = {}

    async def info(self) -> dict[str, Any]:
        return {"backend": "local", "device": "cpu", "gpus": [], "slots": 1, "context": "above"}

    def _emit(self, job_id: str, event: dict[str, Any]) -> None:
        events = self.log[job_id]
        events.append({"seq": len(events) + 1, **event})
        self.changed.set()
        self.changed = asyncio.Event()

    async def submit(self, user: GpuUser, bundle: JobBundle) -> dict[str, Any]:
        job_id = f"j_{next(_ids)}"
        files = sorted(p.name for p in bundle.workdir.iterdir())
        self.bundles[job_id] = bundle
        job = {"id": job_id, "user": user.name, "notebook": bundle.notebook, "state": "queued", "position": 1}
        self.jobs[job_id] = job
        self.log[job_id] = []
        self.outputs[job_id] = {}
        self._emit(job_id, {"type": "state", "job": dict(job)})
        asyncio.ensure_future(self._run(job_id, bundle, files))
        return dict(job)

    async def _run(self, job_id: str, bundle: JobBundle, files: list[str]) -> None:
        await asyncio.sleep(0.05)
        job = self.jobs[job_id]
        if job["state"] != "queued":
            return
        job.update(state="running", position=0)
        self._emit(job_id, {"type": "state", "job": dict(job)})
        for cell in bundle.cells:
            if cell.target:
                output = {"output_type": "stream", "name": "stdout", "text": f"{cell.source} in {files}\n"}
                self.outputs[job_id].setdefault(cell.id, []).append(output)
                self._emit(job_id, {"type": "output", "cell_id": cell.id, "output": output})
        while self.hold and job["state"] == "running":
            await asyncio.sleep(0.02)
        if job["state"] == "running":
            job["state"] = "succeeded"
            self._emit(job_id, {"type": "state", "job": dict(job)})

    def _mine(self, user: GpuUser, job_id: str) -> dict[str, Any]:
        job = self.jobs.get(job_id)
        if job is None or (job["user"] != user.name and not user.teacher):
            raise GpuError(404, "not_found", "No such job.")
        return job

    async def list(self, user: GpuUser, all_users: bool = False) -> list[dict[str, Any]]:
        return [dict(j) for j in self.jobs.values() if j["user"] == user.name or (all_users and user.teacher)][::-1]

    async def get(self, user: GpuUser, job_id: str) -> Any:
        return dict(self._mine(user, job_id)), self.outputs[job_id]

    async def cancel(self, user: GpuUser, job_id: str) -> dict[str, Any]:
        job = self._mine(user, job_id)
        if job["state"] in ("queued", "running"):
            job["state"] = "cancelled"
            self._emit(job_id, {"type": "state", "job": dict(job)})
        return dict(job)

    async def events(self, user: GpuUser, job_id: str, after: int = 0) -> Any:
        self._mine(user, job_id)
        while True:
            for event in self.log[job_id][after:]:
                after = event["seq"]
                yield event
                if event["type"] == "state" and event["job"]["state"] not in ("queued", "running"):
                    return
            if self.jobs[job_id]["state"] not in ("queued", "running"):
                return
            await self.changed.wait()

    async def quota(self, user: GpuUser) -> dict[str, Any]:
        return {"used_seconds": 0, "limit_seconds": 36000, "remaining_seconds": 36000, "period": "none"}

    async def close(self) -> None:
        pass
