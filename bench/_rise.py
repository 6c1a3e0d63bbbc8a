"""jupyterlab-rise for the slides benchmark, in its own venv (a helper, not a benchmark).

RISE is never installed into .venv (the tests and the demo use it): ``ensure_venv()`` creates the git-ignored
``bench/.venv-rise`` with the pinned JupyterLab and jupyterlab-rise when it is missing or was made for other
pins, and raises ``RiseUnavailable`` with a one-line reason when that cannot be done (no network, no index).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
VENV = BENCH / ".venv-rise"
JUPYTERLAB = "4.6.4"  # the same JupyterLab as .venv (requirements-dev.txt)
RISE = "0.43.1"
PINS = [f"jupyterlab=={JUPYTERLAB}", f"jupyterlab-rise=={RISE}"]
STAMP = VENV / ".classlab-bench-pins"


class RiseUnavailable(RuntimeError):
    """jupyterlab-rise cannot be installed or run here; the message is the reason to report."""


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("WARNING:")]
    return (lines[-1] if lines else "no output")[:300]


def ensure_venv(timeout: float = 600.0) -> Path:
    """The ``bin`` dir of bench/.venv-rise, created and filled with PINS if needed."""
    bin_dir = VENV / "bin"
    wanted = "\n".join(PINS) + "\n"
    if STAMP.is_file() and STAMP.read_text() == wanted and (bin_dir / "jupyter-lab").exists():
        return bin_dir
    shutil.rmtree(VENV, ignore_errors=True)
    steps = [
        [sys.executable, "-m", "venv", str(VENV)],
        [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *PINS],
    ]
    for cmd in steps:
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            shutil.rmtree(VENV, ignore_errors=True)
            raise RiseUnavailable(f"`{' '.join(cmd[-3:])}` took over {timeout:.0f} s") from None
        except OSError as err:
            shutil.rmtree(VENV, ignore_errors=True)
            raise RiseUnavailable(f"cannot run {cmd[0]}: {err}") from None
        if proc.returncode != 0:
            shutil.rmtree(VENV, ignore_errors=True)
            raise RiseUnavailable(f"`pip install {' '.join(PINS)}` failed: {_last_line(proc.stderr + proc.stdout)}")
    if not (bin_dir / "jupyter-lab").exists():
        raise RiseUnavailable(f"{bin_dir}/jupyter-lab missing after install")
    STAMP.write_text(wanted)
    return bin_dir
