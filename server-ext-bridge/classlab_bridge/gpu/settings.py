"""The GPU queue's settings, declared once: the bridge's ``c.ClassLabBridgeApp.gpu_*`` traitlets and the Hub service's
``--GpuServiceApp.*`` ones are made from this table, and ``local_queue_kwargs`` maps either to LocalQueue's constructor.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from traitlets import Enum, Float, HasTraits, Integer, TraitType, Unicode

from .queue import GpuQueue

MIB = 1024 * 1024


def _settings() -> dict[str, TraitType]:
    """Fresh trait objects (a trait belongs to one class), by setting name."""
    return {
        "slots": Integer(
            0,
            min=0,
            config=True,
            help="GPU slots (jobs at once); 0: one per GPU found (CUDA_VISIBLE_DEVICES, else nvidia-smi -L).",
        ),
        "cpu_slots": Integer(
            1, min=1, config=True, help="Slots when no GPU is found: jobs then run on the CPU, and the UI says so."
        ),
        "quota_hours": Float(10.0, min=0.0, config=True, help="GPU hours each user may use per quota period."),
        "quota_period": Enum(
            ["none", "day", "week", "month"],
            "none",
            config=True,
            help="When used GPU time resets: 'none' (one budget for the term), 'day', 'week' or 'month'.",
        ),
        "time_limit": Integer(1800, min=1, config=True, help="Seconds a job may run unless it asks for another limit."),
        "max_time_limit": Integer(7200, min=1, config=True, help="The longest time limit (seconds) a job may ask for."),
        "max_running_per_user": Integer(1, min=1, config=True, help="Jobs of one user that may run at once."),
        "max_queued_per_user": Integer(
            5, min=1, config=True, help="Jobs of one user that may be queued or running at once (more: 429)."
        ),
        "max_output_bytes": Integer(
            2 * MIB, min=1024, config=True, help="Output JSON kept per job; past it outputs stop (the job goes on)."
        ),
        "context": Enum(
            ["above", "tagged"],
            "above",
            config=True,
            help="Cells replayed before the target: 'above' (every code cell above it) or 'tagged' (gpu-setup).",
        ),
        "max_bundle_bytes": Integer(
            50 * MIB,
            min=0,
            config=True,
            help="Largest notebook folder (bytes, hidden files and caches left out) that goes with a job to the "
            "JupyterHub GPU service; bigger is refused (413).",
        ),
        "isolate_jobs": Enum(
            ["auto", "on", "off"],
            "auto",
            config=True,
            help="Run each job under a uid of its own from job_uids, never this process's account (needs root, or "
            "CAP_SETUID, CAP_SETGID, CAP_CHOWN, CAP_KILL, CAP_DAC_OVERRIDE and CAP_FOWNER). 'on': refuse jobs when "
            "that cannot be done; 'auto': the Hub service isolates when it can (else jobs share its account, and it "
            "logs a warning), the in-process queue of a single server does not (its jobs run in the user's own "
            "folder); 'off': jobs run under this process's account.",
        ),
        "job_uids": Unicode(
            "61000-61063",
            config=True,
            help="Uids (and gids of the same numbers) isolated jobs run as, e.g. '61000-61063' or '61000-61007,62000': "
            "one per running job, no /etc/passwd entry needed. They must belong to this queue alone (it kills "
            "whatever runs under them).",
        ),
    }


#: Setting name -> (LocalQueue keyword, conversion).
LOCAL_QUEUE_KWARGS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "slots": ("gpu_slots", lambda n: n or None),
    "cpu_slots": ("cpu_slots", int),
    "quota_hours": ("quota_seconds", lambda hours: hours * 3600.0),
    "quota_period": ("quota_period", str),
    "time_limit": ("time_limit", int),
    "max_time_limit": ("max_time_limit", int),
    "max_running_per_user": ("max_running_per_user", int),
    "max_queued_per_user": ("max_queued_per_user", int),
    "max_output_bytes": ("max_output_bytes", int),
    "context": ("context", str),
    "max_bundle_bytes": ("max_bundle_bytes", int),  # reported by info(); the bridge and the service enforce it
    "isolate_jobs": ("isolate_jobs", str),  # "auto" is "off" in the bridge (make_local_queue)
    "job_uids": ("job_uids", str),
}


def queue_settings(class_name: str, prefix: str = "") -> type[HasTraits]:
    """A mixin class with every setting as a configurable trait named ``prefix + name``."""
    traits = {prefix + name: trait for name, trait in _settings().items()}
    return type(class_name, (HasTraits,), {"__module__": __name__, **traits})


def local_queue_kwargs(owner: HasTraits, prefix: str) -> dict[str, Any]:
    """LocalQueue's keyword arguments from ``owner``'s ``prefix``-named settings."""
    return {kwarg: convert(getattr(owner, prefix + name)) for name, (kwarg, convert) in LOCAL_QUEUE_KWARGS.items()}


def make_local_queue(owner: HasTraits, prefix: str, data_dir: Path, service: bool = False) -> GpuQueue:
    """The LocalQueue of the bridge (``prefix="gpu_"``) or of the Hub service (``""``, ``service=True``).

    ``isolate_jobs = "auto"`` stays ``auto`` in the Hub service (isolated when it can) and is ``off`` in the bridge:
    there a job runs in the user's own notebook folder, which a job account could not write (a server running as root,
    as on Binder, would otherwise make it so), and the server is the user's own, with no one else's ledger to guard.
    """
    from .local import LocalQueue

    data_dir.mkdir(parents=True, exist_ok=True)
    kwargs = local_queue_kwargs(owner, prefix)
    if not service and kwargs["isolate_jobs"] == "auto":
        kwargs["isolate_jobs"] = "off"
    return LocalQueue(**kwargs, data_dir=data_dir)


async def start_queue(queue: GpuQueue) -> None:
    """Starts a local queue now (recovery after a restart, queued jobs run on) rather than on its first call."""
    from .local import LocalQueue

    if isinstance(queue, LocalQueue):
        await queue.start()


async def stop_queue(queue: GpuQueue) -> None:
    """Closes a queue as its server stops: a local queue's running jobs end ``interrupted`` now (outputs so far kept)
    instead of running on unwatched."""
    from .local import LocalQueue

    await (queue.close(stop_running=True) if isinstance(queue, LocalQueue) else queue.close())
