"""The grader as a JupyterHub managed service (``grader_backend = "remote"``): the class's specs (hidden tests,
expected values, hidden datasets), submissions and results, outside the students' servers (which they control, so
they cannot be trusted with any of it).

Run by the Hub (``python -m classlab_bridge.grader.service_app``) and proxied at ``/services/classlab-grader/``: the
same GradingService (service.py) as the in-process backend, with the REST API of PROTOCOL.md under
``{prefix}api/grader/`` (rest.py). The caller is whoever the Hub says owns the request's token (hubservice.py), never
a name in a body: a student submits only as themselves and sees only their own submissions, as a student sees them
(hidden tests as counts); teachers (Hub admins, ``teachers_group``) release, see the class's results and regrade.

* ``POST submissions`` takes ``multipart/form-data``: ``body`` (the JSON body of PROTOCOL.md: ``notebook`` is the path
  as the student names it, ``mode``, ``question``, ``lang``), ``notebook`` (the saved notebook's JSON, as the student's
  bridge read it from disk) and ``folder`` (a zip of the notebook's folder for data checks, folderzip.py). The archive
  is unpacked (size-capped, refusing any entry that would leave it) into a scratch folder, copied into the submission
  and removed when the call ends.
* ``POST assignments`` (teachers): ``body`` (``{"notebook": the source's path as the teacher names it}``),
  ``notebook`` (the source notebook's JSON) and ``datasets`` (a zip of its ``<stem>.datasets/`` folder). The spec goes
  into this service's store; the answer is ``{"assignment", "student_notebook": "<stem>.ipynb", "notebook": the student
  notebook's JSON}``, which the teacher's bridge writes to ``release/`` next to the source. The spec never leaves here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any, Optional

from tornado import web
from traitlets import Enum, HasTraits, Integer, Unicode, default

from ..apibase import hub_teacher
from ..folderzip import unpack_folder
from ..hubservice import HubIdentities, HubServiceApp, ServiceAPIHandler, make_service_app
from .rest import GraderRest, rest_routes
from .service import GraderError, GraderUser, GradingService

#: The largest notebook a submission or a release may carry.
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
#: A notebook's file name as it may be staged here (no folders, no hidden names).
NOTEBOOK_NAME = re.compile(r"^[^/\\\x00.][^/\\\x00]{0,199}\.ipynb$")


def grader_settings(class_name: str, prefix: str = "") -> type[HasTraits]:
    """A mixin with the grading settings as configurable traits named ``prefix + name``: the bridge's ``grader_*``
    (``prefix="grader_"``) and this service's, declared once."""
    traits = {
        "sandbox": Enum(
            ["bwrap", "none"],
            "bwrap",
            config=True,
            help="Where student code runs when graded: 'bwrap' (bubblewrap: no network, a private file system, "
            "limits); 'none' (a plain process of this server's account: only for a teacher trying their own "
            "assignment; results say 'unsandboxed').",
        ),
        "pool_size": Integer(2, min=0, config=True, help="Sandboxes kept started, ready for the next submission."),
        "workers": Integer(1, min=1, config=True, help="Submissions graded at once."),
        "max_submits_per_hour": Integer(20, min=1, config=True, help="Submits per student per assignment per hour."),
        "max_files_bytes": Integer(
            20 * 1024 * 1024,
            min=0,
            config=True,
            help="Bytes of the notebook folder's files that go with a submission (data files a solution reads).",
        ),
    }
    return type(class_name, (HasTraits,), {"__module__": __name__, **{prefix + k: v for k, v in traits.items()}})


def make_grading(owner: HasTraits, prefix: str, data_dir: Path) -> GradingService:
    """The GradingService of the bridge (``prefix="grader_"``) or of the Hub service (``""``)."""
    from .grading import make_grade

    def get(name: str) -> Any:
        return getattr(owner, prefix + name)

    return GradingService(
        data_dir,
        make_grade(get("sandbox"), get("pool_size")),
        workers=get("workers"),
        max_submits_per_hour=get("max_submits_per_hour"),
        max_files_bytes=get("max_files_bytes"),
    )


class GraderServiceRest(GraderRest, ServiceAPIHandler):
    """The REST calls (rest.py) for the token's owner; a submission's notebook and files come from the upload."""

    error_class = GraderError
    who: GraderUser
    _scratch: Optional[Path] = None

    def initialize(self, grading: GradingService, identities: HubIdentities[GraderUser], app: GraderServiceApp) -> None:
        self.service = grading
        self.identities = identities
        self.app = app

    def caller(self) -> GraderUser:
        return self.who

    def grading(self) -> GradingService:
        return self.service

    def request_body(self) -> Any:
        return self.form_json("body") if self.is_form() else self.body()

    def _notebook_part(self) -> dict[str, Any]:
        part = self.form_part("notebook") if self.is_form() else None
        if part is None:
            raise GraderError(400, "bad_request", "Send the notebook as the 'notebook' part of a multipart form.")
        if len(part) > MAX_NOTEBOOK_BYTES:
            raise GraderError(413, "too_big", f"The notebook is larger than {MAX_NOTEBOOK_BYTES // 1048576} MiB.")
        try:
            notebook = json.loads(part)
        except ValueError:
            raise GraderError(
                400, "bad_notebook", "The notebook is not a notebook that can be read (bad JSON)."
            ) from None
        if not isinstance(notebook, dict):
            raise GraderError(400, "bad_notebook", "The notebook is not a notebook that can be read.")
        return notebook

    def _unpacked(self, part: str, folder: Path) -> None:
        archive = self.form_part(part)
        folder.mkdir(parents=True, exist_ok=True)
        if archive:
            unpack_folder(archive, folder, self.app.max_files_bytes, GraderError, files_too_big)

    def _new_scratch(self) -> Path:
        root = Path(self.app.data_dir).resolve() / "scratch"
        root.mkdir(parents=True, exist_ok=True)
        self._scratch = Path(tempfile.mkdtemp(prefix="up-", dir=root))
        return self._scratch

    async def submission_source(self, body: dict[str, Any]) -> tuple[dict[str, Any], str, Optional[Path]]:
        path = body.get("notebook")
        if not isinstance(path, str) or not path.endswith(".ipynb") or len(path) > 1024 or "\0" in path:
            raise GraderError(400, "bad_request", "Say which notebook (a .ipynb path).")
        notebook = self._notebook_part()
        files = self._new_scratch() / "files"
        self._unpacked("folder", files)
        return notebook, path, files

    async def release_paths(self, body: dict[str, Any]) -> tuple[Path, Path, str]:
        if not self.who.teacher:  # before anything is unpacked
            raise GraderError(403, "forbidden", "Only teachers can release assignments.")
        path = body.get("notebook")
        name = PurePosixPath(path).name if isinstance(path, str) else ""
        if not NOTEBOOK_NAME.match(name):
            raise GraderError(400, "bad_request", "Say which notebook to release (a .ipynb file name).")
        notebook = self._notebook_part()
        scratch = self._new_scratch()
        source = scratch / "source" / name
        source.parent.mkdir()
        source.write_text(json.dumps(notebook), encoding="utf-8")
        self._unpacked("datasets", source.with_name(f"{source.stem}.datasets"))
        return source, scratch / "release", ""

    def released(self, done: dict[str, Any], shown: str) -> dict[str, Any]:
        student = Path(done["student_notebook"])
        return {
            "assignment": done["assignment"],
            "student_notebook": student.name,
            "notebook": json.loads(student.read_text(encoding="utf-8")),
        }

    def on_finish(self) -> None:
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)


def files_too_big(size: int, limit: int) -> GraderError:
    return GraderError(
        413,
        "too_big",
        f"The files next to the notebook hold {size / 1048576:.1f} MiB; at most {limit / 1048576:.0f} MiB goes with "
        "a submission. Move big files out of the notebook's folder.",
    )


def make_app(grading: GradingService, identities: HubIdentities[GraderUser], app: GraderServiceApp) -> web.Application:
    kw = {"grading": grading, "identities": identities, "app": app}
    return make_service_app("classlab-grader", app.prefix, "grader", rest_routes(GraderServiceRest, kw))


GraderServiceSettings = grader_settings("GraderServiceSettings")


class GraderServiceApp(HubServiceApp, GraderServiceSettings):  # type: ignore[misc, valid-type]
    """``python -m classlab_bridge.grader.service_app [--teachers-group=teachers --data-dir=… --pool-size=2 …]``

    The grading settings are the bridge's ``grader_*`` ones without the prefix.
    """

    name = "classlab-grader"
    description = "ClassLab grader as a JupyterHub service"
    default_port = 10103

    data_dir = Unicode(
        config=True,
        help="Folder of the released specs (hidden tests), submissions and results (SQLite). Default: "
        "$CLASSLAB_GRADER_DATA_DIR, else classlab-grader in the working directory.",
    )

    @default("data_dir")
    def _data_dir(self) -> str:
        return os.environ.get("CLASSLAB_GRADER_DATA_DIR", os.path.abspath("classlab-grader"))

    aliases = {
        "teachers-group": "GraderServiceApp.teachers_group",
        "data-dir": "GraderServiceApp.data_dir",
        "sandbox": "GraderServiceApp.sandbox",
        "pool-size": "GraderServiceApp.pool_size",
        "workers": "GraderServiceApp.workers",
        "max-submits-per-hour": "GraderServiceApp.max_submits_per_hour",
    }

    grading: Optional[GradingService] = None

    def build(
        self, hub_auth: Any = None, grading: Optional[GradingService] = None
    ) -> tuple[GradingService, web.Application]:
        """The grading service (from the settings unless given) and the Tornado application."""
        data = Path(self.data_dir).resolve()
        data.mkdir(parents=True, exist_ok=True)
        data.chmod(0o700)  # specs and every student's work: this service's account only
        shutil.rmtree(data / "scratch", ignore_errors=True)  # uploads of calls a stop cut short
        if grading is None:
            grading = make_grading(self, "", data / "grading")
        self.grading = grading
        identities = self.hub_identities(
            lambda model: GraderUser(str(model["name"]), hub_teacher(model, self.teachers_group)), hub_auth
        )
        return grading, make_app(grading, identities, self)

    async def setup(self) -> None:
        grading, app = self.build()
        # A notebook, its folder's files and the form's framing.
        self.listen(app, max_body_size=MAX_NOTEBOOK_BYTES + self.max_files_bytes + 16 * 1024 * 1024)
        await grading.start()  # submissions a restart caught are graded again

    async def teardown(self) -> None:
        if self.grading is not None:
            await self.grading.close()


main = GraderServiceApp.launch_instance

if __name__ == "__main__":
    main()
