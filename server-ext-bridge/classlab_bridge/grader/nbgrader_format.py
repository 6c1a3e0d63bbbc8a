"""The formats of a teacher's source notebook: nbgrader 0.9 cell metadata (v1/v2 upgraded to v3), its checksum,
markers and stubs, and ClassLab's questions and checks in ``cell.metadata.classlab.grader`` (PROTOCOL.md "Formats").

Every mistake a teacher can make is a ``FormatError`` that names the cell (counted from 1, as the teacher sees it)
and, for markers, the line. Works on plain JSON dicts and on nbformat's NotebookNode alike.
"""

from __future__ import annotations

import hashlib
import keyword
import math
import re
from collections.abc import Mapping
from typing import Any, Optional

SCHEMA_VERSION = 3
CELL_TYPES = ("code", "markdown", "raw")
GRADE_ID = re.compile(r"^[a-zA-Z0-9_\-]+$")
#: Question and check ids (they name tests in results, so they stay short and printable).
CHECK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")
DATASET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")
LANG = re.compile(r"^[a-z]{2,3}([_-][A-Za-z0-9]{2,8})*$")

CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"
# Found anywhere in a line, as nbgrader's default delimiters are (`### BEGIN SOLUTION`, `# BEGIN SOLUTION`, ...).
BEGIN_SOLUTION, END_SOLUTION = "BEGIN SOLUTION", "END SOLUTION"
BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
BEGIN_MARK_SCHEME, END_MARK_SCHEME = "BEGIN MARK SCHEME", "END MARK SCHEME"
_ATTACHMENT = re.compile(r"!\[.*\]\(attachment:.+?\)")
_INDENT = re.compile(r"\s*")

_V3_KEYS = frozenset(
    {"schema_version", "grade", "locked", "solution", "task", "grade_id", "points", "checksum", "cell_type"}
)

CHECK_KINDS = ("value", "function", "ml", "nbgrader")
VISIBILITIES = ("visible", "hidden")
METRICS = ("accuracy", "f1", "mse")
_COMMON_FIELDS = {"id", "kind", "points", "visibility", "hint", "messages"}
_KIND_FIELDS = {
    "value": {"name", "expected", "tolerance"},
    "function": {"name", "calls", "tolerance", "timeout"},
    "ml": {"name", "method", "dataset", "metric", "threshold", "partial"},
    "nbgrader": {"grade_id"},
}
_QUESTION_FIELDS = {"question", "title", "points", "checks"}
_MESSAGE_KEYS = ("pass", "fail")
#: How deep an expected value may nest (it is compared with the runner's strict data, PROTOCOL.md "Sandbox").
_MAX_DEPTH = 32


class FormatError(ValueError):
    """A teacher's notebook (or a spec) that cannot be released or graded; ``message`` says what and where."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- cells ------------------------------------------------------------------------------------------------------
def source_of(cell: Mapping[str, Any]) -> str:
    """A cell's source as one string (raw notebook JSON may hold it as a list of lines)."""
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(str(s) for s in source)
    return source if isinstance(source, str) else ""


def nbgrader_meta(cell: Mapping[str, Any]) -> Optional[Mapping[str, Any]]:
    meta = cell.get("metadata")
    value = meta.get("nbgrader") if isinstance(meta, Mapping) else None
    return value if isinstance(value, Mapping) else None


def cell_label(index: Optional[int], cell: Optional[Mapping[str, Any]] = None) -> str:
    """``cell 3 (grade_id 'squares')``: numbered from 1, as a teacher counts cells."""
    label = f"cell {index + 1}" if index is not None else "a cell"
    meta = nbgrader_meta(cell) if cell is not None else None
    grade_id = meta.get("grade_id") if meta is not None else None
    if isinstance(grade_id, str) and grade_id:
        label += f" (grade_id {grade_id!r})"
    return label


# --- nbgrader flags (nbgrader's utils.is_*: raw truthiness, solution wins over grade for "locked") ----------------
def is_grade(meta: Optional[Mapping[str, Any]]) -> bool:
    return bool(meta and meta.get("grade", False))


def is_solution(meta: Optional[Mapping[str, Any]]) -> bool:
    return bool(meta and meta.get("solution", False))


def is_task(meta: Optional[Mapping[str, Any]]) -> bool:
    return bool(meta and meta.get("task", False))


def is_locked(meta: Optional[Mapping[str, Any]]) -> bool:
    if not meta or is_solution(meta):
        return False
    return True if is_grade(meta) else bool(meta.get("locked", False))


def is_tests(meta: Optional[Mapping[str, Any]], cell_type: str) -> bool:
    """An "Autograder tests" cell: a code grade cell the student does not answer in."""
    return cell_type == "code" and is_grade(meta) and not is_solution(meta)


def is_marked(meta: Optional[Mapping[str, Any]]) -> bool:
    """A cell nbgrader keeps track of (its gradebook's source cells)."""
    return is_grade(meta) or is_solution(meta) or is_locked(meta) or is_task(meta)


def compute_checksum(cell: Mapping[str, Any]) -> str:
    """nbgrader's ``utils.compute_checksum``, byte for byte: MD5 over the source, the cell type, ``str()`` of the
    grade/solution/locked flags (raw values, as nbgrader reads them), the grade_id and, for grade cells,
    ``str(float(points))``."""
    meta = nbgrader_meta(cell)
    if meta is None or not isinstance(meta.get("grade_id"), str):
        raise FormatError(f"{cell_label(None, cell)} has no nbgrader grade_id to compute a checksum from.")
    grade = meta.get("grade", False)
    solution = meta.get("solution", False)
    locked = False if solution else (True if grade else meta.get("locked", False))
    md5 = hashlib.md5(usedforsecurity=False)
    for part in (source_of(cell), str(cell.get("cell_type", "")), str(grade), str(solution), str(locked)):
        md5.update(part.encode("utf-8"))
    md5.update(meta["grade_id"].encode("utf-8"))
    if grade:
        try:
            md5.update(str(float(meta["points"])).encode("utf-8"))
        except (KeyError, TypeError, ValueError):
            raise FormatError(f"{cell_label(None, cell)} is a grade cell without a number of points.") from None
    return md5.hexdigest()


# --- nbgrader metadata: upgrade (as MetadataValidator.upgrade_cell_metadata) and validation (schema v3) ----------
def upgrade_nbgrader(meta: Any, cell_type: str, where: str) -> Optional[dict[str, Any]]:
    """The v3 form of a cell's ``metadata.nbgrader`` (v0/v1/v2 upgraded as nbgrader does), validated; None when an
    old (v0) cell marks nothing, as nbgrader then drops the metadata."""
    if not isinstance(meta, Mapping):
        raise FormatError(f"{where}: metadata.nbgrader must be an object, not {type(meta).__name__}.")
    m = dict(meta)
    version = m.get("schema_version", 0)
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise FormatError(f"{where}: metadata.nbgrader.schema_version must be 1, 2 or 3, not {version!r}.")
    if version > SCHEMA_VERSION:
        raise FormatError(
            f"{where}: metadata.nbgrader.schema_version {version} is newer than this ClassLab reads "
            f"({SCHEMA_VERSION}); save the notebook with nbgrader 0.9."
        )
    if version == 0:
        for flag in ("grade", "solution", "locked"):
            m.setdefault(flag, False)
        if not m["grade"] and not m["solution"] and not m["locked"]:
            return None
        if not m["grade"]:
            m.pop("points", None)
        elif m.get("points", "") == "":
            m["points"] = 0.0
        else:
            try:
                m["points"] = max(0.0, float(m["points"]))
            except (TypeError, ValueError):
                raise FormatError(f"{where}: points must be a number, not {m['points']!r}.") from None
        version = 1
    if version == 1 and "checksum" in m and "cell_type" not in m:
        m["cell_type"] = cell_type
    m["schema_version"] = SCHEMA_VERSION
    # nbgrader drops unknown keys (with a warning) when it upgrades; so do we.
    for key in set(m) - _V3_KEYS:
        del m[key]
    _validate_v3(m, cell_type, where)
    return m


def _validate_v3(m: Mapping[str, Any], cell_type: str, where: str) -> None:
    for flag in ("grade", "solution", "locked"):
        if flag not in m:
            raise FormatError(f"{where}: metadata.nbgrader has no {flag!r} (true or false).")
    for flag in ("grade", "solution", "locked", "task"):
        if flag in m and not isinstance(m[flag], bool):
            raise FormatError(f"{where}: metadata.nbgrader.{flag} must be true or false, not {m[flag]!r}.")
    grade_id = m.get("grade_id")
    if grade_id is not None and (not isinstance(grade_id, str) or (grade_id and not GRADE_ID.match(grade_id))):
        raise FormatError(f"{where}: grade_id {grade_id!r} may only have letters, digits, '_' and '-'.")
    if "points" in m and not _is_number(m["points"], minimum=0):
        raise FormatError(f"{where}: points must be a number of at least 0, not {m['points']!r}.")
    if "checksum" in m and not (isinstance(m["checksum"], str) and len(m["checksum"]) == 32):
        raise FormatError(f"{where}: metadata.nbgrader.checksum must be 32 hex digits.")
    if "cell_type" in m and m["cell_type"] not in CELL_TYPES:
        raise FormatError(f"{where}: metadata.nbgrader.cell_type must be one of {', '.join(CELL_TYPES)}.")
    grade, solution, locked, task = (bool(m.get(k)) for k in ("grade", "solution", "locked", "task"))
    if (grade or solution or locked or task) and not grade_id:
        raise FormatError(f"{where}: an nbgrader cell needs a grade_id (letters, digits, '_', '-').")
    if (grade or task) and "points" not in m:
        raise FormatError(f"{where}: a graded cell needs points (a number of at least 0).")
    if task:
        if grade or solution:
            raise FormatError(f"{where}: a task cell cannot also be a grade or solution cell.")
        if cell_type != "markdown":
            raise FormatError(f"{where}: a task cell must be a markdown cell.")
    elif cell_type == "markdown" and grade and not solution:
        raise FormatError(f"{where}: a markdown grade cell must also be a solution cell (a manually graded answer).")
    elif cell_type == "markdown" and solution and not grade:
        raise FormatError(f"{where}: a markdown solution cell must also be a grade cell (a manually graded answer).")


def upgrade_notebook(nb: Mapping[str, Any]) -> None:
    """Upgrades every cell's ``metadata.nbgrader`` to v3 in place and checks that grade_ids are unique."""
    seen: dict[str, int] = {}
    for index, cell in enumerate(nb["cells"]):
        meta = cell.get("metadata")
        if not isinstance(meta, Mapping) or "nbgrader" not in meta:
            continue
        upgraded = upgrade_nbgrader(meta["nbgrader"], str(cell.get("cell_type")), cell_label(index, cell))
        if upgraded is None:
            del meta["nbgrader"]
            continue
        meta["nbgrader"] = upgraded
        if is_marked(upgraded):
            grade_id = upgraded["grade_id"]
            if grade_id in seen:
                raise FormatError(f"grade_id {grade_id!r} is used by cell {seen[grade_id] + 1} and cell {index + 1}.")
            seen[grade_id] = index


# --- markers ----------------------------------------------------------------------------------------------------
def _regions(source: str, begin: str, end: str, stub: Optional[str], where: str) -> tuple[str, bool]:
    """The source with each ``begin``..``end`` region removed (or replaced by ``stub``, indented as the begin line),
    and whether there was one. A stray end line is dropped, as nbgrader does."""
    kept: list[str] = []
    start: Optional[int] = None
    found = False
    for number, line in enumerate(source.split("\n"), start=1):
        if begin in line:
            if start is not None:
                raise FormatError(f"{where}, line {number}: {begin!r} inside the region begun on line {start}.")
            start, found = number, True
            if stub is not None:
                indent = line[: _INDENT.match(line).end()]  # type: ignore[union-attr]
                kept.extend(indent + s for s in stub.split("\n"))
        elif end in line:
            start = None
        elif start is None:
            kept.append(line)
    if start is not None:
        raise FormatError(f"{where}, line {start}: {begin!r} has no {end!r} after it.")
    return "\n".join(kept), found


def stub_for(cell_type: str) -> str:
    return CODE_STUB if cell_type == "code" else TEXT_STUB


def clear_solutions(source: str, cell_type: str, meta: Optional[Mapping[str, Any]], where: str) -> str:
    """nbgrader's ClearSolutions for one cell: solution regions become the stub; a solution cell without a region
    becomes the stub as a whole."""
    cleared, found = _regions(source, BEGIN_SOLUTION, END_SOLUTION, stub_for(cell_type), where)
    if found and not is_solution(meta):
        raise FormatError(f"{where}: a {BEGIN_SOLUTION!r} region is only allowed in a solution cell.")
    if is_solution(meta) and not found:
        return stub_for(cell_type)
    return cleared


def remove_hidden_tests(source: str, meta: Optional[Mapping[str, Any]], where: str) -> tuple[str, bool]:
    """nbgrader's ClearHiddenTests for one cell: the source without its hidden test regions, and whether it had
    any."""
    cleared, found = _regions(source, BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS, None, where)
    if found and not is_grade(meta):
        raise FormatError(f'{where}: hidden tests are only allowed in a grade cell ("Autograder tests").')
    if found and is_solution(meta):
        # The student's answer replaces a solution cell's source, so these tests would never run.
        raise FormatError(f"{where}: hidden tests in a solution cell would never run; move them to a tests cell.")
    return cleared, found


def remove_mark_scheme(source: str, meta: Optional[Mapping[str, Any]], where: str) -> str:
    """nbgrader's ClearMarkScheme for one cell (task cells' marking notes), refusing attachments in the region."""
    for number, line in enumerate(_inside(source, BEGIN_MARK_SCHEME, END_MARK_SCHEME), start=1):
        if line is not None and _ATTACHMENT.search(line):
            raise FormatError(
                f"{where}, line {number}: an attachment in a mark scheme would reach students; embed the image."
            )
    cleared, found = _regions(source, BEGIN_MARK_SCHEME, END_MARK_SCHEME, None, where)
    if found and not is_task(meta):
        raise FormatError(f"{where}: a {BEGIN_MARK_SCHEME!r} region is only allowed in a task cell.")
    return cleared


def _inside(source: str, begin: str, end: str) -> list[Optional[str]]:
    """Each line of the source, or None for lines outside a begin..end region."""
    lines: list[Optional[str]] = []
    inside = False
    for line in source.split("\n"):
        if begin in line:
            inside = True
            lines.append(None)
        elif end in line:
            inside = False
            lines.append(None)
        else:
            lines.append(line if inside else None)
    return lines


def student_source(source: str, meta: Optional[Mapping[str, Any]], where: str) -> str:
    """What students get of a cell whose solutions are already stubbed: no hidden tests, no mark scheme."""
    without_tests, _ = remove_hidden_tests(source, meta, where)
    return remove_mark_scheme(without_tests, meta, where)


def autotest_line(source: str) -> Optional[int]:
    """The first line with nbgrader's AUTOTEST directive (which ClassLab does not expand), or None."""
    for number, line in enumerate(source.split("\n"), start=1):
        if line.strip().startswith("#") and "AUTOTEST" in line:
            return number
    return None


# --- ClassLab questions and checks (cell.metadata.classlab.grader) -------------------------------------------------
def classlab_meta(cell: Mapping[str, Any]) -> Any:
    """``metadata.classlab.grader`` of a cell (or notebook), or None."""
    meta = cell.get("metadata")
    classlab = meta.get("classlab") if isinstance(meta, Mapping) else None
    return classlab.get("grader") if isinstance(classlab, Mapping) else None


def _is_number(value: Any, minimum: Optional[float] = None) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return False
    return minimum is None or value >= minimum


def is_json_data(value: Any, depth: int = 0) -> bool:
    """Strict JSON data (what the runner can send back and the judge compares): no NaN, str keys only."""
    if depth > _MAX_DEPTH:
        return False
    if value is None or isinstance(value, (bool, str)):
        return True
    if isinstance(value, (int, float)):
        return _is_number(value)
    if isinstance(value, list):
        return all(is_json_data(v, depth + 1) for v in value)
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and is_json_data(v, depth + 1) for k, v in value.items())
    return False


def local_text(value: Any, what: str, where: str) -> dict[str, str]:
    """A text in several languages, ``{"en": "...", "zh_CN": "..."}``."""
    example = '{"en": "..."}'
    if not isinstance(value, Mapping) or not value:
        raise FormatError(f"{where}: {what} must be texts by language, like {example}.")
    texts: dict[str, str] = {}
    for lang, text in value.items():
        if not isinstance(lang, str) or not LANG.match(lang):
            raise FormatError(f"{where}: {what} has {lang!r}, which is not a language code like 'en' or 'zh_CN'.")
        if not isinstance(text, str) or not text.strip():
            raise FormatError(f"{where}: {what} in {lang!r} must be a text that is not empty.")
        texts[lang] = text
    return texts


def _name(check: Mapping[str, Any], where: str) -> str:
    name = check.get("name")
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise FormatError(f"{where}: name must be the Python name the student defines, not {name!r}.")
    return name


def _tolerance(value: Any, where: str) -> dict[str, float]:
    if not isinstance(value, Mapping) or not set(value) <= {"abs", "rel"}:
        raise FormatError(f'{where}: tolerance must be like {{"abs": 0.01, "rel": 0}}.')
    for key, number in value.items():
        if not _is_number(number, minimum=0):
            raise FormatError(f"{where}: tolerance {key} must be a number of at least 0, not {number!r}.")
    return dict(value)


def _calls(value: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise FormatError(f'{where}: calls must be a list like [{{"args": [3], "expected": 9}}].')
    calls = []
    for number, call in enumerate(value, start=1):
        at = f"{where}, call {number}"
        if not isinstance(call, Mapping):
            raise FormatError(f'{at}: a call must be like {{"args": [3], "expected": 9}}.')
        unknown = set(call) - {"args", "kwargs", "expected"}
        if unknown:
            raise FormatError(f"{at}: unknown field {sorted(unknown)[0]!r} (args, kwargs, expected).")
        args = call.get("args", [])
        kwargs = call.get("kwargs", {})
        if not isinstance(args, list) or not is_json_data(args):
            raise FormatError(f"{at}: args must be a list of JSON values.")
        if not isinstance(kwargs, Mapping) or not is_json_data(kwargs) or not all(k.isidentifier() for k in kwargs):
            raise FormatError(f"{at}: kwargs must map argument names to JSON values.")
        if "expected" not in call:
            raise FormatError(f"{at}: has no expected result.")
        if not is_json_data(call["expected"]):
            raise FormatError(f"{at}: expected must be JSON data (numbers, text, true/false, null, lists, objects).")
        calls.append({"args": list(args), "kwargs": dict(kwargs), "expected": call["expected"]})
    return calls


def read_check(check: Any, where: str) -> dict[str, Any]:
    """One ClassLab check, validated and with its defaults filled in. An ``nbgrader`` check's points and visibility
    may be left out (they come from its grade cell: release.py)."""
    if not isinstance(check, Mapping):
        raise FormatError(f"{where}: each check must be an object with an id and a kind.")
    check_id = check.get("id")
    if not isinstance(check_id, str) or not CHECK_ID.match(check_id):
        raise FormatError(f"{where}: a check needs an id (letters, digits, '_', '-', '.'), not {check_id!r}.")
    at = f"{where}: check {check_id!r}"
    kind = check.get("kind")
    if kind not in CHECK_KINDS:
        raise FormatError(f"{at}: kind must be one of {', '.join(CHECK_KINDS)}, not {kind!r}.")
    allowed = _COMMON_FIELDS | _KIND_FIELDS[kind]
    unknown = set(check) - allowed
    if unknown:
        fields = ", ".join(sorted(allowed))
        raise FormatError(f"{at}: unknown field {sorted(unknown)[0]!r} for a {kind} check ({fields}).")
    out: dict[str, Any] = {"id": check_id, "kind": kind}
    if "points" in check or kind != "nbgrader":
        if "points" not in check:
            raise FormatError(f"{at}: has no points (a number of at least 0).")
        if not _is_number(check["points"], minimum=0):
            raise FormatError(f"{at}: points must be a number of at least 0, not {check['points']!r}.")
        out["points"] = check["points"]
    if "visibility" in check or kind != "nbgrader":
        visibility = check.get("visibility", "visible")
        if visibility not in VISIBILITIES:
            raise FormatError(f"{at}: visibility must be 'visible' or 'hidden', not {visibility!r}.")
        out["visibility"] = visibility
    if "hint" in check:
        out["hint"] = local_text(check["hint"], "hint", at)
    if "messages" in check:
        messages = check["messages"]
        if not isinstance(messages, Mapping) or not messages or not set(messages) <= set(_MESSAGE_KEYS):
            raise FormatError(f'{at}: messages must be like {{"pass": {{"en": "..."}}, "fail": {{"en": "..."}}}}.')
        out["messages"] = {key: local_text(messages[key], f"the {key} message", at) for key in sorted(messages)}
    if kind in ("value", "function", "ml"):
        out["name"] = _name(check, at)
    if kind == "value":
        if "expected" not in check:
            raise FormatError(f"{at}: has no expected value.")
        if not is_json_data(check["expected"]):
            raise FormatError(f"{at}: expected must be JSON data (numbers, text, true/false, null, lists, objects).")
        out["expected"] = check["expected"]
    if kind == "function":
        out["calls"] = _calls(check.get("calls"), at)
        if "timeout" in check:
            if not _is_number(check["timeout"]) or check["timeout"] <= 0:
                raise FormatError(f"{at}: timeout must be a number of seconds above 0.")
            out["timeout"] = check["timeout"]
    if kind in ("value", "function") and "tolerance" in check:
        out["tolerance"] = _tolerance(check["tolerance"], at)
    if kind == "ml":
        method = check.get("method", "predict")
        if not isinstance(method, str) or not method.isidentifier() or method.startswith("_"):
            raise FormatError(f"{at}: method must be the model's method to call, like 'predict', not {method!r}.")
        dataset = check.get("dataset")
        if not isinstance(dataset, str) or not DATASET_NAME.match(dataset):
            raise FormatError(f"{at}: dataset must name a dataset (letters, digits, '_', '-', '.'), not {dataset!r}.")
        metric = check.get("metric")
        if metric not in METRICS:
            raise FormatError(f"{at}: metric must be one of {', '.join(METRICS)}, not {metric!r}.")
        threshold = check.get("threshold")
        if not _is_number(threshold, minimum=0) or (metric != "mse" and threshold > 1):
            limit = "at least 0" if metric == "mse" else "from 0 to 1"
            raise FormatError(f"{at}: threshold must be a number {limit} for {metric}, not {threshold!r}.")
        partial = check.get("partial", False)
        if not isinstance(partial, bool):
            raise FormatError(f"{at}: partial must be true or false.")
        out.update(method=method, dataset=dataset, metric=metric, threshold=threshold, partial=partial)
    if kind == "nbgrader":
        grade_id = check.get("grade_id")
        if not isinstance(grade_id, str) or not GRADE_ID.match(grade_id):
            raise FormatError(f"{at}: grade_id must name an nbgrader tests cell, not {grade_id!r}.")
        out["grade_id"] = grade_id
    return out


def read_question(meta: Any, where: str) -> dict[str, Any]:
    """A cell's ``metadata.classlab.grader``: ``{"question", "title"?, "points"?, "checks"}``, validated."""
    if not isinstance(meta, Mapping):
        example = '{"question": "q1", "checks": [...]}'
        raise FormatError(f"{where}: metadata.classlab.grader must be an object like {example}.")
    unknown = set(meta) - _QUESTION_FIELDS
    if unknown:
        fields = ", ".join(sorted(_QUESTION_FIELDS))
        raise FormatError(f"{where}: metadata.classlab.grader has an unknown field {sorted(unknown)[0]!r} ({fields}).")
    question = meta.get("question")
    if not isinstance(question, str) or not CHECK_ID.match(question):
        raise FormatError(f"{where}: a question needs an id (letters, digits, '_', '-', '.'), not {question!r}.")
    at = f"{where}: question {question!r}"
    out: dict[str, Any] = {"question": question}
    if "title" in meta:
        out["title"] = local_text(meta["title"], "title", at)
    if "points" in meta:
        if not _is_number(meta["points"], minimum=0):
            raise FormatError(f"{at}: points must be a number of at least 0, not {meta['points']!r}.")
        out["points"] = meta["points"]
    checks = meta.get("checks", [])
    if not isinstance(checks, list):
        raise FormatError(f"{at}: checks must be a list.")
    out["checks"] = [read_check(check, at) for check in checks]
    return out
