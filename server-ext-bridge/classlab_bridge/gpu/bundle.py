"""What goes with a job: the ``POST jobs`` body checked into cells, the notebook's folder under the server's root,
and that folder as a zip archive (packed by the bridge, unpacked by the Hub service into a per-job scratch folder)."""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath
from typing import Any, Optional

from .. import folderzip
from .queue import GpuError, JobCell

MAX_CELLS = 2000
MAX_SOURCE_CHARS = 4 * 1024 * 1024  # all cells together
MAX_NAME_CHARS = 1024


def bad(message: str) -> GpuError:
    return GpuError(400, "bad_request", message)


def _text(body: dict[str, Any], key: str, limit: int = MAX_NAME_CHARS) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise bad(f"'{key}' must be a non-empty string.")
    if len(value) > limit or "\0" in value:
        raise bad(f"'{key}' is too long or holds a NUL character.")
    return value


def parse_job(body: Any) -> tuple[str, str, list[JobCell], Optional[int]]:
    """``(notebook, kernel, cells, time_limit)`` from a ``POST jobs`` body (PROTOCOL.md); GpuError 400 when it is not
    of that shape. What the cells must be to run (a target, none empty, Python syntax) the queue checks
    (validate.py)."""
    if not isinstance(body, dict):
        raise bad("The body must be a JSON object.")
    notebook, kernel = _text(body, "notebook"), _text(body, "kernel", 256)
    raw = body.get("cells")
    if not isinstance(raw, list) or not raw:
        raise bad("'cells' must be a non-empty list of {id, source, target}.")
    if len(raw) > MAX_CELLS:
        raise bad(f"At most {MAX_CELLS} cells go with one job.")
    cells: list[JobCell] = []
    seen: set[str] = set()
    for i, cell in enumerate(raw):
        if not isinstance(cell, dict):
            raise bad(f"cells[{i}] must be an object {{id, source, target}}.")
        cell_id, source, target = cell.get("id"), cell.get("source"), cell.get("target", False)
        if not isinstance(cell_id, str) or not cell_id or len(cell_id) > 256:
            raise bad(f"cells[{i}].id must be a non-empty string (at most 256 characters).")
        if cell_id in seen:
            raise bad(f"The cell id {cell_id!r} is sent twice.")
        if not isinstance(source, str):
            raise bad(f"cells[{i}].source must be a string.")
        if not isinstance(target, bool):
            raise bad(f"cells[{i}].target must be true or false.")
        seen.add(cell_id)
        cells.append(JobCell(cell_id, source, target))
    if sum(len(c.source) for c in cells) > MAX_SOURCE_CHARS:
        raise bad("The cells' code is too long for one job.")
    time_limit = body.get("time_limit_seconds")
    if time_limit is not None and (isinstance(time_limit, bool) or not isinstance(time_limit, int) or time_limit < 1):
        raise bad("'time_limit_seconds' must be a whole number of seconds, at least 1.")
    return notebook, kernel, cells, time_limit


def job_body(notebook: str, kernel: str, cells: list[JobCell], time_limit: Optional[int]) -> dict[str, Any]:
    """The inverse of ``parse_job``: the body the bridge sends on to the service."""
    body: dict[str, Any] = {
        "notebook": notebook,
        "kernel": kernel,
        "cells": [{"id": c.id, "source": c.source, "target": c.target} for c in cells],
    }
    if time_limit is not None:
        body["time_limit_seconds"] = time_limit
    return body


def notebook_folder(root_dir: str, notebook: str) -> Path:
    """The existing folder of ``notebook`` (a path relative to the server's root, ``/``-separated); GpuError 400 when
    it would be outside the root or is not a folder."""
    root = Path(root_dir).resolve()
    relative = PurePosixPath(notebook)
    if relative.is_absolute() or ".." in relative.parts or notebook.startswith("\\"):
        raise bad("The notebook path must be relative to the server's root and stay inside it.")
    folder = (root / Path(*relative.parts[:-1])).resolve() if len(relative.parts) > 1 else root
    if folder != root and root not in folder.parents:
        raise bad("The notebook's folder is outside the server's root.")
    if not folder.is_dir():
        raise bad(f"The notebook's folder does not exist: {relative.parent}")
    return folder


def _bundled_files(folder: Path) -> list[tuple[Path, str, int]]:
    """(path, archive name, size) of every file that goes with a job (folderzip.folder_files)."""
    return folderzip.folder_files(folder)


def folder_size(folder: Path) -> int:
    return folderzip.folder_size(folder)


def _too_big(size: int, limit: int) -> GpuError:
    return GpuError(
        413,
        "too_big",
        f"The notebook's folder holds {size / 1048576:.1f} MiB; at most {limit / 1048576:.0f} MiB goes with a GPU "
        "job. Move big files (data sets, models) out of this folder, or ask your teacher where shared data lives.",
    )


def pack_folder(folder: Path, max_bytes: int) -> bytes:
    """The folder as a zip archive (folderzip.py); GpuError 413 ``too_big`` past ``max_bytes``."""
    return folderzip.pack_folder(folder, max_bytes, _too_big)


def unpack_folder(data: bytes, dest: Path, max_bytes: int) -> int:
    """Extracts an uploaded folder archive into the empty folder ``dest`` (folderzip.py); the bytes written. GpuError
    400 ``bad_archive`` for an archive refused as a whole, 413 ``too_big`` past ``max_bytes``."""
    return folderzip.unpack_folder(data, dest, max_bytes, GpuError, _too_big)


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
