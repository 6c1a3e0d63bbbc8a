"""Isolated Jupyter servers for the benchmarks (a helper, not a benchmark: run.py only runs ``bench_*.py``).

Every server gets its own config, data, runtime and root dirs under a temp dir (like ui-tests/scripts/start-lab.sh),
a free loopback port and a token, so nothing in ~/.jupyter can change what is measured. The sys-prefix config in
.venv (which enables classlab_bridge and the other server extensions) still applies: JUPYTER_PREFER_ENV_PATH=1.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.prefix) / "bin"

# The five prebuilt labextensions this repository ships.
CLASSLAB_LABEXTENSIONS = [f"@classlab/{name}" for name in ("slides", "video", "help", "gpu", "grader")]


def free_port() -> int:
    """A loopback port nobody listens on right now (the OS picks it; the tiny race is acceptable here)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def isolated_env(state: Path, venv_bin: Path = VENV_BIN) -> dict[str, str]:
    """Environment pointing every Jupyter/IPython dir at ``state``; the venv's own config keeps applying."""
    env = dict(os.environ)
    if venv_bin != VENV_BIN:
        env["VIRTUAL_ENV"] = str(venv_bin.parent)
    for sub in ("config", "data", "runtime", "root", "ipython"):
        (state / sub).mkdir(parents=True, exist_ok=True)
    env.update(
        JUPYTER_CONFIG_DIR=str(state / "config"),
        JUPYTER_DATA_DIR=str(state / "data"),
        JUPYTER_RUNTIME_DIR=str(state / "runtime"),
        IPYTHONDIR=str(state / "ipython"),
        JUPYTER_PREFER_ENV_PATH="1",
        PATH=f"{venv_bin}{os.pathsep}{env.get('PATH', '')}",
    )
    env.pop("JUPYTER_PATH", None)
    return env


def labextension_dirs(env: dict[str, str]) -> list[Path]:
    """The ``labextensions`` search path a server started with ``env`` would use, highest priority first."""
    # jupyter_core reads the environment at call time; ask a child so our own environment stays untouched.
    code = "import json; from jupyter_core.paths import jupyter_path; print(json.dumps(jupyter_path('labextensions')))"
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True).stdout
    return [Path(p) for p in json.loads(out)]


def labextensions_without_classlab(env: dict[str, str], target: Path) -> Path:
    """A labextensions dir holding links to every installed labextension except the @classlab ones.

    Pointing ``LabApp.labextensions_path`` at it makes the server not list ClassLab in the page config at all,
    so the browser never fetches its assets (``disabledExtensions`` alone still loads every remoteEntry.js).
    """
    target.mkdir(parents=True, exist_ok=True)
    for base in labextension_dirs(env):
        if not base.is_dir():
            continue
        for entry in sorted(base.iterdir()):
            # Scoped packages live one level down (@scope/name); unscoped ones directly.
            names = (
                [f"{entry.name}/{sub.name}" for sub in entry.iterdir()] if entry.name.startswith("@") else [entry.name]
            )
            for name in names:
                link = target / name
                if name in CLASSLAB_LABEXTENSIONS or link.exists():
                    continue  # first hit wins, as in jupyter_path's priority order
                link.parent.mkdir(parents=True, exist_ok=True)
                link.symlink_to((base / name).resolve(), target_is_directory=True)
    return target


@dataclass
class Server:
    """One running Jupyter server we started; ``stop()`` ends it (and only it)."""

    name: str
    proc: subprocess.Popen[bytes]
    port: int
    token: str
    state: Path
    log_path: Path
    ready_s: float = 0.0
    _log: Any = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str, *, with_token: bool = True) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}{path}{sep}token={self.token}" if with_token else f"{self.base_url}{path}"

    def get(self, path: str, timeout: float = 10.0) -> tuple[int, bytes]:
        """GET with the token in a header; returns (status, body) also for HTTP errors."""
        req = urllib.request.Request(self.url(path, with_token=False), headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def wait_ready(self, started: float, timeout: float = 90.0) -> None:
        """Poll /api/status until it answers 200; records seconds from spawn to ready."""
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name}: server exited with {self.proc.returncode}\n{self.log_tail()}")
            try:
                status, _ = self.get("/api/status", timeout=2.0)
                if status == 200:
                    self.ready_s = time.monotonic() - started
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{self.name}: not ready after {timeout:.0f} s\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM the server's own process group (it was started in a new session), then SIGKILL if needed."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
            except ProcessLookupError:
                pass
        if self._log is not None:
            self._log.close()
            self._log = None


def spawn_server(
    name: str,
    state: Path,
    *,
    app: str = "lab",
    venv_bin: Path = VENV_BIN,
    bridge: bool | None = True,
    page_config_disable_classlab: bool = False,
    hide_classlab_labextensions: bool = False,
) -> tuple[Server, float]:
    """Start ``jupyter-<app>`` in ``state`` without waiting; returns the server and its spawn time (monotonic).

    venv_bin: the ``bin`` dir of the environment to run (default: this one, .venv); another venv's own
        sys-prefix config applies to its server (bench_slides runs jupyterlab-rise from bench/.venv-rise).
    bridge: whether the classlab_bridge server extension is enabled (``ServerApp.jpserver_extensions``);
        None leaves it unmentioned (for a venv without ClassLab).
    page_config_disable_classlab: list the five labextensions in labconfig/page_config.json ``disabledExtensions``.
    hide_classlab_labextensions: leave them out of ``LabApp.labextensions_path`` (their assets are never served).
    """
    env = isolated_env(state, venv_bin)
    port, token = free_port(), secrets.token_hex(24)
    config_dir = Path(env["JUPYTER_CONFIG_DIR"])
    lab_config: dict[str, Any] = {
        "expose_app_in_browser": True,  # window.jupyterapp, to know when the app has started
        "news_url": None,  # no outside network here: no news feed...
        "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",  # ...and no PyPI update check
    }
    if hide_classlab_labextensions:
        lab_config["labextensions_path"] = [str(labextensions_without_classlab(env, state / "labextensions"))]
        lab_config["extra_labextensions_path"] = []
    config = {
        "ServerApp": {
            "ip": "127.0.0.1",
            "port": port,
            "port_retries": 0,
            "open_browser": False,
            "allow_root": True,  # benchmarks run as root on CI machines
            "root_dir": str(state / "root"),
        },
        "IdentityProvider": {"token": token},
        "LabApp": lab_config,
    }
    if bridge is not None:
        config["ServerApp"]["jpserver_extensions"] = {"classlab_bridge": bridge}
    (config_dir / "jupyter_server_config.json").write_text(json.dumps(config, indent=1))
    # The frontend side of "no news, no update checks", as a user setting in the isolated user-settings dir
    # (JupyterLab has no server option for it; overrides.json would live in the shared venv).
    notification = config_dir / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True, exist_ok=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    if page_config_disable_classlab:
        labconfig = config_dir / "labconfig"
        labconfig.mkdir(exist_ok=True)
        disabled = dict.fromkeys(CLASSLAB_LABEXTENSIONS, True)
        (labconfig / "page_config.json").write_text(json.dumps({"disabledExtensions": disabled}, indent=1))

    log_path = state / "server.log"
    log = log_path.open("wb")
    started = time.monotonic()
    # The console script is the server process itself (no `jupyter` launcher in between), so its pid is the one
    # whose RSS we measure; a new session lets stop() signal exactly this group.
    proc = subprocess.Popen(
        [str(venv_bin / f"jupyter-{app}")],
        cwd=state / "root",
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return Server(name, proc, port, token, state, log_path, _log=log), started


def start_server(name: str, state: Path, **kwargs: Any) -> Server:
    """``spawn_server`` and wait until /api/status answers."""
    server, started = spawn_server(name, state, **kwargs)
    try:
        server.wait_ready(started)
    except BaseException:
        server.stop()
        raise
    return server
