"""nbgrader_format: nbgrader 0.9 metadata (upgrade and validation), checksums, markers and stubs, and ClassLab checks.

Reference values marked "nbgrader 0.9.6" were computed once with nbgrader's own code (``pip install nbgrader`` into a
throwaway venv: ``nbgrader.utils.compute_checksum`` and ``nbgrader.nbgraderformat.MetadataValidator
.upgrade_cell_metadata`` on the same cells) and pasted here as literals; nbgrader is not a test dependency.
"""

from __future__ import annotations

import math

import pytest
from classlab_bridge.grader import nbgrader_format as f
from classlab_bridge.grader.nbgrader_format import FormatError


def nbg(grade_id="a", grade=False, solution=False, locked=False, **more):
    return {"schema_version": 3, "grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id, **more}


def cell(cell_type, source, meta=None):
    return {"cell_type": cell_type, "source": source, "metadata": {} if meta is None else {"nbgrader": meta}}


# --- checksums ----------------------------------------------------------------------------------------------------
# nbgrader 0.9.6, nbgrader.utils.compute_checksum on these exact cells.
REFERENCE_CHECKSUMS = [
    (cell("markdown", "数一数 ✓ — naïve", nbg("zh", locked=True)), "17b572ad338df9cc68e745d932ccf48f"),
    (cell("code", "assert f(2) == 4", nbg("t-half", grade=True, points=0.5)), "a1e3028c1a46a2f218f658584364a1f7"),
    # points 3 (int) hashes as "3.0"; a grade cell is locked whatever its "locked" says
    (
        cell("code", "assert f(2) == 4", nbg("t-half", grade=True, locked=True, points=3)),
        "f1a133935fc2d37ed8aca37b0796dbb9",
    ),
    # a solution cell is never locked, even with "locked": true
    (
        cell("code", "# YOUR CODE HERE\nraise NotImplementedError()", nbg("m1", True, True, True, points=2)),
        "603c245d08e2fdeafda768f96984c0c9",
    ),
    (cell("raw", "", nbg("r", locked=True)), "2ffd6e8492e26b68b1534111cbb11964"),
    # nbgrader's docs ps1/problem1.ipynb "jupyter" read-only cell, as in its docs' release/ps1 (and our release)
    (
        cell(
            "markdown",
            "For this problem set, we'll be using the Jupyter notebook:\n\n![](jupyter.png)",
            nbg("jupyter", locked=True),
        ),
        "535c21960d4663d5edac398cb445d087",
    ),
]


@pytest.mark.parametrize("the_cell, checksum", REFERENCE_CHECKSUMS)
def test_checksum_is_nbgraders(the_cell, checksum):
    assert f.compute_checksum(the_cell) == checksum


def test_checksum_of_a_source_given_as_lines():
    lines = dict(REFERENCE_CHECKSUMS[0][0], source=["数一数 ✓", " — naïve"])
    assert f.compute_checksum(lines) == REFERENCE_CHECKSUMS[0][1]


def test_checksum_changes_with_every_input():
    base = cell("code", "x = 1", nbg("t", grade=True, points=1))
    seen = {f.compute_checksum(base)}
    for changed in (
        dict(base, source="x = 2"),
        dict(base, cell_type="markdown"),
        cell("code", "x = 1", nbg("t", grade=True, points=2)),
        cell("code", "x = 1", nbg("u", grade=True, points=1)),
        cell("code", "x = 1", nbg("t", grade=True, solution=True, points=1)),
    ):
        seen.add(f.compute_checksum(changed))
    assert len(seen) == 6


def test_checksum_needs_a_grade_id_and_points():
    with pytest.raises(FormatError, match="no nbgrader grade_id"):
        f.compute_checksum(cell("code", "x", {"grade": True}))
    with pytest.raises(FormatError, match="without a number of points"):
        f.compute_checksum(cell("code", "x", nbg("t", grade=True)))


# --- metadata upgrade (v0/v1/v2 -> v3) ----------------------------------------------------------------------------
# nbgrader 0.9.6, MetadataValidator().upgrade_cell_metadata on a cell of the given type with this metadata.
UPGRADES = [
    ("code", {"grade": True, "grade_id": "a", "points": "2"}, nbg(grade=True, points=2.0)),
    ("code", {"grade": True, "grade_id": "a"}, nbg(grade=True, points=0.0)),
    ("code", {"grade": True, "grade_id": "a", "points": -3}, nbg(grade=True, points=0.0)),
    ("code", {"grade": True, "grade_id": "a", "points": ""}, nbg(grade=True, points=0.0)),
    ("code", {"solution": True, "grade_id": "a", "points": 3}, nbg(solution=True)),
    ("code", {"grade_id": "a"}, None),
    (
        "markdown",
        {"schema_version": 1, "grade": False, "solution": False, "locked": True, "grade_id": "a", "checksum": "0" * 32},
        nbg(locked=True, checksum="0" * 32, cell_type="markdown"),
    ),
    (
        "code",
        {
            "schema_version": 1,
            "grade": True,
            "solution": False,
            "locked": False,
            "grade_id": "a",
            "points": 1,
            "foo": 1,
        },
        nbg(grade=True, points=1),
    ),
    (
        "code",
        {"schema_version": 2, "grade": False, "solution": True, "locked": False, "grade_id": "a", "cell_type": "code"},
        nbg(solution=True, cell_type="code"),
    ),
    ("markdown", nbg(locked=True, task=True, points=4), nbg(locked=True, task=True, points=4)),
]


@pytest.mark.parametrize("cell_type, meta, upgraded", UPGRADES)
def test_upgrade_as_nbgrader_does(cell_type, meta, upgraded):
    assert f.upgrade_nbgrader(meta, cell_type, "cell 1") == upgraded


def test_upgrade_notebook_in_place_and_unique_ids():
    nb = {
        "cells": [
            cell("code", "x", {"grade_id": "old", "solution": True}),
            cell("code", "y", {"grade_id": "nothing"}),
            cell("markdown", "z"),
        ]
    }
    f.upgrade_notebook(nb)
    assert nb["cells"][0]["metadata"]["nbgrader"] == nbg("old", solution=True)
    assert "nbgrader" not in nb["cells"][1]["metadata"]
    nb["cells"].append(cell("code", "w", nbg("old", grade=True, points=1)))
    with pytest.raises(FormatError, match="grade_id 'old' is used by cell 1 and cell 4"):
        f.upgrade_notebook(nb)


# Every mistake in metadata.nbgrader, with the words the teacher reads.
NBGRADER_MISTAKES = [
    ("code", ["grade"], "metadata.nbgrader must be an object, not list"),
    ("code", nbg(schema_version=4), "schema_version 4 is newer than this ClassLab reads"),
    ("code", nbg(schema_version="3"), "schema_version must be 1, 2 or 3, not '3'"),
    ("code", {"schema_version": 3, "grade": False, "solution": True, "grade_id": "a"}, "has no 'locked'"),
    ("code", nbg(grade="yes"), "metadata.nbgrader.grade must be true or false, not 'yes'"),
    ("code", nbg("a b", solution=True), "grade_id 'a b' may only have letters, digits"),
    ("code", nbg("", solution=True), "an nbgrader cell needs a grade_id"),
    ("code", {"schema_version": 3, "grade": False, "solution": True, "locked": False}, "needs a grade_id"),
    ("code", nbg(grade=True, points=-1), "points must be a number of at least 0, not -1"),
    ("code", nbg(grade=True, points=True), "points must be a number of at least 0, not True"),
    ("code", nbg(grade=True), "a graded cell needs points"),
    ("markdown", nbg(locked=True, task=True), "a graded cell needs points"),
    ("code", nbg(locked=True, task=True, points=1), "a task cell must be a markdown cell"),
    ("markdown", nbg(grade=True, task=True, points=1), "a task cell cannot also be a grade or solution cell"),
    ("markdown", nbg(grade=True, points=1), "a markdown grade cell must also be a solution cell"),
    ("markdown", nbg(solution=True), "a markdown solution cell must also be a grade cell"),
    ("code", nbg(solution=True, checksum="abc"), "checksum must be 32 hex digits"),
    ("code", nbg(solution=True, cell_type="python"), "cell_type must be one of code, markdown, raw"),
    ("code", {"grade": True, "grade_id": "a", "points": "two"}, "points must be a number, not 'two'"),
]


@pytest.mark.parametrize("cell_type, meta, message", NBGRADER_MISTAKES)
def test_nbgrader_metadata_mistakes(cell_type, meta, message):
    with pytest.raises(FormatError) as e:
        f.upgrade_nbgrader(meta, cell_type, "cell 7 (grade_id 'a')")
    assert message in e.value.message
    assert e.value.message.startswith("cell 7 (grade_id 'a'): ")


def test_cell_label_counts_from_one():
    assert f.cell_label(0, cell("code", "", nbg("squares"))) == "cell 1 (grade_id 'squares')"
    assert f.cell_label(4, cell("code", "")) == "cell 5"


def test_flags_as_nbgrader_reads_them():
    assert f.is_locked(nbg(grade=True)) and not f.is_locked(nbg(grade=True, solution=True, locked=True))
    assert f.is_tests(nbg(grade=True, points=1), "code") and not f.is_tests(nbg(grade=True, points=1), "markdown")
    assert not f.is_marked(None) and f.is_marked(nbg(locked=True, task=True))


# --- markers and stubs ----------------------------------------------------------------------------------------------
SOLUTION = """def squares(n):
    \"\"\"Squares.\"\"\"
    ### BEGIN SOLUTION
    return [i ** 2 for i in range(1, n + 1)]
    ### END SOLUTION
print("kept")"""


def test_solution_region_becomes_the_indented_stub():
    out = f.clear_solutions(SOLUTION, "code", nbg(solution=True), "cell 1")
    assert out == (
        'def squares(n):\n    """Squares."""\n    # YOUR CODE HERE\n    raise NotImplementedError()\nprint("kept")'
    )


def test_solution_cell_without_region_is_all_stub():
    assert f.clear_solutions("x = 42", "code", nbg(solution=True), "c") == f.CODE_STUB
    assert f.clear_solutions("The answer is 42.", "markdown", nbg(solution=True), "c") == "YOUR ANSWER HERE"
    assert f.clear_solutions("text", "markdown", None, "c") == "text"
    # markdown regions take the text stub
    md = "Intro\n### BEGIN SOLUTION\nsecret\n### END SOLUTION"
    assert f.clear_solutions(md, "markdown", nbg(grade=True, solution=True, points=1), "c") == "Intro\nYOUR ANSWER HERE"


def test_stray_end_line_is_dropped_as_nbgrader_does():
    assert f.clear_solutions("a\n### END SOLUTION\nb", "code", None, "c") == "a\nb"


MARKER_MISTAKES = [
    (
        lambda s: f.clear_solutions(s, "code", nbg(solution=True), "cell 3 (grade_id 'a')"),
        "x\n### BEGIN SOLUTION\ny\n  ### BEGIN SOLUTION\n### END SOLUTION",
        "cell 3 (grade_id 'a'), line 4: 'BEGIN SOLUTION' inside the region begun on line 2.",
    ),
    (
        lambda s: f.clear_solutions(s, "code", nbg(solution=True), "cell 3 (grade_id 'a')"),
        "x\ny\n### BEGIN SOLUTION\nz",
        "cell 3 (grade_id 'a'), line 3: 'BEGIN SOLUTION' has no 'END SOLUTION' after it.",
    ),
    (
        lambda s: f.clear_solutions(s, "code", nbg(grade=True, points=1), "cell 3"),
        "### BEGIN SOLUTION\nz\n### END SOLUTION",
        "cell 3: a 'BEGIN SOLUTION' region is only allowed in a solution cell.",
    ),
    (
        lambda s: f.remove_hidden_tests(s, nbg(grade=True, points=1), "cell 5"),
        "### BEGIN HIDDEN TESTS\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS",
        "cell 5, line 2: 'BEGIN HIDDEN TESTS' inside the region begun on line 1.",
    ),
    (
        lambda s: f.remove_hidden_tests(s, nbg(grade=True, points=1), "cell 5"),
        "assert 1\n### BEGIN HIDDEN TESTS\nassert 2",
        "cell 5, line 2: 'BEGIN HIDDEN TESTS' has no 'END HIDDEN TESTS' after it.",
    ),
    (
        lambda s: f.remove_hidden_tests(s, nbg(locked=True), "cell 5"),
        "### BEGIN HIDDEN TESTS\nassert 2\n### END HIDDEN TESTS",
        "cell 5: hidden tests are only allowed in a grade cell",
    ),
    (
        lambda s: f.remove_hidden_tests(s, nbg(grade=True, solution=True, points=1), "cell 5"),
        "### BEGIN HIDDEN TESTS\nassert 2\n### END HIDDEN TESTS",
        "cell 5: hidden tests in a solution cell would never run",
    ),
    (
        lambda s: f.remove_mark_scheme(s, nbg(locked=True), "cell 9"),
        "Q\n=== BEGIN MARK SCHEME ===\nnotes\n=== END MARK SCHEME ===",
        "cell 9: a 'BEGIN MARK SCHEME' region is only allowed in a task cell.",
    ),
    (
        lambda s: f.remove_mark_scheme(s, nbg(locked=True, task=True, points=1), "cell 9"),
        "Q\n=== BEGIN MARK SCHEME ===\n![x](attachment:a.png)\n=== END MARK SCHEME ===",
        "cell 9, line 3: an attachment in a mark scheme would reach students",
    ),
    (
        lambda s: f.remove_mark_scheme(s, nbg(locked=True, task=True, points=1), "cell 9"),
        "Q\n=== BEGIN MARK SCHEME ===\nnotes",
        "cell 9, line 2: 'BEGIN MARK SCHEME' has no 'END MARK SCHEME' after it.",
    ),
]


@pytest.mark.parametrize("step, source, message", MARKER_MISTAKES)
def test_marker_mistakes_name_cell_and_line(step, source, message):
    with pytest.raises(FormatError) as e:
        step(source)
    assert message in e.value.message


def test_hidden_tests_and_mark_scheme_removed():
    tests = "assert a\n### BEGIN HIDDEN TESTS\nassert b\n### END HIDDEN TESTS\nassert c"
    assert f.remove_hidden_tests(tests, nbg(grade=True, points=1), "c") == ("assert a\nassert c", True)
    assert f.remove_hidden_tests("assert a", nbg(grade=True, points=1), "c") == ("assert a", False)
    task = "Q\n=== BEGIN MARK SCHEME ===\n![x](attachment:a.png) is fine outside\n=== END MARK SCHEME ===\nmore"
    with pytest.raises(FormatError):
        f.remove_mark_scheme(task, nbg(locked=True, task=True, points=1), "c")
    task = "Q ![x](attachment:a.png)\n=== BEGIN MARK SCHEME ===\nnotes\n=== END MARK SCHEME ===\nmore"
    assert f.remove_mark_scheme(task, nbg(locked=True, task=True, points=1), "c") == "Q ![x](attachment:a.png)\nmore"
    assert f.student_source(tests, nbg(grade=True, points=1), "c") == "assert a\nassert c"


def test_autotest_lines_are_found():
    assert f.autotest_line("x = 1\n### AUTOTEST squares(3)") == 2
    assert f.autotest_line("# HASHED AUTOTEST x") == 1
    assert f.autotest_line("print('AUTOTEST')") is None


# --- ClassLab questions and checks ----------------------------------------------------------------------------------
def test_question_read_with_defaults():
    q = f.read_question(
        {
            "question": "q1",
            "title": {"en": "Count", "zh_CN": "数一数"},
            "points": 6,
            "checks": [
                {"id": "q1-total", "kind": "value", "name": "total", "expected": 55, "points": 1,
                 "tolerance": {"abs": 0, "rel": 0}, "hint": {"en": "Add them."}},
                {"id": "q1-square", "kind": "function", "name": "square", "points": 2, "visibility": "hidden",
                 "calls": [{"args": [3], "expected": 9}, {"args": [], "kwargs": {"x": -2}, "expected": 4}]},
                {"id": "q3-model", "kind": "ml", "name": "model", "dataset": "digits-holdout", "metric": "accuracy",
                 "threshold": 0.8, "points": 3, "visibility": "hidden",
                 "messages": {"pass": {"en": "Great model!"}, "fail": {"en": "Not yet."}}},
                {"id": "q1-tests", "kind": "nbgrader", "grade_id": "correct_squares"},
            ],
        },
        "cell 2",
    )  # fmt: skip
    assert q["question"] == "q1" and q["points"] == 6 and q["title"] == {"en": "Count", "zh_CN": "数一数"}
    value, function, ml, tests = q["checks"]
    assert value == {
        "id": "q1-total", "kind": "value", "name": "total", "expected": 55, "points": 1, "visibility": "visible",
        "tolerance": {"abs": 0, "rel": 0}, "hint": {"en": "Add them."},
    }  # fmt: skip
    assert function["calls"] == [
        {"args": [3], "kwargs": {}, "expected": 9},
        {"args": [], "kwargs": {"x": -2}, "expected": 4},
    ]
    assert ml["method"] == "predict" and ml["partial"] is False and ml["messages"]["pass"] == {"en": "Great model!"}
    # an nbgrader check's points and visibility come from its tests cell (release)
    assert tests == {"id": "q1-tests", "kind": "nbgrader", "grade_id": "correct_squares"}


def good_check(**changes):
    check = {"id": "c1", "kind": "value", "name": "total", "expected": 55, "points": 1}
    check.update(changes)
    return {k: v for k, v in check.items() if v is not ...}


QUESTION_MISTAKES = [
    ([1], "metadata.classlab.grader must be an object like"),
    ({"question": "q1", "checks": [], "max": 3}, "unknown field 'max'"),
    ({"question": "q 1", "checks": []}, "a question needs an id"),
    ({"checks": []}, "a question needs an id"),
    ({"question": "q1", "title": "Count", "checks": []}, 'title must be texts by language, like {"en": "..."}'),
    ({"question": "q1", "title": {"English": "Count"}, "checks": []}, "'English', which is not a language code"),
    ({"question": "q1", "title": {"en": " "}, "checks": []}, "title in 'en' must be a text that is not empty"),
    ({"question": "q1", "points": -1, "checks": []}, "points must be a number of at least 0"),
    ({"question": "q1", "checks": {}}, "checks must be a list"),
    ({"question": "q1", "checks": ["c1"]}, "each check must be an object"),
    ({"question": "q1", "checks": [good_check(id=...)]}, "a check needs an id"),
    ({"question": "q1", "checks": [good_check(kind="regex")]}, "kind must be one of value, function, ml, nbgrader"),
    ({"question": "q1", "checks": [good_check(expectd=5)]}, "check 'c1': unknown field 'expectd' for a value check"),
    ({"question": "q1", "checks": [good_check(points=...)]}, "check 'c1': has no points"),
    ({"question": "q1", "checks": [good_check(points=-2)]}, "points must be a number of at least 0, not -2"),
    ({"question": "q1", "checks": [good_check(points=True)]}, "points must be a number of at least 0, not True"),
    ({"question": "q1", "checks": [good_check(visibility="secret")]}, "visibility must be 'visible' or 'hidden'"),
    ({"question": "q1", "checks": [good_check(expected=...)]}, "check 'c1': has no expected value"),
    ({"question": "q1", "checks": [good_check(expected=math.nan)]}, "expected must be JSON data"),
    ({"question": "q1", "checks": [good_check(name="2x")]}, "name must be the Python name the student defines"),
    ({"question": "q1", "checks": [good_check(name="lambda")]}, "name must be the Python name"),
    ({"question": "q1", "checks": [good_check(tolerance=0.1)]}, 'tolerance must be like {"abs": 0.01, "rel": 0}'),
    ({"question": "q1", "checks": [good_check(tolerance={"abs": -1})]}, "tolerance abs must be a number of at least 0"),
    ({"question": "q1", "checks": [good_check(hint="Add")]}, 'hint must be texts by language, like {"en": "..."}'),
    ({"question": "q1", "checks": [good_check(messages={"ok": {"en": "x"}})]}, 'messages must be like {"pass"'),
    ({"question": "q1", "checks": [good_check(messages={"pass": "x"})]}, "the pass message must be texts by language"),
]
FUNCTION = {"id": "c1", "kind": "function", "name": "square", "points": 1, "calls": [{"args": [3], "expected": 9}]}
QUESTION_MISTAKES += [
    ({"question": "q1", "checks": [dict(FUNCTION, calls=[])]}, 'calls must be a list like [{"args": [3]'),
    ({"question": "q1", "checks": [dict(FUNCTION, calls=[3])]}, "call 1: a call must be like"),
    ({"question": "q1", "checks": [dict(FUNCTION, calls=[{"args": [3]}])]}, "call 1: has no expected result"),
    ({"question": "q1", "checks": [dict(FUNCTION, calls=[{"args": 3, "expected": 9}])]}, "args must be a list"),
    ({"question": "q1", "checks": [dict(FUNCTION, calls=[{"kwargs": {"a b": 1}, "expected": 9}])]}, "kwargs must map"),
    ({"question": "q1", "checks": [dict(FUNCTION, calls=[{"arg": [3], "expected": 9}])]}, "unknown field 'arg'"),
    ({"question": "q1", "checks": [dict(FUNCTION, timeout=0)]}, "timeout must be a number of seconds above 0"),
    ({"question": "q1", "checks": [dict(FUNCTION, expected=9)]}, "unknown field 'expected' for a function check"),
]
ML = {"id": "c1", "kind": "ml", "name": "model", "dataset": "d", "metric": "f1", "threshold": 0.5, "points": 1}
QUESTION_MISTAKES += [
    ({"question": "q1", "checks": [dict(ML, metric="auc")]}, "metric must be one of accuracy, f1, mse, not 'auc'"),
    ({"question": "q1", "checks": [dict(ML, threshold=80)]}, "threshold must be a number from 0 to 1 for f1"),
    ({"question": "q1", "checks": [dict(ML, metric="mse", threshold=-1)]}, "threshold must be a number at least 0"),
    ({"question": "q1", "checks": [dict(ML, dataset="../x")]}, "dataset must name a dataset"),
    ({"question": "q1", "checks": [dict(ML, method="__class__")]}, "method must be the model's method to call"),
    ({"question": "q1", "checks": [dict(ML, partial="yes")]}, "partial must be true or false"),
    ({"question": "q1", "checks": [{"id": "c1", "kind": "nbgrader"}]}, "grade_id must name an nbgrader tests cell"),
    ({"question": "q1", "checks": [{"id": "c1", "kind": "nbgrader", "grade_id": "t", "name": "x"}]}, "unknown field"),
]


@pytest.mark.parametrize("meta, message", QUESTION_MISTAKES)
def test_classlab_metadata_mistakes(meta, message):
    with pytest.raises(FormatError) as e:
        f.read_question(meta, "cell 4 (grade_id 'sum')")
    assert message in e.value.message
    assert e.value.message.startswith("cell 4 (grade_id 'sum'): ")


def test_json_data():
    assert f.is_json_data({"a": [1, 2.5, None, True, "x", {"b": []}]})
    assert not f.is_json_data({1: "a"})
    assert not f.is_json_data([math.inf])
    assert not f.is_json_data((1, 2))
    deep: list = []
    for _ in range(40):
        deep = [deep]
    assert not f.is_json_data(deep)
