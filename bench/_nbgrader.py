"""nbgrader for the grader benchmark, in its own venv (a helper, not a benchmark).

nbgrader is never installed into .venv: ``ensure_venv()`` creates the git-ignored ``bench/.venv-nbgrader`` with the
pinned nbgrader (its own Jupyter, nbconvert, nbclient and ipykernel come with it) when it is missing or was made for
other pins, and raises ``NbgraderUnavailable`` with a one-line reason when that cannot be done (no network, no
index). ``Course`` is an nbgrader course folder in a temp dir, driven by the ``nbgrader`` command the standard way.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Optional

import _venvs

BENCH = _venvs.BENCH
VENV = BENCH / ".venv-nbgrader"
NBGRADER = "0.9.6"  # the version release.py was checked against (PROTOCOL.md)
PINS = [f"nbgrader=={NBGRADER}"]


class NbgraderUnavailable(RuntimeError):
    """nbgrader cannot be installed or run here; the message is the reason to report."""


def ensure_venv(timeout: float = 900.0) -> Path:
    """The ``bin`` dir of bench/.venv-nbgrader, created and filled with PINS if needed."""
    return _venvs.ensure_venv(VENV, PINS, "nbgrader", NbgraderUnavailable, timeout)


SCORES = """
import json, sys
from nbgrader.api import Gradebook
out = {}
with Gradebook("sqlite:///" + sys.argv[1]) as gb:
    for student in json.loads(sys.argv[3]):
        sub = gb.find_submission(sys.argv[2], student)
        out[student] = {"score": sub.score, "max_score": sub.max_score,
                        "per_cell": {g.name: g.score for nb in sub.notebooks for g in nb.grades}}
print(json.dumps(out))
"""


class Course:
    """An nbgrader course folder (``root``) with its own Jupyter dirs, so only the venv's kernel is found."""

    def __init__(self, bin_dir: Path, root: Path) -> None:
        self.bin = bin_dir
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        (root / "nbgrader_config.py").write_text(
            f"c = get_config()\nc.CourseDirectory.course_id = 'bench'\nc.CourseDirectory.root = {str(root)!r}\n"
        )

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PYTHON", "VIRTUAL_ENV"))}
        jupyter = self.root.parent / f".jupyter-{self.root.name}"
        env.update(
            JUPYTER_CONFIG_DIR=str(jupyter / "config"),
            JUPYTER_DATA_DIR=str(jupyter / "data"),
            JUPYTER_RUNTIME_DIR=str(jupyter / "runtime"),
            JUPYTER_PLATFORM_DIRS="1",
            PATH=f"{self.bin}{os.pathsep}{env.get('PATH', '')}",
            VIRTUAL_ENV=str(self.bin.parent),
        )
        return env

    def nbgrader(self, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [str(self.bin / "nbgrader"), *args],
            cwd=self.root,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"nbgrader {' '.join(args)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
        return proc

    def generate(self, assignment: str, source: dict[str, Any]) -> dict[str, Any]:
        """``nbgrader generate_assignment`` of ``source``; the student notebook it made."""
        folder = self.root / "source" / assignment
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{assignment}.ipynb").write_text(json.dumps(source, indent=1))
        self.nbgrader("generate_assignment", assignment, "--force")
        return json.loads((self.root / "release" / assignment / f"{assignment}.ipynb").read_text())

    def submit(self, assignment: str, student: str, nb: dict[str, Any]) -> None:
        folder = self.root / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{assignment}.ipynb").write_text(json.dumps(nb, indent=1))
        (folder / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC")

    def autograde(self, assignment: str, students: list[str], timeout: float = 3600) -> dict[str, Any]:
        """``nbgrader autograde ASSIGNMENT`` (all submissions in one run), timed: the whole run, and when its log
        first names each student (the copy of ``submitted/<student>/``, before the sanitize, execute and write
        steps); a student's grading time is from that line to the next student's first line (the last one's to the
        process's end)."""
        cmd = [str(self.bin / "nbgrader"), "autograde", assignment, "--create"]
        marks: list[tuple[float, str]] = []
        lines: list[str] = []
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=self.root, env=self.env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )

        def read() -> None:
            assert proc.stderr is not None
            for line in proc.stderr:  # nbgrader logs each record to stderr at once (logging's StreamHandler)
                now = time.perf_counter()
                lines.append(line)
                student = _student_of(line, students)
                if student is not None and (not marks or marks[-1][1] != student):
                    marks.append((now, student))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        t_end = time.perf_counter()
        reader.join(timeout=10)
        if rc != 0:
            raise RuntimeError(f"nbgrader autograde failed ({rc}): {''.join(lines)[-2000:]}")
        per: dict[str, float] = {}
        done: dict[str, float] = {}
        for i, (t, student) in enumerate(marks):
            end = marks[i + 1][0] if i + 1 < len(marks) else t_end
            per[student] = end - t
            done[student] = end - t0
        missing = [s for s in students if s not in per]
        if missing:
            raise RuntimeError(f"nbgrader's log names none of {missing[:5]}: {''.join(lines)[-1500:]}")
        return {
            "seconds": t_end - t0,
            "first_student_at": marks[0][0] - t0 if marks else None,
            "per_student": per,
            "done_at": done,
            "log_tail": "".join(lines[-5:]),
        }

    def scores(self, assignment: str, students: list[str]) -> dict[str, Any]:
        proc = subprocess.run(
            [str(self.bin / "python"), "-c", SCORES, str(self.root / "gradebook.db"), assignment, json.dumps(students)],
            cwd=self.root,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"reading nbgrader's gradebook failed: {proc.stderr[-1500:]}")
        return json.loads(proc.stdout)


def _student_of(line: str, students: list[str]) -> Optional[str]:
    """The student an nbgrader log line names (a path part ``/<student>/`` or ``'<student>'``), if any."""
    for part in line.replace("'", " ").replace('"', " ").split():
        bits = part.strip(",.:").split("/")
        for student in students:
            if student in bits:
                return student
    return None
