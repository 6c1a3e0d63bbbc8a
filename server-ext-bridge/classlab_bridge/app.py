"""The jupyter_server extension application: configuration and handler registration."""

from __future__ import annotations

import os
import secrets
from typing import Any, Optional

from jupyter_core.paths import jupyter_data_dir
from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Enum, Float, Unicode, default

from ._version import __version__
from .gpu.handlers import GpuBridge
from .gpu.settings import queue_settings
from .grader.bridge import GraderBridge
from .grader.service_app import grader_settings
from .handlers import InfoHandler
from .help.handlers import LocalHelp
from .media import MEDIA_URL_PATH, MediaHandler

#: ``gpu_slots``, ``gpu_cpu_slots``, ``gpu_quota_hours``, … (gpu/settings.py declares them once for the bridge and
#: the Hub service).
GpuSettings = queue_settings("GpuSettings", prefix="gpu_")
#: ``grader_sandbox``, ``grader_pool_size``, ``grader_workers``, … (declared once for the bridge and the Hub service).
GraderSettings = grader_settings("GraderSettings", prefix="grader_")


class ClassLabBridgeApp(ExtensionApp, GpuSettings, GraderSettings):  # type: ignore[misc, valid-type]
    """Serves ``{base_url}classlab/api/*``; one backend per service, chosen here by traitlets."""

    name = "classlab_bridge"
    description = "ClassLab bridge for the ClassLab JupyterLab extensions"
    load_other_extensions = True

    gpu_backend = Enum(
        ["local", "remote", "slurm"],
        default_value="local",
        config=True,
        help="GPU queue backend: 'local' (embedded queue), 'remote' (the JupyterHub service classlab-gpu) or "
        "'slurm' (a Slurm cluster through slurmrestd; gpu_slurm_* settings, gpu/slurm/SLURM.md).",
    )
    grader_backend = Enum(
        ["local", "remote"],
        default_value="local",
        config=True,
        help="Grading backend: 'local' (sandbox in this server) or 'remote' (the JupyterHub service classlab-grader, "
        "which holds the class's hidden tests; grader/HUB.md).",
    )
    help_backend = Enum(
        ["local", "remote"],
        default_value="local",
        config=True,
        help="Help relay: 'local' (in-process relay) or 'remote' (JupyterHub service).",
    )
    teachers_group = Unicode(
        "teachers",
        config=True,
        help="JupyterHub group whose members (with Hub admins) are teachers.",
    )

    # The local help relay (help_backend = "local"); see classlab_bridge/help/PROTOCOL.md.
    help_ticket_secret = Unicode(
        config=True, help="Secret that signs help room tickets (HMAC-SHA256); default: random per process."
    )
    help_ticket_ttl = Float(60.0, config=True, help="Seconds a help room ticket may be used to connect.")
    help_room_ttl = Float(600.0, config=True, help="Seconds an empty help room lives before it is closed.")
    help_room_max_age = Float(4 * 3600.0, config=True, help="Seconds after which any help room is closed.")
    help_allow_peer_on_graded = Bool(
        False, config=True, help="Whether classmates may help on cells of graded assignments."
    )

    # The JupyterHub service (help_backend = "remote"); see help/remote.py and help/PROTOCOL.md.
    help_service_name = Unicode("classlab-help", config=True, help="Name of the JupyterHub help service.")
    help_service_url = Unicode(
        "",
        config=True,
        help="URL of the help service including its prefix, e.g. http://hub:10101/services/classlab-help/. "
        "Default: $CLASSLAB_HELP_SERVICE_URL, else asked of the Hub (needs read:services!service=<name>).",
    )
    help_service_timeout = Float(10.0, config=True, help="Seconds to wait for the help service.")

    # The GPU queue (gpu/PROTOCOL.md): gpu_slots, gpu_quota_hours … come from GpuSettings; these are the bridge's own.
    gpu_data_dir = Unicode(
        config=True,
        help="Folder of the local GPU queue's records (SQLite) and job folders. Default: "
        "<Jupyter data dir>/classlab-gpu.",
    )
    gpu_service_name = Unicode("classlab-gpu", config=True, help="Name of the JupyterHub GPU service.")
    gpu_service_url = Unicode(
        "",
        config=True,
        help="URL of the GPU service including its prefix, e.g. http://hub:10102/services/classlab-gpu/. "
        "Default: $CLASSLAB_GPU_SERVICE_URL, else asked of the Hub (needs read:services!service=<name>).",
    )
    gpu_service_timeout = Float(30.0, config=True, help="Seconds to wait for the GPU service (uploads included).")

    # The grader (grader/PROTOCOL.md): grader_sandbox, grader_pool_size, … come from GraderSettings; these are the
    # bridge's own.
    grader_data_dir = Unicode(
        config=True,
        help="Folder of the grader's released assignments (hidden tests), submissions and results "
        "(grader_backend = 'local'). Default: <Jupyter data dir>/classlab-grader.",
    )
    grader_service_name = Unicode("classlab-grader", config=True, help="Name of the JupyterHub grading service.")
    grader_service_url = Unicode(
        "",
        config=True,
        help="URL of the grading service including its prefix, e.g. http://hub:10103/services/classlab-grader/. "
        "Default: $CLASSLAB_GRADER_SERVICE_URL, else asked of the Hub (needs read:services!service=<name>).",
    )
    grader_service_timeout = Float(
        30.0, config=True, help="Seconds to wait for the grading service (uploads included)."
    )

    @default("grader_data_dir")
    def _default_grader_data_dir(self) -> str:
        return os.path.join(jupyter_data_dir(), "classlab-grader")

    @default("gpu_data_dir")
    def _default_gpu_data_dir(self) -> str:
        return os.path.join(jupyter_data_dir(), "classlab-gpu")

    @default("help_ticket_secret")
    def _random_help_ticket_secret(self) -> str:
        return secrets.token_hex(32)

    def backends(self) -> dict[str, dict[str, str]]:
        return {
            "gpu": {"backend": self.gpu_backend},
            "grader": {"backend": self.grader_backend},
            "help": {"backend": self.help_backend},
        }

    def capabilities(self) -> dict[str, Any]:
        """What this bridge serves besides the API; the video player checks "media", the GPU button "gpu"."""
        return {"media": True, "gpu": True, "grader": True}

    def initialize_handlers(self) -> None:
        self.handlers.extend([(r"/classlab/api/info", InfoHandler, {"bridge": self})])
        self.gpu = GpuBridge(self)
        self.handlers.extend(self.gpu.handlers())
        # Videos, HLS folders and captions under the root dir, for the video player (media.py).
        self.handlers.append((rf"/{MEDIA_URL_PATH}/(.+)", MediaHandler, {"path": self.serverapp.root_dir}))
        self.grader = GraderBridge(self)  # in this server, or forwarding to the Hub service
        self.handlers.extend(self.grader.handlers())
        if self.help_backend == "local":
            self.help_relay = LocalHelp(self)
            self.handlers.extend(self.help_relay.handlers())
        else:
            from .help.remote import RemoteHelp

            self.help_remote = RemoteHelp(self)
            self.handlers.extend(self.help_remote.handlers())

    help_relay = None
    help_remote = None
    gpu: Optional[GpuBridge] = None
    grader: Optional[GraderBridge] = None

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        if self.gpu is not None:
            try:
                await self.gpu.start()
            except Exception:  # the rest of the bridge goes on; the GPU API answers with the error
                self.log.exception("ClassLab bridge: the local GPU queue did not start")

    async def stop_extension(self) -> None:
        if self.help_relay is not None:
            self.help_relay.stop()
        if self.gpu is not None:
            await self.gpu.close()
        if self.grader is not None:
            await self.grader.close()

    def initialize_settings(self) -> None:
        self.log.info(
            "ClassLab bridge %s: backends %s",
            __version__,
            {service: spec["backend"] for service, spec in self.backends().items()},
        )
