"""Release (PROTOCOL.md "Release"): a teacher's source notebook becomes the student notebook and the grading spec.

The student notebook is what nbgrader's ``generate_assignment`` makes (LockCells, ClearSolutions, ClearOutput,
ComputeChecksums, ClearHiddenTests, ClearMarkScheme, ComputeChecksums), plus the ClassLab question metadata with
everything a student must not see taken out. The spec keeps what nbgrader's gradebook keeps (every nbgrader cell with
its hidden tests and the checksum taken before they were stripped) and the full questions.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import shutil
import zipfile
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional, Union

from .nbgrader_format import (
    FormatError,
    autotest_line,
    cell_label,
    classlab_meta,
    clear_solutions,
    compute_checksum,
    is_grade,
    is_locked,
    is_marked,
    is_solution,
    is_task,
    is_tests,
    nbgrader_meta,
    read_check,
    read_question,
    remove_hidden_tests,
    remove_mark_scheme,
    source_of,
    upgrade_notebook,
)
from .specs import ASSIGNMENT_ID, SCHEMA

PathLike = Union[str, Path]
#: nbconvert's ClearOutputPreprocessor drops these with the outputs.
_OUTPUT_METADATA = ("collapsed", "scrolled")


# --- one cell ---------------------------------------------------------------------------------------------------
def lock_cell(cell: dict[str, Any]) -> None:
    """nbgrader's LockCells (default options): answer cells cannot be deleted; tests and read-only cells can be
    neither deleted nor edited."""
    meta = nbgrader_meta(cell)
    if is_solution(meta):
        cell["metadata"]["deletable"] = False
    elif is_grade(meta) or is_locked(meta):
        cell["metadata"]["deletable"] = False
        cell["metadata"]["editable"] = False


def _drop_unused_attachments(cell: dict[str, Any]) -> None:
    """Images the released source no longer shows (a solution's, say) would still travel in the file: dropped."""
    attachments = cell.get("attachments")
    if not isinstance(attachments, Mapping):
        return
    kept = {name: data for name, data in attachments.items() if f"attachment:{name}" in cell["source"]}
    if kept:
        cell["attachments"] = kept
    else:
        cell.pop("attachments", None)


def _release_cell(cell: dict[str, Any], index: int) -> tuple[Optional[dict[str, Any]], bool]:
    """Turns a source cell into the student's, in place. Its spec entry (None for cells nbgrader does not track)
    and whether it had hidden tests."""
    where = cell_label(index, cell)
    meta = nbgrader_meta(cell)
    cell_type = str(cell.get("cell_type"))
    source = source_of(cell)
    number = autotest_line(source) if cell_type == "code" else None
    if number is not None:
        raise FormatError(f"{where}, line {number}: nbgrader's AUTOTEST is not supported; write the asserts out.")
    lock_cell(cell)
    cell["source"] = clear_solutions(source, cell_type, meta, where)
    if cell_type == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
        for key in _OUTPUT_METADATA:
            cell["metadata"].pop(key, None)
    spec_cell = None
    if meta is not None and is_marked(meta):
        # As nbgrader's SaveCells: the source before hidden tests and mark schemes are stripped, and its checksum.
        spec_cell = {
            "grade_id": meta["grade_id"],
            "cell_type": cell_type,
            "source": cell["source"],
            "grade": is_grade(meta),
            "solution": is_solution(meta),
            "locked": is_locked(meta),
            "task": is_task(meta),
            "points": meta["points"] if (is_grade(meta) or is_task(meta)) else None,
            "checksum": compute_checksum(cell),
        }
    released, hidden = remove_hidden_tests(cell["source"], meta, where)
    cell["source"] = remove_mark_scheme(released, meta, where)
    _drop_unused_attachments(cell)
    if meta is not None and (is_grade(meta) or is_solution(meta) or is_locked(meta)):
        meta["checksum"] = compute_checksum(cell)  # type: ignore[index]
        meta["cell_type"] = cell_type  # type: ignore[index]
    return spec_cell, hidden


# --- questions --------------------------------------------------------------------------------------------------
def _student_check(check: Mapping[str, Any]) -> dict[str, Any]:
    """What the student notebook may say of a check: no expected values, calls, names or datasets."""
    if check["visibility"] == "hidden":
        return {"id": check["id"], "visibility": "hidden", "points": check["points"]}
    kept = {key: check[key] for key in ("id", "kind", "visibility", "points") if key in check}
    if "hint" in check:
        kept["hint"] = check["hint"]
    return kept


def _total(numbers: list[Any]) -> Union[int, float]:
    total = sum(numbers)
    return round(total, 9) if isinstance(total, float) else total


Tests = dict[str, tuple[Any, bool]]  # a tests cell's grade_id: (its points, whether it had hidden tests)


def _questions(
    cells: list[dict[str, Any]], tests: Tests, datasets: Mapping[str, Path]
) -> list[tuple[int, dict[str, Any]]]:
    """The questions in notebook order, each with the index of the cell that asks it: the ClassLab ones, and the
    nbgrader tests cells no ``nbgrader`` check names (joined to the nearest question or solution cell above)."""
    asked: dict[int, dict[str, Any]] = {}
    for index, cell in enumerate(cells):
        meta = classlab_meta(cell)
        if meta is not None:
            q = read_question(meta, cell_label(index, cell))
            asked[index] = {"id": q["question"], "title": q.get("title"), "declared": q.get("points")}
            asked[index]["checks"] = q["checks"]
    named = _complete_nbgrader_checks(asked, cells, tests)
    _attach_tests(asked, cells, tests, named)
    questions = [(index, _finish(asked[index], cells, index, datasets)) for index in sorted(asked)]
    _unique_ids(questions)
    return questions


def _complete_nbgrader_checks(asked: dict[int, dict[str, Any]], cells: list[dict[str, Any]], tests: Tests) -> set[str]:
    """Gives the ``nbgrader`` checks a teacher wrote their tests cell's points and visibility; the cells named."""
    named: dict[str, str] = {}
    for index, q in asked.items():
        for check in q["checks"]:
            if check["kind"] != "nbgrader":
                continue
            at = f"{cell_label(index, cells[index])}: check {check['id']!r}"
            grade_id = check["grade_id"]
            if grade_id not in tests:
                raise FormatError(f"{at}: grade_id {grade_id!r} is not an nbgrader tests cell of this notebook.")
            if grade_id in named:
                raise FormatError(f"{at}: the tests cell {grade_id!r} is already checked by {named[grade_id]!r}.")
            named[grade_id] = check["id"]
            points, hidden = tests[grade_id]
            if "points" in check and not math.isclose(float(check["points"]), float(points)):
                raise FormatError(f"{at}: says {check['points']} points, but the tests cell {grade_id!r} has {points}.")
            if hidden and check.get("visibility") == "visible":
                raise FormatError(f"{at}: the tests cell {grade_id!r} has hidden tests, so the check must be hidden.")
            check.setdefault("points", points)
            check.setdefault("visibility", "hidden" if hidden else "visible")
    return set(named)


def _attach_tests(asked: dict[int, dict[str, Any]], cells: list[dict[str, Any]], tests: Tests, named: set[str]) -> None:
    """Each tests cell nobody named becomes a check of the question above it (the nearest ClassLab question cell or
    solution cell, a solution cell starting a question of its own id), or of its own question when none is."""
    anchor: Optional[int] = None
    for index, cell in enumerate(cells):
        meta = nbgrader_meta(cell)
        if index in asked or is_solution(meta):
            anchor = index
        if meta is None or not is_tests(meta, str(cell.get("cell_type"))) or meta["grade_id"] in named:
            continue
        host = index if anchor is None else anchor
        if host not in asked:
            host_id = nbgrader_meta(cells[host])["grade_id"]  # type: ignore[index]
            asked[host] = {"id": host_id, "title": None, "declared": None, "checks": []}
        points, hidden = tests[meta["grade_id"]]
        check = {"id": meta["grade_id"], "kind": "nbgrader", "grade_id": meta["grade_id"], "points": points}
        check["visibility"] = "hidden" if hidden else "visible"
        asked[host]["checks"].append(check)


def _finish(q: dict[str, Any], cells: list[dict[str, Any]], index: int, datasets: Mapping[str, Path]) -> dict[str, Any]:
    """A question as the spec has it: its points added up and the grade_ids of its cells."""
    where = f"{cell_label(index, cells[index])}: question {q['id']!r}"
    if not q["checks"]:
        raise FormatError(f"{where}: has no checks.")
    for check in q["checks"]:
        if check["kind"] == "ml" and check["dataset"] not in datasets:
            name = check["dataset"]
            raise FormatError(
                f"{where}: check {check['id']!r} uses the dataset {name!r}, which is not in the notebook's datasets "
                f"folder (<notebook name>.datasets/{name}.json or .npz)."
            )
    points = _total([check["points"] for check in q["checks"]])
    if q["declared"] is not None and not math.isclose(float(q["declared"]), float(points)):
        raise FormatError(f"{where}: says {q['declared']} points, but its checks add up to {points}.")
    grade_ids = []
    anchor_meta = nbgrader_meta(cells[index])
    if is_marked(anchor_meta):
        grade_ids.append(anchor_meta["grade_id"])  # type: ignore[index]
    for check in q["checks"]:
        if check["kind"] == "nbgrader" and check["grade_id"] not in grade_ids:
            grade_ids.append(check["grade_id"])
    return {"id": q["id"], "title": q["title"], "points": points, "grade_ids": grade_ids, "checks": q["checks"]}


def _unique_ids(questions: list[tuple[int, dict[str, Any]]]) -> None:
    asked_by: dict[str, int] = {}
    checked_by: dict[str, str] = {}
    for index, q in questions:
        if q["id"] in asked_by:
            raise FormatError(f"question id {q['id']!r} is used by cell {asked_by[q['id']] + 1} and cell {index + 1}.")
        asked_by[q["id"]] = index
        for check in q["checks"]:
            if check["id"] in checked_by:
                raise FormatError(
                    f"check id {check['id']!r} is used twice (questions {checked_by[check['id']]!r} and {q['id']!r})."
                )
            checked_by[check["id"]] = q["id"]


# --- datasets ---------------------------------------------------------------------------------------------------
def find_datasets(folder: Path) -> dict[str, Path]:
    """``<name>.json`` and ``<name>.npz`` files of a notebook's datasets folder, by name."""
    found: dict[str, Path] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".json", ".npz") or not path.is_file():
            continue
        if path.stem in found:
            twice = f"{found[path.stem].name} and {path.name}"
            raise FormatError(f"{folder}: the dataset {path.stem!r} is there twice ({twice}).")
        found[path.stem] = path
    return found


def check_dataset(path: Path) -> None:
    """A dataset the judge can read: ``{"X": [...], "y": [...]}`` rows and labels of the same length, or an ``.npz``
    with arrays ``X`` and ``y``."""
    if path.suffix == ".npz":
        _check_npz(path)
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise FormatError(f"{path}: not a JSON file that can be read.") from None
    if not isinstance(data, dict) or not isinstance(data.get("X"), list) or not isinstance(data.get("y"), list):
        raise FormatError(f'{path}: must be {{"X": [[...], ...], "y": [...]}}.')
    if not data["X"] or len(data["X"]) != len(data["y"]):
        raise FormatError(f"{path}: X and y must have the same number of rows (and at least one).")


def _check_npz(path: Path) -> None:
    try:
        import numpy
    except ImportError:
        raise FormatError(f"{path}: reading .npz datasets needs numpy here; install it or give a .json.") from None
    try:
        with numpy.load(path, allow_pickle=False) as npz:
            names = set(npz.files)
            shapes = [npz[name].shape for name in ("X", "y") if name in names]
    except (OSError, ValueError, zipfile.BadZipFile):
        # ValueError: object arrays, which would need pickle to load (never done on this side)
        raise FormatError(f"{path}: not an .npz of plain arrays that numpy can read.") from None
    if not {"X", "y"} <= names:
        raise FormatError(f"{path}: needs the arrays X and y (numpy.savez(path, X=..., y=...)).")
    rows, labels = shapes[0][:1], shapes[1][:1]
    if not rows or not rows[0] or rows != labels:
        raise FormatError(f"{path}: X and y must have the same number of rows (and at least one).")


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def spec_version(spec: Mapping[str, Any], dataset_hashes: Mapping[str, str]) -> str:
    """A short hash of what grading depends on (not the release time): the same source gives the same version."""
    content = {k: v for k, v in spec.items() if k not in ("released", "spec_version")}
    text = json.dumps({"spec": content, "datasets": dict(dataset_hashes)}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# --- the release ------------------------------------------------------------------------------------------------
def _assignment(nb: Mapping[str, Any], stem: str) -> str:
    meta = classlab_meta(nb)
    name = meta.get("assignment", stem) if isinstance(meta, Mapping) else stem
    if not isinstance(name, str) or not ASSIGNMENT_ID.match(name):
        raise FormatError(
            f"{name!r} cannot name an assignment: use letters, digits, '_', '-' and '.' (rename the notebook, or set "
            "metadata.classlab.grader.assignment)."
        )
    return name


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def make_release(
    source_nb: Mapping[str, Any],
    stem: str,
    datasets: Optional[Mapping[str, Path]] = None,
    released: Optional[str] = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The student notebook and the spec for a source notebook (named ``<stem>.ipynb``); datasets by name."""
    import nbformat

    datasets = datasets or {}
    if not isinstance(source_nb, Mapping) or not isinstance(source_nb.get("cells"), list):
        raise FormatError("This is not a notebook (it has no list of cells).")
    nb = nbformat.from_dict(copy.deepcopy(dict(source_nb)))
    nb.setdefault("metadata", nbformat.NotebookNode())
    kernelspec = nb["metadata"].get("kernelspec") or {}
    language = kernelspec.get("language", "python") if isinstance(kernelspec, Mapping) else "python"
    if language != "python":
        raise FormatError(f"The notebook's kernel runs {language!r}; ClassLab grades Python notebooks only.")
    assignment = _assignment(nb, stem)
    for index, cell in enumerate(nb["cells"]):
        if not isinstance(cell, Mapping) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            raise FormatError(f"cell {index + 1} is not a code, markdown or raw cell.")
        cell.setdefault("metadata", nbformat.NotebookNode())
    upgrade_notebook(nb)
    # Questions are read from the teacher's cells before their metadata is trimmed for students.
    teacher_cells = copy.deepcopy(nb["cells"])
    spec_cells: list[dict[str, Any]] = []
    tests: Tests = {}
    for index, cell in enumerate(nb["cells"]):
        spec_cell, hidden = _release_cell(cell, index)
        if spec_cell is not None:
            spec_cells.append(spec_cell)
            if is_tests(nbgrader_meta(cell), spec_cell["cell_type"]):
                tests[spec_cell["grade_id"]] = (spec_cell["points"], hidden)
    questions = _questions(teacher_cells, tests, datasets)
    if not questions:
        raise FormatError(
            "There is nothing to grade: add ClassLab checks (metadata.classlab.grader) or nbgrader tests cells."
        )
    used = sorted({c["dataset"] for _, q in questions for c in q["checks"] if c["kind"] == "ml"})
    for name in used:
        check_dataset(datasets[name])
    spec: dict[str, Any] = {
        "schema": SCHEMA,
        "assignment": assignment,
        "notebook": f"{stem}.ipynb",
        "kernel": dict(kernelspec) if isinstance(kernelspec, Mapping) and kernelspec else None,
        "released": released or now_iso(),
        "cells": spec_cells,
        "questions": [q for _, q in questions],
        "datasets": {name: datasets[name].suffix.lstrip(".") for name in used},
    }
    spec["spec_version"] = spec_version(spec, {name: _file_hash(datasets[name]) for name in used})
    # The student's copy of each question: ids, kinds, points and hints only.
    for index, q in questions:
        student_q: dict[str, Any] = {"question": q["id"]}
        if q["title"] is not None:
            student_q["title"] = q["title"]
        student_q["points"] = q["points"]
        student_q["checks"] = [_student_check(check) for check in q["checks"]]
        meta = nb["cells"][index]["metadata"]
        meta["classlab"] = {**(meta.get("classlab") or {}), "grader": student_q}
    nb["metadata"].pop("celltoolbar", None)
    nb["metadata"]["classlab"] = {
        **(nb["metadata"].get("classlab") or {}),
        "grader": {"assignment": assignment, "spec_version": spec["spec_version"]},
    }
    return nb, spec


def read_notebook(path: Path) -> dict[str, Any]:
    import nbformat

    try:
        return nbformat.read(str(path), as_version=4)
    except FileNotFoundError:
        raise FormatError(f"{path}: no such notebook.") from None
    except Exception as e:  # nbformat raises several kinds for files that are not notebooks
        raise FormatError(f"{path}: not a notebook that can be read ({type(e).__name__}: {e}).") from None


def spec_json(spec: Mapping[str, Any]) -> str:
    return json.dumps(spec, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def release(source_nb_path: PathLike, out_dir: PathLike, released: Optional[str] = None) -> tuple[Path, Path]:
    """Writes ``out_dir/<name>.ipynb`` (for students) and ``out_dir/<name>.spec/`` (``spec.json`` and ``datasets/``,
    for the grading side only). Raises FormatError with the teacher's mistake."""
    import nbformat

    source = Path(source_nb_path)
    out = Path(out_dir)
    stem = source.stem
    datasets = find_datasets(source.with_name(f"{stem}.datasets"))
    student, spec = make_release(read_notebook(source), stem, datasets, released)
    student_path = out / f"{stem}.ipynb"
    spec_dir = out / f"{stem}.spec"
    if student_path.resolve() == source.resolve():
        raise FormatError(f"Releasing into {out} would overwrite the source notebook; choose another folder.")
    out.mkdir(parents=True, exist_ok=True)
    # Written aside and swapped in, so a failed release leaves the previous spec whole.
    staging = out / f".{stem}.spec.new"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "datasets").mkdir(parents=True)
    (staging / "spec.json").write_text(spec_json(spec), encoding="utf-8")
    for name, suffix in spec["datasets"].items():
        shutil.copyfile(datasets[name], staging / "datasets" / f"{name}.{suffix}")
    old = out / f".{stem}.spec.old"
    shutil.rmtree(old, ignore_errors=True)
    if spec_dir.exists():
        spec_dir.rename(old)
    staging.rename(spec_dir)
    shutil.rmtree(old, ignore_errors=True)
    nbformat.write(student, str(student_path), version=4)
    return student_path, spec_dir


# --- checking a spec folder -------------------------------------------------------------------------------------
def check_spec(spec_dir: PathLike) -> dict[str, Any]:
    """Checks a released spec folder as the grading side will read it; a summary, or FormatError listing every
    problem."""
    folder = Path(spec_dir)
    try:
        spec = json.loads((folder / "spec.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FormatError(f"{folder} has no spec.json (give the <name>.spec folder a release wrote).") from None
    except (OSError, ValueError) as e:
        raise FormatError(f"{folder / 'spec.json'}: not JSON that can be read ({e}).") from None
    problems = _spec_problems(spec, folder)
    if problems:
        raise FormatError("\n".join(problems))
    checks = [c for q in spec["questions"] for c in q["checks"]]
    return {
        "assignment": spec["assignment"],
        "notebook": spec["notebook"],
        "spec_version": spec["spec_version"],
        "questions": len(spec["questions"]),
        "checks": len(checks),
        "visible": sum(1 for c in checks if c["visibility"] == "visible"),
        "hidden": sum(1 for c in checks if c["visibility"] == "hidden"),
        "points": _total([q["points"] for q in spec["questions"]]),
        "datasets": sorted(spec["datasets"]),
    }


def _spec_problems(spec: Any, folder: Path) -> list[str]:
    if not isinstance(spec, dict) or spec.get("schema") != SCHEMA:
        return [f"spec.json is not a ClassLab grading spec (schema {SCHEMA!r})."]
    problems: list[str] = []
    for key, kind in (("assignment", str), ("notebook", str), ("released", str), ("spec_version", str)):
        if not isinstance(spec.get(key), kind):
            problems.append(f"spec.json has no {key}.")
    if isinstance(spec.get("assignment"), str) and not ASSIGNMENT_ID.match(spec["assignment"]):
        problems.append(f"{spec['assignment']!r} cannot name an assignment.")
    cells = spec.get("cells")
    questions = spec.get("questions")
    datasets = spec.get("datasets")
    if not isinstance(cells, list) or not isinstance(questions, list) or not isinstance(datasets, dict):
        return [*problems, "spec.json needs lists of cells and questions and an object of datasets."]
    by_id: dict[str, dict[str, Any]] = {}
    for number, cell in enumerate(cells, start=1):
        problem = _spec_cell_problem(cell)
        if problem:
            problems.append(f"spec cell {number}: {problem}")
        elif cell["grade_id"] in by_id:
            problems.append(f"spec cell {number}: grade_id {cell['grade_id']!r} is there twice.")
        else:
            by_id[cell["grade_id"]] = cell
    if not questions:
        problems.append("spec.json has no questions.")
    hashes: dict[str, str] = {}
    for name, suffix in datasets.items():
        path = folder / "datasets" / f"{name}.{suffix}"
        try:
            check_dataset(path)
            hashes[name] = _file_hash(path)
        except (FormatError, OSError) as e:
            problems.append(getattr(e, "message", str(e)))
    question_ids: set[str] = set()
    check_ids: set[str] = set()
    for number, q in enumerate(questions, start=1):
        if not isinstance(q, dict) or not isinstance(q.get("id"), str) or not isinstance(q.get("checks"), list):
            problems.append(f"question {number}: needs an id and a list of checks.")
            continue
        where = f"question {q['id']!r}"
        if q["id"] in question_ids:
            problems.append(f"{where}: the id is there twice.")
        question_ids.add(q["id"])
        for grade_id in q.get("grade_ids") or []:
            if grade_id not in by_id:
                problems.append(f"{where}: grade_id {grade_id!r} is not a spec cell.")
        for check in q["checks"]:
            try:
                full = read_check(check, where)
            except FormatError as e:
                problems.append(e.message)
                continue
            if full["id"] in check_ids:
                problems.append(f"{where}: check id {full['id']!r} is there twice.")
            check_ids.add(full["id"])
            if "points" not in full or "visibility" not in full:
                problems.append(f"{where}: check {full['id']!r} needs points and visibility.")
            if full["kind"] == "nbgrader":
                cell = by_id.get(full["grade_id"])
                if cell is None or not is_tests(cell, cell["cell_type"]):
                    problems.append(f"{where}: check {full['id']!r} names {full['grade_id']!r}, not a tests cell.")
            if full["kind"] == "ml" and full["dataset"] not in datasets:
                problems.append(f"{where}: check {full['id']!r} uses the dataset {full['dataset']!r}, not in datasets.")
        try:
            total = _total([c["points"] for c in q["checks"]])
            if not math.isclose(float(q.get("points")), float(total)):
                problems.append(f"{where}: points {q.get('points')} are not the sum of its checks' ({total}).")
        except (KeyError, TypeError, ValueError):
            problems.append(f"{where}: points must be numbers.")
    if not problems and spec["spec_version"] != spec_version(spec, hashes):
        problems.append("spec_version does not match the spec's contents (was spec.json edited by hand?).")
    return problems


def _spec_cell_problem(cell: Any) -> Optional[str]:
    if not isinstance(cell, dict) or not isinstance(cell.get("grade_id"), str):
        return "needs a grade_id."
    if cell.get("cell_type") not in ("code", "markdown", "raw") or not isinstance(cell.get("source"), str):
        return f"{cell['grade_id']!r} needs a cell_type and a source."
    if not all(isinstance(cell.get(k), bool) for k in ("grade", "solution", "locked", "task")):
        return f"{cell['grade_id']!r} needs grade, solution, locked and task (true or false)."
    as_cell = {"cell_type": cell["cell_type"], "source": cell["source"], "metadata": {"nbgrader": cell}}
    try:
        checksum = compute_checksum(as_cell)
    except FormatError as e:
        return e.message
    if checksum != cell.get("checksum"):
        return f"{cell['grade_id']!r}: its checksum does not match its source (was it edited by hand?)."
    return None
