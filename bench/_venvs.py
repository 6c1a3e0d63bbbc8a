"""The bench's own virtual environments for the tools ClassLab is compared against (jupyterlab-rise, nbgrader):
installed once, reused while their pins are the same, never in the project's .venv."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def last_line(text: str) -> str:
    """The last line of a tool's output worth reporting (pip's index warnings left out)."""
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("WARNING:")]
    return (lines[-1] if lines else "no output")[:300]


def ensure_venv(venv: Path, pins: list[str], program: str, unavailable: type[Exception], timeout: float) -> Path:
    """The ``bin`` dir of VENV, created and filled with PINS unless it already has them and ``bin/PROGRAM``;
    UNAVAILABLE (with the reason to report) when that cannot be done here."""
    bin_dir = venv / "bin"
    stamp = venv / ".classlab-bench-pins"
    wanted = "\n".join(pins) + "\n"
    if stamp.is_file() and stamp.read_text() == wanted and (bin_dir / program).exists():
        return bin_dir
    shutil.rmtree(venv, ignore_errors=True)
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *pins],
    ]
    for cmd in steps:
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            shutil.rmtree(venv, ignore_errors=True)
            raise unavailable(f"`{' '.join(cmd[-3:])}` took over {timeout:.0f} s") from None
        except OSError as err:
            shutil.rmtree(venv, ignore_errors=True)
            raise unavailable(f"cannot run {cmd[0]}: {err}") from None
        if proc.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            raise unavailable(f"`pip install {' '.join(pins)}` failed: {last_line(proc.stderr + proc.stdout)}")
    if not (bin_dir / program).exists():
        raise unavailable(f"{bin_dir}/{program} missing after install")
    stamp.write_text(wanted)
    return bin_dir
