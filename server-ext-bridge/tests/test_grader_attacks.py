"""Attacks on the grader from a student's notebook (notes/grader.md §5, §7 "Acceptance tests"): each must end with a
clear failure of the checks it touches and a correct score for the rest: never a crash of the judge, never a forged
score. They run in real bubblewrap sandboxes and FAIL (never skip) where bubblewrap cannot work here.

How forged answers are resisted (PROTOCOL.md "Sandbox and runner"): the judge sends a fresh random nonce with each
request and takes only answer lines carrying it, so lines written earlier (a fake answer on fd 3 during a cell, a
replay) are ignored. Code that runs *during* a request can find that request's nonce (it is in the runner's memory,
which the student's code shares), but then all it can answer is data, which the judge compares with an expected value
the sandbox never saw: for a hidden check the student cannot know it. Pass or fail is never in an answer.
"""

from __future__ import annotations

import os
import pickle
import socket
import threading
from pathlib import Path
from typing import Any, Optional

import pytest
from classlab_bridge.gpu import isolation
from classlab_bridge.grader import judge as judge_module
from classlab_bridge.grader import runner as runner_module
from classlab_bridge.grader.judge import JudgeSettings, Session, judge
from classlab_bridge.grader.sandbox import Sandbox, SandboxConfig
from test_grader_runner import bwrap_config

SETTINGS = JudgeSettings(cell_timeout=2, call_timeout=2, value_timeout=15, predict_timeout=15, grace=2, wall_seconds=90)
HONEST = "honest = 1\ndef square(x):\n    return x * x"


@pytest.fixture
def config() -> SandboxConfig:
    return bwrap_config()


def attack(
    config: SandboxConfig,
    *sources: str,
    checks: Optional[list[dict[str, Any]]] = None,
    folder: Optional[Path] = None,
    files: Optional[Path] = None,
    log: Optional[list[Sandbox]] = None,
) -> dict[str, dict[str, Any]]:
    """Grades a notebook (the honest cell first, then the attack's cells) against: ``total`` should be 55 (hidden),
    ``honest`` should be 1, ``square`` should square (hidden). The tests entries by check id."""
    checks = checks or [
        {"id": "total", "kind": "value", "name": "total", "expected": 55, "points": 2, "visibility": "hidden"},
        {"id": "honest", "kind": "value", "name": "honest", "expected": 1, "points": 1},
        {
            "id": "square",
            "kind": "function",
            "name": "square",
            "points": 1,
            "visibility": "hidden",
            "calls": [{"args": [3], "expected": 9}, {"args": [-4], "expected": 16}],
        },
    ]
    spec = {"questions": [{"id": "q1", "checks": checks}]}
    cells = [{"id": f"cell-{i}", "source": s} for i, s in enumerate([HONEST, *sources], start=1)]

    def start() -> Sandbox:
        box = Sandbox.start(config)
        if log is not None:
            log.append(box)
        return box

    tests = judge(spec, folder or Path("/nonexistent"), cells, start, settings=SETTINGS, files=files)
    return {t["name"]: t for t in tests}


def total_score(tests: dict[str, dict[str, Any]]) -> float:
    return sum(t["score"] for t in tests.values())


def assert_only_total_fails(tests: dict[str, dict[str, Any]], words: str) -> None:
    assert tests["total"]["score"] == 0 and tests["total"]["status"] == "failed"
    assert words in tests["total"]["output"], tests["total"]["output"]
    assert tests["honest"]["status"] == tests["square"]["status"] == "passed"
    assert total_score(tests) == 2


# --- time, processes, memory, output -------------------------------------------------------------------------------


def test_an_infinite_loop(config):
    tests = attack(config, "total = 0\nwhile True:\n    total += 1")
    assert_only_total_fails(tests, "took longer than 2 s — is there a loop that never ends?")


def test_an_infinite_loop_that_ignores_the_alarm(config):
    log: list[Sandbox] = []
    loop = "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\ntotal = 0\nwhile True:\n    total += 1"
    tests = attack(config, loop, log=log)
    assert_only_total_fails(tests, "is there a loop that never ends?")
    assert len(log) == 2 and log[0].ended == "timeout"  # killed from outside, graded again without that cell


def test_a_fork_bomb(config):
    log: list[Sandbox] = []
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\ntotal = 55"
    count = "import os\ndef processes():\n    return len([p for p in os.listdir('/proc') if p.isdigit()])"
    checks = [
        {"id": "total", "kind": "value", "name": "total", "expected": 55, "points": 2},
        {"id": "honest", "kind": "value", "name": "honest", "expected": 1, "points": 1},
        {"id": "left", "kind": "function", "name": "processes", "points": 1, "calls": [{"args": [], "expected": 2}]},
    ]
    tests = attack(config, count, bomb, "late = 1", checks=checks, log=log)
    assert tests["total"]["score"] == 0 and "took longer than" in tests["total"]["output"]
    assert tests["honest"]["status"] == "passed"
    # Once the cells ran, whatever they left running is gone: bwrap's init and the runner are all that is left.
    assert tests["left"]["status"] == "passed", tests["left"]["output"]
    if os.geteuid() == 0:
        assert not isolation.processes(log[0].uid)  # and nothing of the sandbox's account on the host


def test_a_plain_fork_bomb_hits_the_process_limit(config):
    bomb = "import os\nwhile True:\n    os.fork()\ntotal = 55"
    tests = attack(config, bomb)
    assert_only_total_fails(tests, "its cell stopped with an error: BlockingIOError")


def test_a_4_gb_allocation(config):
    tests = attack(config, "block = bytearray(4 * 1024**3)\ntotal = 55")
    assert_only_total_fails(tests, "Your code used too much memory.")
    numpy = attack(config, "import numpy as np\nbig = np.ones(2**29)\ntotal = 55")
    assert_only_total_fails(numpy, "Your code used too much memory.")


def test_100_mb_of_output(config):
    cells = [
        {"id": "a", "source": "print('x' * 100_000_000)\nhonest = 1"},
        {
            "id": "b",
            "source": "import os, sys\nfor _ in range(100):\n    os.write(1, b'y' * 1_000_000)\n"
            "os.write(2, b'z' * 10_000_000)\nsys.stderr.write('w' * 10_000_000)",
        },
        {"id": "c", "source": "total = 55"},
    ]
    session = Session(lambda: Sandbox.start(config), cells, SETTINGS)
    try:
        assert session.ready()
        a, b = session.outcomes["a"], session.outcomes["b"]
        assert a["status"] == b["status"] == "ok"
        assert 20_000 <= len(a["stdout"]) < 20_100 and "more characters not shown" in a["stdout"]
        assert len(b["stray_stdout"]) < 20_100 and len(b["stray_stderr"]) < 20_100 and len(b["stderr"]) < 20_100
        assert session.ask({"op": "value", "name": "total"}, 10)["value"] == 55
    finally:
        session.close()
    tests = attack(config, "print('x' * 100_000_000)\ntotal = 54")
    assert_only_total_fails(tests, "`total` is 54, but it should be something else.")


# --- reaching out --------------------------------------------------------------------------------------------------


def test_the_network_is_out_of_reach(config):
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    accepted: list[Any] = []

    def serve() -> None:
        server.settimeout(20)
        try:
            conn, _ = server.accept()
            conn.sendall(b"55")
            accepted.append(conn)
        except OSError:
            pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    steal = f"import socket\ns = socket.create_connection(('127.0.0.1', {port}), timeout=5)\ntotal = int(s.recv(10))"
    outside = "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 53), timeout=3)\n    reached = True\n"
    outside += "except OSError:\n    reached = False"
    checks = [
        {"id": "total", "kind": "value", "name": "total", "expected": 55, "points": 2, "visibility": "hidden"},
        {"id": "honest", "kind": "value", "name": "honest", "expected": 1, "points": 1},
        {"id": "square", "kind": "value", "name": "reached", "expected": False, "points": 1},
    ]
    try:
        tests = attack(config, steal, outside, checks=checks)
    finally:
        server.close()
        thread.join(timeout=30)
    assert_only_total_fails(tests, "ConnectionRefusedError")
    assert accepted == []


def test_the_spec_and_the_hosts_files_are_out_of_reach(config, tmp_path):
    spec_file = tmp_path / "spec.json"
    spec_file.write_text('{"expected": 55}')
    steal = f"import json\ntotal = json.load(open({str(spec_file)!r}))['expected']"
    tests = attack(config, steal)
    assert_only_total_fails(tests, "FileNotFoundError")
    # What the sandbox can see of the host is read-only: the grader's own code cannot be changed from inside.
    judge_file = judge_module.__file__
    before = Path(judge_file).read_bytes()
    tamper = f"try:\n    open({judge_file!r}, 'a').write('\\nFORGED = True')\nexcept OSError as e:\n"
    tamper += "    total = e.errno in (13, 30)"  # EACCES or EROFS
    tests = attack(config, tamper)
    assert "`total` is True, but it should be something else." in tests["total"]["output"]
    assert Path(judge_file).read_bytes() == before


def test_no_secrets_in_the_environment(config, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "secret-token-4711")
    session = Session(
        lambda: Sandbox.start(config), [{"id": "a", "source": "import os\nenv = dict(os.environ)"}], SETTINGS
    )
    try:
        env = session.ask({"op": "value", "name": "env"}, 10)["value"]
    finally:
        session.close()
    assert "JUPYTERHUB_API_TOKEN" not in env and not any("secret-token" in v for v in env.values())
    assert env["HOME"] == "/home/student"


def test_signals_reach_nothing_outside(config):
    kill = "import os, signal\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept ProcessLookupError:\n    pass\n"
    tests = attack(config, kill + "total = 54")  # no process to signal: init and the runner itself are exempt
    assert_only_total_fails(tests, "`total` is 54")


# --- ending the grader ---------------------------------------------------------------------------------------------


def test_os_exit(config):
    tests = attack(config, "import os\ntotal = 55\nos._exit(0)", "late = 2")
    assert_only_total_fails(tests, "Your code stopped the grader (it called os._exit() or crashed)")
    exits = attack(config, "import sys\ntotal = 54\nsys.exit(0)")
    assert_only_total_fails(exits, "`total` is 54")


def test_os_exit_inside_a_checked_function(config):
    tests = attack(config, "import os\ntotal = 55\ndef square(x):\n    os._exit(0)")
    assert tests["square"]["score"] == 0 and "stopped the grader" in tests["square"]["output"]
    assert tests["total"]["status"] == tests["honest"]["status"] == "passed"
    assert total_score(tests) == 3


# --- values that lie -----------------------------------------------------------------------------------------------


def test_an_object_equal_to_everything(config):
    always = "class AlwaysTrue:\n    def __eq__(self, other):\n        return True\n    __hash__ = object.__hash__\n"
    always += "    def __float__(self):\n        return 55.0\n    def __repr__(self):\n        return '55'\n"
    tests = attack(config, always + "total = AlwaysTrue()\ndef square(x):\n    return AlwaysTrue()")
    assert tests["total"]["score"] == 0
    assert tests["total"]["output"] == (
        "`total` is not a plain value we can check (it is an object of type `AlwaysTrue`)."
    )
    assert tests["square"]["score"] == 0 and "not a plain value" in tests["square"]["output"]
    assert total_score(tests) == 1


@pytest.mark.parametrize("base, value", [("int", "55"), ("float", "55.0"), ("list", "[55]")])
def test_subclasses_of_plain_types(config, base, value):
    sneaky = f"class Sneaky({base}):\n    def __eq__(self, other):\n        return True\n    __hash__ = None\n"
    tests = attack(config, sneaky + f"total = Sneaky({value})\ndef square(x):\n    return Sneaky({value})")
    assert tests["total"]["score"] == tests["square"]["score"] == 0
    assert f"made from a {'list' if base == 'list' else 'number'} but not a plain" in tests["total"]["output"]
    assert total_score(tests) == 1


# --- tampering with the runner -------------------------------------------------------------------------------------


def test_monkeypatched_builtins_and_json(config):
    patch = (
        "import builtins, json\n"
        "builtins.isinstance = lambda *a: True\n"
        "builtins.len = lambda *a: 0\n"
        'json.dumps = lambda *a, **k: \'{"ok": true, "value": 55}\'\n'
        "json.loads = lambda *a, **k: {'op': 'value', 'name': 'total'}\n"
        "total = 54"
    )
    tests = attack(config, patch)
    assert_only_total_fails(tests, "`total` is 54, but it should be something else.")


def test_a_runner_rewritten_to_forge_values(config):
    """The student's code replaces the runner's encoder: every answer says 999. It is still only data."""
    forge = (
        "import gc\n"
        "main = [o for o in gc.get_objects() if type(o).__name__ == 'Runner'][0]\n"
        "main.encoder.encode = lambda value: 999\n"
        "total = 54"
    )
    tests = attack(config, forge)
    assert tests["total"]["output"] == "`total` is 999, but it should be something else."
    assert tests["honest"]["score"] == tests["square"]["score"] == tests["total"]["score"] == 0
    malformed = forge.replace("lambda value: 999", "lambda value: {'__ndarray__': {'dtype': 'int64', 'shape': [9]}}")
    tests = attack(config, malformed)
    assert "not a plain value we can check (a malformed array)" in tests["total"]["output"]
    assert total_score(tests) == 0


def test_fake_results_files_and_forged_answers_on_fd3(config, tmp_path):
    marker = f"classlab-fake-{os.getpid()}-{id(tmp_path)}.json"
    fake = '{"score": 100, "tests": [{"name": "total", "score": 2, "status": "passed"}]}'
    forge = (
        "import os, json\n"
        f"for place in ('results.json', '/tmp/{marker}', '/tmp/results.json'):\n"
        f"    open(place, 'w').write({fake!r})\n"
        "for guess in ('0' * 32, 'f' * 32, ''):\n"
        "    os.write(3, (json.dumps({'nonce': guess, 'ok': True, 'value': 55}) + '\\n').encode())\n"
        'os.write(3, b\'{"ok": true, "value": 55}\\n{"ready": true}\\n\')\n'
        "total = 54"
    )
    tests = attack(config, forge)
    assert_only_total_fails(tests, "`total` is 54, but it should be something else.")
    assert not Path("/tmp", marker).exists()


def test_a_forged_answer_with_the_stolen_nonce_is_still_judged(config):
    """During a call, the student's function finds the request's nonce in the runner's frames and answers first.
    The judge takes that answer, but it is only a value, compared with one the sandbox never saw."""
    steal = (
        "import os, sys, json\n"
        "def square(x):\n"
        "    frame = sys._getframe()\n"
        "    while frame is not None:\n"
        "        req = frame.f_locals.get('req')\n"
        "        if type(req) is dict and 'nonce' in req:\n"
        "            forged = {'nonce': req['nonce'], 'ok': True, 'value': 1000}\n"
        "            os.write(3, (json.dumps(forged) + '\\n').encode())\n"
        "            break\n"
        "        frame = frame.f_back\n"
        "    return x * x\n"
        "total = 55"
    )
    tests = attack(config, steal)
    assert tests["square"]["score"] == 0
    assert tests["square"]["output"].endswith("`square` gave a wrong answer in a hidden test.")
    assert tests["total"]["status"] == tests["honest"]["status"] == "passed"


def test_a_malicious_pickle_next_to_the_notebook_is_never_loaded_outside(config, tmp_path):
    """Otter unpickles a submitted log in the grader process; here the notebook folder's files only go into the
    sandbox, and nothing from a submission or a sandbox is ever unpickled."""
    victim = tmp_path / "unpickled-on-the-host"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (victim,))

    files = tmp_path / "files"
    files.mkdir()
    (files / ".OTTER_LOG").write_bytes(pickle.dumps(Payload()))
    (files / "results.pkl").write_bytes(pickle.dumps(Payload()))
    tests = attack(
        config,
        "import pickle\ntry:\n    pickle.load(open('results.pkl', 'rb'))\nexcept Exception:\n    pass\ntotal = 54",
        files=files,
    )
    assert_only_total_fails(tests, "`total` is 54")
    assert not victim.exists()


def test_the_runner_keeps_builtins_of_its_own():
    """What makes the monkeypatches above harmless to the runner: its functions (and the codec's) look builtins up
    in private copies, not in the ``builtins`` module a cell can change."""
    import builtins

    from classlab_bridge.grader import data

    for module, function in ((runner_module, runner_module.Runner.send), (data, data.Encoder.encode)):
        assert module.__dict__["__builtins__"] is not vars(builtins)
        assert function.__builtins__ is module.__dict__["__builtins__"]
