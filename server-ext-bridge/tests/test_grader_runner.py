"""The grader's runner and its protocol (runner.py, sandbox.py's client side) and the strict data codec (data.py).

Protocol tests use ``sandbox="none"`` (the same runner as a plain subprocess: the protocol is the point, and it is
faster); tests of the sandbox itself need bubblewrap and FAIL, never skip, where it cannot work here
(``bwrap_config``). The helpers here are shared by test_grader_judge.py and test_grader_attacks.py.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pytest
from classlab_bridge.gpu import isolation
from classlab_bridge.grader import runner as runner_module
from classlab_bridge.grader.data import (
    MAX_DEPTH,
    MAX_ITEMS,
    Array,
    Encoder,
    Frame,
    NotData,
    Series,
    compare,
    decode,
    describe,
    numbers_close,
)
from classlab_bridge.grader.pool import SandboxPool
from classlab_bridge.grader.sandbox import (
    RUNNER,
    Sandbox,
    SandboxConfig,
    SandboxError,
    default_python,
    package_root,
    sandbox_available,
)

_BWRAP: dict[str, Any] = {}


def some_uids(n: int = 16) -> str:
    """A random range of uids nobody uses (parallel test runs must not share sandbox accounts)."""
    first = random.randrange(1_000_000, 2_000_000_000)
    return f"{first}-{first + n - 1}"


def bwrap_config(**changes: Any) -> SandboxConfig:
    """A bubblewrap sandbox config for this test run; the test FAILS (with the reason) where bwrap cannot work."""
    if "config" not in _BWRAP:
        config = SandboxConfig(mode="bwrap", uids=some_uids())
        _BWRAP.update(config=config, why=sandbox_available(config))
    if _BWRAP["why"]:
        pytest.fail(f"bubblewrap sandboxes cannot run here: {_BWRAP['why']} (Debian: apt-get install bubblewrap)")
    return replace(_BWRAP["config"], **changes)


def none_config(**changes: Any) -> SandboxConfig:
    return SandboxConfig(mode="none", **changes)


@pytest.fixture
def boxes():
    """Starts sandboxes (``boxes(config)``) and kills them all after the test."""
    started: list[Sandbox] = []

    def start(config: Optional[SandboxConfig] = None) -> Sandbox:
        box = Sandbox.start(config or none_config())
        started.append(box)
        return box

    yield start
    for box in started:
        box.kill()


def run(box: Sandbox, *sources: str, timeout: float = 10.0, grace: float = 5.0) -> list[dict[str, Any]]:
    cells = [{"id": f"c{i}", "source": s} for i, s in enumerate(sources, start=1)]
    return box.ask({"op": "run", "cells": cells, "cell_timeout": timeout}, timeout + grace, len(cells))


def ask(box: Sandbox, **request: Any) -> dict[str, Any]:
    answers = box.ask(request, 30)
    assert answers, f"no answer ({box.ended})"
    return answers[0]


# --- the runner's protocol -----------------------------------------------------------------------------------------


def test_answers_only_on_fd3_with_the_nonce_and_prints_captured(tmp_path):
    """The raw protocol, without our client: requests on stdin, answers on fd 3; the student's print is in the
    answer, nothing at all reaches the runner's real stdout."""
    python, extra = default_python()
    answers_r, answers_w = os.pipe()
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": os.pathsep.join([package_root(), *extra])}
    proc = subprocess.Popen(
        [python, "-s", "-m", RUNNER, "--fd", str(answers_w), "--warm", ""],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        pass_fds=(answers_w,),
        cwd=tmp_path,
        env=env,
    )
    os.close(answers_w)
    requests = [
        {"op": "run", "nonce": "n1", "cells": [{"id": "a", "source": "print('hello')\nx = 6\nx * 7"}]},
        {"op": "value", "nonce": "n2", "name": "x"},
    ]
    out, err = proc.communicate("".join(json.dumps(r) + "\n" for r in requests).encode(), timeout=60)
    with os.fdopen(answers_r, "rb") as f:
        lines = [json.loads(line) for line in f.read().splitlines() if line.strip()]
    assert out == b"", err
    assert lines[0]["ready"] is True
    cell = lines[1]
    assert cell["nonce"] == "n1" and cell["cell"] == "a" and cell["status"] == "ok"
    assert cell["stdout"] == "hello\n" and cell["result"] == "42"
    assert lines[2] == {"nonce": "n2", "ok": True, "value": 6}
    assert proc.returncode == 0


def test_cells_share_one_namespace_and_report_the_last_expression(boxes):
    box = boxes()
    a, b, c, d = run(box, "x = 5\nx * 2", "y = x + 1\ny;", "None", "import sys\nprint('err', file=sys.stderr)\n'text'")
    assert (a["status"], a["result"]) == ("ok", "10")
    assert b["result"] is None  # a trailing ';' hides the result, as in Jupyter
    assert c["result"] is None
    assert d["stderr"] == "err\n" and d["result"] == "'text'"
    assert ask(box, op="value", name="y") == {"ok": True, "value": 6, "stray_stdout": "", "stray_stderr": ""}


def test_an_error_is_that_cells_outcome_with_the_students_traceback_only(boxes):
    box = boxes()
    first, second = run(box, "def f(n):\n    return 1 / n\nf(0)", "z = 1")
    assert first["status"] == "error" and first["ename"] == "ZeroDivisionError"
    assert first["evalue"] == "division by zero"
    assert '"<cell c1>", line 3' in first["traceback"] and "runner.py" not in first["traceback"]
    assert second["status"] == "ok"
    syntax = run(box, "def broken(:\n    pass")[0]
    assert syntax["ename"] == "SyntaxError"


def test_output_is_capped_per_cell(boxes):
    box = boxes()
    cap = runner_module.STREAM_CAP
    cell = run(box, "import sys\nprint('x' * 300_000)\nsys.stderr.write('e' * 50_000)\nsys.stdout.buffer.write(b'b')")[
        0
    ]
    assert cell["status"] == "ok"
    assert cell["stdout"].startswith("x" * 1000) and len(cell["stdout"]) < cap + 100
    assert "more characters not shown" in cell["stdout"]
    assert len(cell["stderr"]) < cap + 100


def test_a_cell_past_its_time_is_interrupted_and_the_next_one_runs(boxes):
    box = boxes()
    slow, after = run(box, "n = 0\nwhile True:\n    n += 1", "done = n > 0", timeout=1)
    assert slow["status"] == "timeout"
    assert after["status"] == "ok" and box.ended is None
    assert ask(box, op="value", name="done")["value"] is True


def test_a_loop_that_swallows_the_alarm_is_stopped_from_outside(boxes):
    box = boxes()
    swallow = "import time\nwhile True:\n    try:\n        time.sleep(100)\n    except BaseException:\n        pass"
    assert run(box, swallow, timeout=1, grace=1) == [] and box.ended == "timeout"
    assert not box.alive
    ignore = boxes()
    assert (
        run(ignore, "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True: pass", timeout=1) == []
    )
    assert ignore.ended == "timeout"


def test_input_raises_a_clear_error_and_stdin_is_empty(boxes):
    box = boxes()
    a, b, c = run(box, "input('name? ')", "import sys\nsys.stdin.read()", "import os\nempty = os.read(0, 100)")
    assert a["ename"] == b["ename"] == "StdinNotImplementedError"
    assert "input()" in a["evalue"]
    assert c["status"] == "ok" and ask(box, op="value", name="empty")["ok"] is False  # bytes: not data, but empty
    assert run(box, "nothing = empty == b''")[0]["status"] == "ok"
    assert ask(box, op="value", name="nothing")["value"] is True


def test_magics_are_transformed_when_ipython_is_there(boxes):
    pytest.importorskip("IPython")
    box = boxes()
    cells = run(
        box,
        "%matplotlib inline\na = 1",
        "%%time\nb = a + 1",
        "!pip install nothing\nlisting = !ls\nc = listing",
        "%who",
        "%%writefile made.txt\nhello",
        "text = open('made.txt').read()",
    )
    assert [c["status"] for c in cells] == ["ok", "ok", "ok", "error", "ok", "ok"]
    assert "%who does not work when grading" in cells[3]["evalue"]
    assert ask(box, op="value", name="b")["value"] == 2
    assert ask(box, op="value", name="c")["value"] == []
    assert ask(box, op="value", name="text")["value"] == "hello\n"


def test_without_ipython_magic_lines_are_skipped():
    runner = runner_module.Runner.__new__(runner_module.Runner)
    runner.transformer = False
    assert runner._transform("%matplotlib inline\nx = 1\n  !ls") == "pass\nx = 1\n  pass"
    assert runner._transform("%%time\ny = 2") == "y = 2"
    assert runner._transform("z = 3") == "z = 3"


def test_top_level_await(boxes):
    box = boxes()
    cell = run(box, "import asyncio\nawait asyncio.sleep(0)\nv = 7\nv")[0]
    assert cell["status"] == "ok" and cell["result"] == "7"


def test_value_answers(boxes):
    box = boxes()
    run(box, "import numpy as np\narr = np.arange(6).reshape(2, 3)\npair = (1, 'a')\nf = len\nscalar = np.float32(0.5)")
    assert ask(box, op="value", name="missing")["error"] == "not_defined"
    assert ask(box, op="value", name="not a name")["error"] == "not_defined"
    array = ask(box, op="value", name="arr")["value"]
    assert array == {"__ndarray__": {"dtype": "int64", "shape": [2, 3], "data": [0, 1, 2, 3, 4, 5]}}
    assert ask(box, op="value", name="pair")["value"] == [1, "a"]
    function = ask(box, op="value", name="f")
    assert function["ok"] is False and function["error"] == "not_data"
    assert ask(box, op="value", name="scalar")["value"]["__ndarray__"]["shape"] == []


def test_call_answers(boxes):
    box = boxes()
    run(
        box,
        "def total(a, scale=1):\n    return float(a.sum()) * scale\n"
        "def boom(x):\n    raise ValueError('no ' + str(x))\n"
        "def slow():\n    while True: pass\n"
        "def shout(s):\n    print('printing', s)\n    return s.upper()\n"
        "k = 3",
    )
    marker = {"__ndarray__": {"dtype": "float64", "shape": [2, 2], "data": [1, 2, 3, 4]}}
    assert ask(box, op="call", name="total", args=[marker], kwargs={"scale": 2})["value"] == 20.0
    raised = ask(box, op="call", name="boom", args=[5])
    assert (raised["error"], raised["ename"], raised["detail"]) == ("raised", "ValueError", "no 5")
    assert ask(box, op="call", name="slow", args=[], timeout=0.5)["error"] == "timeout"
    assert ask(box, op="call", name="shout", args=["hi"])["value"] == "HI"
    assert ask(box, op="call", name="k", args=[])["error"] == "not_callable"
    assert ask(box, op="call", name="nope", args=[])["error"] == "not_defined"


def test_predict_answers(boxes):
    box = boxes()
    run(box, "class Model:\n    def predict(self, X):\n        return X.sum(axis=1) > 1\nmodel = Model()\nplain = 5")
    answer = ask(box, op="predict", name="model", method="predict", X=[[0, 1], [1, 1], [2, 0]])
    assert answer["value"] == {"__ndarray__": {"dtype": "bool", "shape": [3], "data": [False, True, True]}}
    assert ask(box, op="predict", name="plain", method="predict", X=[[1]])["error"] == "no_method"
    assert ask(box, op="predict", name="model", method="fit", X=[[1]])["error"] == "no_method"


def test_a_partial_line_on_fd3_does_not_swallow_the_next_answer(boxes):
    box = boxes()
    cell = run(box, 'import os\nos.write(3, b\'{"nonce": "x", "partial\')\nafter = 1')[0]
    assert cell["status"] == "ok"
    assert ask(box, op="value", name="after")["value"] == 1


def test_os_exit_ends_the_sandbox_and_the_client_sees_it(boxes):
    box = boxes()
    answers = run(box, "x = 1", "import os\nos._exit(3)", "y = 2")
    assert [a["cell"] for a in answers] == ["c1"]
    assert box.ended == "exited"
    assert box.ask({"op": "value", "name": "x"}, 5) == []


def test_a_fork_of_the_runner_never_answers(boxes):
    box = boxes()
    answers = run(box, "import os, time\npid = os.fork()\nchild = pid == 0\nif child: time.sleep(0.2)", "x = 2")
    assert [a["cell"] for a in answers] == ["c1", "c2"]
    assert ask(box, op="value", name="child")["value"] is False


def test_rlimits_are_set_before_student_code(boxes):
    config = none_config(memory_bytes=700 << 20, fsize_bytes=1 << 20, nofile=64, cpu_seconds=50)
    box = boxes(config)
    run(
        box,
        "import resource\n"
        "limits = [resource.getrlimit(getattr(resource, n)) for n in ('RLIMIT_AS', 'RLIMIT_FSIZE', 'RLIMIT_NOFILE')]\n"
        "cpu = resource.getrlimit(resource.RLIMIT_CPU)",
        "try:\n    open('big', 'wb').write(b'x' * (2 << 20))\n    big = 'written'\n"
        "except OSError as e:\n    big = e.errno",
    )
    assert ask(box, op="value", name="limits")["value"] == [[700 << 20] * 2, [1 << 20] * 2, [64, 64]]
    assert ask(box, op="value", name="cpu")["value"] == [50, 55]
    assert ask(box, op="value", name="big")["value"] == 27  # EFBIG: Python ignores SIGXFSZ


def test_apply_limits_never_raises_a_hard_limit():
    code = (
        "import resource\n"
        "from classlab_bridge.grader.runner import apply_limits\n"
        "apply_limits({'nofile': 128})\n"
        "apply_limits({'nofile': 4096})\n"
        "print(resource.getrlimit(resource.RLIMIT_NOFILE))"
    )
    python, extra = default_python()
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": os.pathsep.join([package_root(), *extra])}
    done = subprocess.run([python, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "(128, 128)", done.stderr


def test_files_reach_the_working_folder(boxes, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "numbers.csv").write_text("1,2,3\n")
    (tmp_path / "notes.txt").write_text("hi")
    box = boxes()
    box.put_files(tmp_path)
    run(box, "text = open('data/numbers.csv').read() + open('notes.txt').read()")
    assert ask(box, op="value", name="text")["value"] == "1,2,3\nhi"


def test_files_past_the_cap_are_refused(boxes, tmp_path):
    (tmp_path / "big.bin").write_bytes(b"x" * 2048)
    box = boxes(none_config(files_bytes=1024))
    with pytest.raises(Exception, match="larger than"):
        box.put_files(tmp_path)


def test_the_job_wall_clock_kills(boxes):
    box = boxes()
    box.begin(1.0)
    answers = run(box, "import time\ntime.sleep(30)", timeout=20)
    assert answers == [] and box.ended == "wall"


# --- the sandbox ---------------------------------------------------------------------------------------------------


def test_bwrap_sandbox_runs_the_protocol_under_an_account_of_its_own(boxes, tmp_path):
    config = bwrap_config()
    (tmp_path / "given.txt").write_text("from the notebook folder")
    box = boxes(config)
    box.put_files(tmp_path)
    assert box.trust == "isolated" and box.ready["pid"] == 2  # its own PID namespace
    run(
        box,
        "import os, socket\nuid = os.getuid()\ncwd = os.getcwd()\nhost = socket.gethostname()\n"
        "given = open('given.txt').read()\ntop = sorted(os.listdir('/'))",
    )
    uid = ask(box, op="value", name="uid")["value"]
    assert uid != 0
    if os.geteuid() == 0:
        assert box.uid == uid and isolation.processes(uid)  # the host sees the sandbox under that uid
    assert ask(box, op="value", name="cwd")["value"] == "/home/student"
    assert ask(box, op="value", name="host")["value"] == "classlab-sandbox"
    assert ask(box, op="value", name="given")["value"] == "from the notebook folder"
    assert "root" not in ask(box, op="value", name="top")["value"] or os.geteuid() == 0
    box.kill()
    if os.geteuid() == 0:
        assert not isolation.processes(uid)


def test_a_sandbox_started_from_a_thread_outlives_the_thread(boxes):
    """--die-with-parent fires when the starting *thread* ends: sandboxes are started by one long-lived thread."""
    config = bwrap_config()
    made: list[Sandbox] = []
    thread = threading.Thread(target=lambda: made.append(Sandbox.start(config)))
    thread.start()
    thread.join()
    box = made[0]
    try:
        time.sleep(0.3)
        assert box.alive
        assert run(box, "x = 1")[0]["status"] == "ok"
    finally:
        box.kill()


def test_sandbox_available_says_why_not():
    assert sandbox_available(SandboxConfig(mode="none")) is None
    why = sandbox_available(SandboxConfig(bwrap="/nonexistent/bwrap", uids=some_uids()))
    assert why and "not installed" in why
    assert "mode" in (sandbox_available(SandboxConfig(mode="docker")) or "")
    # A bwrap where namespaces are refused (a container without the rights), in a folder any account may pass.
    folder = Path(tempfile.mkdtemp(prefix="classlab-fake-bwrap-"))
    try:
        folder.chmod(0o755)
        refusing = folder / "bwrap"
        refusing.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
        refusing.chmod(0o755)
        why = sandbox_available(SandboxConfig(bwrap=str(refusing), uids=some_uids(), start_timeout=10))
    finally:
        shutil.rmtree(folder)
    assert why and "No permissions to create new namespace" in why


# --- the pool ------------------------------------------------------------------------------------------------------


def test_the_pool_keeps_sandboxes_ready_and_hands_each_out_once():
    with SandboxPool(none_config(), size=2) as pool:
        assert pool.wait_ready(timeout=60)
        first, second = pool.take(), pool.take()
        try:
            assert first is not second and first.alive and second.alive
            assert first.ready["warm"] == ["numpy"]  # imported before the first request
            assert pool.wait_ready(timeout=60)  # refilled in the background
            waiting = list(pool._ready)
        finally:
            first.kill()
            second.kill()
        waiting[0]._terminate()  # one dies while waiting: never handed out
        waiting[0].proc.wait(timeout=30)
        taken = pool.take()
        try:
            assert taken is waiting[1]
        finally:
            taken.kill()
    assert all(box.ended for box in waiting)  # close() killed what was still waiting
    with pytest.raises(SandboxError):
        pool.take()


def test_a_pool_of_bwrap_sandboxes_and_close_kills_them_all():
    config = bwrap_config()
    pool = SandboxPool(config, size=2).start()
    try:
        assert pool.wait_ready(timeout=120)
        box = pool.take()
        assert run(box, "import sys\nwarm = 'numpy' in sys.modules")[0]["status"] == "ok"
        assert ask(box, op="value", name="warm")["value"] is True
        box.kill()
        assert pool.wait_ready(timeout=120)
        uids = [b.uid for b in pool._ready]
    finally:
        pool.close()
    if os.geteuid() == 0:
        assert all(uid is not None and not isolation.processes(uid) for uid in uids)


def test_take_starts_one_when_none_is_ready():
    pool = SandboxPool(none_config(), size=0).start()
    try:
        box = pool.take()
        assert box.alive
        box.kill()
    finally:
        pool.close()


# --- the codec -----------------------------------------------------------------------------------------------------


def enc(value: Any) -> Any:
    return Encoder().encode(value)


def test_plain_values_encode_as_themselves():
    for value in (None, True, 0, -5, 2.5, float("inf"), "text", [1, [2]], {"a": [1, {"b": None}]}):
        assert enc(value) == value
    assert enc((1, (2, "x"))) == [1, [2, "x"]]  # tuples travel as lists


@pytest.mark.parametrize(
    "value, reason",
    [
        (type("Sneaky", (int,), {"__eq__": lambda s, o: True})(5), "made from a number but not a plain number"),
        (type("F", (float,), {})(1.5), "not a plain number"),
        (type("L", (list,), {})([1]), "not a plain list"),
        (type("D", (dict,), {})(a=1), "not a plain dictionary"),
        (type("S", (str,), {})("x"), "not a plain text"),
        (type("AlwaysTrue", (), {"__eq__": lambda s, o: True})(), "AlwaysTrue"),
        ({1: "a"}, "key is a int"),
        ({"__ndarray__": 1}, "grader's own format"),
        ({1, 2}, "use a list"),
        (10**400, "too big"),
        (np.array([1j]), "complex128"),
        (b"bytes", "bytes"),
    ],
)
def test_not_data(value, reason):
    with pytest.raises(NotData) as e:
        enc(value)
    assert reason in e.value.reason


def test_numpy_values():
    assert enc(np.int64(55)) == {"__ndarray__": {"dtype": "int64", "shape": [], "data": [55]}}
    assert enc(np.array([[1.5, 2], [3, 4]])) == {
        "__ndarray__": {"dtype": "float64", "shape": [2, 2], "data": [1.5, 2.0, 3.0, 4.0]}
    }
    assert enc(np.array(["a", "bc"]))["__ndarray__"] == {"dtype": "str", "shape": [2], "data": ["a", "bc"]}
    assert enc(np.array([True]))["__ndarray__"]["dtype"] == "bool"
    assert enc(np.array(["a", 1], dtype=object))["__ndarray__"]["data"] == ["a", 1]
    with pytest.raises(NotData):
        enc(np.array([[1], "x"], dtype=object))


def test_caps():
    deep: list[Any] = []
    for _ in range(MAX_DEPTH + 2):
        deep = [deep]
    with pytest.raises(NotData, match="nested"):
        enc(deep)
    with pytest.raises(NotData, match="items"):
        enc([0] * (MAX_ITEMS + 1))
    with pytest.raises(NotData, match="MB"):
        enc("x" * (17 << 20))
    with pytest.raises(NotData, match="items"):
        enc(np.zeros(MAX_ITEMS + 1))


def test_pandas_values():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    assert enc(frame) == {"__dataframe__": [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]}
    assert decode(enc(frame)) == Frame(({"a": 1, "b": "x"}, {"a": 2, "b": "y"}))
    series = pd.Series([1.5, 2.5], index=["p", "q"], name="s")
    assert enc(series) == {"__series__": {"name": "s", "index": ["p", "q"], "data": [1.5, 2.5]}}


def test_decode_accepts_what_the_encoder_makes():
    array = decode(enc(np.arange(4).reshape(2, 2)))
    assert array == Array("int64", (2, 2), (0, 1, 2, 3)) and array.nested() == [[0, 1], [2, 3]]
    assert decode({"__series__": {"name": None, "index": ["a"], "data": [1]}}) == Series(None, ("a",), (1,))
    assert decode({"__dataframe__": [{"a": 1}]}) == Frame(({"a": 1},))
    assert decode({"x": [1, 2.5, "t", None, True]}) == {"x": [1, 2.5, "t", None, True]}


@pytest.mark.parametrize(
    "value",
    [
        {"__ndarray__": {"dtype": "int64", "shape": [3], "data": [1, 2]}},
        {"__ndarray__": {"dtype": "int64", "shape": [1], "data": [True]}},
        {"__ndarray__": {"dtype": "int64", "shape": [1], "data": [1.5]}},
        {"__ndarray__": {"dtype": "object", "shape": [1], "data": [[1]]}},
        {"__ndarray__": {"dtype": "void", "shape": [1], "data": [1]}},
        {"__ndarray__": {"dtype": "int64", "shape": [-1], "data": []}},
        {"__ndarray__": {"dtype": "int64", "shape": [1], "data": [1], "extra": 1}},
        {"__ndarray__": [1, 2]},
        {"__dataframe__": [{"a": [1]}]},
        {"__dataframe__": {"a": 1}},
        {"__series__": {"name": 5, "index": [], "data": []}},
        {"__series__": {"index": [1, 2], "data": [1]}},
        (1, 2),
        b"x",
    ],
)
def test_decode_refuses_malformed_data(value):
    with pytest.raises(NotData):
        decode(value)


def test_decode_refuses_deep_nesting():
    deep: Any = 1
    for _ in range(200):
        deep = [deep]
    with pytest.raises(NotData):
        decode(deep)


def test_compare_numbers_with_tolerances():
    assert compare(0.3, 0.1 + 0.2) is None  # the default tolerance forgives round-off only
    assert compare(55, 55.0) is None
    assert compare(55, 54).what == "value"
    assert compare(3.14, 3.1416, (0.01, 0)) is None
    assert compare(3.14, 3.2, (0.01, 0)) is not None
    assert compare(100.0, 104.0, (0, 0.05)) is None
    assert compare(100.0, 106.0, (0, 0.05)) is not None
    assert compare(float("nan"), float("nan")) is None
    assert compare(float("inf"), float("inf")) is None
    assert compare(float("inf"), 1e308) is not None
    assert numbers_close(10**30, 10**30 + 1, (0, 0)) is False  # ints compare exactly


def test_compare_types_are_strict_where_it_matters():
    assert compare(True, 1).what == "type"  # True is not the number 1 here
    assert compare(1, True).what == "type"
    assert compare("55", 55).what == "type"
    assert compare(None, 0).what == "type"
    assert compare([1, 2], [1, 2, 3]).what == "length"
    assert compare({"a": 1}, {"a": 1, "b": 2}).what == "keys"
    assert compare({"a": [1.0]}, {"a": [1]}) is None


def test_compare_numpy_answers_with_plain_expectations():
    assert compare(55, decode(enc(np.int64(55)))) is None
    assert compare([[1, 2], [3, 4]], decode(enc(np.array([[1, 2], [3, 4]])))) is None
    assert compare([1, 2, 3], decode(enc(np.array([1.0, 2.0, 3.0000000001])))) is None
    expected_array = decode({"__ndarray__": {"dtype": "float64", "shape": [2], "data": [1, 2]}})
    assert compare(expected_array, [1, 2]).what == "type"  # the teacher asked for an array
    assert compare(expected_array, decode(enc(np.array([1.0, 2.0])))) is None
    assert compare(expected_array, decode(enc(np.array([[1.0, 2.0]])))).what == "shape"
    assert compare(expected_array, decode(enc(np.array(["1", "2"])))).what == "type"
    assert compare({"a": 1}, Series(None, ("a",), (1,))) is None
    assert compare([1, 2], Series("s", (0, 1), (1, 2))) is None


def test_describe_is_short():
    assert describe(54) == "54" and describe("cat") == "'cat'"
    assert describe(list(range(100))) == "a list of 100 items"
    assert describe(decode(enc(np.zeros((3, 4))))) == "an array of shape (3, 4)"
    assert describe(decode(enc(np.float64(2.5)))) == "2.5"
    assert len(describe("x" * 500)) <= 60
