"""The grading service: submissions in, results out (PROTOCOL.md "REST"), one placement-independent core used by the
bridge (a teacher's own server) and by the JupyterHub service ``classlab-grader`` (a class).

A submission is the saved notebook plus a copy of its folder's files, kept under ``<data_dir>/submissions/<id>/`` so a
teacher can regrade it later. Grading itself (repair, sandbox, judge) is ``grade`` (grading.py), run by a few workers so
a class submitting at once waits in order instead of starting every sandbox at the same moment.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from ..apibase import APIError
from ..gpu import ledger
from .specs import SpecError, SpecStore
from .store import Submission, SubmissionStore

log = logging.getLogger("classlab_bridge.grader")

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
MODES = ("check", "submit")

#: grade(spec, spec_folder, notebook, files_folder, mode, question, lang) -> results (PROTOCOL.md "Results").
GradeFn = Callable[[dict[str, Any], Path, dict[str, Any], Path, str, Optional[str], str], Awaitable[dict[str, Any]]]


class GraderError(APIError):
    """A refusal with an HTTP status and a stable code (PROTOCOL.md)."""


@dataclass(frozen=True)
class GraderUser:
    name: str
    teacher: bool = False


def assignment_of(nb: dict[str, Any]) -> Optional[str]:
    """The assignment a released notebook belongs to (``metadata.classlab.grader.assignment``), or None."""
    meta = nb.get("metadata") if isinstance(nb, dict) else None
    grader = ((meta or {}).get("classlab") or {}).get("grader") if isinstance(meta, dict) else None
    value = grader.get("assignment") if isinstance(grader, dict) else None
    return value if isinstance(value, str) and value else None


def student_view(results: Optional[dict[str, Any]]) -> Optional[dict[str, Any]]:
    """Results as a student may see them: hidden tests only as the per-question counts, never their entries."""
    if results is None:
        return None
    view = dict(results)
    view["tests"] = [t for t in results.get("tests") or [] if t.get("visibility", "visible") == "visible"]
    return view


class GradingService:
    def __init__(
        self,
        data_dir: Path,
        grade: GradeFn,
        workers: int = 1,
        max_submits_per_hour: int = 20,
        max_files_bytes: int = 20 * 1024 * 1024,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.data_dir = data_dir
        self.specs = SpecStore(data_dir / "assignments")
        self.grade = grade
        self.workers = max(1, workers)
        self.max_submits_per_hour = max_submits_per_hour
        self.max_files_bytes = max_files_bytes
        self.clock = clock
        self.store: Optional[SubmissionStore] = None
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._waiters: dict[str, asyncio.Event] = {}

    # --- lifecycle ----------------------------------------------------------------------------------------------
    async def start(self) -> None:
        if self.store is not None:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)
        self.store = SubmissionStore(self.data_dir / "grader.sqlite")
        # Submissions a restart caught queued or running are graded again (grading is idempotent).
        for sub in self.store.in_states([QUEUED, RUNNING]):
            self.store.update(sub.id, state=QUEUED)
            self._queue.put_nowait(sub.id)
        self._tasks = [asyncio.ensure_future(self._work()) for _ in range(self.workers)]

    async def close(self) -> None:
        close_grader = getattr(self.grade, "close", None)
        if close_grader is not None:  # its pool of started sandboxes
            await asyncio.get_running_loop().run_in_executor(None, close_grader)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass
        self._tasks = []
        if self.store is not None:
            self.store.close()
            self.store = None

    # --- calls --------------------------------------------------------------------------------------------------
    async def assignments(self) -> list[dict[str, Any]]:
        await self.start()
        return [s for s in (self.specs.summary(a) for a in self.specs.ids()) if s is not None]

    async def release(self, user: GraderUser, source: Path, release_dir: Path) -> dict[str, Any]:
        """A teacher's source notebook released: the spec into the grading side's store, only the student notebook
        into ``release_dir`` (the spec, with hidden tests, never lands next to what students are given)."""
        await self.start()
        if not user.teacher:
            raise GraderError(403, "forbidden", "Only teachers can release assignments.")
        from .nbgrader_format import FormatError
        from .release import release

        staging = self.data_dir / "releasing" / secrets.token_hex(8)
        try:
            try:
                student, spec_dir = await asyncio.get_running_loop().run_in_executor(None, release, source, staging)
            except FormatError as e:
                raise GraderError(400, "bad_assignment", str(e)) from None
            assignment = self.specs.install(spec_dir)
            release_dir.mkdir(parents=True, exist_ok=True)
            target = release_dir / student.name
            shutil.copyfile(student, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        log.info("ClassLab grader: %s released %s as %s", user.name, source, assignment)
        return {"assignment": self.specs.summary(assignment), "student_notebook": str(target)}

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
        await self.start()
        store = self._db()
        if mode not in MODES:
            raise GraderError(400, "bad_request", "mode must be 'check' or 'submit'.")
        if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
            raise GraderError(400, "bad_notebook", f"{notebook_path} is not a notebook that can be read.")
        assignment = assignment_of(notebook)
        if assignment is None:
            raise GraderError(
                400, "bad_notebook", f"{notebook_path} is not a graded assignment (no ClassLab grader information)."
            )
        try:
            spec = self.specs.get(assignment)
        except SpecError as e:
            raise GraderError(400, "bad_notebook", e.message) from None
        if spec is None:
            raise GraderError(
                404, "no_such_assignment", f"The assignment {assignment!r} has not been released for grading here."
            )
        if mode == "check":
            if not any(q.get("id") == question for q in spec.get("questions") or []):
                raise GraderError(400, "bad_request", f"The assignment has no question {question!r}.")
        else:
            question = None
            hour_ago = self.clock() - 3600
            if store.submits_since(user.name, assignment, hour_ago) >= self.max_submits_per_hour:
                raise GraderError(
                    429,
                    "too_many_attempts",
                    f"You have submitted {self.max_submits_per_hour} times in the last hour. Take a break, then try "
                    "again.",
                )
        sub_id = "s_" + secrets.token_hex(8)
        folder = self._folder(sub_id)
        folder.mkdir(parents=True)
        (folder / "notebook.ipynb").write_text(json.dumps(notebook))
        copied = folder / "files"
        copied.mkdir()
        if files is not None:
            self._copy_files(files, copied, notebook_path)
        sub = store.insert(
            Submission(
                id=sub_id,
                user=user.name,
                assignment=assignment,
                notebook=notebook_path,
                mode=mode,
                question=question,
                state=QUEUED,
                created=self.clock(),
                attempt=store.next_attempt(user.name, assignment) if mode == "submit" else 0,
            )
        )
        (folder / "lang").write_text(lang)
        self._queue.put_nowait(sub.id)
        return self._json(sub, user)

    def _copy_files(self, source: Path, target: Path, notebook_path: str) -> None:
        """The notebook folder's files for the sandbox (data files a solution reads), hidden ones and caches left
        out, refused past ``max_files_bytes``."""
        total = 0
        for root, dirs, names in os.walk(source):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
            for name in names:
                if name.startswith("."):
                    continue
                path = Path(root) / name
                if path.is_symlink() or not path.is_file():
                    continue
                total += path.stat().st_size
                if total > self.max_files_bytes:
                    raise GraderError(
                        413,
                        "too_big",
                        f"The files next to {notebook_path} are larger than {self.max_files_bytes // 1048576} MiB.",
                    )
                dest = target / path.relative_to(source)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, dest)

    async def get(self, user: GraderUser, sub_id: str) -> dict[str, Any]:
        await self.start()
        return self._json(self._visible(user, sub_id), user)

    async def wait(self, user: GraderUser, sub_id: str, timeout: float) -> dict[str, Any]:
        """The submission once graded (or as it is after ``timeout`` seconds)."""
        await self.start()
        sub = self._visible(user, sub_id)
        deadline = time.monotonic() + timeout
        while sub.state in (QUEUED, RUNNING) and time.monotonic() < deadline:
            waiter = self._waiters.setdefault(sub_id, asyncio.Event())
            try:
                await asyncio.wait_for(waiter.wait(), max(0.0, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                break
            sub = self._visible(user, sub_id)
        return self._json(sub, user)

    async def history(self, user: GraderUser, notebook: Optional[str] = None) -> list[dict[str, Any]]:
        await self.start()
        subs = self._db().of_user(user.name)
        return [self._json(s, user) for s in subs if notebook is None or s.notebook == notebook]

    async def class_results(self, user: GraderUser, assignment: str) -> list[dict[str, Any]]:
        await self.start()
        if not user.teacher:
            raise GraderError(403, "forbidden", "Only teachers can see the class's results.")
        return [self._json(s, user) for s in self._db().latest_submits(assignment)]

    async def class_csv(self, user: GraderUser, assignment: str) -> str:
        rows = await self.class_results(user, assignment)
        spec = self.specs.get(assignment) or {}
        questions = [str(q.get("id")) for q in spec.get("questions") or []]
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["user", "attempt", "submitted", "score", "max_score", *questions])
        for sub in rows:
            per = {
                q.get("id"): q.get("score")
                for q in ((sub.get("results") or {}).get("extra_data") or {}).get("questions") or []
            }
            writer.writerow(
                [
                    sub["user"],
                    sub["attempt"],
                    sub["created"],
                    sub["score"],
                    sub["max_score"],
                    *(per.get(q) for q in questions),
                ]
            )
        return out.getvalue()

    async def regrade(self, user: GraderUser, assignment: str) -> int:
        """Grades every student's latest submit of the assignment again (after the teacher fixed a check)."""
        await self.start()
        if not user.teacher:
            raise GraderError(403, "forbidden", "Only teachers can regrade.")
        subs = self._db().latest_submits(assignment)
        for sub in subs:
            self._db().update(sub.id, state=QUEUED, ended=None)
            self._queue.put_nowait(sub.id)
        return len(subs)

    # --- grading ------------------------------------------------------------------------------------------------
    async def _work(self) -> None:
        while True:
            sub_id = await self._queue.get()
            try:
                await self._grade_one(sub_id)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("ClassLab grader: grading %s failed", sub_id)

    async def _grade_one(self, sub_id: str) -> None:
        store = self._db()
        sub = store.get(sub_id)
        if sub is None:
            return
        store.update(sub_id, state=RUNNING)
        folder = self._folder(sub_id)
        try:
            spec = self.specs.get(sub.assignment)
            if spec is None:
                raise GraderError(404, "no_such_assignment", f"The assignment {sub.assignment!r} is gone.")
            notebook = json.loads((folder / "notebook.ipynb").read_text())
            lang = (folder / "lang").read_text().strip() if (folder / "lang").exists() else "en"
            results = await self.grade(
                spec, self.specs.folder(sub.assignment), notebook, folder / "files", sub.mode, sub.question, lang
            )
            extra = results.setdefault("extra_data", {})
            extra.update(
                {
                    "submission": sub.id,
                    "user": sub.user,
                    "assignment": sub.assignment,
                    "attempt": sub.attempt,
                    "mode": sub.mode,
                    "created": ledger.iso(sub.created),
                }
            )
            store.update(
                sub_id,
                state=DONE,
                ended=self.clock(),
                results=results,
                score=results.get("score"),
                max_score=results.get("max_score"),
                error=None,
            )
        except GraderError as e:
            store.update(sub_id, state=FAILED, ended=self.clock(), error={"code": e.code, "message": e.message})
        except Exception as e:  # a bug or a sandbox that could not start: the student sees it, nothing is lost
            log.exception("ClassLab grader: %s could not be graded", sub_id)
            message = f"Grading could not finish ({type(e).__name__}). Your work is saved; try again in a minute."
            store.update(sub_id, state=FAILED, ended=self.clock(), error={"code": "grading_failed", "message": message})
        waiter = self._waiters.pop(sub_id, None)
        if waiter is not None:
            waiter.set()

    # --- helpers ------------------------------------------------------------------------------------------------
    def _json(self, sub: Submission, user: GraderUser) -> dict[str, Any]:
        # Teachers see hidden tests (their own tries included); a student only their counts.
        results = sub.results if user.teacher else student_view(sub.results)
        return {
            "id": sub.id,
            "user": sub.user,
            "assignment": sub.assignment,
            "notebook": sub.notebook,
            "mode": sub.mode,
            "question": sub.question,
            "state": sub.state,
            "attempt": sub.attempt,
            "created": ledger.iso(sub.created),
            "ended": ledger.iso(sub.ended),
            "score": sub.score,
            "max_score": sub.max_score,
            "results": results,
            "error": sub.error,
        }

    def _visible(self, user: GraderUser, sub_id: str) -> Submission:
        sub = self._db().get(sub_id) if isinstance(sub_id, str) else None
        if sub is None or (sub.user != user.name and not user.teacher):
            raise GraderError(404, "not_found", "No such submission.")
        return sub

    def _db(self) -> SubmissionStore:
        if self.store is None:
            raise GraderError(503, "unavailable", "The grader has not started.")
        return self.store

    def _folder(self, sub_id: str) -> Path:
        return self.data_dir / "submissions" / sub_id
