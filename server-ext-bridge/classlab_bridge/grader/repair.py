"""Repair before grading (PROTOCOL.md "Repair"): a student's notebook put back into the shape the spec says.

As nbgrader's DeduplicateIds + OverwriteCells (+ ``add_missing_cells``), but nothing of the student's notebook is
trusted except which cell claims which grade_id: flags, points, checksums and types all come from the spec. Locked
and grade cells get the spec's source (so grade cells get their hidden tests back); solution cells keep the student's.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Optional

from .nbgrader_format import (
    SCHEMA_VERSION,
    FormatError,
    is_grade,
    is_locked,
    is_solution,
    is_task,
    nbgrader_meta,
    source_of,
    student_source,
)

#: What a repair did to a cell (PROTOCOL.md).
RESTORED, REINSERTED, DUPLICATE_DROPPED, RETYPED = "restored", "reinserted", "duplicate_dropped", "retyped"


def _claimed_id(cell: Mapping[str, Any]) -> Optional[str]:
    meta = nbgrader_meta(cell)
    grade_id = meta.get("grade_id") if meta is not None else None
    return grade_id if isinstance(grade_id, str) and grade_id else None


def _flags(meta: Optional[Mapping[str, Any]]) -> tuple[Any, ...]:
    """What makes a cell graded, as nbgrader reads it (so untouched metadata always compares equal)."""
    points: Any = None
    if meta is not None and (is_grade(meta) or is_task(meta)):
        try:
            points = float(meta.get("points"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            points = "not a number"
    return is_grade(meta), is_solution(meta), is_locked(meta), is_task(meta), points


def spec_nbgrader(spec_cell: Mapping[str, Any]) -> dict[str, Any]:
    """The v3 ``metadata.nbgrader`` of a spec cell, checksum included."""
    meta: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "grade": spec_cell["grade"],
        "solution": spec_cell["solution"],
        "locked": spec_cell["locked"],
        "grade_id": spec_cell["grade_id"],
        "checksum": spec_cell["checksum"],
        "cell_type": spec_cell["cell_type"],
    }
    if spec_cell.get("task"):
        meta["task"] = True
    if spec_cell["grade"] or spec_cell.get("task"):
        meta["points"] = spec_cell["points"]
    return meta


def _set_type(cell: dict[str, Any], cell_type: str) -> None:
    cell["cell_type"] = cell_type
    if cell_type == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
        cell.pop("attachments", None)
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)


def _lock(cell: dict[str, Any], spec_cell: Mapping[str, Any]) -> None:
    """As release.lock_cell, from the spec's flags."""
    if spec_cell["solution"]:
        cell["metadata"]["deletable"] = False
    elif spec_cell["grade"] or spec_cell["locked"]:
        cell["metadata"]["deletable"] = False
        cell["metadata"]["editable"] = False


def _restore(cell: dict[str, Any], spec_cell: Mapping[str, Any]) -> list[str]:
    """Puts a matched cell back as the spec has it; what was repaired."""
    whats = []
    restored = _flags(nbgrader_meta(cell)) != _flags(spec_cell)
    if spec_cell["locked"]:
        released = student_source(spec_cell["source"], spec_cell, f"spec cell {spec_cell['grade_id']!r}")
        restored = restored or source_of(cell) != released
        cell["source"] = spec_cell["source"]
    if restored:
        whats.append(RESTORED)
    if cell.get("cell_type") != spec_cell["cell_type"]:
        _set_type(cell, spec_cell["cell_type"])
        whats.append(RETYPED)
    cell["metadata"]["nbgrader"] = spec_nbgrader(spec_cell)
    _lock(cell, spec_cell)
    return whats


def _new_cell(spec_cell: Mapping[str, Any], ids: Optional[set[str]]) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": spec_cell["cell_type"], "metadata": {}, "source": spec_cell["source"]}
    if ids is not None:  # nbformat 4.5+: every cell has a unique id
        base = spec_cell["grade_id"][:64]
        cell_id, n = base, 1
        while cell_id in ids:
            n += 1
            cell_id = f"{base[: 63 - len(str(n))]}-{n}"
        ids.add(cell_id)
        cell["id"] = cell_id
    if spec_cell["cell_type"] == "code":
        cell["execution_count"] = None
        cell["outputs"] = []
    cell["metadata"]["nbgrader"] = spec_nbgrader(spec_cell)
    _lock(cell, spec_cell)
    return cell


def repair(student_nb: Mapping[str, Any], spec: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The notebook to grade (a new one; outputs cleared, the spec's kernel) and the repairs, each
    ``{"grade_id", "what"}`` with ``what`` one of restored, reinserted, duplicate_dropped, retyped."""
    if not isinstance(student_nb, Mapping) or not isinstance(student_nb.get("cells"), list):
        raise FormatError("This is not a notebook (it has no list of cells).")
    nb = copy.deepcopy(dict(student_nb))
    if not isinstance(nb.get("metadata"), dict):
        nb["metadata"] = {}
    spec_cells: list[Mapping[str, Any]] = list(spec["cells"])
    by_id = {c["grade_id"]: c for c in spec_cells}
    repairs: list[dict[str, str]] = []
    matched: dict[str, dict[str, Any]] = {}
    for index, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            raise FormatError(f"cell {index + 1} is not a code, markdown or raw cell.")
        if not isinstance(cell.get("metadata"), dict):
            cell["metadata"] = {}
        cell["source"] = source_of(cell)
        grade_id = _claimed_id(cell)
        if grade_id is None:
            cell["metadata"].pop("nbgrader", None)
        elif grade_id in by_id and grade_id not in matched:
            matched[grade_id] = cell
            repairs.extend({"grade_id": grade_id, "what": what} for what in _restore(cell, by_id[grade_id]))
        else:
            # A second cell claiming a graded id, or an id the spec does not know: plain student code from now on.
            del cell["metadata"]["nbgrader"]
            if grade_id in matched:
                repairs.append({"grade_id": grade_id, "what": DUPLICATE_DROPPED})
    # Missing cells go back after the cell the spec has before them (the top for the first), as add_missing_cells.
    cells: list[dict[str, Any]] = nb["cells"]
    with_ids = nb.get("nbformat") == 4 and int(nb.get("nbformat_minor") or 0) >= 5
    ids = {str(c["id"]) for c in cells if "id" in c} if with_ids else None
    after: Optional[dict[str, Any]] = None
    for spec_cell in spec_cells:
        grade_id = spec_cell["grade_id"]
        if grade_id in matched:
            after = matched[grade_id]
            continue
        new = _new_cell(spec_cell, ids)
        position = 0 if after is None else next(i for i, c in enumerate(cells) if c is after) + 1
        cells.insert(position, new)
        after = new
        repairs.append({"grade_id": grade_id, "what": REINSERTED})
    for cell in cells:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
    if isinstance(spec.get("kernel"), Mapping):
        nb["metadata"]["kernelspec"] = dict(spec["kernel"])
    return nb, repairs
