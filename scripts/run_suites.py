"""Run ClassLab's test suites and sum them into one closing line: ``N passed, N failed``.

Every suite writes JUnit XML; counts come from there. A suite that exits non-zero without a recorded failure
(a crash, a harness that never started) counts as one failure, so nothing fails silently.
Usage: ``run_suites.py [suite ...]`` (default: all, in order).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / ".cache" / "test-results"
VENV_BIN = REPO / ".venv" / "bin"
UI = REPO / "ui-tests"


@dataclass
class Step:
    name: str
    command: list[str]
    cwd: Path = REPO
    junit: Path | None = None  # None: the step is one check, passed when it exits 0
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Counts:
    passed: int = 0
    failed: int = 0
    skipped: int = 0

    def add(self, other: Counts) -> None:
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped


def pytest_step(name: str, *args: str) -> Step:
    junit = RESULTS / f"{name}.xml"
    return Step(name, [str(VENV_BIN / "python"), "-m", "pytest", "-q", f"--junitxml={junit}", *args], junit=junit)


SUITES: dict[str, list[Step]] = {
    "lint": [
        Step("eslint", ["npx", "eslint", "--max-warnings", "0", "."]),
        Step("prettier", ["npx", "prettier", "--check", "."]),
        Step("tsc-ui-tests", ["npx", "tsc", "-p", "ui-tests"]),
        Step("ruff", [str(VENV_BIN / "ruff"), "check", "."]),
        Step("ruff-format", [str(VENV_BIN / "ruff"), "format", "--diff", "."]),
        Step("i18n", [str(VENV_BIN / "python"), "scripts/i18n.py", "check"]),
    ],
    "js": [
        Step(
            "jest",
            ["npx", "jest", "--ci", "--reporters=default", "--reporters=jest-junit"],
            junit=RESULTS / "jest.xml",
            env={"JEST_JUNIT_OUTPUT_FILE": str(RESULTS / "jest.xml")},
        )
    ],
    # tests/slurm needs a real Slurm (root, Debian packages, daemons): its own suite, not part of "py".
    "py": [pytest_step("pytest-bridge", "server-ext-bridge", "--ignore=server-ext-bridge/tests/slurm")],
    # A single-node Slurm 22.05 that the suite's conftest brings up with scripts/slurm-single-node.sh (and stops
    # again only if it started it); the tests talk to the real slurmrestd.
    "slurm": [pytest_step("pytest-slurm", "server-ext-bridge/tests/slurm")],
    "install": [pytest_step("pytest-install", "tests/install")],
    "ui": [
        Step(
            "browser-lab",
            ["npx", "playwright", "test", "-c", "playwright.config.ts"],
            UI,
            UI / "artifacts/junit-ui.xml",
        ),
        # The same kind of server from .venv-collab (jupyter-collaboration on): the *-collab specs.
        Step(
            "browser-collab",
            ["npx", "playwright", "test", "-c", "playwright.collab.config.ts"],
            UI,
            UI / "artifacts/junit-ui-collab.xml",
        ),
        # Jupyter Notebook 7 (`jupyter notebook`, same harness): every extension activates there, ui-tests/notebook7.
        Step(
            "browser-notebook7",
            ["npx", "playwright", "test", "-c", "playwright.notebook7.config.ts"],
            UI,
            UI / "artifacts/junit-ui-notebook7.xml",
        ),
    ],
    # Binder (issue #9): a fresh venv and build from exactly binder/requirements.txt and binder/postBuild, then the
    # smoke, lesson and ui-tests/binder specs against a JupyterLab started from it (playwright.binder.config.ts).
    "binder": [
        Step("binder-build", ["bash", "scripts/binder-build.sh"]),
        Step(
            "browser-binder",
            ["npx", "playwright", "test", "-c", "playwright.binder.config.ts"],
            UI,
            UI / "artifacts/junit-ui-binder.xml",
        ),
    ],
    "hub": [
        Step(
            "browser-hub",
            ["npx", "playwright", "test", "-c", "playwright.hub.config.ts"],
            UI,
            UI / "artifacts/junit-hub.xml",
        )
    ],
}


def junit_counts(path: Path) -> Counts:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as error:
        # A report we cannot read is a failure of that suite, not of the whole run (e.g. a NUL in a test name).
        print(f"unreadable JUnit report {path}: {error}", file=sys.stderr)
        return Counts(failed=1)
    suites = [root] if root.tag == "testsuite" else root.iter("testsuite")
    counts = Counts()
    for suite in suites:
        tests = int(suite.get("tests", 0))
        failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped = int(suite.get("skipped", 0))
        counts.add(Counts(passed=tests - failed - skipped, failed=failed, skipped=skipped))
    return counts


def run_step(step: Step) -> Counts:
    if step.junit is not None and step.junit.exists():
        step.junit.unlink()
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}", **step.env}
    started = time.monotonic()
    code = subprocess.call(step.command, cwd=step.cwd, env=env)
    took = time.monotonic() - started

    if step.junit is None:
        counts = Counts(passed=1) if code == 0 else Counts(failed=1)
    elif step.junit.exists():
        counts = junit_counts(step.junit)
        if code != 0 and counts.failed == 0:
            counts.failed = 1  # it failed outside any test (setup, teardown, crash)
    else:
        counts = Counts(failed=1)
    note = "" if code == 0 else f" (exit {code})"
    print(
        f"== {step.name}: {counts.passed} passed, {counts.failed} failed, {counts.skipped} skipped in {took:.0f}s{note}"
    )
    return counts


def main(names: list[str]) -> int:
    unknown = [name for name in names if name not in SUITES]
    if unknown:
        print(f"Unknown suite(s) {unknown}; choose from {list(SUITES)}", file=sys.stderr)
        return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    (UI / "artifacts").mkdir(parents=True, exist_ok=True)
    total = Counts()
    lines = []
    for name in names or list(SUITES):
        for step in SUITES[name]:
            counts = run_step(step)
            total.add(counts)
            lines.append(
                f"  {step.name:<16} {counts.passed:>4} passed {counts.failed:>3} failed {counts.skipped:>3} skipped"
            )
    print("\n== Summary")
    print("\n".join(lines))
    skipped = f", {total.skipped} skipped" if total.skipped else ""
    print(f"{total.passed} passed, {total.failed} failed{skipped}")
    return 1 if total.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
