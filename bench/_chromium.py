"""Debian's Chromium for the browser benchmarks, with the flags that keep it quiet on a machine with no outside
network (the same as ui-tests/harness.ts), and the runner of the benchmarks' page drivers (`bench/*.mjs`)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def run_driver(script: str, request: dict[str, Any], label: str | None = None) -> Any:
    """Run the Playwright driver `bench/<script>` with `request` as JSON on stdin; its stdout is the JSON answer."""
    proc = subprocess.run(
        ["node", str(BENCH / script)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=BENCH.parent,
        timeout=1200,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{label or script} failed ({proc.returncode}):\n{proc.stderr.strip()[-4000:]}")
    return json.loads(proc.stdout)
