"""The jupyter_server extension application: configuration and handler registration."""

from __future__ import annotations

import secrets

from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Enum, Float, Unicode, default

from ._version import __version__
from .handlers import InfoHandler
from .help.handlers import LocalHelp
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

    @default("help_ticket_secret")
    def _random_help_ticket_secret(self) -> str:
        return secrets.token_hex(32)

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
        if self.help_backend == "local":
            self.help_relay = LocalHelp(self)
            self.handlers.extend(self.help_relay.handlers())
        else:
            from .help.remote import RemoteHelp

            self.help_remote = RemoteHelp(self)
            self.handlers.extend(self.help_remote.handlers())

    help_relay = None
    help_remote = None

    async def stop_extension(self) -> None:
        if self.help_relay is not None:
            self.help_relay.stop()

    def initialize_settings(self) -> None:
        self.log.info(
            "ClassLab bridge %s: backends %s",
            __version__,
            {service: spec["backend"] for service, spec in self.backends().items()},
        )
