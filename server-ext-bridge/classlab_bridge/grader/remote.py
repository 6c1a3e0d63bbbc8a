"""``grader_backend = "remote"``: grading is the JupyterHub service ``classlab-grader`` (service_app.py), which holds
the class's specs; this server's bridge calls it as its owner (hubclient.py: the server's own
``$JUPYTERHUB_API_TOKEN``), so a student's server, which the student controls, can only ever act as that student.

``RemoteGrading`` answers the calls of GradingService (service.py), so the bridge's REST handlers (bridge.py, rest.py)
are the same for both backends. A submission is the notebook as saved on this server's disk plus its folder's files
(folderzip.py: hidden files and caches left out, 413 ``too_big`` past ``grader_max_files_bytes``), posted as
``multipart/form-data``. A release sends the teacher's source notebook and its ``<stem>.datasets/`` folder; the
service keeps the spec and answers with the student notebook, written here to ``release/`` — the spec never comes
back to any user's server. The service unreachable (or failing) is a 502 ``grader_service_unavailable`` in words;
its refusals (4xx, and 503 ``sandbox_unavailable``) come back as they are.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Optional
from urllib.parse import quote, urlencode

from ..folderzip import pack_folder
from ..hubclient import HubServiceClient, ServiceUnavailable, call_json, multipart
from .service import GraderError, GraderUser
from .service_app import MAX_NOTEBOOK_BYTES, files_too_big

UNAVAILABLE = (
    "The grading service cannot be reached right now; your notebook is saved here. Try again in a moment, or tell "
    "your teacher if it keeps happening."
)
#: 5xx answers of the service that say why in words worth passing on (PROTOCOL.md), not a broken service.
REFUSALS = frozenset({"sandbox_unavailable", "unavailable", "grader_service_unavailable"})


class RemoteGrading:
    """GradingService's calls over HTTP to the Hub service; only this server's owner is forwarded."""

    def __init__(self, client: HubServiceClient, max_files_bytes: int) -> None:
        self.client = client
        self.max_files_bytes = max_files_bytes
        self.log = client.log

    def _as_owner(self, user: GraderUser) -> None:
        if not self.client.is_owner(user.name):
            raise GraderError(403, "forbidden", "Only this server's owner may use its grader; use your own JupyterLab.")

    async def _call(
        self,
        path: str,
        method: str = "GET",
        body: Optional[bytes] = None,
        content_type: str = "application/json",
        timeout: Optional[float] = None,
    ) -> dict[str, Any]:
        return await call_json(
            self.client,
            f"api/grader/{path}",
            method,
            body,
            content_type,
            timeout,
            error=GraderError,
            unavailable=("grader_service_unavailable", UNAVAILABLE),
            refusals=REFUSALS,
        )

    def _upload_timeout(self, body: bytes) -> float:
        return self.client.timeout + len(body) / (4 * 1024 * 1024)

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    # --- the calls of GradingService ------------------------------------------------------------------------------
    async def assignments(self) -> list[dict[str, Any]]:
        return (await self._call("assignments"))["assignments"]

    async def release(self, user: GraderUser, source: Path, release_dir: Path) -> dict[str, Any]:
        self._as_owner(user)
        if not user.teacher:  # said here too, so that a student's source never leaves their server
            raise GraderError(403, "forbidden", "Only teachers can release assignments.")
        text = source.read_bytes()
        if len(text) > MAX_NOTEBOOK_BYTES:
            raise GraderError(413, "too_big", f"{source.name} is larger than {MAX_NOTEBOOK_BYTES // 1048576} MiB.")
        datasets = await asyncio.get_running_loop().run_in_executor(
            None, pack_folder, source.with_name(f"{source.stem}.datasets"), self.max_files_bytes, files_too_big
        )
        body, content_type = multipart(
            [
                ("body", None, "application/json", json.dumps({"notebook": source.name}).encode()),
                ("notebook", source.name, "application/x-ipynb+json", text),
                ("datasets", "datasets.zip", "application/zip", datasets),
            ]
        )
        done = await self._call("assignments", "POST", body, content_type, self._upload_timeout(body))
        student = done.get("notebook")
        name = Path(str(done.get("student_notebook") or source.name)).name
        if not isinstance(student, dict) or not name.endswith(".ipynb"):
            raise GraderError(502, "grader_service_unavailable", UNAVAILABLE)
        release_dir.mkdir(parents=True, exist_ok=True)
        target = release_dir / name
        target.write_text(json.dumps(student, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return {"assignment": done.get("assignment"), "student_notebook": str(target)}

    async def submit(
        self,
        user: GraderUser,
        notebook: dict[str, Any],
        notebook_path: str,
        files: Optional[Path],
        mode: str = "submit",
        question: Optional[str] = None,
        lang: str = "en",
    ) -> dict[str, Any]:
        self._as_owner(user)
        folder = b""
        if files is not None:
            folder = await asyncio.get_running_loop().run_in_executor(
                None, pack_folder, files, self.max_files_bytes, files_too_big
            )
        request: dict[str, Any] = {"notebook": notebook_path, "mode": mode, "lang": lang}
        if question is not None:
            request["question"] = question
        body, content_type = multipart(
            [
                ("body", None, "application/json", json.dumps(request).encode()),
                ("notebook", "notebook.ipynb", "application/x-ipynb+json", json.dumps(notebook).encode()),
                ("folder", "folder.zip", "application/zip", folder),
            ]
        )
        return (await self._call("submissions", "POST", body, content_type, self._upload_timeout(body)))["submission"]

    async def get(self, user: GraderUser, sub_id: str) -> dict[str, Any]:
        self._as_owner(user)
        return (await self._call(f"submissions/{quote(sub_id, safe='')}"))["submission"]

    async def wait(self, user: GraderUser, sub_id: str, timeout: float) -> dict[str, Any]:
        self._as_owner(user)
        path = f"submissions/{quote(sub_id, safe='')}?wait={timeout:g}"
        return (await self._call(path, timeout=timeout + self.client.timeout))["submission"]

    async def history(self, user: GraderUser, notebook: Optional[str] = None) -> list[dict[str, Any]]:
        self._as_owner(user)
        query = f"?{urlencode({'notebook': notebook})}" if notebook is not None else ""
        return (await self._call(f"submissions{query}"))["submissions"]

    async def class_results(self, user: GraderUser, assignment: str) -> list[dict[str, Any]]:
        self._as_owner(user)
        return (await self._call(f"results?{urlencode({'assignment': assignment})}"))["results"]

    async def class_csv(self, user: GraderUser, assignment: str) -> str:
        self._as_owner(user)
        path = f"api/grader/results?{urlencode({'assignment': assignment, 'format': 'csv'})}"
        try:
            response = await self.client.call(path)
        except ServiceUnavailable:
            response = None
        if response is not None and response.code == 200:
            return (response.body or b"").decode("utf-8", "replace")
        # Not a CSV: the JSON refusal (a 403 for a student), or the service's trouble, as every other call says it.
        await self._call(f"results?{urlencode({'assignment': assignment})}")
        raise GraderError(502, "grader_service_unavailable", UNAVAILABLE)

    async def regrade(self, user: GraderUser, assignment: str) -> int:
        self._as_owner(user)
        body = json.dumps({"assignment": assignment}).encode()
        return int((await self._call("results/regrade", "POST", body))["queued"])
