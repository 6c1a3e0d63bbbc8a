"""ClassLab's side of the grader benchmark, run by bench_grader.py as its own process (``.venv/bin/python``), so the
grading process's peak RSS is the service's own (a helper, not a benchmark).

``python bench/_grader_classlab.py CONFIG.json OUT.json``; CONFIG: ``{"work", "n", "nbgrader_release"?,
"fixed_runs", "start_runs"}``. In one process: the in-process grading service with the bridge's defaults
(``GradingService`` over ``make_grade("bwrap", 2)``: bubblewrap, a pool of 2 pre-started sandboxes, 1 worker)
releases the benchmark's nbgrader source notebook and the trivial one-check notebook; one warm-up submission (not
counted) starts the pool; then the batch (all ``n`` submissions submitted at once, each awaited); then the fixed
cost (the trivial submission alone, pool ready, ``fixed_runs`` times); then ``Sandbox.start`` timed alone
(``start_runs`` times). Writes the timings, each submission's score, and VmHWM of this process.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Optional

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "server-ext-bridge"))
sys.path.insert(0, str(BENCH))

import _grader_assignment as A  # noqa: E402
from classlab_bridge.grader.grading import Grader  # noqa: E402
from classlab_bridge.grader.sandbox import Sandbox, SandboxConfig  # noqa: E402
from classlab_bridge.grader.service import GraderUser, GradingService  # noqa: E402

TEACHER = GraderUser("teacher", teacher=True)


def vm_hwm_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


async def main(config: dict[str, Any]) -> dict[str, Any]:
    work = Path(config["work"])
    n = int(config["n"])
    # make_grade("bwrap", 2), the bridge's defaults, unrolled so the bench can see the pool and time grade() itself.
    grader = Grader(SandboxConfig(mode="bwrap"), 2)
    grade_seconds: dict[str, float] = {}

    async def grade(
        spec: dict[str, Any],
        spec_folder: Path,
        notebook: dict[str, Any],
        files: Path,
        mode: str,
        question: Optional[str],
        lang: str,
    ) -> dict[str, Any]:
        def timed() -> dict[str, Any]:
            t0 = time.perf_counter()
            try:
                return grader.grade(spec, spec_folder, notebook, files, mode, question, lang)
            finally:
                user = A.user_of(notebook)
                if user:
                    grade_seconds[user] = time.perf_counter() - t0

        return await asyncio.get_running_loop().run_in_executor(None, timed)

    grade.close = grader.close  # type: ignore[attr-defined]
    service = GradingService(work / "data", grade, workers=1)
    await service.start()
    out: dict[str, Any] = {}
    try:
        src = work / "src"
        src.mkdir(parents=True, exist_ok=True)
        (src / f"{A.ASSIGNMENT}.ipynb").write_text(json.dumps(A.source_notebook(), indent=1))
        (src / f"{A.TRIVIAL}.ipynb").write_text(json.dumps(A.trivial_source(), indent=1))
        released = await service.release(TEACHER, src / f"{A.ASSIGNMENT}.ipynb", work / "release")
        student_nb = json.loads(Path(released["student_notebook"]).read_text())
        trivial = await service.release(TEACHER, src / f"{A.TRIVIAL}.ipynb", work / "release")
        trivial_nb = A.trivial_answer(json.loads(Path(trivial["student_notebook"]).read_text()))
        if config.get("nbgrader_release"):
            theirs = json.loads(Path(config["nbgrader_release"]).read_text())
            out["same_release"] = A.without_classlab(student_nb) == A.without_classlab(theirs)

        async def one(user: str, nb: dict[str, Any]) -> tuple[dict[str, Any], float]:
            t0 = time.perf_counter()
            sub = await service.submit(GraderUser(user), A.tag(nb, user), f"{user}/{A.ASSIGNMENT}.ipynb", None)
            done = await service.wait(GraderUser(user), sub["id"], 600)
            return done, time.perf_counter() - t0

        # Warm-up (not counted): the pool starts at the first submission, as in a fresh server.
        await one("warmup", A.fill(student_nb, A.students(1)[0]))
        assert grader._pool is not None
        grader._pool.wait_ready(timeout=120)

        # The batch: every submission sent at once (submit writes the notebook and a row, as the REST call does).
        students = A.students(n)
        notebooks = {s: A.fill(student_nb, s) for s in students}
        t0 = time.perf_counter()
        subs = {s: await service.submit(GraderUser(s), A.tag(notebooks[s], s), f"{s}/{A.ASSIGNMENT}.ipynb", None)
                for s in students}  # fmt: skip
        t_submitted = time.perf_counter() - t0
        done_at: dict[str, float] = {}
        results: dict[str, Any] = {}

        async def wait(s: str) -> None:
            sub = await service.wait(TEACHER, subs[s]["id"], 900)  # the full results, hidden tests too
            done_at[s] = time.perf_counter() - t0
            results[s] = sub

        await asyncio.gather(*(wait(s) for s in students))
        batch = max(done_at.values())
        out["batch"] = {
            "seconds": batch,
            "submitted_in": t_submitted,
            "done_at": done_at,
            "grade_seconds": {s: grade_seconds.get(s) for s in students},
            "scores": {
                s: {"state": r["state"], "score": r["score"], "max_score": r["max_score"], "error": r["error"],
                    "per_test": {t["name"]: t["score"] for t in (r.get("results") or {}).get("tests") or []}}
                for s, r in results.items()
            },
        }  # fmt: skip

        # Fixed cost: the trivial one-check submission alone, the pool ready before each.
        fixed, inside, check = [], [], []
        for i in range(int(config.get("fixed_runs", 10))):
            grader._pool.wait_ready(timeout=120)
            await asyncio.sleep(0.2)
            done, seconds = await one(f"t{i}", trivial_nb)
            if done["state"] != "done" or done["score"] != 1:
                raise RuntimeError(f"the trivial submission was not graded 1/1: {json.dumps(done)[:800]}")
            fixed.append(seconds)
            inside.append(done["results"]["execution_time"])
            check.append(done["results"]["tests"][0]["extra_data"]["seconds"])
        out["fixed"] = {"submit_to_result": fixed, "grade_execution_time": inside, "check_seconds": check}

        # Sandbox start alone (bwrap + Python + numpy imported, runner ready), with the pool full and idle.
        grader._pool.wait_ready(timeout=120)
        starts = []
        for _ in range(int(config.get("start_runs", 5))):
            t = time.perf_counter()
            box = Sandbox.start(grader.config)
            starts.append(time.perf_counter() - t)
            box.kill()
        out["sandbox_start"] = starts
        out["sandbox_start_median"] = statistics.median(starts)
    finally:
        await service.close()
    out["vm_hwm_kib"] = vm_hwm_kib()
    return out


if __name__ == "__main__":
    cfg = json.loads(Path(sys.argv[1]).read_text())
    result = asyncio.run(main(cfg))
    Path(sys.argv[2]).write_text(json.dumps(result))
