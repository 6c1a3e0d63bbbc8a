"""release.py and the ``classlab-grader`` CLI: the student notebook and spec for a source notebook in the shape of
nbgrader's docs ``ps1`` (an autograded answer, tests with hidden tests, manually graded answers, a read-only cell, a
task), with and without ClassLab checks.

Expected student notebook and spec cells: ``nbgrader generate_assignment`` (nbgrader 0.9.6, in a throwaway venv) on
exactly ``ps1_source()``: the released notebook was identical byte for byte apart from ``metadata.classlab``, and
the gradebook's ``source_cell`` rows (source, locked, checksum, cell_type) equal the spec's cells. The checksums
below are pasted from that run.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import nbformat
import pytest
from classlab_bridge.grader import cli
from classlab_bridge.grader.nbgrader_format import FormatError, compute_checksum
from classlab_bridge.grader.release import check_spec, make_release, release

RELEASED = "2026-01-01T00:00:00Z"

SQUARES = '''def squares(n):
    """Compute the squares of numbers from 1 to n, such that the 
    ith element of the returned list equals i^2.
    
    """
    ### BEGIN SOLUTION
    if n < 1:
        raise ValueError("n must be greater than or equal to 1")
    return [i ** 2 for i in range(1, n + 1)]
    ### END SOLUTION'''  # noqa: W291, W293 (nbgrader's docs have these spaces)

CORRECT_SQUARES = '''"""Check that squares returns the correct output for several inputs"""
assert squares(1) == [1]
assert squares(2) == [1, 4]
### BEGIN HIDDEN TESTS
assert squares(10) == [1, 4, 9, 16, 25, 36, 49, 64, 81, 100]
assert squares(11) == [1, 4, 9, 16, 25, 36, 49, 64, 81, 100, 121]
### END HIDDEN TESTS'''

INVALID_INPUT = '''"""Check that squares raises an error for invalid inputs"""
try:
    squares(0)
except ValueError:
    pass
else:
    raise AssertionError("did not raise")'''

SUM_OF_SQUARES = '''def sum_of_squares(n):
    """Compute the sum of the squares of numbers from 1 to n."""
    ### BEGIN SOLUTION
    return sum(squares(n))
    ### END SOLUTION'''

TASK = """---
## Part E (4 points)

State the formulae for an arithmetic and geometric sum.
=== BEGIN MARK SCHEME ===
Arithmetic 2 points, geometric 2 points.
=== END MARK SCHEME ==="""

SUM_QUESTION = {
    "question": "q-sum",
    "title": {"en": "Sum of squares", "zh_CN": "平方和"},
    "checks": [
        {"id": "sum-10", "kind": "value", "name": "total", "expected": 385, "points": 1,
         "hint": {"en": "Add the squares."}},
        {"id": "sum-calls", "kind": "function", "name": "sum_of_squares",
         "calls": [{"args": [3], "expected": 14}, {"args": [11], "expected": 506}],
         "points": 2, "visibility": "hidden", "hint": {"en": "secret-ish"}},
    ],
}  # fmt: skip


def nbg(grade_id, grade=False, solution=False, locked=False, points=None, task=False):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution}
    if points is not None:
        meta["points"] = points
    if task:
        meta["task"] = True
    return meta


def cell(cell_type, cell_id, source, nbgrader=None, classlab=None, outputs=None):
    c = {"cell_type": cell_type, "id": cell_id, "metadata": {}, "source": source}
    if nbgrader is not None:
        c["metadata"]["nbgrader"] = nbgrader
    if classlab is not None:
        c["metadata"]["classlab"] = {"grader": classlab}
    if cell_type == "code":
        c["execution_count"] = 3 if outputs else None
        c["outputs"] = outputs or []
    return c


def ps1_source(classlab=True):
    """nbgrader's docs ps1/problem1.ipynb, with hidden tests, a mark scheme and (optionally) a ClassLab question."""
    output = {
        "output_type": "execute_result",
        "execution_count": 3,
        "metadata": {},
        "data": {"text/plain": "'teacher output'"},
    }
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "cells": [
            cell(
                "markdown",
                "intro",
                "For this problem set, we'll be using the Jupyter notebook:\n\n![](jupyter.png)",
                nbg("jupyter", locked=True),
            ),
            cell("markdown", "part-a", "---\n## Part A (2 points)\n\nWrite a function `squares(n)`."),
            cell("code", "squares", SQUARES, nbg("squares", solution=True)),
            cell("code", "try-squares", "squares(10)", outputs=[output]),
            cell("code", "correct-squares", CORRECT_SQUARES, nbg("correct_squares", grade=True, points=1)),
            cell("code", "invalid-input", INVALID_INPUT, nbg("squares_invalid_input", grade=True, points=1)),
            cell("markdown", "part-b", "## Part B (1 point)\n\nWrite `sum_of_squares(n)` using `squares`."),
            cell(
                "code",
                "sum-of-squares",
                SUM_OF_SQUARES,
                nbg("sum_of_squares", solution=True),
                classlab=copy.deepcopy(SUM_QUESTION) if classlab else None,
            ),
            cell("markdown", "part-c", "## Part C (1 point)\n\nWrite the equation."),
            cell(
                "markdown",
                "equation",
                "$\\sum_{i=1}^n i^2$",
                nbg("sum_of_squares_equation", grade=True, solution=True, points=1),
            ),
            cell(
                "code",
                "application",
                "def pyramidal_number(n):\n    return sum_of_squares(n)",
                nbg("sum_of_squares_application", grade=True, solution=True, points=2),
            ),
            cell("markdown", "task", TASK, nbg("cell-938593c4a215c6cc", locked=True, points=4, task=True)),
        ],
    }


def write_source(folder: Path, nb=None, name="ps1") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.ipynb"
    path.write_text(json.dumps(nb or ps1_source(), indent=1, ensure_ascii=False))
    return path


def released_ps1(tmp_path, nb=None):
    student, spec_dir = release(write_source(tmp_path / "src", nb), tmp_path / "out", released=RELEASED)
    return json.loads(student.read_text()), json.loads((spec_dir / "spec.json").read_text())


def by_id(nb):
    return {c["id"]: c for c in nb["cells"]}


# nbgrader generate_assignment on ps1_source(): each cell's checksum in the student notebook, and LockCells' flags.
NBGRADER_STUDENT = {
    "intro": ("535c21960d4663d5edac398cb445d087", False, False),
    "squares": ("8f1eab8d02a9520920aa06f8a86a2492", False, None),
    "correct-squares": ("7a129256a4db4ccee0b779cbbc6b9ba7", False, False),
    "invalid-input": ("383f7417def57120cc8f1e889f851b13", False, False),
    "sum-of-squares": ("166e1abc6621f93f8084ec312c49f757", False, None),
    "equation": ("f3cc38a3e522c0be10852ebbe2a638b7", False, None),
    "application": ("5a96910dbc324f5565edf92f5c98af1b", False, None),
    "task": ("1d2c6e9de8e046a912919c867a06ca9a", False, False),
}
# ... and its gradebook (SaveCells: before hidden tests and mark schemes are stripped): the spec's checksums.
NBGRADER_GRADEBOOK = {
    "jupyter": "535c21960d4663d5edac398cb445d087",
    "squares": "8f1eab8d02a9520920aa06f8a86a2492",
    "correct_squares": "e83be7495d52431de3dbf0a11d1ea95a",
    "squares_invalid_input": "383f7417def57120cc8f1e889f851b13",
    "sum_of_squares": "166e1abc6621f93f8084ec312c49f757",
    "sum_of_squares_equation": "f3cc38a3e522c0be10852ebbe2a638b7",
    "sum_of_squares_application": "5a96910dbc324f5565edf92f5c98af1b",
    "cell-938593c4a215c6cc": "267943b543b97a0875da99bee1b08182",
}


def test_student_notebook_is_what_nbgrader_generate_assignment_makes(tmp_path):
    student, _ = released_ps1(tmp_path)
    cells = by_id(student)
    assert student["nbformat"] == 4 and student["nbformat_minor"] == 5
    assert [c["id"] for c in student["cells"]] == [c["id"] for c in ps1_source()["cells"]]
    for cell_id, (checksum, deletable, editable) in NBGRADER_STUDENT.items():
        meta = cells[cell_id]["metadata"]
        assert meta["nbgrader"]["checksum"] == checksum, cell_id
        assert meta["nbgrader"]["cell_type"] == cells[cell_id]["cell_type"]
        assert meta.get("deletable") is deletable and meta.get("editable") is editable, cell_id
        assert compute_checksum(cells[cell_id]) == checksum
    # nbgrader keeps the raw flags ("locked": false on tests cells) and the v3 keys
    assert cells["correct-squares"]["metadata"]["nbgrader"] == {
        "cell_type": "code",
        "checksum": "7a129256a4db4ccee0b779cbbc6b9ba7",
        "grade": True,
        "grade_id": "correct_squares",
        "locked": False,
        "points": 1,
        "schema_version": 3,
        "solution": False,
    }
    assert "".join(cells["squares"]["source"]) == (
        'def squares(n):\n    """Compute the squares of numbers from 1 to n, such that the \n'
        '    ith element of the returned list equals i^2.\n    \n    """\n'
        "    # YOUR CODE HERE\n    raise NotImplementedError()"
    )
    assert "".join(cells["correct-squares"]["source"]) == (
        '"""Check that squares returns the correct output for several inputs"""\n'
        "assert squares(1) == [1]\nassert squares(2) == [1, 4]"
    )
    assert "".join(cells["equation"]["source"]) == "YOUR ANSWER HERE"
    assert "".join(cells["application"]["source"]) == "# YOUR CODE HERE\nraise NotImplementedError()"
    assert "".join(cells["task"]["source"]) == (
        "---\n## Part E (4 points)\n\nState the formulae for an arithmetic and geometric sum."
    )
    assert cells["try-squares"]["outputs"] == [] and cells["try-squares"]["execution_count"] is None
    assert cells["part-a"]["metadata"] == {}


def test_nothing_secret_reaches_the_student(tmp_path):
    student, _ = released_ps1(tmp_path)
    text = json.dumps(student, ensure_ascii=False)
    for secret in (
        "squares(10) ==",  # hidden tests
        "range(1, n + 1)",  # solutions
        "$\\\\sum",
        "return sum(squares(n))",
        "Arithmetic 2 points",  # mark scheme
        '"expected"',  # expected values, calls, names of hidden checks
        '"calls"',
        '"name": "total"',
        '"name": "sum_of_squares"',
        "secret-ish",  # a hidden check's hint
        "teacher output",
    ):
        assert secret not in text, secret
    numbers = {c["id"]: c["metadata"].get("classlab") for c in student["cells"]}
    assert not {385, 506, 14} & set(_scalars(numbers))


def _scalars(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _scalars(v)
    elif isinstance(value, list):
        for v in value:
            yield from _scalars(v)
    else:
        yield value


def test_attachments_of_a_solution_do_not_travel(tmp_path):
    nb = ps1_source()
    png = {"image/png": "iVBORw0KGgo="}
    equation = nb["cells"][9]
    equation["source"] = "![answer](attachment:answer.png)"
    equation["attachments"] = {"answer.png": png}
    intro = nb["cells"][0]
    intro["source"] += "\n![logo](attachment:logo.png)"
    intro["attachments"] = {"logo.png": png, "unused.png": png}
    student, _ = released_ps1(tmp_path, nb)
    cells = by_id(student)
    assert "attachments" not in cells["equation"] and "".join(cells["equation"]["source"]) == "YOUR ANSWER HERE"
    assert cells["intro"]["attachments"] == {"logo.png": png}


def test_student_question_metadata(tmp_path):
    student, spec = released_ps1(tmp_path)
    cells = by_id(student)
    assert cells["sum-of-squares"]["metadata"]["classlab"]["grader"] == {
        "question": "q-sum",
        "title": {"en": "Sum of squares", "zh_CN": "平方和"},
        "points": 3,
        "checks": [
            {"id": "sum-10", "kind": "value", "visibility": "visible", "points": 1, "hint": {"en": "Add the squares."}},
            {"id": "sum-calls", "visibility": "hidden", "points": 2},
        ],
    }
    # the tests cells under the "squares" answer become its question (no ClassLab metadata needed)
    assert cells["squares"]["metadata"]["classlab"]["grader"] == {
        "question": "squares",
        "points": 2,
        "checks": [
            {"id": "correct_squares", "visibility": "hidden", "points": 1},
            {"id": "squares_invalid_input", "kind": "nbgrader", "visibility": "visible", "points": 1},
        ],
    }
    assert student["metadata"]["classlab"] == {"grader": {"assignment": "ps1", "spec_version": spec["spec_version"]}}
    assert student["metadata"]["kernelspec"]["name"] == "python3"


def test_spec(tmp_path):
    _, spec = released_ps1(tmp_path)
    assert spec["schema"] == "classlab-grader/1"
    assert spec["assignment"] == "ps1" and spec["notebook"] == "ps1.ipynb" and spec["released"] == RELEASED
    assert spec["kernel"] == {"display_name": "Python 3", "language": "python", "name": "python3"}
    assert {c["grade_id"]: c["checksum"] for c in spec["cells"]} == NBGRADER_GRADEBOOK
    cells = {c["grade_id"]: c for c in spec["cells"]}
    assert cells["correct_squares"] == {
        "grade_id": "correct_squares",
        "cell_type": "code",
        "source": CORRECT_SQUARES,
        "grade": True,
        "solution": False,
        "locked": True,
        "task": False,
        "points": 1,
        "checksum": "e83be7495d52431de3dbf0a11d1ea95a",
    }
    assert cells["squares"]["source"].endswith("    # YOUR CODE HERE\n    raise NotImplementedError()")
    assert cells["cell-938593c4a215c6cc"]["source"] == TASK and cells["cell-938593c4a215c6cc"]["locked"] is True
    assert cells["sum_of_squares_equation"]["points"] == 1 and cells["squares"]["points"] is None
    assert [q["id"] for q in spec["questions"]] == ["squares", "q-sum"]
    squares, q_sum = spec["questions"]
    assert squares == {
        "id": "squares",
        "title": None,
        "points": 2,
        "grade_ids": ["squares", "correct_squares", "squares_invalid_input"],
        "checks": [
            {"id": "correct_squares", "kind": "nbgrader", "grade_id": "correct_squares", "points": 1,
             "visibility": "hidden"},
            {"id": "squares_invalid_input", "kind": "nbgrader", "grade_id": "squares_invalid_input", "points": 1,
             "visibility": "visible"},
        ],
    }  # fmt: skip
    assert q_sum["grade_ids"] == ["sum_of_squares"] and q_sum["points"] == 3
    assert q_sum["checks"][1] == {
        "id": "sum-calls",
        "kind": "function",
        "name": "sum_of_squares",
        "calls": [{"args": [3], "kwargs": {}, "expected": 14}, {"args": [11], "kwargs": {}, "expected": 506}],
        "points": 2,
        "visibility": "hidden",
        "hint": {"en": "secret-ish"},
    }
    assert spec["datasets"] == {}
    assert check_spec(tmp_path / "out" / "ps1.spec")["checks"] == 4


def test_plain_nbgrader_assignment_needs_no_classlab_metadata(tmp_path):
    student, spec = released_ps1(tmp_path, ps1_source(classlab=False))
    assert [(q["id"], q["points"], len(q["checks"])) for q in spec["questions"]] == [("squares", 2, 2)]
    assert "classlab" not in by_id(student)["sum-of-squares"]["metadata"]


def test_release_is_deterministic(tmp_path):
    src = write_source(tmp_path / "src")
    a_nb, a_spec = release(src, tmp_path / "a", released=RELEASED)
    b_nb, b_spec = release(src, tmp_path / "b", released=RELEASED)
    assert a_nb.read_bytes() == b_nb.read_bytes()
    assert (a_spec / "spec.json").read_bytes() == (b_spec / "spec.json").read_bytes()
    text = (a_spec / "spec.json").read_text()
    assert text == json.dumps(json.loads(text), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    # the version follows the content, not the release time
    _, later = make_release(ps1_source(), "ps1", released="2027-01-01T00:00:00Z")
    assert later["spec_version"] == json.loads(text)["spec_version"]
    changed = ps1_source()
    changed["cells"][4]["metadata"]["nbgrader"]["points"] = 2
    assert make_release(changed, "ps1")[1]["spec_version"] != later["spec_version"]


def test_rerelease_replaces_the_spec(tmp_path):
    src = write_source(tmp_path / "src")
    (tmp_path / "src" / "ps1.datasets").mkdir()
    (tmp_path / "src" / "ps1.datasets" / "old.json").write_text('{"X": [[1]], "y": [1]}')
    _, spec_dir = release(src, tmp_path / "out")
    (spec_dir / "datasets" / "stale.json").write_text("{}")
    _, spec_dir = release(src, tmp_path / "out")
    assert sorted(p.name for p in (spec_dir / "datasets").iterdir()) == []
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["ps1.ipynb", "ps1.spec"]


def test_v1_metadata_is_released_as_v3(tmp_path):
    nb = ps1_source()
    for c in nb["cells"]:
        meta = c["metadata"].get("nbgrader")
        if meta:
            meta["schema_version"] = 1
            meta.pop("task", None)
    nb["cells"].pop()  # tasks came with v3
    student, spec = released_ps1(tmp_path, nb)
    meta = by_id(student)["correct-squares"]["metadata"]["nbgrader"]
    assert meta["schema_version"] == 3 and meta["checksum"] == NBGRADER_STUDENT["correct-squares"][0]


ML_QUESTION = {
    "question": "q-model",
    "checks": [
        {"id": "model-acc", "kind": "ml", "name": "model", "dataset": "digits-holdout", "metric": "accuracy",
         "threshold": 0.8, "points": 3, "visibility": "hidden"},
    ],
}  # fmt: skip


def with_ml(nb=None):
    nb = nb or ps1_source()
    nb["cells"].append(cell("code", "model", "model = None", classlab=ML_QUESTION))
    return nb


def test_datasets_go_to_the_spec_only(tmp_path):
    src = write_source(tmp_path / "src", with_ml())
    folder = tmp_path / "src" / "ps1.datasets"
    folder.mkdir()
    (folder / "digits-holdout.json").write_text('{"X": [[0, 1], [1, 0]], "y": [1, 0]}')
    (folder / "unused.json").write_text("not even JSON")
    student, spec_dir = release(src, tmp_path / "out", released=RELEASED)
    assert [p.name for p in (spec_dir / "datasets").iterdir()] == ["digits-holdout.json"]
    spec = json.loads((spec_dir / "spec.json").read_text())
    assert spec["datasets"] == {"digits-holdout": "json"}
    assert "digits-holdout" not in student.read_text()
    assert check_spec(spec_dir)["datasets"] == ["digits-holdout"]
    # a changed dataset is a new version
    (folder / "digits-holdout.json").write_text('{"X": [[0, 1], [1, 1]], "y": [1, 0]}')
    _, again = release(src, tmp_path / "out2", released=RELEASED)
    assert json.loads((again / "spec.json").read_text())["spec_version"] != spec["spec_version"]


def test_npz_dataset(tmp_path):
    numpy = pytest.importorskip("numpy")
    src = write_source(tmp_path / "src", with_ml())
    folder = tmp_path / "src" / "ps1.datasets"
    folder.mkdir()
    npz = folder / "digits-holdout.npz"
    numpy.savez(npz, X=numpy.zeros((3, 2)), y=numpy.array([0, 1, 1]))
    _, spec_dir = release(src, tmp_path / "out")
    assert (spec_dir / "datasets" / "digits-holdout.npz").read_bytes() == npz.read_bytes()
    assert json.loads((spec_dir / "spec.json").read_text())["datasets"] == {"digits-holdout": "npz"}
    for arrays, message in [
        ({"X": numpy.zeros((3, 2))}, "needs the arrays X and y"),
        ({"X": numpy.zeros((3, 2)), "y": numpy.zeros(2)}, "X and y must have the same number of rows"),
        ({"X": numpy.array([object()]), "y": numpy.zeros(1)}, "not an .npz of plain arrays"),
    ]:
        numpy.savez(npz, **arrays)
        with pytest.raises(FormatError, match=message):
            release(src, tmp_path / "out")
    npz.write_text("not a zip")
    with pytest.raises(FormatError, match="not an .npz of plain arrays"):
        release(src, tmp_path / "out")


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "uses the dataset 'digits-holdout', which is not in the notebook's datasets folder"),
        ("[1, 2]", 'must be {"X": [[...], ...], "y": [...]}'),
        ('{"X": [[1]], "y": [1, 2]}', "X and y must have the same number of rows"),
        ("{", "not a JSON file that can be read"),
    ],
)
def test_dataset_mistakes(tmp_path, content, message):
    src = write_source(tmp_path / "src", with_ml())
    if content is not None:
        (tmp_path / "src" / "ps1.datasets").mkdir()
        (tmp_path / "src" / "ps1.datasets" / "digits-holdout.json").write_text(content)
    with pytest.raises(FormatError) as e:
        release(src, tmp_path / "out")
    assert message in e.value.message
    assert not (tmp_path / "out").exists()


def test_dataset_there_twice(tmp_path):
    src = write_source(tmp_path / "src", with_ml())
    (tmp_path / "src" / "ps1.datasets").mkdir()
    for name in ("digits-holdout.json", "digits-holdout.npz"):
        (tmp_path / "src" / "ps1.datasets" / name).write_text("{}")
    with pytest.raises(FormatError, match="the dataset 'digits-holdout' is there twice"):
        release(src, tmp_path / "out")


def test_explicit_nbgrader_checks_take_points_and_visibility_from_the_cell(tmp_path):
    nb = ps1_source()
    question = {"question": "q-tests", "checks": [
        {"id": "hidden-ones", "kind": "nbgrader", "grade_id": "correct_squares"},
        {"id": "visible-ones", "kind": "nbgrader", "grade_id": "squares_invalid_input", "points": 1.0},
    ]}  # fmt: skip
    nb["cells"][1]["metadata"]["classlab"] = {"grader": question}
    _, spec = make_release(nb, "ps1")
    q = spec["questions"][0]
    assert q["id"] == "q-tests" and q["grade_ids"] == ["correct_squares", "squares_invalid_input"]
    assert [(c["id"], c["points"], c["visibility"]) for c in q["checks"]] == [
        ("hidden-ones", 1, "hidden"),
        ("visible-ones", 1.0, "visible"),
    ]
    # named tests cells are not also made into the "squares" question
    assert [q["id"] for q in spec["questions"]] == ["q-tests", "q-sum"]


def question_on(index, question, nb=None):
    nb = nb or ps1_source()
    nb["cells"][index]["metadata"]["classlab"] = {"grader": question}
    return nb


def nbgrader_check(**more):
    return {"question": "q-t", "checks": [{"id": "t", "kind": "nbgrader", "grade_id": "correct_squares", **more}]}


def value_question(question_id, check_id="x"):
    check = {"id": check_id, "kind": "value", "name": "x", "expected": 1, "points": 1}
    return {"question": question_id, "checks": [check]}


# Every mistake a teacher can make in a whole notebook, and what release says.
def _duplicate_question():
    return question_on(1, value_question("q-sum"))


def _duplicate_check():
    return question_on(1, value_question("q-1", "sum-10"))


def _clash_with_auto_question():
    return question_on(1, value_question("squares"))


def _nested_solution():
    nb = ps1_source()
    nb["cells"][2]["source"] = SQUARES.replace("    if n < 1:", "    ### BEGIN SOLUTION\n    if n < 1:")
    return nb


def _unterminated_hidden_tests():
    nb = ps1_source()
    nb["cells"][4]["source"] = CORRECT_SQUARES.replace("### END HIDDEN TESTS", "")
    return nb


def _hidden_tests_in_plain_cell():
    nb = ps1_source()
    nb["cells"][3]["source"] = "### BEGIN HIDDEN TESTS\nassert True\n### END HIDDEN TESTS"
    return nb


def _autotest():
    nb = ps1_source()
    nb["cells"][5]["source"] = "### AUTOTEST squares(3)"
    return nb


def _kernel(language):
    nb = ps1_source()
    nb["metadata"]["kernelspec"]["language"] = language
    return nb


def _bad_metadata():
    nb = ps1_source()
    nb["cells"][4]["metadata"]["nbgrader"]["points"] = "one"
    return nb


def _duplicate_grade_id():
    nb = ps1_source()
    nb["cells"][5]["metadata"]["nbgrader"]["grade_id"] = "correct_squares"
    return nb


def _no_checks():
    return question_on(1, {"question": "q-empty", "checks": []})


def _points_mismatch():
    nb = ps1_source()
    nb["cells"][7]["metadata"]["classlab"]["grader"]["points"] = 5
    return nb


def _assignment_name():
    nb = ps1_source()
    nb["metadata"]["classlab"] = {"grader": {"assignment": "problem set 1"}}
    return nb


def _nothing_to_grade():
    nb = ps1_source(classlab=False)
    del nb["cells"][4:6]
    return nb


def _not_a_cell():
    nb = ps1_source()
    nb["cells"][3]["cell_type"] = "heading"
    return nb


RELEASE_MISTAKES = [
    (_duplicate_question, "question id 'q-sum' is used by cell 2 and cell 8."),
    (_duplicate_check, "check id 'sum-10' is used twice (questions 'q-1' and 'q-sum')."),
    (_clash_with_auto_question, "question id 'squares' is used by cell 2 and cell 3."),
    (_nested_solution, "cell 3 (grade_id 'squares'), line 7: 'BEGIN SOLUTION' inside the region begun on line 6."),
    (_unterminated_hidden_tests, "cell 5 (grade_id 'correct_squares'), line 4: 'BEGIN HIDDEN TESTS' has no"),
    (_hidden_tests_in_plain_cell, "cell 4: hidden tests are only allowed in a grade cell"),
    (_autotest, "cell 6 (grade_id 'squares_invalid_input'), line 1: nbgrader's AUTOTEST is not supported"),
    (lambda: _kernel("R"), "The notebook's kernel runs 'R'; ClassLab grades Python notebooks only."),
    (_bad_metadata, "cell 5 (grade_id 'correct_squares'): points must be a number of at least 0, not 'one'."),
    (_duplicate_grade_id, "grade_id 'correct_squares' is used by cell 5 and cell 6."),
    (_no_checks, "cell 2: question 'q-empty': has no checks."),
    (_points_mismatch, "question 'q-sum': says 5 points, but its checks add up to 3."),
    (_assignment_name, "'problem set 1' cannot name an assignment"),
    (_nothing_to_grade, "There is nothing to grade: add ClassLab checks"),
    (_not_a_cell, "cell 4 is not a code, markdown or raw cell."),
    (lambda: question_on(1, nbgrader_check(grade_id="squares")), "grade_id 'squares' is not an nbgrader tests cell"),
    (lambda: question_on(1, nbgrader_check(grade_id="nope")), "grade_id 'nope' is not an nbgrader tests cell"),
    (lambda: question_on(1, nbgrader_check(points=3)), "says 3 points, but the tests cell 'correct_squares' has 1."),
    (
        lambda: question_on(1, nbgrader_check(visibility="visible")),
        "the tests cell 'correct_squares' has hidden tests, so the check must be hidden.",
    ),
    (
        lambda: question_on(3, nbgrader_check(id="t2"), question_on(1, nbgrader_check())),
        "the tests cell 'correct_squares' is already checked by 't'.",
    ),
]


@pytest.mark.parametrize("make, message", RELEASE_MISTAKES)
def test_release_mistakes(tmp_path, make, message):
    with pytest.raises(FormatError) as e:
        release(write_source(tmp_path / "src", make()), tmp_path / "out")
    assert message in e.value.message


def test_release_refuses_to_overwrite_the_source(tmp_path):
    src = write_source(tmp_path)
    with pytest.raises(FormatError, match="would overwrite the source notebook"):
        release(src, tmp_path)
    assert json.loads(src.read_text()) == ps1_source()


def test_release_of_files_that_are_not_notebooks(tmp_path):
    with pytest.raises(FormatError, match="no such notebook"):
        release(tmp_path / "missing.ipynb", tmp_path / "out")
    (tmp_path / "bad.ipynb").write_text("{not json")
    with pytest.raises(FormatError, match="not a notebook that can be read"):
        release(tmp_path / "bad.ipynb", tmp_path / "out")
    with pytest.raises(FormatError, match="no list of cells"):
        make_release({"metadata": {}}, "x")


def test_nbformat_reads_the_student_notebook(tmp_path):
    src = write_source(tmp_path / "src")
    student, _ = release(src, tmp_path / "out")
    nb = nbformat.read(str(student), as_version=4)
    nbformat.validate(nb)


def test_an_nbformat_4_0_notebook_stays_4_0(tmp_path):
    nb = ps1_source()
    nb["nbformat_minor"] = 0
    for c in nb["cells"]:
        del c["id"]
    student, _ = released_ps1(tmp_path, nb)
    assert student["nbformat_minor"] == 0 and all("id" not in c for c in student["cells"])


# --- check-spec ---------------------------------------------------------------------------------------------------
def tampered(tmp_path, change):
    _, spec_dir = release(write_source(tmp_path / "src"), tmp_path / "out")
    spec = json.loads((spec_dir / "spec.json").read_text())
    change(spec)
    (spec_dir / "spec.json").write_text(json.dumps(spec))
    return spec_dir


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda s: s["cells"][2].update(source="assert True"), "'correct_squares': its checksum does not match"),
        (lambda s: s.update(spec_version="0" * 16), "spec_version does not match the spec's contents"),
        (lambda s: s["questions"][1]["checks"][0].pop("expected"), "check 'sum-10': has no expected value"),
        (lambda s: s["questions"][0]["checks"][0].update(grade_id="squares"), "names 'squares', not a tests cell"),
        (lambda s: s["questions"][0].update(points=7), "points 7 are not the sum of its checks' (2)"),
        (lambda s: s["questions"][0]["grade_ids"].append("gone"), "grade_id 'gone' is not a spec cell"),
        (lambda s: s.update(datasets={"d": "json"}), "datasets/d.json: not a JSON file that can be read"),
        (lambda s: s.update(schema="other/1"), "not a ClassLab grading spec"),
        (lambda s: s["cells"].append(dict(s["cells"][0])), "grade_id 'jupyter' is there twice"),
    ],
)
def test_check_spec_finds_problems(tmp_path, change, message):
    spec_dir = tampered(tmp_path, change)
    with pytest.raises(FormatError) as e:
        check_spec(spec_dir)
    assert message in e.value.message


# --- the CLI ------------------------------------------------------------------------------------------------------
def test_cli_release_and_check_spec(tmp_path, capsys):
    src = write_source(tmp_path / "src")
    assert cli.main(["release", str(src), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert f"wrote {tmp_path / 'out' / 'ps1.ipynb'} (the student notebook)" in out
    assert "2 questions, 4 checks, 2 visible and 2 hidden, 5 points" in out
    assert cli.main(["check-spec", str(tmp_path / "out" / "ps1.spec")]) == 0
    assert capsys.readouterr().out.startswith("ok: assignment 'ps1' (ps1.ipynb), version ")


def test_cli_bad_input_exits_1_with_the_error(tmp_path, capsys):
    src = write_source(tmp_path / "src", _unterminated_hidden_tests())
    assert cli.main(["release", str(src), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("classlab-grader: error: cell 5 (grade_id 'correct_squares'), line 4:")
    assert cli.main(["check-spec", str(tmp_path)]) == 1
    assert "has no spec.json" in capsys.readouterr().err


def test_console_script_is_declared():
    tomllib = pytest.importorskip("tomllib")
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"]["classlab-grader"] == "classlab_bridge.grader.cli:main"
