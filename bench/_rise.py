"""jupyterlab-rise for the slides benchmark, in its own venv (a helper, not a benchmark).

RISE is never installed into .venv (the tests and the demo use it): ``ensure_venv()`` creates the git-ignored
``bench/.venv-rise`` with the pinned JupyterLab and jupyterlab-rise when it is missing or was made for other
pins, and raises ``RiseUnavailable`` with a one-line reason when that cannot be done (no network, no index).
"""

from __future__ import annotations

from pathlib import Path

import _venvs

BENCH = _venvs.BENCH
VENV = BENCH / ".venv-rise"
JUPYTERLAB = "4.6.4"  # the same JupyterLab as .venv (requirements-dev.txt)
RISE = "0.43.1"
PINS = [f"jupyterlab=={JUPYTERLAB}", f"jupyterlab-rise=={RISE}"]


class RiseUnavailable(RuntimeError):
    """jupyterlab-rise cannot be installed or run here; the message is the reason to report."""


def ensure_venv(timeout: float = 600.0) -> Path:
    """The ``bin`` dir of bench/.venv-rise, created and filled with PINS if needed."""
    return _venvs.ensure_venv(VENV, PINS, "jupyter-lab", RiseUnavailable, timeout)
