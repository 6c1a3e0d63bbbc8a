"""Checks on a submitted job before it takes a place in the queue: cells, time limit, Python syntax.

A mistake found here costs the student a second; found on the GPU it costs a kernel start and a queue wait.
Syntax is checked the way IPython will run the cell: magics and shell escapes are transformed first, and top-level
``await`` is allowed.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from typing import Callable, Optional

from .queue import GpuError, JobBundle


@lru_cache(maxsize=1)
def _ipython_transform() -> Optional[Callable[[str], str]]:
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # no IPython where the bridge runs: plain Python syntax
        return None
    return TransformerManager().transform_cell


def syntax_error(source: str) -> Optional[tuple[int, str]]:
    """(line, message) of the first syntax error in a cell, or None."""
    transform = _ipython_transform()
    code = source
    if transform is not None:
        try:
            code = transform(source)
        except Exception:  # a transformer choking is the kernel's problem to report, not a syntax verdict
            code = source
    try:
        compile(code, "<cell>", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except SyntaxError as e:
        return (e.lineno or 1, e.msg or "invalid syntax")
    except (ValueError, OverflowError) as e:  # e.g. a NUL byte in the source
        return (1, str(e))
    return None


def check_cells(bundle: JobBundle, python: bool) -> None:
    """400 ``bad_request`` / ``syntax_error`` naming the cell (its place among the job's cells and its id)."""
    if not bundle.targets:
        raise GpuError(400, "bad_request", "Choose at least one code cell to run on the GPU.")
    for i, cell in enumerate(bundle.cells, start=1):
        if cell.target and not cell.source.strip():
            raise GpuError(400, "bad_request", f"Cell {i} (id {cell.id}) is empty: there is nothing to run.")
    if not python:
        return
    for i, cell in enumerate(bundle.cells, start=1):
        if not cell.source.strip():
            continue
        found = syntax_error(cell.source)
        if found:
            line, msg = found
            role = "" if cell.target else " (a setup cell above the one you run)"
            raise GpuError(
                400, "syntax_error", f"Cell {i} (id {cell.id}){role} has a syntax error on line {line}: {msg}."
            )


def time_limit(requested: Optional[int], default: int, maximum: int) -> int:
    """The job's time limit in seconds: the default when none is asked for, never above the maximum."""
    if requested is None:
        return min(default, maximum)
    if isinstance(requested, bool) or not isinstance(requested, int) or requested < 1:
        raise GpuError(400, "bad_request", "The time limit must be a whole number of seconds, at least 1.")
    if requested > maximum:
        raise GpuError(400, "bad_request", f"The time limit can be at most {maximum} seconds.")
    return requested
