"""The GPU queue's settings, declared once: the bridge's ``c.ClassLabBridgeApp.gpu_*`` traitlets and the Hub service's
``--GpuServiceApp.*`` ones are made from this table, and ``local_queue_kwargs`` maps either to LocalQueue's constructor.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable

from traitlets import Dict, Enum, Float, HasTraits, Integer, TraitType, Unicode

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
            help=(
                "Cells replayed before the target: 'above' (every code cell above it, or only those tagged gpu-setup"
                " where the notebook tags any) or 'tagged' (gpu-setup)."
            ),
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
        **_slurm_settings(),
    }


def _slurm_settings() -> dict[str, TraitType]:
    """The Slurm backend's settings (gpu/slurm/SLURM.md); used when the backend is 'slurm'."""
    return {
        "slurm_url": Unicode("http://127.0.0.1:6820", config=True, help="slurmrestd's URL (Slurm backend)."),
        "slurm_api_version": Unicode(
            "auto", config=True, help="slurmrestd REST version to speak, e.g. 'v0.0.38'; 'auto': asked of slurmrestd."
        ),
        "slurm_mode": Enum(
            ["user", "service"],
            "user",
            config=True,
            help="'user': jobs run as the student's own cluster account, quota by Slurm accounting (GrpTRESMins); "
            "'service': jobs run as slurm_service_user, quota by this queue's ledger (only in the JupyterHub service).",
        ),
        "slurm_token": Enum(
            ["hub", "key", "env"],
            "hub",
            config=True,
            help="Where Slurm JWTs come from: 'hub' (the ClassLab token service, for this server's user only), "
            "'key' (signed here with slurm_key_file: the Hub service only, never a student's server), 'env' "
            "($SLURM_JWT).",
        ),
        "slurm_token_url": Unicode(
            "",
            config=True,
            help="The ClassLab Slurm token service's URL with its prefix (slurm_token = 'hub'). Default: "
            "$CLASSLAB_SLURM_TOKEN_URL.",
        ),
        "slurm_key_file": Unicode(
            "/etc/slurm/jwt_hs256.key", config=True, help="The cluster's JWT key (slurm_token = 'key')."
        ),
        "slurm_token_lifespan": Integer(600, min=60, config=True, help="Seconds a minted Slurm token lives."),
        "slurm_service_user": Unicode("", config=True, help="The cluster account jobs run as (slurm_mode 'service')."),
        "slurm_partition": Unicode("gpu", config=True, help="Slurm partition GPU jobs go to."),
        "slurm_account": Unicode("", config=True, help="Slurm account charged (empty: the user's default)."),
        "slurm_gpus_per_job": Integer(1, min=1, config=True, help="GPUs (gres/gpu) each job asks for."),
        "slurm_job_root": Unicode(
            "",
            config=True,
            help="Folder on the filesystem the compute nodes share where job folders (job.json, events, slurm.out) "
            "are made. Default: ~/.classlab/gpu-jobs (mode 'user'), <data dir>/cluster-jobs (mode 'service').",
        ),
        "slurm_path_map": Unicode(
            "", config=True, help="This host's paths as the compute nodes see them: 'local=cluster[,local=cluster]'."
        ),
        "slurm_python": Unicode(
            sys.executable, config=True, help="The Python on the compute nodes that has classlab_bridge installed."
        ),
        "slurm_job_env": Dict(
            value_trait=Unicode(), config=True, help="Extra environment of jobs on the cluster (e.g. PYTHONPATH)."
        ),
        "slurm_poll_interval": Float(1.0, min=0.1, config=True, help="Seconds between looks at the cluster's jobs."),
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


def make_slurm_queue(owner: HasTraits, prefix: str, data_dir: Path, service: bool = False) -> GpuQueue:
    """The SlurmQueue of the bridge (``prefix="gpu_"``) or of the Hub service (``""``, ``service=True``).

    Mode 'service' and token 'key' belong in the Hub service: in a student's server they would put the ledger, or
    a key that signs for anyone, where the student can change or read it, so the bridge refuses them.
    """
    import os

    from .slurm.queue import SlurmQueue
    from .slurm.rest import SlurmRest
    from .slurm.tokens import EnvTokens, HubTokens, KeyTokens, TokenSource

    def get(name: str) -> Any:
        return getattr(owner, prefix + name)

    mode, how = get("slurm_mode"), get("slurm_token")
    if not service and (mode == "service" or how == "key"):
        raise ValueError(
            "slurm_mode 'service' and slurm_token 'key' are for the JupyterHub service classlab-gpu only; a student's "
            "server uses slurm_mode 'user' with slurm_token 'hub' (or 'env')."
        )
    tokens: TokenSource
    if how == "key":
        allowed = {get("slurm_service_user")} if mode == "service" else None
        tokens = KeyTokens(Path(get("slurm_key_file")), get("slurm_token_lifespan"), allowed)
    elif how == "env":
        tokens = EnvTokens()
    else:
        url = get("slurm_token_url") or os.environ.get("CLASSLAB_SLURM_TOKEN_URL", "")
        tokens = HubTokens(url, os.environ.get("JUPYTERHUB_API_TOKEN", ""))
    job_root = get("slurm_job_root") or (
        str(data_dir / "cluster-jobs") if mode == "service" else os.path.expanduser("~/.classlab/gpu-jobs")
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    return SlurmQueue(
        data_dir=data_dir,
        rest=SlurmRest(get("slurm_url"), tokens, get("slurm_api_version")),
        mode=mode,
        job_root=Path(job_root),
        path_map=get("slurm_path_map"),
        partition=get("slurm_partition"),
        account=get("slurm_account"),
        service_user=get("slurm_service_user"),
        gpus_per_job=get("slurm_gpus_per_job"),
        quota_seconds=get("quota_hours") * 3600.0,
        quota_period=get("quota_period"),
        time_limit=get("time_limit"),
        max_time_limit=get("max_time_limit"),
        max_queued_per_user=get("max_queued_per_user"),
        max_output_bytes=get("max_output_bytes"),
        context=get("context"),
        max_bundle_bytes=get("max_bundle_bytes"),
        poll_interval=get("slurm_poll_interval"),
        python=get("slurm_python"),
        job_env=dict(get("slurm_job_env")),
    )


async def start_queue(queue: GpuQueue) -> None:
    """Starts a local queue now (recovery after a restart, queued jobs run on) rather than on its first call."""
    from .local import LocalQueue
    from .slurm.queue import SlurmQueue

    if isinstance(queue, (LocalQueue, SlurmQueue)):  # a Slurm queue re-attaches to its live jobs
        await queue.start()


async def stop_queue(queue: GpuQueue) -> None:
    """Closes a queue as its server stops: a local queue's running jobs end ``interrupted`` now (outputs so far kept)
    instead of running on unwatched."""
    from .local import LocalQueue

    await (queue.close(stop_running=True) if isinstance(queue, LocalQueue) else queue.close())
