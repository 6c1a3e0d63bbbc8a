"""The grader's REST calls of PROTOCOL.md, written once for the bridge (bridge.py) and the Hub service. Each mixes
``GraderRest`` into its own Tornado handler base, which says who the caller is (``caller``), which service answers
(``grading``) and how a submission's notebook and files are found (``submission_source``: from the server's disk
in the bridge, from the upload in the Hub service). No jupyter_server here."""

from __future__ import annotations

from collections.abc import Awaitable
from pathlib import Path
from typing import Any, Callable, Optional

from tornado import web

from ..apibase import JsonAPIMixin
from .service import GraderError, GraderUser, GradingService

#: The longest a ``GET submissions/{id}?wait=N`` may wait for the grade (seconds).
MAX_WAIT_SECONDS = 30.0


class GraderRest(JsonAPIMixin):
    error_class = GraderError
    get_argument: Callable[..., Any]
    set_header: Callable[..., Any]
    finish: Callable[..., Any]

    def caller(self) -> GraderUser:
        raise NotImplementedError

    def grading(self) -> GradingService:
        raise NotImplementedError

    async def submission_source(self, body: dict[str, Any]) -> tuple[dict[str, Any], str, Optional[Path]]:
        """(notebook JSON, its path as the student names it, the folder whose files go with it)."""
        raise NotImplementedError

    def request_body(self) -> Any:
        """The call's JSON body (the Hub service takes it from a multipart form's ``body`` part)."""
        return self.body()

    async def release_paths(self, body: dict[str, Any]) -> tuple[Path, Path, str]:
        """(the teacher's source notebook, the folder the student notebook goes to, that folder as the teacher names
        it): on the teacher's disk in the bridge, a staged copy of the upload in the Hub service."""
        raise GraderError(405, "not_here", "Release assignments from the teacher's own JupyterLab.")

    def released(self, done: dict[str, Any], shown: str) -> dict[str, Any]:
        """The answer to a release: ``student_notebook`` as the teacher names it."""
        name = Path(done["student_notebook"]).name
        return {**done, "student_notebook": f"{shown}/{name}" if shown else name}

    def language(self, body: Optional[dict[str, Any]] = None) -> str:
        lang = (body or {}).get("lang") if isinstance(body, dict) else None
        if not isinstance(lang, str) or not lang:
            lang = self.get_argument("lang", "") or "en"
        return "zh_CN" if lang.replace("-", "_").lower().startswith("zh") else "en"

    async def answer(self, work: Callable[[GradingService, GraderUser], Awaitable[Any]], status: int = 200) -> None:
        try:
            self.reply(await work(self.grading(), self.caller()), status)
        except GraderError as e:
            self.fail(e)


class AssignmentsRoute(GraderRest):
    @web.authenticated
    async def get(self) -> None:
        async def assignments(grading: GradingService, user: GraderUser) -> dict[str, Any]:
            return {"assignments": await grading.assignments()}

        await self.answer(assignments)

    @web.authenticated
    async def post(self) -> None:
        async def release(grading: GradingService, user: GraderUser) -> dict[str, Any]:
            body = self.request_body()
            source, release_dir, shown = await self.release_paths(body if isinstance(body, dict) else {})
            return self.released(await grading.release(user, source, release_dir), shown)

        await self.answer(release, 201)


class SubmissionsRoute(GraderRest):
    @web.authenticated
    async def get(self) -> None:
        notebook = self.get_argument("notebook", None)

        async def history(grading: GradingService, user: GraderUser) -> dict[str, Any]:
            return {"submissions": await grading.history(user, notebook)}

        await self.answer(history)

    @web.authenticated
    async def post(self) -> None:
        async def submit(grading: GradingService, user: GraderUser) -> dict[str, Any]:
            body = self.request_body()
            if not isinstance(body, dict):
                raise GraderError(400, "bad_request", "The body must be a JSON object.")
            mode = body.get("mode", "submit")
            question = body.get("question")
            if question is not None and not isinstance(question, str):
                raise GraderError(400, "bad_request", "question must be a string.")
            notebook, path, folder = await self.submission_source(body)
            sub = await grading.submit(user, notebook, path, folder, mode, question, self.language(body))
            return {"submission": sub}

        await self.answer(submit, 202)


class SubmissionRoute(GraderRest):
    @web.authenticated
    async def get(self, sub_id: str) -> None:
        try:
            wait = min(MAX_WAIT_SECONDS, max(0.0, float(self.get_argument("wait", "0"))))
        except ValueError:
            return self.fail(GraderError(400, "bad_request", "'wait' must be a number of seconds."))

        async def one(grading: GradingService, user: GraderUser) -> dict[str, Any]:
            if wait > 0:
                return {"submission": await grading.wait(user, sub_id, wait)}
            return {"submission": await grading.get(user, sub_id)}

        await self.answer(one)


class ResultsRoute(GraderRest):
    @web.authenticated
    async def get(self) -> None:
        assignment = self.get_argument("assignment", "")
        if self.get_argument("format", "json") == "csv":
            try:
                text = await self.grading().class_csv(self.caller(), assignment)
            except GraderError as e:
                return self.fail(e)
            self.set_header("Content-Type", "text/csv; charset=utf-8")
            self.set_header("Content-Disposition", f'attachment; filename="{assignment or "results"}.csv"')
            self.finish(text)
            return

        async def results(grading: GradingService, user: GraderUser) -> dict[str, Any]:
            return {"results": await grading.class_results(user, assignment)}

        await self.answer(results)


class RegradeRoute(GraderRest):
    @web.authenticated
    async def post(self) -> None:
        async def regrade(grading: GradingService, user: GraderUser) -> dict[str, Any]:
            body = self.body()
            assignment = body.get("assignment") if isinstance(body, dict) else None
            if not isinstance(assignment, str):
                raise GraderError(400, "bad_request", "Say which assignment to regrade.")
            return {"queued": await grading.regrade(user, assignment)}

        await self.answer(regrade, 202)


def rest_routes(base: type, kwargs: dict[str, Any]) -> list[tuple[str, type, dict[str, Any]]]:
    """``(path under .../grader/, handler, initialize kwargs)`` for each REST call, its handler made from ``base``."""
    routes = [
        ("assignments", AssignmentsRoute),
        ("submissions", SubmissionsRoute),
        ("submissions/([^/]+)", SubmissionRoute),
        ("results", ResultsRoute),
        ("results/regrade", RegradeRoute),
    ]
    return [
        (path, type(route.__name__.replace("Route", "Handler"), (route, base), {"__module__": base.__module__}), kwargs)
        for path, route in routes
    ]
