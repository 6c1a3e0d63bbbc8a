"""Run every benchmark under bench/ and write bench/results/results.{md,json}.

Usage (from the repo root, or via `make bench`): ``.venv/bin/python bench/run.py [NAME ...]``
where NAME filters benchmarks by module name (``suite_cost`` runs ``bench_suite_cost.py`` only).

Protocol: a benchmark is a module ``bench/bench_<name>.py`` with ``run() -> list[dict]``. Each dict is a row;
rows sharing a ``"section"`` form one markdown table whose columns are the rows' other keys, in first-seen order.
A row whose only key besides "section" is ``"note"`` is printed as a bullet under that table, and a ``"data"``
key (raw samples, anything JSON-serialisable) goes to results.json only. The module docstring's first line is the
benchmark's heading. Figures are reported, never asserted: a benchmark fails only by raising.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"


def _command_output(cmd: list[str]) -> str | None:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30, cwd=REPO)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def machine_facts() -> dict[str, Any]:
    import psutil  # in the venv (requirements-dev.txt); imported here so `--help`-style use stays cheap

    chromium = _command_output(["/usr/bin/chromium", "--version"])
    dirty = _command_output(["git", "status", "--porcelain"])
    return {
        "cpu_model": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        # Other work on the machine skews timings; the load average says how much there was.
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "os": platform.platform(),
        "python": platform.python_version(),
        "node": _command_output(["node", "--version"]),
        "jupyterlab": _version("jupyterlab"),
        "jupyter_server": _version("jupyter_server"),
        "chromium": chromium.splitlines()[0] if chromium else None,
        "git_commit": _command_output(["git", "rev-parse", "--short", "HEAD"]),
        "git_dirty": bool(dirty),
    }


def discover(filters: list[str]) -> list[str]:
    names = sorted(p.stem for p in BENCH.glob("bench_*.py"))
    if filters:
        names = [n for n in names if any(f in n for f in filters)]
    return names


def _fmt(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        # Benchmarks round their floats; print them as rounded, with thousands separators for big ones.
        return f"{value:,.0f}" if abs(value) >= 1000 else repr(value)
    return str(value).replace("|", "\\|").replace("\n", " ")


def render_section(title: str, rows: list[dict[str, Any]]) -> list[str]:
    table = [r for r in rows if set(r) - {"section", "data", "note"}]
    notes = [r["note"] for r in rows if "note" in r and not set(r) - {"section", "note"}]
    lines = [f"### {title}", ""] if title else []
    if table:
        columns: list[str] = []
        for row in table:
            columns += [k for k in row if k not in ("section", "data") and k not in columns]
        lines.append("| " + " | ".join(columns) + " |")
        lines.append("|" + "|".join("---" for _ in columns) + "|")
        for row in table:
            lines.append("| " + " | ".join(_fmt(row.get(c, "")) for c in columns) + " |")
        lines.append("")
    lines += [f"- {note}" for note in notes]
    if notes:
        lines.append("")
    return lines


def render_markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        "# ClassLab benchmarks",
        "",
        f"{report['date']} · {m['cpu_model']}, {m['logical_cores']} logical cores, {m['memory_gb']} GB · "
        f"{m['os']} · Python {m['python']} · Node {m['node']} · JupyterLab {m['jupyterlab']} · "
        f"{m['chromium']} · commit {m['git_commit']}{' (dirty)' if m['git_dirty'] else ''} · "
        f"load average (1/5/15 min) at start {m['load_average_start']}, at end {m['load_average_end']}",
        "",
    ]
    for bench in report["benchmarks"]:
        lines += [f"## {bench['name']}: {bench['title']}", ""]
        if bench["status"] != "ok":
            lines += ["**FAILED**:", "", "```", bench["error"].rstrip(), "```", ""]
            continue
        sections: dict[str, list[dict[str, Any]]] = {}
        for row in bench["rows"]:
            sections.setdefault(row.get("section", ""), []).append(row)
        for title, rows in sections.items():
            lines += render_section(title, rows)
        lines += [f"_{bench['seconds']:.0f} s_", ""]
    return "\n".join(lines)


def _write(path: Path, text: str) -> None:
    # Write-then-rename, so an interrupted run never leaves half a results file (*.tmp is git-ignored).
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(BENCH))  # benchmarks import their helpers (_servers.py) as top-level modules
    names = discover(argv)
    if not names:
        print(f"no benchmark matches {argv}", file=sys.stderr)
        return 2
    report: dict[str, Any] = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_facts(),
        "benchmarks": [],
    }
    failed = False
    for name in names:
        print(f"== {name}", file=sys.stderr, flush=True)
        start = time.monotonic()
        entry: dict[str, Any] = {"name": name.removeprefix("bench_"), "title": "", "status": "ok"}
        try:
            module = importlib.import_module(name)
            entry["title"] = ((module.__doc__ or "").strip().splitlines() or [""])[0]
            entry["rows"] = module.run()
        except Exception:
            failed = True
            entry["status"] = "error"
            entry["error"] = traceback.format_exc()
            print(entry["error"], file=sys.stderr)
        entry["seconds"] = round(time.monotonic() - start, 1)
        report["benchmarks"].append(entry)
    report["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]

    RESULTS.mkdir(exist_ok=True)
    markdown = render_markdown(report)
    _write(RESULTS / "results.md", markdown)
    _write(RESULTS / "results.json", json.dumps(report, indent=1) + "\n")
    print(markdown)
    print(f"written: {RESULTS.relative_to(REPO)}/results.md, results.json", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
