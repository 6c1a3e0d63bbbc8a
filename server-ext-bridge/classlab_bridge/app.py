"""The jupyter_server extension application: configuration and handler registration."""

from __future__ import annotations

from jupyter_server.extension.application import ExtensionApp
from traitlets import Enum, Unicode

from ._version import __version__
from .handlers import InfoHandler
from .media import MEDIA_URL_PATH, MediaHandler


class ClassLabBridgeApp(ExtensionApp):
    """Serves ``{base_url}classlab/api/*``; one backend per service, chosen here by traitlets."""

    name = "classlab_bridge"
    description = "ClassLab bridge for the ClassLab JupyterLab extensions"
    load_other_extensions = True

    gpu_backend = Enum(
        ["local", "slurm"],
        default_value="local",
        config=True,
        help="GPU queue backend: 'local' (embedded queue) or 'slurm' (slurmrestd).",
    )
    grader_backend = Enum(
        ["local", "remote"],
        default_value="local",
        config=True,
        help="Grading backend: 'local' (sandbox in this server) or 'remote' (JupyterHub service).",
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

    def backends(self) -> dict[str, dict[str, str]]:
        return {
            "gpu": {"backend": self.gpu_backend},
            "grader": {"backend": self.grader_backend},
            "help": {"backend": self.help_backend},
        }

    def initialize_handlers(self) -> None:
        self.handlers.extend([(r"/classlab/api/info", InfoHandler, {"bridge": self})])
        # Videos, HLS folders and captions under the root dir, for the video player (media.py).
        self.handlers.append((rf"/{MEDIA_URL_PATH}/(.+)", MediaHandler, {"path": self.serverapp.root_dir}))

    def initialize_settings(self) -> None:
        self.log.info(
            "ClassLab bridge %s: backends %s",
            __version__,
            {service: spec["backend"] for service, spec in self.backends().items()},
        )
