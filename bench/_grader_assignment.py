"""The grader benchmark's assignment and its submissions (a helper, stdlib only, shared by both sides).

One nbgrader source notebook (nbgrader v3 metadata only, no ClassLab checks): four autograded answers and five
tests cells (visible asserts, three with ``### BEGIN HIDDEN TESTS``), 7 points, pure Python so neither grader gets
an advantage from a pre-imported library. ``answers(variant)`` gives a student's answer sources by grade_id;
``fill`` puts them into a released notebook (nbgrader's or ClassLab's: both keep the grade_ids).

The trivial one-check assignment for ClassLab's fixed cost is ``trivial_source()``.
"""

from __future__ import annotations

import copy
from typing import Any

ASSIGNMENT = "ps1"
TRIVIAL = "one"
POINTS = 7.0


def _nbg(grade_id: str, grade: bool = False, solution: bool = False, points: float | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": grade,
        "schema_version": 3,
        "solution": solution,
    }
    if points is not None:
        meta["points"] = points
    return meta


def _cell(cell_type: str, cell_id: str, source: str, nbgrader: dict[str, Any] | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {"cell_type": cell_type, "id": cell_id, "metadata": {}, "source": source}
    if nbgrader is not None:
        c["metadata"]["nbgrader"] = nbgrader
    if cell_type == "code":
        c["execution_count"] = None
        c["outputs"] = []
    return c


# The teacher's solutions (between the markers) and tests.
SOLUTIONS = {
    "squares": "def squares(n):\n    ### BEGIN SOLUTION\n    if n < 1:\n"
    "        raise ValueError('n must be at least 1')\n"
    "    return [i ** 2 for i in range(1, n + 1)]\n    ### END SOLUTION",
    "sum_of_squares": "def sum_of_squares(n):\n    ### BEGIN SOLUTION\n    return sum(squares(n))\n"
    "    ### END SOLUTION",
    "is_prime": "def is_prime(n):\n    ### BEGIN SOLUTION\n    if n < 2:\n        return False\n"
    "    return all(n % d for d in range(2, int(n ** 0.5) + 1))\n    ### END SOLUTION",
    "word_count": "def word_count(text):\n    ### BEGIN SOLUTION\n    counts = {}\n"
    "    for word in text.lower().split():\n"
    "        counts[word] = counts.get(word, 0) + 1\n    return counts\n    ### END SOLUTION",
}
TESTS = [
    (
        "correct_squares",
        1,
        "assert squares(1) == [1]\nassert squares(2) == [1, 4]\n### BEGIN HIDDEN TESTS\n"
        "assert squares(10) == [1, 4, 9, 16, 25, 36, 49, 64, 81, 100]\n### END HIDDEN TESTS",
    ),
    (
        "squares_invalid_input",
        1,
        "try:\n    squares(0)\nexcept ValueError:\n    pass\nelse:\n    raise AssertionError('did not raise')",
    ),
    (
        "correct_sum_of_squares",
        1,
        "assert sum_of_squares(1) == 1\nassert sum_of_squares(2) == 5\n### BEGIN HIDDEN TESTS\n"
        "assert sum_of_squares(10) == 385\n### END HIDDEN TESTS",
    ),
    (
        "correct_is_prime",
        2,
        "assert is_prime(2)\nassert not is_prime(9)\nassert is_prime(13)\n### BEGIN HIDDEN TESTS\n"
        "assert not is_prime(1)\nassert not is_prime(0)\nassert is_prime(97)\nassert not is_prime(91)\n"
        "### END HIDDEN TESTS",
    ),
    (
        "correct_word_count",
        2,
        "assert word_count('a b a') == {'a': 2, 'b': 1}\n### BEGIN HIDDEN TESTS\n"
        "assert word_count('The cat saw the Cat') == {'the': 2, 'cat': 2, 'saw': 1}\nassert word_count('') == {}\n"
        "### END HIDDEN TESTS",
    ),
]
AFTER = {  # which tests cell follows which answer cell
    "squares": ["correct_squares", "squares_invalid_input"],
    "sum_of_squares": ["correct_sum_of_squares"],
    "is_prime": ["correct_is_prime"],
    "word_count": ["correct_word_count"],
}


def source_notebook() -> dict[str, Any]:
    """The nbgrader source notebook (``source/ps1/ps1.ipynb``)."""
    tests = {gid: (points, src) for gid, points, src in TESTS}
    cells = [_cell("markdown", "intro", "# Problem set 1\n\nFour small functions; run the tests below each.")]
    for gid, solution in SOLUTIONS.items():
        cells.append(_cell("markdown", f"{gid}-text", f"Write `{gid}`."))
        cells.append(_cell("code", gid, solution, _nbg(gid, solution=True)))
        for test_id in AFTER[gid]:
            points, src = tests[test_id]
            cells.append(_cell("code", test_id, src, _nbg(test_id, grade=True, points=points)))
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "cells": cells,
    }


def _plain(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if "### BEGIN SOLUTION" not in line and "### END" not in line)


CORRECT = {gid: _plain(src) for gid, src in SOLUTIONS.items()}
STUB = "# YOUR CODE HERE\nraise NotImplementedError()"

#: Eight kinds of submission, student k gets VARIANTS[k % 8]; (name, changed answers, expected score).
VARIANTS: list[tuple[str, dict[str, str], float]] = [
    ("all correct", {}, 7.0),
    ("all correct", {}, 7.0),
    ("all correct", {}, 7.0),
    (
        "word_count writes to stderr (nbgrader's rule: 0)",
        {"word_count": CORRECT["word_count"].replace("def word_count(text):\n", "def word_count(text):\n"
                                                    "    import sys; print('debug', file=sys.stderr)\n")},
        5.0,
    ),
    (
        "squares off by one (visible asserts of squares and sum_of_squares fail)",
        {"squares": "def squares(n):\n    if n < 1:\n        raise ValueError('n')\n"
                    "    return [i ** 2 for i in range(n)]"},
        5.0,
    ),
    (
        "is_prime wrong on hidden tests only (1 is prime)",
        {"is_prime": "def is_prime(n):\n    return all(n % d for d in range(2, int(n ** 0.5) + 1))"},
        5.0,
    ),
    ("word_count left unanswered (the stub raises)", {"word_count": STUB}, 5.0),
    (
        "is_prime cell raises before the def (NameError in its tests)",
        {"is_prime": "1 / 0\n" + CORRECT["is_prime"]},
        5.0,
    ),
]  # fmt: skip


def students(n: int) -> list[str]:
    return [f"s{k:03d}" for k in range(1, n + 1)]


def variant_of(student: str) -> int:
    return int(student[1:]) % len(VARIANTS)


def answers(variant: int) -> dict[str, str]:
    out = dict(CORRECT)
    out.update(VARIANTS[variant][1])
    return out


def fill(released: dict[str, Any], student: str) -> dict[str, Any]:
    """A released notebook with ``student``'s answers in its answer cells (matched by grade_id)."""
    nb = copy.deepcopy(released)
    mine = answers(variant_of(student))
    for cell in nb["cells"]:
        gid = ((cell.get("metadata") or {}).get("nbgrader") or {}).get("grade_id")
        if gid in mine:
            cell["source"] = mine[gid]
    return nb


def without_classlab(nb: dict[str, Any]) -> dict[str, Any]:
    """A notebook with ``metadata.classlab`` dropped (notebook and cells), to compare two releases."""
    nb = copy.deepcopy(nb)
    nb.get("metadata", {}).pop("classlab", None)
    for cell in nb["cells"]:
        cell.get("metadata", {}).pop("classlab", None)
    return nb


def trivial_answer(released: dict[str, Any]) -> dict[str, Any]:
    """The trivial assignment's released notebook, answered (``x = 1``)."""
    nb = copy.deepcopy(released)
    for cell in nb["cells"]:
        if ((cell.get("metadata") or {}).get("nbgrader") or {}).get("grade_id") == "x":
            cell["source"] = "x = 1"
    return nb


def trivial_source() -> dict[str, Any]:
    """One answer cell with one ClassLab value check (``x == 1``): the smallest thing ClassLab grades."""
    check = {"id": "x-is-1", "kind": "value", "name": "x", "expected": 1, "points": 1, "visibility": "visible"}
    cell = _cell("code", "x", "### BEGIN SOLUTION\nx = 1\n### END SOLUTION", _nbg("x", solution=True))
    cell["metadata"]["classlab"] = {"grader": {"question": "q1", "title": {"en": "x"}, "checks": [check]}}
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "cells": [cell],
    }


def tag(nb: dict[str, Any], user: str) -> dict[str, Any]:
    """The notebook with the benchmark's own mark of whose it is (notebook metadata; no grader reads it)."""
    nb = copy.deepcopy(nb)
    nb.setdefault("metadata", {})["classlab_bench"] = {"user": user}
    return nb


def user_of(nb: dict[str, Any]) -> str | None:
    mark = (nb.get("metadata") or {}).get("classlab_bench") or {}
    return mark.get("user") if isinstance(mark, dict) else None
