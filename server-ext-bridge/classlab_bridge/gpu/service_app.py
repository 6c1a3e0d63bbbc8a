"""The GPU queue as a JupyterHub managed service (``gpu_backend = "remote"``): one queue, quota ledger and set of slots
for the whole class, outside the students' servers (which they control, so they cannot be trusted with the ledger).

Run by the Hub (``python -m classlab_bridge.gpu.service_app``) and proxied at ``/services/classlab-gpu/``: the same
LocalQueue as the in-process backend, with the REST API of PROTOCOL.md under ``{prefix}api/gpu/``. The caller is
whoever the Hub says owns the request's token (hubservice.py), never a name in the body; a student sees and cancels only
their own jobs, teachers (Hub admins, ``teachers_group``) everyone's.

* ``POST jobs`` takes ``multipart/form-data``: ``job`` (the JSON body of PROTOCOL.md) and ``folder`` (a zip of the
  notebook's folder, as remote.py packs it), or a plain JSON body (an empty folder). The archive is unpacked
  (size-capped, refusing any entry that would leave it) into a per-job scratch folder under ``data_dir/scratch``, where
  the job runs; the folder is removed once the job has ended.
* Jobs run under accounts of their own (``isolate_jobs``, ``job_uids``; local.py "Trust"), never this service's, when
  it can: as root in its container (or with the capabilities local.py names). Otherwise every job runs under this
  service's account, so a job could rewrite the quota ledger, read other students' jobs and the service's token, and
  the service says so at start with a loud warning.
* ``GET jobs/{id}/events?after=N&timeout=25`` is a long poll: ``{"events": [...], "done": bool}`` as soon as there is
  an event after N (or after ``timeout`` seconds with none); ``done`` once the terminal state was sent.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

from tornado import ioloop, web
from traitlets import Enum, Unicode, default

from ..apibase import hub_teacher
from ..hubservice import HubIdentities, HubServiceApp, ServiceAPIHandler, make_service_app
from .bundle import parse_job, remove_tree, unpack_folder
from .queue import TERMINAL, GpuError, GpuQueue, GpuUser, JobBundle
from .rest import GpuRest, rest_routes
from .settings import make_local_queue, make_slurm_queue, queue_settings, start_queue, stop_queue

#: The longest long poll a client may ask for (seconds).
MAX_POLL_SECONDS = 60.0
#: Once a poll has an event, it waits this long for more before answering (a burst of outputs goes in one answer).
POLL_LINGER_SECONDS = 0.05
POLL_MAX_EVENTS = 1000
POLL_FIRST_SECONDS = 0.1
#: A scratch folder without a job this many seconds after it was made is left from a failed submit: removed.
ORPHAN_SECONDS = 600.0
#: Whom the scratch sweeper asks about jobs (a teacher may read any job).
SWEEPER = GpuUser("classlab-gpu-service", teacher=True)


class Scratch:
    """Per-job scratch folders ``<root>/<random>/`` and, once the job exists, ``<root>/<random>.job`` holding its id."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def new(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o711)  # job accounts pass through to their own folder, and list none
        # Mode 0700: this service's account only, until the queue hands it to the job's account when it starts.
        return Path(tempfile.mkdtemp(prefix="job-", dir=self.root))

    def claim(self, folder: Path, job_id: str) -> None:
        folder.with_suffix(".job").write_text(job_id)

    def drop(self, folder: Path) -> None:
        remove_tree(folder)
        folder.with_suffix(".job").unlink(missing_ok=True)

    async def sweep(self, queue: GpuQueue) -> None:
        """Removes the folders of ended (or forgotten) jobs and of submits that never made a job."""
        if not self.root.is_dir():
            return
        for folder in self.root.iterdir():
            if not folder.is_dir():
                if folder.suffix == ".job" and not folder.with_suffix("").exists():
                    folder.unlink(missing_ok=True)
                continue
            marker = folder.with_suffix(".job")
            if not marker.exists():
                if time.time() - folder.stat().st_mtime > ORPHAN_SECONDS:
                    self.drop(folder)
                continue
            try:
                job, _ = await queue.get(SWEEPER, marker.read_text().strip())
            except GpuError as e:
                if e.status == 404:
                    self.drop(folder)
                continue
            if job.get("state") in TERMINAL:
                self.drop(folder)


class GpuServiceHandler(ServiceAPIHandler):
    error_class = GpuError
    who: GpuUser

    def initialize(self, queue: GpuQueue, identities: HubIdentities[GpuUser], app: GpuServiceApp) -> None:
        self.queue = queue
        self.identities = identities
        self.app = app


class GpuRestHandler(GpuRest, GpuServiceHandler):
    """The REST calls (rest.py) for the token's owner; a job runs in a scratch folder made from its upload."""

    def caller(self) -> GpuUser:
        return self.who

    def gpu_queue(self) -> GpuQueue:
        return self.queue

    @property
    def info_defaults(self) -> dict[str, Any]:  # type: ignore[override]
        return {"max_bundle_bytes": self.app.max_bundle_bytes}

    def _job_and_folder(self) -> tuple[Any, bytes]:
        if self.is_form():
            return self.form_json("job"), self.form_part("folder") or b""
        return self.body(), b""

    async def submit(self, queue: GpuQueue, user: GpuUser) -> dict[str, Any]:
        body, archive = self._job_and_folder()
        notebook, kernel, cells, time_limit = parse_job(body)
        limit = self.app.max_bundle_bytes
        if len(archive) > limit:
            raise GpuError(413, "too_big", f"The folder archive is larger than {limit / 1048576:.0f} MiB.")
        folder = self.app.scratch.new()
        try:
            if archive:
                await asyncio.get_running_loop().run_in_executor(None, unpack_folder, archive, folder, limit)
            bundle = JobBundle(
                notebook, kernel, cells, folder, time_limit, scratch=True, extra={"archive_bytes": len(archive)}
            )
            job = await queue.submit(user, bundle)
        except BaseException:
            self.app.scratch.drop(folder)
            raise
        self.app.scratch.claim(folder, job["id"])
        return job


async def poll_events(
    queue: GpuQueue, user: GpuUser, job_id: str, after: int, timeout: float
) -> tuple[list[dict[str, Any]], bool]:
    """The job's events after ``after`` as soon as there is one (waiting up to ``timeout``), and whether the stream
    has ended (the terminal state is among them or was sent before)."""
    events: list[dict[str, Any]] = []
    done = False
    stream = queue.events(user, job_id, after)
    deadline = time.monotonic() + timeout
    try:
        first = True
        while len(events) < POLL_MAX_EVENTS:
            wait = POLL_LINGER_SECONDS if events else deadline - time.monotonic()
            if first:  # always ask once, so that a job the caller may not see is refused even with timeout=0
                wait, first = max(wait, POLL_FIRST_SECONDS), False
            elif wait <= 0:
                break
            try:
                event = await asyncio.wait_for(stream.__anext__(), wait)
            except StopAsyncIteration:
                done = True
                break
            except asyncio.TimeoutError:
                break  # the cancelled wait lost nothing: the next poll asks again from the last seq
            events.append(event)
            if event.get("type") == "state" and (event.get("job") or {}).get("state") in TERMINAL:
                done = True
                break
    finally:
        close = getattr(stream, "aclose", None)
        if close is not None:
            await close()
    if not events and not done:  # nothing new: also done when the job has ended (its last event was sent before)
        job, _ = await queue.get(user, job_id)
        done = job.get("state") in TERMINAL
    return events, done


class EventsHandler(GpuServiceHandler):
    """``GET jobs/{id}/events?after=N&timeout=25``: the long poll (see the module docstring)."""

    _poll: Optional[asyncio.Task[tuple[list[dict[str, Any]], bool]]] = None

    async def get(self, job_id: str) -> None:
        try:
            after = int(self.get_argument("after", "0"))
            timeout = min(MAX_POLL_SECONDS, max(0.0, float(self.get_argument("timeout", "25"))))
            if after < 0:
                raise ValueError
        except ValueError:
            return self.fail(GpuError(400, "bad_request", "'after' and 'timeout' must be numbers, 0 or more."))
        self._poll = asyncio.ensure_future(poll_events(self.queue, self.who, job_id, after, timeout))
        try:
            events, done = await self._poll
        except GpuError as e:
            return self.fail(e)
        except asyncio.CancelledError:
            return  # the client went away
        self.reply({"events": events, "done": done})

    def on_connection_close(self) -> None:
        if self._poll is not None:
            self._poll.cancel()


def make_app(queue: GpuQueue, identities: HubIdentities[GpuUser], app: GpuServiceApp) -> web.Application:
    kw = {"queue": queue, "identities": identities, "app": app}
    routes = [*rest_routes(GpuRestHandler, kw), ("jobs/([^/]+)/events", EventsHandler, kw)]
    return make_service_app("classlab-gpu", app.prefix, "gpu", routes)


GpuServiceSettings = queue_settings("GpuServiceSettings")


class GpuServiceApp(HubServiceApp, GpuServiceSettings):  # type: ignore[misc, valid-type]
    """``python -m classlab_bridge.gpu.service_app [--GpuServiceApp.cpu_slots=1 --GpuServiceApp.quota_hours=10 …]``

    The queue's settings are the bridge's ``gpu_*`` ones without the prefix (gpu/settings.py).
    """

    name = "classlab-gpu"
    description = "ClassLab GPU queue as a JupyterHub service"
    default_port = 10102

    data_dir = Unicode(
        config=True,
        help="Folder of the queue's records (SQLite), job folders and scratch folders. Default: "
        "$CLASSLAB_GPU_DATA_DIR, else classlab-gpu in the working directory.",
    )
    backend = Enum(
        ["local", "slurm"],
        "local",
        config=True,
        help="Where the class's jobs run: 'local' (this service's slots) or 'slurm' (a Slurm cluster; slurm_* "
        "settings, usually slurm_mode 'service' with slurm_token 'key': gpu/slurm/SLURM.md).",
    )
    sweep_seconds = 30.0

    @default("data_dir")
    def _data_dir(self) -> str:
        return os.environ.get("CLASSLAB_GPU_DATA_DIR", os.path.abspath("classlab-gpu"))

    aliases = {
        "teachers-group": "GpuServiceApp.teachers_group",
        "data-dir": "GpuServiceApp.data_dir",
        "slots": "GpuServiceApp.slots",
        "cpu-slots": "GpuServiceApp.cpu_slots",
        "quota-hours": "GpuServiceApp.quota_hours",
        "isolate-jobs": "GpuServiceApp.isolate_jobs",
        "job-uids": "GpuServiceApp.job_uids",
        "backend": "GpuServiceApp.backend",
    }

    queue: Optional[GpuQueue] = None
    scratch: Scratch
    _sweeper: Optional[ioloop.PeriodicCallback] = None

    def build(self, hub_auth: Any = None, queue: Optional[GpuQueue] = None) -> tuple[GpuQueue, web.Application]:
        """The queue (a LocalQueue from the settings unless given) and the Tornado application."""
        data = Path(self.data_dir).resolve()
        data.mkdir(parents=True, exist_ok=True)
        self.scratch = Scratch(data / "scratch")
        if queue is None:
            make = make_slurm_queue if self.backend == "slurm" else make_local_queue
            queue = make(self, "", data, service=True)
        self.queue = queue
        identities = self.hub_identities(
            lambda model: GpuUser(str(model["name"]), hub_teacher(model, self.teachers_group)), hub_auth
        )
        return queue, make_app(queue, identities, self)

    async def setup(self) -> None:
        queue, app = self.build()
        # The folder archive, the job's cells and the form's framing.
        self.listen(app, max_body_size=self.max_bundle_bytes + 16 * 1024 * 1024)
        await start_queue(queue)
        self.warn_unisolated(queue)
        await self.scratch.sweep(queue)
        self._sweeper = ioloop.PeriodicCallback(lambda: self.scratch.sweep(queue), self.sweep_seconds * 1000)
        self._sweeper.start()

    def warn_unisolated(self, queue: GpuQueue) -> Optional[str]:
        """Logs (and returns) a loud warning when the started queue runs jobs under this service's own account."""
        from .local import LocalQueue

        if not isinstance(queue, LocalQueue) or queue.isolated:
            return None
        if queue.isolate_jobs == "on":
            why = f"GPU jobs are REFUSED: isolate_jobs is 'on' but {queue.isolation_problem}"
        else:
            why = (
                "GPU jobs run UNDER THIS SERVICE'S OWN ACCOUNT: a student's job can rewrite the quota ledger "
                "(queue.sqlite), read other students' jobs and scratch folders, and read this service's "
                "JUPYTERHUB_API_TOKEN from /proc. "
                + (
                    "isolate_jobs is 'off'."
                    if queue.isolate_jobs == "off"
                    else f"Isolation is not possible: {queue.isolation_problem}"
                )
                + " Run the service as root in its container (or with CAP_SETUID, CAP_SETGID, CAP_CHOWN, CAP_KILL, "
                "CAP_DAC_OVERRIDE, CAP_FOWNER) so that each job runs under a uid of its own (job_uids)."
            )
        self.log.warning("WARNING: %s", why)
        return why

    async def teardown(self) -> None:
        if self._sweeper is not None:
            self._sweeper.stop()
        if self.queue is not None:
            await stop_queue(self.queue)


main = GpuServiceApp.launch_instance

if __name__ == "__main__":
    main()
