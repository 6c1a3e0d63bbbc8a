"""``gpu_backend = "remote"``: the GPU queue is the JupyterHub service ``classlab-gpu`` (service_app.py), shared by the
class; this server's bridge calls it as its owner (hubclient.py: the server's own ``$JUPYTERHUB_API_TOKEN``).

``submit`` packs the notebook's folder (bundle.py: hidden files and caches left out; 413 ``too_big`` past
``gpu_max_bundle_bytes``) and posts it with the job as ``multipart/form-data`` (``job``: the JSON body, ``folder``: the
zip). ``events`` long-polls ``GET jobs/{id}/events?after=N&timeout=25``, so the bridge's WebSocket works the same as
with the local queue. The service unreachable (or failing) is a 502 ``gpu_service_unavailable``; jobs live in the
service, so nothing is lost and the next call finds them again.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any, Optional
from urllib.parse import quote

from ..hubclient import HubServiceClient, call_json, multipart
from .bundle import job_body, pack_folder
from .queue import GpuError, GpuQueue, GpuUser, JobBundle

UNAVAILABLE = "The GPU service cannot be reached right now; your jobs are kept there. Try again in a moment."
#: Seconds the service holds an events call open when nothing happens.
POLL_SECONDS = 25
#: 5xx answers of the service's queue that say why in words worth passing on (PROTOCOL.md), not a broken service.
QUEUE_REFUSALS = frozenset({"isolation_unavailable", "gpu_service_unavailable", "cluster_refused", "not_available"})
#: Failed events calls in a row (with a growing pause) before the stream gives up with a 502.
POLL_RETRIES = 3


class RemoteQueue(GpuQueue):
    """GpuQueue over HTTP to the Hub service; only this server's owner is forwarded."""

    def __init__(self, client: HubServiceClient, max_bundle_bytes: int, poll_seconds: int = POLL_SECONDS) -> None:
        self.client = client
        self.max_bundle_bytes = max_bundle_bytes
        self.poll_seconds = poll_seconds
        self.log = client.log

    def _as_owner(self, user: GpuUser) -> None:
        if not self.client.is_owner(user.name):
            raise GpuError(403, "forbidden", "Only this server's owner may use its GPU jobs; use your own JupyterLab.")

    async def _call(
        self,
        path: str,
        method: str = "GET",
        body: Optional[bytes] = None,
        content_type: str = "application/json",
        timeout: Optional[float] = None,
    ) -> dict[str, Any]:
        """The service's JSON answer; its own errors (4xx, and the queue's refusals) as GpuError, anything else as
        502 ``gpu_service_unavailable`` (hubclient.py)."""
        return await call_json(
            self.client,
            f"api/gpu/{path}",
            method,
            body,
            content_type,
            timeout,
            error=GpuError,
            unavailable=("gpu_service_unavailable", UNAVAILABLE),
            refusals=QUEUE_REFUSALS,
        )

    async def info(self) -> dict[str, Any]:
        try:
            info = await self._call("info")
        except GpuError as e:
            if e.code != "gpu_service_unavailable":
                raise
            return {"backend": "remote", "reachable": False, "message": e.message, "gpus": [], "slots": 0}
        limit = min(self.max_bundle_bytes, int(info.get("max_bundle_bytes") or self.max_bundle_bytes))
        return {**info, "backend": "remote", "reachable": True, "max_bundle_bytes": limit}

    async def submit(self, user: GpuUser, bundle: JobBundle) -> dict[str, Any]:
        self._as_owner(user)
        folder = await asyncio.get_running_loop().run_in_executor(
            None, pack_folder, bundle.workdir, self.max_bundle_bytes
        )
        job = json.dumps(job_body(bundle.notebook, bundle.kernel, bundle.cells, bundle.time_limit)).encode()
        body, content_type = multipart(
            [("job", None, "application/json", job), ("folder", "folder.zip", "application/zip", folder)]
        )
        # An upload of up to max_bundle_bytes: give it time beyond the usual timeout.
        timeout = self.client.timeout + len(body) / (4 * 1024 * 1024)
        return (await self._call("jobs", "POST", body, content_type, timeout))["job"]

    async def list(self, user: GpuUser, all_users: bool = False) -> list[dict[str, Any]]:
        self._as_owner(user)
        return (await self._call("jobs?all=1" if all_users else "jobs"))["jobs"]

    async def get(self, user: GpuUser, job_id: str) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
        self._as_owner(user)
        data = await self._call(f"jobs/{quote(job_id, safe='')}")
        return data["job"], data.get("outputs") or {}

    async def cancel(self, user: GpuUser, job_id: str) -> dict[str, Any]:
        self._as_owner(user)
        return (await self._call(f"jobs/{quote(job_id, safe='')}", "DELETE"))["job"]

    async def events(self, user: GpuUser, job_id: str, after: int = 0) -> AsyncIterator[dict[str, Any]]:
        self._as_owner(user)
        failures = 0
        while True:
            path = f"jobs/{quote(job_id, safe='')}/events?after={after}&timeout={self.poll_seconds}"
            try:
                data = await self._call(path, timeout=self.poll_seconds + self.client.timeout)
            except GpuError as e:
                if e.code != "gpu_service_unavailable" or failures >= POLL_RETRIES:
                    raise
                failures += 1
                await asyncio.sleep(failures)
                continue
            failures = 0
            for event in data.get("events") or []:
                yield event
                after = max(after, int(event.get("seq", after)))
            if data.get("done"):
                return

    async def quota(self, user: GpuUser) -> dict[str, Any]:
        self._as_owner(user)
        return await self._call("quota")

    async def close(self) -> None:
        pass
