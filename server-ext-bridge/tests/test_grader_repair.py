"""repair.py: a student's copy of the ps1 notebook (test_grader_release.ps1_source) put back into the spec's shape,
whatever the student did to cells and their metadata."""

from __future__ import annotations

import copy
import json

import pytest
from classlab_bridge.grader.nbgrader_format import FormatError, compute_checksum, source_of
from classlab_bridge.grader.release import make_release
from classlab_bridge.grader.repair import repair
from test_grader_release import CORRECT_SQUARES, TASK, ps1_source


@pytest.fixture(scope="module")
def released():
    student, spec = make_release(ps1_source(), "ps1", released="2026-01-01T00:00:00Z")
    # as the bridge reads it from disk: plain JSON, sources as lists of lines
    import nbformat

    return json.loads(nbformat.writes(student)), spec


@pytest.fixture
def student(released):
    return copy.deepcopy(released[0])


@pytest.fixture
def spec(released):
    return released[1]


def ids(nb):
    return [c.get("id") for c in nb["cells"]]


def cell_of(nb, cell_id):
    return next(c for c in nb["cells"] if c.get("id") == cell_id)


def graded(nb, grade_id):
    return next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def test_untouched_copy_needs_no_repair(student, spec):
    for c in student["cells"]:
        if "nbgrader" in c["metadata"]:  # the student notebook's checksums are nbgrader's, after stripping
            assert compute_checksum(c) == c["metadata"]["nbgrader"]["checksum"]
    repaired, repairs = repair(student, spec)
    assert repairs == []
    assert ids(repaired) == ids(student)
    by_grade_id = {c["grade_id"]: c for c in spec["cells"]}
    for c in repaired["cells"]:
        meta = c["metadata"].get("nbgrader")
        if meta is None:
            continue
        # every graded cell carries the spec's (gradebook) checksum, which is its own for locked cells
        assert meta["checksum"] == by_grade_id[meta["grade_id"]]["checksum"]
        if meta["locked"] or not meta["solution"]:
            assert compute_checksum(c) == meta["checksum"]
    # the grade cell has its hidden tests back, the task its mark scheme; answers stay the student's
    assert graded(repaired, "correct_squares")["source"] == CORRECT_SQUARES
    assert graded(repaired, "cell-938593c4a215c6cc")["source"] == TASK
    assert graded(repaired, "squares")["source"] == source_of(cell_of(student, "squares"))
    assert all(isinstance(c["source"], str) for c in repaired["cells"])


def test_answers_are_kept(student, spec):
    cell_of(student, "squares")["source"] = "def squares(n):\n    return [i * i for i in range(1, n + 1)]"
    cell_of(student, "equation")["source"] = "$n(n+1)(2n+1)/6$"
    repaired, repairs = repair(student, spec)
    assert repairs == []
    assert cell_of(repaired, "squares")["source"].startswith("def squares(n):\n    return [i * i")
    assert cell_of(repaired, "equation")["source"] == "$n(n+1)(2n+1)/6$"


def test_deleted_test_cell_is_reinserted_after_the_spec_cell_before_it(student, spec):
    student["cells"] = [c for c in student["cells"] if c["id"] != "correct-squares"]
    repaired, repairs = repair(student, spec)
    assert repairs == [{"grade_id": "correct_squares", "what": "reinserted"}]
    # after "squares" (the spec cell before it), so before the student's own "try-squares" cell
    assert ids(repaired) == [
        "intro", "part-a", "squares", "correct_squares", "try-squares", "invalid-input", "part-b", "sum-of-squares",
        "part-c", "equation", "application", "task",
    ]  # fmt: skip
    back = cell_of(repaired, "correct_squares")
    assert back["source"] == CORRECT_SQUARES and back["outputs"] == [] and back["execution_count"] is None
    assert back["metadata"]["deletable"] is False and back["metadata"]["editable"] is False
    assert back["metadata"]["nbgrader"] == {
        "schema_version": 3,
        "grade": True,
        "solution": False,
        "locked": True,
        "grade_id": "correct_squares",
        "points": 1,
        "checksum": "e83be7495d52431de3dbf0a11d1ea95a",
        "cell_type": "code",
    }
    assert compute_checksum(back) == back["metadata"]["nbgrader"]["checksum"]


def test_deleted_first_and_consecutive_cells(student, spec):
    gone = {"intro", "invalid-input", "part-b", "sum-of-squares", "equation", "application"}
    student["cells"] = [c for c in student["cells"] if c["id"] not in gone]
    repaired, repairs = repair(student, spec)
    assert repairs == [
        {"grade_id": g, "what": "reinserted"}
        for g in ("jupyter", "squares_invalid_input", "sum_of_squares", "sum_of_squares_equation",
                  "sum_of_squares_application")
    ]  # fmt: skip
    assert ids(repaired) == [
        "jupyter", "part-a", "squares", "try-squares", "correct-squares", "squares_invalid_input", "sum_of_squares",
        "sum_of_squares_equation", "sum_of_squares_application", "part-c", "task",
    ]  # fmt: skip
    # a reinserted answer cell is the stub, editable
    answer = cell_of(repaired, "sum_of_squares_application")
    assert answer["source"] == "# YOUR CODE HERE\nraise NotImplementedError()"
    assert answer["metadata"]["deletable"] is False and "editable" not in answer["metadata"]
    assert cell_of(repaired, "sum_of_squares_equation")["cell_type"] == "markdown"
    assert "outputs" not in cell_of(repaired, "sum_of_squares_equation")


def test_duplicated_cells_keep_the_first(student, spec):
    tests = cell_of(student, "correct-squares")
    answer = cell_of(student, "squares")
    copy_of_tests = dict(copy.deepcopy(tests), id="pasted-tests", source="assert True")
    copy_of_answer = dict(copy.deepcopy(answer), id="pasted-answer", source="def squares(n):\n    return []")
    student["cells"].insert(student["cells"].index(tests) + 1, copy_of_tests)
    student["cells"].insert(student["cells"].index(answer) + 1, copy_of_answer)
    repaired, repairs = repair(student, spec)
    assert repairs == [
        {"grade_id": "squares", "what": "duplicate_dropped"},
        {"grade_id": "correct_squares", "what": "duplicate_dropped"},
    ]
    # the copies stay, as the student's own code without a grade_id
    assert "nbgrader" not in cell_of(repaired, "pasted-tests")["metadata"]
    assert cell_of(repaired, "pasted-answer")["source"] == "def squares(n):\n    return []"
    assert graded(repaired, "squares") is cell_of(repaired, "squares")
    assert graded(repaired, "correct_squares")["source"] == CORRECT_SQUARES


def test_retyped_cells_are_changed_back(student, spec):
    tests = cell_of(student, "invalid-input")
    tests["cell_type"] = "markdown"
    del tests["outputs"], tests["execution_count"]
    answer = cell_of(student, "application")
    answer["cell_type"] = "raw"
    answer["source"] = "my answer"
    del answer["outputs"], answer["execution_count"]
    equation = cell_of(student, "equation")
    equation["cell_type"] = "code"
    equation["outputs"], equation["execution_count"] = [], 1
    repaired, repairs = repair(student, spec)
    assert repairs == [
        {"grade_id": "squares_invalid_input", "what": "retyped"},
        {"grade_id": "sum_of_squares_equation", "what": "retyped"},
        {"grade_id": "sum_of_squares_application", "what": "retyped"},
    ]
    back = cell_of(repaired, "invalid-input")
    assert back["cell_type"] == "code" and back["outputs"] == [] and back["execution_count"] is None
    assert cell_of(repaired, "application")["cell_type"] == "code"
    assert cell_of(repaired, "application")["source"] == "my answer"
    assert cell_of(repaired, "equation")["cell_type"] == "markdown" and "outputs" not in cell_of(repaired, "equation")


def test_edited_locked_cells_are_restored(student, spec):
    cell_of(student, "correct-squares")["source"] = "pass  # tests, what tests?"
    cell_of(student, "intro")["source"] = "I wrote this"
    cell_of(student, "task")["source"] = TASK  # even an "edit" that adds the mark scheme back is not theirs
    repaired, repairs = repair(student, spec)
    assert repairs == [
        {"grade_id": "jupyter", "what": "restored"},
        {"grade_id": "correct_squares", "what": "restored"},
        {"grade_id": "cell-938593c4a215c6cc", "what": "restored"},
    ]
    assert cell_of(repaired, "correct-squares")["source"] == CORRECT_SQUARES
    assert cell_of(repaired, "intro")["source"].startswith("For this problem set")


def test_edited_nbgrader_metadata_is_not_trusted(student, spec):
    tests = cell_of(student, "correct-squares")["metadata"]
    tests["nbgrader"].update(solution=True, points=100)  # "my answer, worth 100"
    tests["editable"] = True
    answer = cell_of(student, "squares")["metadata"]
    answer["nbgrader"]["checksum"] = "0" * 32  # checksums are never trusted: no repair needed
    manual = cell_of(student, "equation")["metadata"]
    manual["nbgrader"]["points"] = "lots"
    repaired, repairs = repair(student, spec)
    assert repairs == [
        {"grade_id": "correct_squares", "what": "restored"},
        {"grade_id": "sum_of_squares_equation", "what": "restored"},
    ]
    meta = cell_of(repaired, "correct-squares")["metadata"]
    assert meta["nbgrader"]["solution"] is False and meta["nbgrader"]["points"] == 1
    assert meta["editable"] is False
    assert cell_of(repaired, "correct-squares")["source"] == CORRECT_SQUARES
    assert cell_of(repaired, "squares")["metadata"]["nbgrader"]["checksum"] == "8f1eab8d02a9520920aa06f8a86a2492"
    assert cell_of(repaired, "equation")["metadata"]["nbgrader"]["points"] == 1


def test_removed_nbgrader_metadata_of_a_locked_cell(student, spec):
    tests = cell_of(student, "correct-squares")
    del tests["metadata"]["nbgrader"]
    tests["source"] = "pass"
    repaired, repairs = repair(student, spec)
    assert repairs == [{"grade_id": "correct_squares", "what": "reinserted"}]
    assert ids(repaired)[2:6] == ["squares", "correct_squares", "try-squares", "correct-squares"]
    assert cell_of(repaired, "correct_squares")["source"] == CORRECT_SQUARES
    # the stripped copy is plain student code now
    assert cell_of(repaired, "correct-squares")["source"] == "pass"
    assert "nbgrader" not in cell_of(repaired, "correct-squares")["metadata"]


def test_removed_nbgrader_metadata_of_an_answer(student, spec):
    answer = cell_of(student, "squares")
    del answer["metadata"]["nbgrader"]
    answer["source"] = "def squares(n):\n    return [i * i for i in range(1, n + 1)]"
    repaired, repairs = repair(student, spec)
    assert repairs == [{"grade_id": "squares", "what": "reinserted"}]
    # the stub goes back right after the cell before it, so the student's own definition (below) still wins
    assert ids(repaired)[:4] == ["intro", "squares-2", "part-a", "squares"]
    assert cell_of(repaired, "squares-2")["source"].endswith("# YOUR CODE HERE\n    raise NotImplementedError()")


def test_unknown_grade_ids_lose_their_metadata(student, spec):
    claim = {"grade_id": "free_points", "grade": True, "points": 50}
    extra = {"cell_type": "code", "id": "mine", "metadata": {"nbgrader": claim}, "source": "", "outputs": []}
    student["cells"].append(extra)
    cell_of(student, "invalid-input")["metadata"]["nbgrader"]["grade_id"] = "renamed"
    repaired, repairs = repair(student, spec)
    assert repairs == [{"grade_id": "squares_invalid_input", "what": "reinserted"}]
    assert "nbgrader" not in cell_of(repaired, "mine")["metadata"]
    assert "nbgrader" not in cell_of(repaired, "invalid-input")["metadata"]


def test_moved_cells_stay_where_the_student_put_them(student, spec):
    cells = student["cells"]
    cells.append(cells.pop(2))  # the "squares" answer to the end
    repaired, repairs = repair(student, spec)
    assert repairs == [] and ids(repaired) == ids(student)


def test_outputs_and_kernel_come_from_the_grader(student, spec):
    fake = {"output_type": "execute_result", "execution_count": 1, "metadata": {}, "data": {"text/plain": "1.0"}}
    cell_of(student, "correct-squares")["outputs"] = [fake]
    cell_of(student, "part-a")["outputs"] = [fake]  # nonsense on a markdown cell
    student["metadata"]["kernelspec"] = {"name": "evil", "display_name": "x", "language": "python"}
    repaired, repairs = repair(student, spec)
    assert repairs == []
    assert all(c.get("outputs", []) == [] for c in repaired["cells"])
    assert "outputs" not in cell_of(repaired, "part-a")
    assert repaired["metadata"]["kernelspec"] == spec["kernel"]


def test_repair_does_not_change_its_input(student, spec):
    student["cells"].pop(4)
    cell_of(student, "intro")["source"] = ["edited ", "by the student"]
    before = copy.deepcopy(student)
    repair(student, spec)
    assert student == before


def test_reinserted_cells_on_nbformat_4_0_have_no_ids(student, spec):
    student["nbformat_minor"] = 0
    for c in student["cells"]:
        del c["id"]
    del student["cells"][4]
    repaired, repairs = repair(student, spec)
    assert repairs == [{"grade_id": "correct_squares", "what": "reinserted"}]
    assert all("id" not in c for c in repaired["cells"])


@pytest.mark.parametrize(
    "nb, message",
    [
        ([], "This is not a notebook"),
        ({"cells": "x"}, "This is not a notebook"),
        ({"cells": [3]}, "cell 1 is not a code, markdown or raw cell."),
        ({"cells": [{"cell_type": "heading", "source": ""}]}, "cell 1 is not a code, markdown or raw cell."),
    ],
)
def test_not_a_notebook(spec, nb, message):
    with pytest.raises(FormatError, match=message):
        repair(nb, spec)


def test_garbage_metadata_is_survived(student, spec):
    cell_of(student, "part-a")["metadata"] = "x"
    cell_of(student, "part-b")["metadata"] = {"nbgrader": "x"}
    cell_of(student, "invalid-input")["metadata"]["nbgrader"] = {"grade_id": 7}
    student["metadata"] = None
    repaired, repairs = repair(student, spec)
    assert repairs == [{"grade_id": "squares_invalid_input", "what": "reinserted"}]
    assert cell_of(repaired, "part-a")["metadata"] == {}
