"""The grader's bridge API under ``{base_url}classlab/api/grader/`` (PROTOCOL.md "REST"), the same handlers for both
backends: ``grader_backend = "local"``, the grading service inside this server (a teacher's own, or a single-user
setup); ``"remote"``, the JupyterHub service ``classlab-grader`` reached through RemoteGrading (remote.py), which holds
the class's specs. A submission is the notebook as saved on this server's disk (never what a browser sends), with the
files of its folder."""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Optional

from jupyter_server.base.handlers import APIHandler

from ..gpu.handlers import gpu_user
from .rest import GraderRest, rest_routes
from .service import GraderError, GraderUser, GradingService

if TYPE_CHECKING:
    from ..app import ClassLabBridgeApp

GRADER_API = "classlab/api/grader"
#: The largest notebook file read for a submission.
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024


class GraderBridge:
    def __init__(self, app: ClassLabBridgeApp) -> None:
        self.app = app
        self._service: Optional[GradingService] = None

    def service(self) -> GradingService:
        """The grading service: in this server, or the Hub service's stand-in (same calls)."""
        if self._service is None:
            app = self.app
            if app.grader_backend == "remote":
                from ..hubclient import HubServiceClient
                from .remote import RemoteGrading

                client = HubServiceClient(
                    app.grader_service_name,
                    app.grader_service_url,
                    url_env="CLASSLAB_GRADER_SERVICE_URL",
                    timeout=app.grader_service_timeout,
                    log=app.log,
                )
                self._service = RemoteGrading(client, app.grader_max_files_bytes)  # type: ignore[assignment]
            else:
                from .service_app import make_grading

                self._service = make_grading(app, "grader_", Path(app.grader_data_dir))
        assert self._service is not None
        return self._service

    async def close(self) -> None:
        if self._service is not None:
            service, self._service = self._service, None
            await service.close()

    def handlers(self) -> list[tuple[str, Any, dict[str, Any]]]:
        kw = {"bridge": self}
        return [(rf"/{GRADER_API}/{path}", handler, kw) for path, handler, _ in rest_routes(GraderAPIHandler, kw)]


class GraderAPIHandler(GraderRest, APIHandler):
    def initialize(self, bridge: GraderBridge) -> None:
        self.bridge = bridge

    def caller(self) -> GraderUser:
        user = gpu_user(self.current_user, self.bridge.app.teachers_group)
        return GraderUser(user.name, user.teacher)

    def grading(self) -> GradingService:
        return self.bridge.service()

    def _notebook_file(self, body: dict[str, Any]) -> tuple[Path, str]:
        """The notebook the body names, inside this server's root; (its file, the path as sent)."""
        path = body.get("notebook")
        if not isinstance(path, str) or not path.endswith(".ipynb"):
            raise GraderError(400, "bad_request", "Say which notebook (a .ipynb path).")
        relative = PurePosixPath(path)
        root = Path(str(self.bridge.app.serverapp.root_dir)).resolve()
        if relative.is_absolute() or ".." in relative.parts:
            raise GraderError(400, "bad_request", "The notebook path must be relative to the server's root.")
        file = (root / Path(*relative.parts)).resolve()
        if root not in file.parents or not file.is_file():
            raise GraderError(404, "not_found", f"There is no notebook {path}. Save it first.")
        return file, path

    async def release_paths(self, body: dict[str, Any]) -> tuple[Path, Path, str]:
        file, path = self._notebook_file(body)
        parent = str(PurePosixPath(path).parent)
        return file, file.parent / "release", "release" if parent in ("", ".") else f"{parent}/release"

    async def submission_source(self, body: dict[str, Any]) -> tuple[dict[str, Any], str, Optional[Path]]:
        file, path = self._notebook_file(body)
        if os.path.getsize(file) > MAX_NOTEBOOK_BYTES:
            raise GraderError(413, "too_big", f"{path} is larger than {MAX_NOTEBOOK_BYTES // 1048576} MiB.")
        try:
            notebook = json.loads(file.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise GraderError(400, "bad_notebook", f"{path} is not a notebook that can be read (bad JSON).") from None
        return notebook, path, file.parent
