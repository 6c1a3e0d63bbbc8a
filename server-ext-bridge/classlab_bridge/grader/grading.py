"""One submission, graded: repair the notebook against the spec (repair.py), run its cells in a sandbox from a
pre-warmed pool and judge the checks outside it (judge.py, sandbox.py, pool.py), and put the results together
(PROTOCOL.md "Results"). Blocking work runs in a thread, so the server's event loop never waits for a student's code.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Callable, Optional

from .judge import cells_of, judge
from .nbgrader_format import FormatError
from .pool import SandboxPool
from .repair import repair
from .sandbox import Sandbox, SandboxConfig, sandbox_available
from .service import GradeFn, GraderError


def summarize(
    spec: Mapping[str, Any],
    tests: list[dict[str, Any]],
    repairs: list[dict[str, str]],
    mode: str,
    question: Optional[str],
    seconds: float,
) -> dict[str, Any]:
    """The results JSON from the judged tests: totals, and per question the points and the hidden checks' counts."""
    per: dict[str, dict[str, Any]] = {}
    for q in spec.get("questions") or []:
        if question is not None and q.get("id") != question:
            continue
        per[str(q.get("id"))] = {
            "id": q.get("id"),
            "score": 0.0,
            "max_score": 0.0,
            "passed": 0,
            "total": 0,
            "hidden_passed": 0,
            "hidden_total": sum(1 for c in q.get("checks") or [] if c.get("visibility") == "hidden"),
        }
    hidden_seen: dict[str, int] = {}
    for test in tests:
        qid = str((test.get("extra_data") or {}).get("question"))
        entry = per.get(qid)
        if entry is None:
            continue
        entry["score"] += float(test.get("score") or 0)
        entry["max_score"] += float(test.get("max_score") or 0)
        entry["total"] += 1
        passed = test.get("status") == "passed"
        entry["passed"] += int(passed)
        if test.get("visibility") == "hidden":
            hidden_seen[qid] = hidden_seen.get(qid, 0) + 1
            entry["hidden_passed"] += int(passed)
    if mode == "check":
        for qid, entry in per.items():  # on Check hidden checks do not run: their count stays, none passed
            entry["hidden_passed"] = 0 if not hidden_seen.get(qid) else entry["hidden_passed"]
    return {
        "score": round(sum(float(t.get("score") or 0) for t in tests), 6),
        "max_score": round(sum(float(t.get("max_score") or 0) for t in tests), 6),
        "execution_time": round(seconds, 3),
        "output": "",
        "visibility": "visible",
        "tests": tests,
        "extra_data": {"repairs": repairs, "questions": list(per.values())},
    }


class Grader:
    """The blocking grading of one submission at a time per worker thread, with one shared pool of sandboxes."""

    def __init__(self, config: SandboxConfig, pool_size: int) -> None:
        self.config = config
        self.pool_size = pool_size
        self._pool: Optional[SandboxPool] = None
        self._lock = threading.Lock()

    def _start(self) -> Callable[[], Sandbox]:
        if self.pool_size <= 0:
            return lambda: Sandbox.start(self.config)
        with self._lock:
            if self._pool is None:
                self._pool = SandboxPool(self.config, self.pool_size).start()
            return self._pool.take

    def grade(
        self,
        spec: Mapping[str, Any],
        spec_folder: Path,
        notebook: dict[str, Any],
        files: Path,
        mode: str,
        question: Optional[str],
        lang: str,
    ) -> dict[str, Any]:
        started = time.monotonic()
        problem = sandbox_available(self.config)
        if problem:
            raise GraderError(503, "sandbox_unavailable", f"Grading is switched off here: {problem}")
        try:
            repaired, repairs = repair(notebook, spec)
        except FormatError as e:
            raise GraderError(400, "bad_notebook", f"The notebook cannot be graded: {e}") from None
        tests = judge(spec, spec_folder, cells_of(repaired), self._start(), mode, question, lang, files=files)
        if self.config.mode == "none":
            for test in tests:  # student code ran as this server's account: nothing about it can be trusted
                test.setdefault("extra_data", {})["trust"] = "unsandboxed"
        return summarize(spec, tests, repairs, mode, question, time.monotonic() - started)

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None


def make_grade(sandbox: str = "bwrap", pool_size: int = 2) -> GradeFn:
    """The service's ``grade`` coroutine over a Grader with sandboxes of kind ``sandbox``."""
    grader = Grader(SandboxConfig(mode=sandbox), pool_size)

    async def grade(
        spec: dict[str, Any],
        spec_folder: Path,
        notebook: dict[str, Any],
        files: Path,
        mode: str,
        question: Optional[str],
        lang: str,
    ) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, grader.grade, spec, spec_folder, notebook, files, mode, question, lang)

    grade.close = grader.close  # type: ignore[attr-defined]
    return grade
