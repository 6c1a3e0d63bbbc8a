"""Released assignments on the grading side: ``<data_dir>/assignments/<id>/spec.json`` and ``datasets/``.

The only copy of hidden tests, expected values and hidden datasets a class's grading needs; students never reach it
(the folder is the service's, mode 0700) and the sandbox never sees it.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any, Optional

ASSIGNMENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")
SCHEMA = "classlab-grader/1"


class SpecError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SpecStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}

    def _folder(self, assignment: str) -> Path:
        if not isinstance(assignment, str) or not ASSIGNMENT_ID.match(assignment):
            raise SpecError(f"{assignment!r} is not an assignment name (letters, digits, '_', '-', '.').")
        return self.root / assignment

    def install(self, spec_dir: Path) -> str:
        """Copies a released spec folder (release.py's ``<name>.spec/``) in; a re-release replaces it. Its id."""
        spec = json.loads((spec_dir / "spec.json").read_text())
        if spec.get("schema") != SCHEMA:
            raise SpecError(f"{spec_dir} is not a ClassLab grading spec ({SCHEMA}).")
        assignment = str(spec.get("assignment") or "")
        target = self._folder(assignment)
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o700)
        staging = self.root / f".{assignment}.new"
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(spec_dir, staging)
        old = self.root / f".{assignment}.old"
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            target.rename(old)
        staging.rename(target)
        shutil.rmtree(old, ignore_errors=True)
        self._cache.pop(assignment, None)
        return assignment

    def get(self, assignment: str) -> Optional[dict[str, Any]]:
        path = self._folder(assignment) / "spec.json"
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return None
        cached = self._cache.get(assignment)
        if cached is not None and cached[0] == mtime:
            return cached[1]
        spec = json.loads(path.read_text())
        self._cache[assignment] = (mtime, spec)
        return spec

    def folder(self, assignment: str) -> Path:
        """The assignment's spec folder (datasets are under ``datasets/``)."""
        return self._folder(assignment)

    def ids(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and ASSIGNMENT_ID.match(p.name))

    def summary(self, assignment: str) -> Optional[dict[str, Any]]:
        """What anyone may know of an assignment: its questions with points and counts of checks."""
        spec = self.get(assignment)
        if spec is None:
            return None
        questions = []
        for q in spec.get("questions") or []:
            checks = q.get("checks") or []
            questions.append(
                {
                    "id": q.get("id"),
                    "title": q.get("title"),
                    "points": q.get("points"),
                    "visible": sum(1 for c in checks if c.get("visibility", "visible") == "visible"),
                    "hidden": sum(1 for c in checks if c.get("visibility") == "hidden"),
                }
            )
        return {
            "id": assignment,
            "notebook": spec.get("notebook"),
            "released": spec.get("released"),
            "questions": questions,
        }
