"""Clean-install check: "pip install into any JupyterHub image, no rebuild".

Builds every ClassLab wheel from this checkout (the labextensions were prebuilt by `make build`), installs them into
a fresh venv that has only JupyterLab, with no Node.js on PATH for that step, and asks Jupyter what it sees.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXTENSIONS = ["slides", "video", "help", "gpu", "grader"]
PROJECTS = ["server-ext-bridge", *(f"extensions/{name}" for name in EXTENSIONS), "meta"]
JUPYTERLAB = next(
    line.strip() for line in (REPO / "requirements-dev.txt").read_text().splitlines() if line.startswith("jupyterlab==")
)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(*command: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    return ANSI.sub("", result.stdout + result.stderr)


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheels")
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(out),
        *(str(REPO / project) for project in PROJECTS))  # fmt: skip
    return out


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory, wheels: Path) -> Iterator[dict[str, object]]:
    """A venv with only JupyterLab, then ClassLab from the wheels with Node off PATH and no index."""
    root = tmp_path_factory.mktemp("fresh")
    venv = root / "venv"
    run(sys.executable, "-m", "venv", str(venv))
    run(str(venv / "bin/python"), "-m", "pip", "install", "--quiet", JUPYTERLAB)

    env = {
        "PATH": str(venv / "bin"),  # nothing else: no node, no npm, no jlpm
        "HOME": str(root / "home"),
        "JUPYTER_CONFIG_DIR": str(root / "config"),
        "JUPYTER_DATA_DIR": str(root / "data"),
        "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
        "JUPYTER_PREFER_ENV_PATH": "1",
        "LANG": "C.UTF-8",
    }
    assert shutil.which("node", path=env["PATH"]) is None
    assert shutil.which("npm", path=env["PATH"]) is None
    run(str(venv / "bin/python"), "-m", "pip", "install", "--quiet", "--no-index", f"--find-links={wheels}", "classlab",
        env=env)  # fmt: skip
    yield {"venv": venv, "env": env, "root": root}


def test_every_wheel_is_built(wheels: Path):
    names = sorted(path.name.split("-")[0] for path in wheels.glob("*.whl"))
    assert names == sorted(["classlab", "classlab_bridge", *(f"classlab_{name}" for name in EXTENSIONS)])


@pytest.mark.parametrize("name", EXTENSIONS)
def test_extension_wheel_ships_a_prebuilt_labextension(wheels: Path, name: str):
    (wheel,) = wheels.glob(f"classlab_{name}-*.whl")
    files = zipfile.ZipFile(wheel).namelist()
    share = f"classlab_{name}-0.1.0.data/data/share/jupyter/labextensions/@classlab/{name}/"
    assert share + "package.json" in files
    assert share + "install.json" in files
    assert share + "schemas/@classlab/" + name + "/plugin.json" in files
    assert any(re.fullmatch(re.escape(share) + r"static/remoteEntry\.[0-9a-f]+\.js", f) for f in files)


@pytest.mark.parametrize("name", EXTENSIONS)
def test_extension_wheel_ships_its_translations(wheels: Path, name: str):
    (wheel,) = wheels.glob(f"classlab_{name}-*.whl")
    archive = zipfile.ZipFile(wheel)
    assert f"classlab_{name}/locale/zh_CN/LC_MESSAGES/classlab_{name}.json" in archive.namelist()
    entry_points = archive.read(f"classlab_{name}-0.1.0.dist-info/entry_points.txt").decode()
    assert f"[jupyterlab.locale]\nclasslab_{name} = classlab_{name}" in entry_points


def test_bridge_wheel_enables_itself(wheels: Path):
    (wheel,) = wheels.glob("classlab_bridge-*.whl")
    config = "classlab_bridge-0.1.0.data/data/etc/jupyter/jupyter_server_config.d/classlab_bridge.json"
    assert config in zipfile.ZipFile(wheel).namelist()


def test_labextension_list_shows_all_five_enabled_and_ok(fresh: dict):
    output = run(str(fresh["venv"] / "bin/jupyter"), "labextension", "list", env=fresh["env"])
    for name in EXTENSIONS:
        assert re.search(rf"@classlab/{name} v0\.1\.0 enabled OK \(python, classlab-{name}\)", output), output
    # Installed as real files in the environment, not links to this checkout.
    for name in EXTENSIONS:
        path = fresh["venv"] / "share/jupyter/labextensions/@classlab" / name
        assert path.is_dir() and not path.is_symlink()


def test_server_extension_list_shows_the_bridge(fresh: dict):
    output = run(str(fresh["venv"] / "bin/jupyter"), "server", "extension", "list", env=fresh["env"])
    assert re.search(r"classlab_bridge enabled", output), output
    assert re.search(r"classlab_bridge 0\.1\.0 OK", output), output


def test_installed_lab_serves_the_extensions_and_the_bridge(fresh: dict):
    """Start JupyterLab from the fresh venv: page config lists every extension, info answers."""
    port = _free_port()
    token = "clean-install-check"
    server = subprocess.Popen(
        [str(fresh["venv"] / "bin/jupyter"), "lab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
         f"--port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={fresh['root']}"],
        env=fresh["env"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(f"{base}/api/status?token={token}", server)
        page = _get(f"{base}/lab?token={token}")
        config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', page, re.S).group(1))
        federated = {extension["name"] for extension in config["federated_extensions"]}
        assert {f"@classlab/{name}" for name in EXTENSIONS} <= federated
        info = json.loads(_get(f"{base}/classlab/api/info?token={token}"))
        assert info["version"] == "0.1.0"
        assert set(info["services"]) == {"gpu", "grader", "help"}
    finally:
        server.terminate()
        server.wait(timeout=30)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def _wait_until_up(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, "JupyterLab from the fresh venv exited during start-up"
        try:
            _get(url)
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"JupyterLab did not answer {url} within {timeout}s")
