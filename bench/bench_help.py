"""Help: edit-to-screen latency and server memory per room, 40 rooms × 3 typing clients, against jupyter-collaboration.

Issue #5's load on loopback: every room has three y-websocket clients (all in one Node process, ``help.mjs``) that
type about 5 keys per second each, with jitter, single characters and some backspaces, each key also publishing the
cursor in awareness as the help editor does, for 20 s in all rooms at once. Measured: the time from a client's local
Y transaction to the Y.Text observe event in each other client of its room (one clock), undelivered updates,
convergence, connect+sync time, and the server's RSS and CPU time. ClassLab's relay (``classlab_bridge.help``, a
router that holds no Yjs state) runs in .venv; jupyter-collaboration's room endpoint (a Y document per room, saved to
its file) runs in the same run from its own venv .venv-collab, on one notebook per room; if that venv cannot be made,
its rows say "skipped: <reason>". The same is repeated with 10 rooms, a load jupyter-collaboration keeps up with.
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Optional

import psutil
from _servers import REPO, Server, spawn_server
from _venvs import last_line

BENCH = Path(__file__).resolve().parent
ROOMS = int(os.environ.get("CLASSLAB_BENCH_HELP_ROOMS", "40"))
# A lighter second load, where jupyter-collaboration keeps up (0: not run).
LIGHT_ROOMS = int(os.environ.get("CLASSLAB_BENCH_HELP_LIGHT_ROOMS", "10"))
SECONDS = float(os.environ.get("CLASSLAB_BENCH_HELP_SECONDS", "20"))
RATE = float(os.environ.get("CLASSLAB_BENCH_HELP_RATE", "5"))
DELETE_RATIO = 0.15
TARGET_P99_MS = 50.0
TARGET_KB_PER_ROOM = 200.0
COLLAB_VENV = Path(os.environ.get("CLASSLAB_BENCH_COLLAB_VENV") or REPO / ".venv-collab")
COLLAB_DISTS = ["jupyter-collaboration", "jupyter-server-ydoc", "pycrdt-websocket", "pycrdt", "jupyter_server"]
# Each writer types on its own line (the first three); the code below is what the student asked about.
SEED_TEXT = "# 1: \n# 2: \n# 3: \nx = [1, 2, 3]\nprint(sum(x) / len(y))\n"

SECTION_LATENCY = "Help rooms: edit-to-screen latency under typing load (loopback)"
SECTION_MEMORY = "Help rooms: server memory and CPU"
SECTION_RATIO = "Help rooms: ours / jupyter-collaboration, same load, same run"


class CollabUnavailable(RuntimeError):
    """jupyter-collaboration cannot be installed or started here; the message is the reason to report."""


def collab_venv() -> tuple[Path, dict[str, str]]:
    """The ``bin`` dir of .venv-collab (made by ``make .stamp/venv-collab`` when missing) and its versions."""
    if os.environ.get("CLASSLAB_BENCH_COLLAB", "1") == "0":
        raise CollabUnavailable("CLASSLAB_BENCH_COLLAB=0")
    bin_dir = COLLAB_VENV / "bin"
    if not (bin_dir / "jupyter-server").exists() and "CLASSLAB_BENCH_COLLAB_VENV" not in os.environ:
        try:
            proc = subprocess.run(["make", ".stamp/venv-collab"], cwd=REPO, capture_output=True, text=True, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as err:
            raise CollabUnavailable(f"`make .stamp/venv-collab`: {err}") from None
        if proc.returncode != 0:
            raise CollabUnavailable(f"`make .stamp/venv-collab` failed: {last_line(proc.stderr + proc.stdout)}")
    if not (bin_dir / "jupyter-server").exists():
        raise CollabUnavailable(f"{bin_dir}/jupyter-server missing")
    code = (
        "import json; from importlib import metadata as m; "
        f"print(json.dumps({{d: m.version(d) for d in {COLLAB_DISTS!r}}}))"
    )
    proc = subprocess.run([str(bin_dir / "python"), "-c", code], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise CollabUnavailable(f"{COLLAB_VENV.name} lacks jupyter-collaboration: {last_line(proc.stderr)}")
    return bin_dir, json.loads(proc.stdout)


# -- servers ----------------------------------------------------------------------------------------------------


def _notebook(source: str) -> dict[str, Any]:
    cell = {"cell_type": "code", "id": "c0", "metadata": {}, "source": source, "outputs": [], "execution_count": None}
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return {"cells": [cell], "metadata": {"kernelspec": kernelspec}, "nbformat": 4, "nbformat_minor": 5}


def spawn_ours(state: Path) -> tuple[Server, float, dict[str, str]]:
    """ClassLab's server (the bridge with the local relay) with three named users: a student and two helpers."""
    users = {secrets.token_hex(16): name for name in ("student", "helper1", "helper2")}
    config_dir = state / "config"
    config_dir.mkdir(parents=True)
    (config_dir / "jupyter_server_config.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(BENCH)!r})\n"
        'c.ServerApp.identity_provider_class = "_help_users.BenchUsers"\n'
        f"c.BenchUsers.user_tokens = {users!r}\n"
    )
    server, started = spawn_server("classlab", state, app="server", bridge=True)
    return server, started, {name: token for token, name in users.items()}


def spawn_collab(state: Path, venv_bin: Path, rooms: int) -> tuple[Server, float, list[str]]:
    """jupyter-collaboration's server (its defaults: SQLite YStore, save 1 s after a change) with one notebook per
    room and one for the warm-up (the last path)."""
    root = state / "root"
    root.mkdir(parents=True)
    paths = [f"help-{i:03d}.ipynb" for i in range(rooms)] + ["help-warmup.ipynb"]
    for path in paths:
        (root / path).write_text(json.dumps(_notebook(SEED_TEXT)))
    server, started = spawn_server("jupyter-collaboration", state, app="server", venv_bin=venv_bin, bridge=False)
    return server, started, paths


def _usage(server: Server) -> dict[str, float]:
    """RSS (bytes) and CPU seconds of the server process and its children, now."""
    root = psutil.Process(server.proc.pid)
    rss = cpu = 0.0
    for proc in [root, *root.children(recursive=True)]:
        try:
            rss += proc.memory_info().rss
            times = proc.cpu_times()
            cpu += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return {"rss": rss, "cpu": cpu, "time": time.monotonic(), "load1": os.getloadavg()[0]}


# -- the Node driver --------------------------------------------------------------------------------------------


class Driver:
    """``node help.mjs``, talked to one JSON line at a time (it waits for "go" after each phase)."""

    def __init__(self, request: dict[str, Any], log: Path) -> None:
        self._log = log.open("w")
        self.proc = subprocess.Popen(
            ["node", str(BENCH / "help.mjs")],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        self.log = log
        self.lines: queue.Queue[Optional[str]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self._send(json.dumps(request))

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def _send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def expect(self, phase: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise RuntimeError(f"help.mjs: no '{phase}' after {timeout:.0f} s\n{self._tail()}") from None
            if line is None:
                self.proc.wait(timeout=10)
                raise RuntimeError(f"help.mjs exited ({self.proc.returncode}) before '{phase}':\n{self._tail()}")
            message = json.loads(line)
            if message.get("phase") == phase:
                return message
            raise RuntimeError(f"help.mjs: expected '{phase}', got {line[:300]}")

    def go(self) -> None:
        self._send("go")

    def _tail(self) -> str:
        self._log.flush()
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._log.close()


def measure(target: str, server: Server, tokens: dict[str, Any], rooms: int, log: Path) -> dict[str, Any]:
    """One load run against ``server``: the driver's result plus the server's usage at each phase."""
    request = {
        "target": target,
        "base": server.base_url + "/",
        "rooms": rooms,
        "seconds": SECONDS,
        "rate": RATE,
        "delete_ratio": DELETE_RATIO,
        "seed": 20261123,
        "seed_text": SEED_TEXT,
        "tokens": tokens,
    }
    driver = Driver(request, log)
    try:
        driver.expect("ready", 120)
        usage = {"before": _usage(server)}
        driver.go()
        driver.expect("connected", 60 + rooms * 5)
        usage["connected"] = _usage(server)
        driver.go()
        driver.expect("loaded", SECONDS + 60)
        usage["loaded"] = _usage(server)
        driver.go()
        result = driver.expect("done", 120)["result"]
    finally:
        driver.stop()
    result["usage"] = usage
    if server.proc.poll() is not None:
        raise RuntimeError(f"{server.name} exited during the load\n{server.log_tail()}")
    return result


def run_load(tmp: Path, rooms: int, collab_bin: Optional[Path]) -> tuple[dict[str, Any], Optional[dict[str, Any]], str]:
    """Both servers, fresh, under ``rooms`` rooms of load (ours first, then jupyter-collaboration's, one at a time):
    (ours, theirs or None, why theirs is missing)."""
    ours_server, ours_started, users = spawn_ours(tmp / "classlab")
    servers = [ours_server]
    collab: Optional[dict[str, Any]] = None
    skipped = ""
    try:
        spawned = None
        if collab_bin is not None:
            spawned = spawn_collab(tmp / "collab", collab_bin, rooms)  # starts while ours is measured
            servers.append(spawned[0])
        ours_server.wait_ready(ours_started)
        tokens = {"owner": users["student"], "helpers": [users["helper1"], users["helper2"]]}
        ours = measure("classlab", ours_server, tokens, rooms, tmp / "help-classlab.log")
        ours_server.stop()
        if spawned is not None:
            server, started, paths = spawned
            try:
                server.wait_ready(started)
            except RuntimeError as err:
                return ours, None, f"skipped: jupyter-collaboration's server did not start: {last_line(str(err))}"
            # Its session endpoint must be there (jupyter_server_ydoc enabled in that venv): the route takes PUT
            # only, so a GET answers 405 where it exists and 404 where it does not.
            status, _ = server.get("/api/collaboration/session/help-warmup.ipynb", timeout=10)
            if status != 405:
                return ours, None, f"skipped: GET api/collaboration/session/<path> answers {status}, not 405"
            tokens = {"token": server.token, "paths": paths[:-1], "warmup_path": paths[-1]}
            collab = measure("collab", server, tokens, rooms, tmp / "help-collab.log")
    finally:
        for server in servers:
            server.stop()
    return ours, collab, skipped


# -- report -----------------------------------------------------------------------------------------------------


def _r(value: Optional[float], digits: int = 1) -> Optional[float]:
    return None if value is None else round(value, digits)


def _met(ok: bool) -> str:
    return "met" if ok else "missed"


def _load(rooms: int) -> str:
    return f"{rooms} rooms × 3"


def _figures(result: dict[str, Any]) -> dict[str, float]:
    usage = result["usage"]
    before, connected, loaded = usage["before"], usage["connected"], usage["loaded"]
    rooms = result["rooms"]
    return {
        "p50": result["latency_ms"]["p50"],
        "p99": result["latency_ms"]["p99"],
        "kb_connected": (connected["rss"] - before["rss"]) / rooms / 1024,
        "kb_loaded": (loaded["rss"] - before["rss"]) / rooms / 1024,
        "cpu_load": loaded["cpu"] - connected["cpu"],
        "connect_p50": result["connect_ms"]["p50"],
        "delivered_pct": 100 * result["received"] / result["expected"] if result["expected"] else 0.0,
    }


def _per_key(result: dict[str, Any]) -> str:
    keys = result["keystrokes"] or 1
    return f"{result['frames_sent'] / keys:.1f} / {result['frames_received'] / keys:.1f}"


def rows_for(name: str, result: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    lat, conn = result["latency_ms"], result["connect_ms"]
    fig = _figures(result)
    usage = result["usage"]
    p99_all = result["latency_ms_all"]["p99"]
    latency = {
        "section": SECTION_LATENCY,
        "load": _load(result["rooms"]),
        "server": name,
        "roles per room": " + ".join(result["roles"]),
        "keystrokes": result["keystrokes"],
        "received / expected": f"{result['received']:,} / {result['expected']:,}",
        "not delivered": result["expected"] - result["received"],
        "rooms converged": f"{result['converged_rooms']} / {result['rooms']}",
        "p50 ms": _r(lat["p50"], 2),
        "p95 ms": _r(lat["p95"], 2),
        "p99 ms": _r(lat["p99"], 2),
        "max ms": _r(lat["max"], 1),
        f"p99 ≤ {TARGET_P99_MS:.0f} ms": _met(p99_all is not None and p99_all <= TARGET_P99_MS),
        "connect+sync ms p50": _r(conn["p50"], 1),
        "connect+sync ms max": _r(conn["max"], 1),
        "socket closes": len(result["closes"]),
        "frames per key to / from server": _per_key(result),
        "driver loop delay p99 ms": _r(result["event_loop_delay_ms"]["p99"], 1),
        "data": {k: v for k, v in result.items() if k != "usage"},
    }
    mb = 1024 * 1024
    wall = usage["loaded"]["time"] - usage["connected"]["time"]
    memory = {
        "section": SECTION_MEMORY,
        "load": _load(result["rooms"]),
        "server": name,
        "RSS before rooms MB": _r(usage["before"]["rss"] / mb),
        "RSS connected MB": _r(usage["connected"]["rss"] / mb),
        "RSS after load MB": _r(usage["loaded"]["rss"] / mb),
        "KB / room connected": _r(fig["kb_connected"]),
        "KB / room after load": _r(fig["kb_loaded"]),
        f"≤ {TARGET_KB_PER_ROOM:.0f} KB / room": _met(fig["kb_loaded"] <= TARGET_KB_PER_ROOM),
        "server CPU s during load": _r(fig["cpu_load"], 2),
        "CPU % of one core": _r(100 * fig["cpu_load"] / wall, 0),
        "load avg (1 min) before / after": f"{usage['connected']['load1']:.2f} / {usage['loaded']['load1']:.2f}",
        "data": usage,
    }
    return latency, memory


def _ratio(ours: Optional[float], theirs: Optional[float]) -> Any:
    """ours / theirs: two decimals, or "1/N" when it is below 0.01; "" when there is none."""
    if ours is None or not theirs:
        return ""
    ratio = ours / theirs
    if ratio >= 0.01 or ratio == 0:
        return round(ratio, 2)
    return f"1/{float(f'{1 / ratio:.2g}'):,.0f}"


def ratio_rows(ours: dict[str, Any], collab: dict[str, Any], name: str) -> list[dict[str, Any]]:
    a, b = _figures(ours), _figures(collab)
    return [
        {
            "section": SECTION_RATIO,
            "load": _load(ours["rooms"]),
            "measure": label,
            "ours": _r(a[key], 2),
            name: _r(b[key], 2),
            "ours / theirs": "" if key == "delivered_pct" else _ratio(a[key], b[key]),
        }
        for label, key in [
            ("updates delivered %", "delivered_pct"),
            ("latency p50 ms (delivered)", "p50"),
            ("latency p99 ms (delivered)", "p99"),
            ("connect+sync p50 ms", "connect_p50"),
            ("KB / room connected", "kb_connected"),
            ("KB / room after load", "kb_loaded"),
            ("server CPU s during load", "cpu_load"),
        ]
    ]


def run() -> list[dict[str, Any]]:
    versions: dict[str, str] = {}
    try:
        collab_bin: Optional[Path]
        collab_bin, versions = collab_venv()
        skipped = ""
    except CollabUnavailable as err:
        collab_bin, skipped = None, f"skipped: {err}"
    name = f"jupyter-collaboration {versions.get('jupyter-collaboration', '')}".strip()
    loads = [ROOMS] + ([LIGHT_ROOMS] if 0 < LIGHT_ROOMS != ROOMS else [])
    latency: list[dict[str, Any]] = []
    memory: list[dict[str, Any]] = []
    ratios: list[dict[str, Any]] = []
    for rooms in loads:
        with tempfile.TemporaryDirectory(prefix=f"classlab-bench-help-{rooms}-") as tmp:
            ours, collab, why = run_load(Path(tmp), rooms, collab_bin)
        for result, label in [(ours, "ClassLab relay (ours)"), (collab, name)]:
            if result is not None:
                row_latency, row_memory = rows_for(label, result)
                latency.append(row_latency)
                memory.append(row_memory)
        if collab is not None:
            ratios += ratio_rows(ours, collab, name)
        else:
            ratios.append({"section": SECTION_RATIO, "load": _load(rooms), "measure": why or skipped or "skipped"})
    notes = [
        {"section": SECTION_LATENCY, "note": _latency_note()},
        {"section": SECTION_MEMORY, "note": _memory_note()},
    ]
    if collab_bin is not None:
        notes.append({"section": SECTION_RATIO, "note": _collab_note(versions)})
    return latency + [notes[0]] + memory + [notes[1]] + ratios + notes[2:]


def _latency_note() -> str:
    return (
        f"Each load: N rooms × 3 clients, all typing at once for {SECONDS:.0f} s: each client about {RATE:g} keys/s "
        "(interval 1/rate × 0.5…1.5, seeded), one character per transaction at its own cursor on its own line, "
        f"{DELETE_RATIO:.0%} backspaces over its own last character, and after each key the cursor in awareness "
        "(anchor/head as Yjs relative positions, as the help editor publishes it). Latency: from just before the "
        "local transaction to the Y.Text observe event in each other client of the room, all clients in one "
        "Node process (y-websocket 3 on ws, yjs 13; one performance.now() clock), matched by the Yjs id of the "
        "inserted or deleted character; one sample per receiving client (expected: each key × 2). Not delivered: "
        "expected samples still missing 15 s after the typing stopped (late or lost); p50/p95/p99/max are over "
        "the delivered samples, the target column counts an undelivered one as infinitely late. Converged: all "
        "three texts and state vectors of a room equal at the end. Connect+sync: WebSocket created to the room's "
        "text present in that client (the REST calls before it not included). Socket closes: unexpected closes "
        "during the run (0 means no client was dropped). Frames per key: WebSocket frames all clients sent "
        "and received from the typing start to the end of the wait, per keystroke. 'driver loop delay': the Node "
        "event loop's own delay during the load (monitorEventLoopDelay), part of every sample; the driver, the "
        "server and other work share the machine's cores. Ours: one student (owner: creates the request and "
        "seeds the text, as the student's browser does) and two helpers (`join` as helper), three distinct "
        "Jupyter users on one server (bench/_help_users.py), each socket with its own single-use ticket; all "
        "three may write."
    )


def _memory_note() -> str:
    return (
        "RSS of the server process and its children (psutil), after a warm-up room was made, used and closed "
        "('before rooms'), after all rooms are connected and synced, and after the load (when every update was "
        "delivered or the 15 s wait ended); KB / room = (RSS − RSS before rooms) / rooms. CPU: user + system "
        "seconds of the server from 'connected' to 'after load' (the typing plus the wait for stragglers); % of "
        "one core over that wall time. A Python server does not give freed memory back to the OS at once: RSS "
        "after load is an upper bound of what the rooms hold. Each load starts both servers afresh."
    )


def _collab_note(versions: dict[str, str]) -> str:
    pins = ", ".join(f"{k} {v}" for k, v in versions.items())
    return (
        f"jupyter-collaboration from {COLLAB_VENV.name} ({pins}), its own isolated `jupyter server` with its "
        "defaults (SQLite YStore in the root dir, each document saved 1 s after its last change, file polling "
        "1 s), measured after ours in the same run, with the same driver, keys and timings; one notebook of one "
        "code cell holding the same text per room, room `json:notebook:<fileId>` (`PUT "
        "api/collaboration/session/<path>` by every client, then the room socket with its `sessionId`); the "
        "three clients are plain writers there (it has no roles). What differs: our relay routes messages and "
        "holds no Yjs document (the owner's browser seeds the room); jupyter-collaboration keeps a Y document "
        "per room in the server, applies every update to it, stores each update in SQLite and writes the "
        "notebook file, and sends every update and awareness message back to its sender too (y-websocket "
        "clients re-send each awareness change they receive; it forwards those echoes to everyone, our relay "
        "drops them), hence more frames per key (latency table). Ratios below 1 favour ours."
    )
