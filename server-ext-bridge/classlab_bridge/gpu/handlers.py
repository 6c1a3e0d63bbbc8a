"""The GPU queue's bridge API under ``{base_url}classlab/api/gpu/`` (PROTOCOL.md): REST and the events WebSocket.

The same handlers serve every backend: the queue in this server (``gpu_backend = "local"``) or the JupyterHub service
reached through RemoteQueue (``"remote"``). The caller is this server's authenticated user, never a name sent by the
client: in a JupyterHub the Hub user (a teacher when a Hub admin or in ``teachers_group``); on a single server its one
owner, a teacher, under one stable name (the OS login), since jupyter_server names each token login anew
("anonymous" users) and jobs and quota must not change hands with a cookie.
"""

from __future__ import annotations

import asyncio
import getpass
import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.utils import ensure_async
from tornado import websocket

from ..apibase import hub_teacher
from ..handlers import ws_authenticated
from .bundle import notebook_folder, parse_job
from .queue import GpuError, GpuQueue, GpuUser, JobBundle
from .rest import GpuRest, rest_routes
from .settings import make_local_queue, make_slurm_queue, start_queue, stop_queue

if TYPE_CHECKING:
    from ..app import ClassLabBridgeApp

GPU_API = "classlab/api/gpu"


@lru_cache(maxsize=1)
def server_owner() -> str:
    """The name jobs go under on a server outside a JupyterHub."""
    try:
        return getpass.getuser()
    except Exception:  # no login name for this uid (a container without a passwd entry)
        return "owner"


def gpu_user(user: Any, teachers_group: str) -> GpuUser:
    """The caller as the queue knows them (see the module docstring)."""
    hub_user = getattr(user, "hub_user", None)  # jupyterhub.singleuser's JupyterHubUser (JupyterHub >= 2)
    if isinstance(hub_user, dict):
        return GpuUser(user.username, hub_teacher(hub_user, teachers_group))
    return GpuUser(server_owner(), teacher=True)


class GpuBridge:
    """The bridge's GPU queue, made on first use (or at server start) from the ``gpu_*`` settings."""

    def __init__(self, app: ClassLabBridgeApp) -> None:
        self.app = app
        self.teachers_group = app.teachers_group
        self._queue: Optional[GpuQueue] = None

    @property
    def root_dir(self) -> str:
        return str(self.app.serverapp.root_dir)

    def queue(self) -> GpuQueue:
        if self._queue is None:
            self._queue = self._make_queue()
        return self._queue

    def _make_queue(self) -> GpuQueue:
        app = self.app
        if app.gpu_backend == "local":
            return make_local_queue(app, "gpu_", Path(app.gpu_data_dir))
        if app.gpu_backend == "remote":
            from ..hubclient import HubServiceClient
            from .remote import RemoteQueue

            client = HubServiceClient(
                app.gpu_service_name,
                app.gpu_service_url,
                url_env="CLASSLAB_GPU_SERVICE_URL",
                timeout=app.gpu_service_timeout,
                log=app.log,
            )
            return RemoteQueue(client, max_bundle_bytes=app.gpu_max_bundle_bytes)
        try:
            return make_slurm_queue(app, "gpu_", Path(app.gpu_data_dir))
        except ValueError as e:  # a setting that must not be used in a student's server: said on every call
            raise GpuError(501, "not_available", f"The Slurm GPU backend is not set up right: {e}") from None

    async def start(self) -> None:
        """Starts the queue with the server (not on its first call): jobs queued before a restart run on."""
        if self.app.gpu_backend in ("local", "slurm"):
            try:
                queue = self.queue()
            except GpuError as e:
                self.app.log.error("ClassLab bridge: %s", e.message)
                return
            await start_queue(queue)

    async def close(self) -> None:
        if self._queue is not None:
            queue, self._queue = self._queue, None
            await stop_queue(queue)

    def handlers(self) -> list[tuple[str, Any, dict[str, Any]]]:
        kw = {"gpu": self}
        rest = [(rf"/{GPU_API}/{path}", handler, kw) for path, handler, _ in rest_routes(GpuAPIHandler, kw)]
        return [*rest, (rf"/{GPU_API}/jobs/([^/]+)/events", EventsHandler, kw)]


class GpuHandlerMixin:
    """The caller as a GpuUser, and the queue; mixed into the REST handlers and the events socket."""

    gpu: GpuBridge
    current_user: Any

    def initialize(self, gpu: GpuBridge) -> None:
        self.gpu = gpu

    def caller(self) -> GpuUser:
        return gpu_user(self.current_user, self.gpu.teachers_group)

    def gpu_queue(self) -> GpuQueue:
        return self.gpu.queue()


class GpuAPIHandler(GpuHandlerMixin, GpuRest, APIHandler):
    """The REST calls (rest.py) for this server's user; a job runs in its notebook's folder under the root."""

    @property
    def info_defaults(self) -> dict[str, Any]:  # type: ignore[override]
        return {"max_bundle_bytes": self.gpu.app.gpu_max_bundle_bytes}

    async def submit(self, queue: GpuQueue, user: GpuUser) -> dict[str, Any]:
        notebook, kernel, cells, time_limit = parse_job(self.body())
        workdir = notebook_folder(self.gpu.root_dir, notebook)
        return await queue.submit(user, JobBundle(notebook, kernel, cells, workdir, time_limit))


class EventsHandler(GpuHandlerMixin, JupyterHandler, websocket.WebSocketHandler):
    """``WS jobs/{id}/events?after=N``: replays the job's events after N, then streams live ones; closes (1000) after
    the terminal state. A job the caller may not see is refused before the upgrade (its JSON error, e.g. 404); a
    queue that fails mid-stream (the GPU service unreachable) closes with 1011 and the client reconnects with
    ``after`` = the last ``seq`` it got: nothing is lost."""

    _pump: Optional[asyncio.Task[None]] = None

    @property
    def ping_interval(self) -> float:
        return float(self.settings.get("websocket_ping_interval") or 30)

    def _refuse(self, error: GpuError) -> None:
        self.set_status(error.status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": {"code": error.code, "message": error.message}}))

    @ws_authenticated
    async def get(self, job_id: str) -> None:
        try:
            self.after = int(self.get_argument("after", "0"))
            if self.after < 0:
                raise ValueError
        except ValueError:
            return self._refuse(GpuError(400, "bad_request", "'after' must be a whole number, 0 or more."))
        try:
            queue = self.gpu_queue()
            # A queue that can tell cheaply (LocalQueue: one record) says so; else get() does, outputs and all.
            check = getattr(queue, "check_visible", None)
            await (check(self.caller(), job_id) if check is not None else queue.get(self.caller(), job_id))
        except GpuError as e:
            return self._refuse(e)
        await ensure_async(super().get(job_id))

    def open(self, job_id: str) -> None:  # type: ignore[override]
        self._pump = asyncio.ensure_future(self.pump(job_id))

    async def pump(self, job_id: str) -> None:
        try:
            async for event in self.gpu_queue().events(self.caller(), job_id, self.after):
                await self.write_message(json.dumps(event))
        except GpuError as e:
            self.log.warning("ClassLab GPU: events of %s stopped: %s", job_id, e.message)
            self.close(1011, e.code)
        except websocket.WebSocketClosedError:
            pass
        else:
            self.close(1000)

    def on_message(self, message: Any) -> None:
        pass  # the client only listens

    def on_close(self) -> None:
        if self._pump is not None and not self._pump.done():
            self._pump.cancel()
