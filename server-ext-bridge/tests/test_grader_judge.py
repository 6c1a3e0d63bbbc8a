"""The judge (judge.py): each check kind, tolerances, partial credit, the kid-friendly messages in English and Chinese,
restarts after a sandbox died, and what never goes into the sandbox.

Most tests use ``sandbox="none"`` sandboxes (the judging is the point, and they start faster); the ones about trust
labels use bubblewrap and FAIL where it cannot work here.
"""

from __future__ import annotations

import json
import math
import re
import string
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pytest
from classlab_bridge.grader import judge as judge_module
from classlab_bridge.grader.data import NotData
from classlab_bridge.grader.judge import (
    MESSAGES,
    JudgeSettings,
    Session,
    accuracy,
    cells_of,
    judge,
    labels_of,
    language,
    macro_f1,
    messages,
    ml_partial,
    mse,
    nbgrader_partial,
    not_data_reason,
    select_checks,
    type_words,
)
from classlab_bridge.grader.sandbox import Sandbox, SandboxConfig
from test_grader_runner import bwrap_config, none_config

FAST = JudgeSettings(cell_timeout=2, call_timeout=1, value_timeout=10, predict_timeout=10, grace=2, wall_seconds=90)


def starter(config: Optional[SandboxConfig] = None, log: Optional[list[Sandbox]] = None):
    def start() -> Sandbox:
        box = Sandbox.start(config or none_config())
        if log is not None:
            log.append(box)
        return box

    return start


def grade(
    checks: list[dict[str, Any]],
    *sources: str,
    folder: Optional[Path] = None,
    lang: str = "en",
    mode: str = "submit",
    config: Optional[SandboxConfig] = None,
    settings: JudgeSettings = FAST,
    cells: Optional[list[dict[str, str]]] = None,
    log: Optional[list[Sandbox]] = None,
) -> dict[str, dict[str, Any]]:
    """The tests entries by check id, for one question ``q1`` holding ``checks``."""
    spec = {"questions": [{"id": "q1", "checks": checks}]}
    cells = cells if cells is not None else [{"id": f"cell-{i}", "source": s} for i, s in enumerate(sources, 1)]
    tests = judge(
        spec, folder or Path("/nonexistent"), cells, starter(config, log), mode=mode, lang=lang, settings=settings
    )
    return {t["name"]: t for t in tests}


def value(expected: Any, name: str = "total", **more: Any) -> dict[str, Any]:
    return {"id": more.pop("id", f"v-{name}"), "kind": "value", "name": name, "expected": expected, "points": 1, **more}


# --- value ---------------------------------------------------------------------------------------------------------


def test_a_right_value_passes_with_the_results_fields():
    t = grade([value(55, hint={"en": "Add 1 to 10."})], "total = sum(range(11))")["v-total"]
    assert t["score"] == 1 and t["max_score"] == 1 and t["status"] == "passed"
    assert t["number"] == "q1.1" and t["visibility"] == "visible"
    assert t["output"] == "`total` is right."
    extra = t["extra_data"]
    assert (extra["question"], extra["kind"], extra["trust"]) == ("q1", "value", "unsandboxed")
    assert extra["hint"] == {"en": "Add 1 to 10."} and extra["seconds"] >= 0


def test_wrong_values_say_what_the_student_has_never_what_is_expected():
    checks = [
        value(55),
        value(55, id="hidden", visibility="hidden"),
        value(55, name="text"),
        value(55, name="text", id="hidden-text", visibility="hidden"),
        value([1, 2, 3], name="items"),
        value([1, 2, 3], name="items", id="hidden-items", visibility="hidden"),
        value({"a": 1}, name="d"),
    ]
    tests = grade(checks, "total = 54\ntext = 'fifty-five'\nitems = [1, 2]\nd = {'b': 1}")
    assert tests["v-total"]["output"] == "`total` is 54, but it should be something else."
    assert tests["hidden"]["output"] == "`total` is 54, but it should be something else."
    assert tests["v-text"]["output"] == "`text` should be a number, but it is text."
    assert tests["hidden-text"]["output"] == "`text` is 'fifty-five', but it should be something else."
    assert tests["v-items"]["output"] == "`items` has 2 items, but it should have 3."
    assert "should have a different number" in tests["hidden-items"]["output"]
    assert tests["v-d"]["output"] == "`d` does not have the keys it should have."
    for t in tests.values():
        assert t["score"] == 0 and t["status"] == "failed"
        assert "55" not in t["output"] or "fifty" in t["output"]


def test_a_missing_name_asks_whether_the_cell_ran():
    t = grade([value(55)], "x = 1")["v-total"]
    assert t["output"] == "You haven't made `total` yet — did you run the cell that makes it?"
    zh = grade([value(55)], "x = 1", lang="zh_CN")["v-total"]
    assert zh["output"] == "你还没有创建 `total` —— 你运行了创建它的那个单元格吗？"


def test_tolerances():
    checks = [
        value(0.3, name="a"),
        value(3.14, name="b", tolerance={"abs": 0.01, "rel": 0}),
        value(3.14, name="c", tolerance={"abs": 0.01, "rel": 0}),
        value(200, name="d", tolerance={"abs": 0, "rel": 0.05}),
        value([0.5, 1.5], name="e", tolerance={"abs": 0.1}),
    ]
    tests = grade(checks, "a = 0.1 + 0.2\nb = 3.1416\nc = 3.2\nd = 209\ne = [0.55, 1.45]")
    assert [tests[f"v-{n}"]["status"] for n in "abcde"] == ["passed", "passed", "failed", "passed", "passed"]


def test_numpy_answers_count_as_their_values():
    checks = [
        value(55),
        value([[1, 2], [3, 4]], name="grid"),
        value(True, name="flag"),
        value({"__ndarray__": {"dtype": "float64", "shape": [3], "data": [1, 2, 3]}}, name="arr"),
        value({"__ndarray__": {"dtype": "float64", "shape": [3], "data": [1, 2, 3]}}, name="plain"),
    ]
    source = (
        "import numpy as np\ntotal = np.arange(11).sum()\ngrid = np.array([[1, 2], [3, 4]])\nflag = np.bool_(True)\n"
        "arr = np.array([1.0, 2.0, 3.0])\nplain = [1, 2, 3]"
    )
    tests = grade(checks, source)
    assert [tests[k]["status"] for k in ("v-total", "v-grid", "v-flag", "v-arr")] == ["passed"] * 4
    assert tests["v-plain"]["output"] == "`plain` should be an array, but it is a list."


def test_a_value_that_is_not_data():
    tests = grade([value(55)], "class Box:\n    pass\ntotal = Box()")
    assert tests["v-total"]["output"] == "`total` is not a plain value we can check (it is an object of type `Box`)."
    source = "class Anything(int):\n    def __eq__(self, other):\n        return True\n\ntotal = Anything(0)"
    tests = grade([value(55)], source)
    assert tests["v-total"]["output"] == (
        "`total` is not a plain value we can check "
        "(it is an object of type `Anything`, made from a number but not a plain number)."
    )
    zh = grade([value(55)], source, lang="zh_CN")["v-total"]
    assert zh["output"] == "`total` 不是我们能检查的普通值（它是 `Anything` 类型的对象，基于数字，但不是普通的数字）。"
    keys = grade([value({"a": 1}, name="d")], "d = {1: 'a'}")["v-d"]
    assert (
        keys["output"] == "`d` is not a plain value we can check (a dictionary key is a whole number (int), not text)."
    )


@pytest.mark.parametrize(
    "reason, en, zh",
    [
        ("it is a Anything", "it is an object of type `Anything`", "它是 `Anything` 类型的对象"),
        ("it is a Egg", "it is an object of type `Egg`", "它是 `Egg` 类型的对象"),
        ("it is a function", "it is a function", "它是一个函数"),
        ("it is a generator", "it is a generator", "它是一个生成器"),
        ("it is a set (use a list)", "it is a set (use a list)", "它是一个集合（set），请用列表"),
        ("a dictionary key is a int, not text", "a dictionary key is a whole number (int), not text", None),
        (
            "a dictionary key is a tuple, not text",
            "a dictionary key is a tuple, not text",
            "字典里有一个键是一个元组，不是文字",
        ),
        ("a column is named by a float, not text", "a column is named by a decimal number (float), not text", None),
        (
            "it is a Sneaky, made from a text but not a plain text",
            "it is an object of type `Sneaky`, made from text but not plain text",
            "它是 `Sneaky` 类型的对象，基于文字，但不是普通的文字",
        ),
        ("it is a number too big to check", "it is a number too big to check", "它是一个大到没法检查的数字"),
        ("it is nested more than 32 levels deep", "it is nested more than 32 levels deep", "它嵌套超过了 32 层"),
        ("it is an array of object values", "it is an array of object values", None),
        # A reason we have no words for keeps its words, the article right.
        ("a array of an unknown type", "an array of an unknown type", "an array of an unknown type"),
        ("a malformed table", "a malformed table", "a malformed table"),
    ],
)
def test_why_a_value_is_not_data_in_words_with_the_right_article(reason, en, zh):
    assert not_data_reason(reason, "en") == en
    if zh is not None:
        assert not_data_reason(reason, "zh_CN") == zh
    assert not re.search(r"\ba [aeiouAEIOU`]", not_data_reason(reason, "en"))


def test_type_names_in_words():
    assert type_words("int", "en") == "a whole number (int)"
    assert type_words("Anything", "en") == "an object of type `Anything`"
    assert type_words("Anything", "zh") == "`Anything` 类型的对象"


def test_teacher_messages_come_first():
    msgs = {"pass": {"en": "Great counting!", "zh_CN": "数得好！"}, "fail": {"en": "Count again."}}
    right = grade([value(55, messages=msgs)], "total = 55")["v-total"]
    wrong = grade([value(55, messages=msgs)], "total = 5", lang="zh_CN")["v-total"]
    assert right["output"] == "Great counting!"
    assert wrong["output"] == "Count again.\n`total` 是 5，但它应该是别的值。"


# --- function ------------------------------------------------------------------------------------------------------


def square_check(**more: Any) -> dict[str, Any]:
    calls = [{"args": [3], "expected": 9}, {"args": [-2], "expected": 4}, {"args": [0.5], "expected": 0.25}]
    return {"id": "sq", "kind": "function", "name": "square", "calls": calls, "points": 3, **more}


def test_function_all_calls_right():
    t = grade([square_check()], "def square(x):\n    return x * x")["sq"]
    assert (t["score"], t["status"]) == (3, "passed")
    assert t["output"] == "`square` gave the right answer in all 3 tests."


def test_function_partial_credit_and_what_is_shown():
    source = "def square(x):\n    return x * x if x > 0 else -x * x"
    visible = grade([square_check()], source)["sq"]
    assert visible["score"] == 2 and visible["status"] == "failed"
    assert visible["output"] == (
        "`square` gave the right answer in 2 of 3 tests. `square(-2)` gave -4, but it should give something else."
    )
    hidden = grade([square_check(visibility="hidden")], source)["sq"]
    assert hidden["score"] == 2
    assert "`square` gave a wrong answer in a hidden test." in hidden["output"]
    assert "-2" not in hidden["output"] and "4" not in hidden["output"].replace("2 of 3", "")


def test_function_errors_and_time():
    raising = grade([square_check()], "def square(x):\n    return 1 / (x - 3) * 0 + x * x")["sq"]
    assert raising["score"] == 2
    assert "`square(3)` stopped with an error: ZeroDivisionError: division by zero" in raising["output"]
    hidden = grade([square_check(visibility="hidden")], "def square(x):\n    raise ValueError('secret 3')")["sq"]
    assert hidden["output"].endswith("`square` stopped with an error in a hidden test: ValueError")
    slow = grade(
        [square_check(timeout=0.5), value(1, name="after")],
        "def square(x):\n    while x == 3:\n        pass\n    return x * x\nafter = 1",
    )
    assert slow["sq"]["score"] == 2 and "took longer than 0.5 s" in slow["sq"]["output"]
    assert slow["v-after"]["status"] == "passed"  # the alarm stopped the call; the sandbox lived on


def test_function_missing_or_not_a_function():
    missing = grade([square_check()], "x = 1")["sq"]
    assert missing["score"] == 0
    assert missing["output"].endswith("You haven't made `square` yet — did you run the cell that makes it?")
    number = grade([square_check()], "square = 4")["sq"]
    assert number["output"].endswith("`square` is not a function — did you write `def square(...)`?")


def test_function_inputs_are_arrays_when_the_teacher_says_so():
    check = {
        "id": "mean",
        "kind": "function",
        "name": "mean",
        "calls": [
            {"args": [{"__ndarray__": {"dtype": "float64", "shape": [4], "data": [1, 2, 3, 4]}}], "expected": 2.5}
        ],
        "tolerance": {"abs": 1e-6},
        "points": 1,
    }
    assert grade([check], "def mean(a):\n    return a.mean()")["mean"]["status"] == "passed"


# --- ml ------------------------------------------------------------------------------------------------------------


@pytest.fixture
def datasets(tmp_path):
    folder = tmp_path / "spec"
    (folder / "datasets").mkdir(parents=True)
    X = [[i, i % 3] for i in range(20)]
    y = [i % 2 for i in range(20)]
    (folder / "datasets" / "parity.json").write_text(json.dumps({"X": X, "y": y}))
    reg_X = [[i] for i in range(10)]
    reg_y = [2.0 * i for i in range(10)]
    (folder / "datasets" / "line.json").write_text(json.dumps({"X": reg_X, "y": reg_y}))
    np.savez(folder / "datasets" / "arrays.npz", X=np.array(X, dtype=float), y=np.array(y))
    return folder


MODELS = (
    "import numpy as np\n"
    "class Parity:\n    def predict(self, X):\n        return X[:, 0].astype(int) % 2\n"
    "class Half:\n    def predict(self, X):\n"
    "        return np.where(np.arange(len(X)) < len(X) // 2, X[:, 0] % 2, 1 - X[:, 0] % 2)\n"
    "class Line:\n    def __init__(self, a):\n        self.a = a\n"
    "    def predict(self, X):\n        return self.a * X[:, 0]\n"
    "class Short:\n    def predict(self, X):\n        return [0, 1]\n"
    "good, half, short = Parity(), Half(), Short()\nline, rough = Line(2.0), Line(1.0)\nnot_a_model = 3"
)


def ml(name: str, metric: str = "accuracy", threshold: float = 0.8, dataset: str = "parity", **more: Any) -> dict:
    check = {"id": f"ml-{name}-{metric}", "kind": "ml", "name": name, "method": "predict", "dataset": dataset}
    return {**check, "metric": metric, "threshold": threshold, "points": 4, "visibility": "hidden", **more}


def test_ml_metrics_and_partial_credit(datasets):
    checks = [
        ml("good"),
        ml("half"),
        ml("half", metric="f1", partial=True, id="half-partial"),
        ml("good", dataset="arrays", id="from-npz"),
        ml("line", metric="mse", threshold=0.1, dataset="line"),
        ml("rough", metric="mse", threshold=0.1, dataset="line", partial=True),
        ml("short"),
        ml("not_a_model"),
    ]
    tests = grade(checks, MODELS, folder=datasets)
    good = tests["ml-good-accuracy"]
    assert (
        good["score"] == 4 and good["output"] == "Your model's accuracy is 1: it needed to be at least 0.8. Well done!"
    )
    half = tests["ml-half-accuracy"]
    assert half["score"] == 0 and half["output"] == "Your model's accuracy is 0.5, but it needs to be at least 0.8."
    assert tests["half-partial"]["score"] == pytest.approx(4 * 0.5 / 0.8, abs=1e-3)
    assert tests["from-npz"]["status"] == "passed"
    assert tests["ml-line-mse"]["status"] == "passed"
    rough = tests["ml-rough-mse"]
    # Predicting x instead of 2x: MSE = mean(x^2) = 28.5 against the mean-guess baseline var(2x) = 33.
    assert rough["score"] == pytest.approx(4 * (33 - 28.5) / (33 - 0.1), abs=1e-3)
    assert "at most 0.1" in rough["output"]
    assert tests["ml-short-accuracy"]["output"] == "Your model gave 2 answers for 20 examples."
    assert (
        tests["ml-not_a_model-accuracy"]["output"] == "`not_a_model` has no `predict` method — is it a trained model?"
    )


def test_ml_in_chinese(datasets):
    t = grade([ml("half")], MODELS, folder=datasets, lang="zh-CN")["ml-half-accuracy"]
    assert t["output"] == "你的模型的准确率是 0.5，但它需要至少 0.8。"


def test_metrics_by_hand():
    truth = ["cat", "cat", "dog", "dog", "bird"]
    guess = ["cat", "dog", "dog", "dog", "cat"]
    assert accuracy(truth, guess) == 0.6
    # cat: p=1/2 r=1/2 f=1/2; dog: p=2/3 r=1 f=0.8; bird: p=0 r=0 f=0 -> (0.5 + 0.8 + 0) / 3
    assert macro_f1(truth, guess) == pytest.approx(1.3 / 3)
    assert macro_f1([1, 1], [2, 2]) == 0.0  # labels only predicted count too (scikit-learn's rule)
    assert mse([1, 2, 3], [1, 2, 5]) == pytest.approx(4 / 3)
    assert ml_partial("accuracy", 0.4, 0.8, []) == 0.5
    assert ml_partial("mse", 50, 1, [0, 10]) == 0.0  # worse than guessing the mean (25)
    assert ml_partial("mse", 13, 1, [0, 10]) == pytest.approx(0.5)
    assert labels_of([[1], [0]]) == [1, 0]
    with pytest.raises(NotData):
        labels_of([{"a": 1}])


# --- nbgrader ------------------------------------------------------------------------------------------------------


def nb(grade_id: str, points: float = 2, **more: Any) -> dict[str, Any]:
    return {"id": grade_id, "kind": "nbgrader", "grade_id": grade_id, "points": points, **more}


def test_nbgrader_cells_follow_nbgraders_rules():
    cells = [
        {"id": "answer", "source": "def square(x):\n    return x * x"},
        {"id": "t-pass", "source": "assert square(3) == 9"},
        {"id": "t-fail", "source": "assert square(3) == 10, 'square(3) should be 9'"},
        {"id": "t-hidden", "source": "assert square(3) == 10, 'secret: expected 10'"},
        {"id": "t-stderr", "source": "import sys\nprint('careful', file=sys.stderr)"},
        {"id": "t-partial", "source": "1.5"},
        {"id": "t-too-much", "source": "7"},
        {"id": "t-not-number", "source": "'all good'"},
        {"id": "t-zero", "source": "0"},
    ]
    checks = [nb(c["id"]) for c in cells[1:]]
    checks[2]["visibility"] = "hidden"
    tests = grade(checks, cells=cells)
    assert tests["t-pass"]["score"] == 2 and tests["t-pass"]["output"] == "The tests in this cell passed."
    assert tests["t-fail"]["output"] == "The tests in this cell failed: AssertionError: square(3) should be 9"
    assert tests["t-hidden"]["output"] == "The tests in this cell failed (AssertionError)."  # no hidden assert text
    assert tests["t-stderr"]["score"] == 0 and "careful" in tests["t-stderr"]["output"]
    assert tests["t-partial"]["score"] == 1.5 and tests["t-partial"]["status"] == "failed"
    assert tests["t-partial"]["output"] == "The tests in this cell gave 1.5 of 2 points."
    assert tests["t-too-much"]["score"] == 2
    assert tests["t-not-number"]["score"] == 2 and tests["t-zero"]["score"] == 2  # nbgrader: not a partial grade
    assert {t["extra_data"]["trust"] for t in tests.values()} == {"unsandboxed"}


def test_nbgrader_partial_rule():
    assert nbgrader_partial(None, 3) == 3
    assert nbgrader_partial("0.5", 3) == 0.5
    assert nbgrader_partial("-1", 3) == 3
    assert nbgrader_partial("nan", 3) == 3
    assert nbgrader_partial("4", 3) == 3


def test_trust_labels_in_a_real_sandbox():
    cells = [{"id": "answer", "source": "total = 55"}, {"id": "t1", "source": "assert total == 55"}]
    tests = grade([value(55), nb("t1")], cells=cells, config=bwrap_config())
    assert tests["v-total"]["extra_data"]["trust"] == "isolated"
    assert tests["t1"]["extra_data"]["trust"] == "in-sandbox"
    assert all(t["status"] == "passed" for t in tests.values())


# --- modes, restarts, what goes in ---------------------------------------------------------------------------------


def test_check_mode_runs_visible_checks_only_and_leaves_hidden_tests_cells_out():
    spec = {
        "questions": [
            {"id": "q1", "checks": [value(55), value(1, name="leak", visibility="hidden", id="h")]},
            {"id": "q2", "checks": [nb("t-hidden", visibility="hidden"), value(True, name="seen", id="seen")]},
        ]
    }
    cells = [
        {"id": "a", "source": "total = 55\nseen = False"},
        {"id": "t-hidden", "source": "seen = True\nassert total == 55"},
    ]
    check = judge(spec, Path("/nonexistent"), cells, starter(), mode="check", settings=FAST)
    assert [t["name"] for t in check] == ["v-total", "seen"]
    assert [t["number"] for t in check] == ["q1.1", "q2.2"]  # numbers stay those of submit
    assert check[1]["status"] == "failed"  # the hidden tests cell never ran
    submit = judge(spec, Path("/nonexistent"), cells, starter(), mode="submit", settings=FAST)
    assert [t["name"] for t in submit] == ["v-total", "h", "t-hidden", "seen"]
    assert submit[3]["status"] == "passed"
    one = judge(spec, Path("/nonexistent"), cells, starter(), mode="submit", question="q2", settings=FAST)
    assert [t["name"] for t in one] == ["t-hidden", "seen"]


def test_select_checks_numbers():
    spec = {"questions": [{"id": "a", "checks": [{"id": "1", "visibility": "hidden"}, {"id": "2"}]}]}
    assert [(q, n, c["id"]) for q, n, c in select_checks(spec, "check")] == [("a", 2, "2")]


def test_a_cell_that_kills_the_sandbox_costs_only_its_own_checks():
    checks = [value(1, name="before"), value(55), value(2, name="after"), nb("t1")]
    cells = [
        {"id": "c1", "source": "before = 1"},
        {"id": "c2", "source": "import os\ntotal = 55\nos._exit(0)"},
        {"id": "c3", "source": "after = 2"},
        {"id": "t1", "source": "assert after == 2"},
    ]
    log: list[Sandbox] = []
    tests = grade(checks, cells=cells, log=log)
    assert tests["v-before"]["status"] == tests["v-after"]["status"] == tests["t1"]["status"] == "passed"
    assert tests["v-total"]["status"] == "failed"
    assert tests["v-total"]["output"] == (
        "Your code stopped the grader (it called os._exit() or crashed), so this could not be checked."
    )
    assert len(log) == 2  # one restart, without c2


def test_a_cell_that_cannot_be_interrupted_is_left_out_after_the_kill():
    checks = [value(1, name="before"), value(55), value(2, name="after")]
    stuck = "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\ntotal = 0\nwhile True:\n    total += 1"
    tests = grade(checks, "before = 1", stuck, "after = 2")
    assert tests["v-before"]["status"] == tests["v-after"]["status"] == "passed"
    assert tests["v-total"]["output"] == "Your code took longer than 2 s — is there a loop that never ends?"


def test_restarts_are_limited_and_the_rest_fails_clearly():
    settings = JudgeSettings(cell_timeout=2, grace=1, max_restarts=1, wall_seconds=60)
    bomb = "import os\nos._exit(1)"
    tests = grade([value(1, name="a"), value(2, name="b")], bomb, bomb, "a = 1", "b = 2", settings=settings)
    for t in tests.values():
        assert t["score"] == 0 and "stopped the grader" in t["output"]


def test_the_job_wall_time_ends_everything():
    settings = JudgeSettings(cell_timeout=5, grace=1, wall_seconds=3, max_restarts=5)
    slow = "import time\ntime.sleep(4)"
    tests = grade([value(1, name="a")], slow, slow, "a = 1", settings=settings)
    assert tests["v-a"]["score"] == 0
    assert tests["v-a"]["output"] == "Grading your notebook took longer than 3 s in all, so this could not be checked."


def test_expected_values_and_labels_never_enter_the_sandbox(datasets, monkeypatch):
    sent: list[str] = []
    real_ask = Sandbox.ask

    def recording_ask(self, request, timeout, count=1):
        sent.append(json.dumps(request))
        return real_ask(self, request, timeout, count)

    monkeypatch.setattr(Sandbox, "ask", recording_ask)
    (datasets / "datasets" / "secret.json").write_text(json.dumps({"X": [[1], [2]], "y": ["LABEL-7391", "LABEL-7392"]}))
    checks = [
        value(987654321, visibility="hidden"),
        {"id": "f", "kind": "function", "name": "f", "calls": [{"args": [1], "expected": 123454321}], "points": 1},
        ml("model", dataset="secret"),
    ]
    grade(
        checks,
        "total = 1\ndef f(x):\n    return x\n"
        "class M:\n    def predict(self, X):\n        return ['a', 'b']\nmodel = M()",
        folder=datasets,
    )
    assert sent and not any(secret in line for line in sent for secret in ("987654321", "123454321", "LABEL-739"))


def test_cells_of_a_notebook():
    nb_json = {
        "cells": [
            {"cell_type": "markdown", "source": "# title"},
            {"cell_type": "code", "source": ["x = 1\n", "y = 2"], "metadata": {}},
            {"cell_type": "code", "source": "assert x", "metadata": {"nbgrader": {"grade_id": "t1"}}},
            {"cell_type": "code", "source": "z", "metadata": {"nbgrader": {"grade_id": "t1"}}},
        ]
    }
    assert cells_of(nb_json) == [
        {"id": "cell-2", "source": "x = 1\ny = 2"},
        {"id": "t1", "source": "assert x"},
        {"id": "cell-4", "source": "z"},
    ]


def test_session_answers_none_when_no_sandbox_is_left():
    session = Session(starter(), [{"id": "a", "source": "import os\nos._exit(0)"}], JudgeSettings(max_restarts=0))
    try:
        assert session.ask({"op": "value", "name": "x"}, 5) is None
        assert session.failed_at == "start" and session.last_end == "exited"
    finally:
        session.close()


# --- messages ------------------------------------------------------------------------------------------------------


def test_every_message_exists_in_both_languages_with_the_same_blanks():
    def blanks(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    assert set(MESSAGES["en"]) == set(MESSAGES["zh_CN"])
    for key, text in MESSAGES["en"].items():
        assert blanks(text) == blanks(MESSAGES["zh_CN"][key]), key
    assert all(re.search(r"[\u4e00-\u9fff]|None|True", t) for t in MESSAGES["zh_CN"].values())


def test_languages():
    assert language("zh-CN") == language("zh") == language("zh_Hans") == "zh_CN"
    assert language("fr") == language(None) == "en"
    assert messages("fr")["memory"] == "Your code used too much memory."
    assert messages("zh_CN")["memory"] == "你的代码用了太多内存。"


def test_trouble_words():
    session = Session(starter(), [], FAST)
    j = judge_module.Judge(session, Path("."), "en")
    assert j._trouble_of({"status": "error", "ename": "MemoryError"}, 10) == "Your code used too much memory."
    assert j._trouble_of({"status": "error", "ename": "_ArrayMemoryError"}, 10) == "Your code used too much memory."
    assert (
        j._trouble_of({"status": "timeout"}, 10) == "Your code took longer than 10 s — is there a loop that never ends?"
    )
    assert "input()" in j._trouble_of({"status": "error", "ename": "StdinNotImplementedError"}, 10)
    assert "too many times" in j._trouble_of({"status": "error", "ename": "RecursionError"}, 10)
    assert j._trouble_of({"status": "error", "ename": "ValueError"}, 10) is None
    assert math.isclose(FAST.cell_timeout, 2)
