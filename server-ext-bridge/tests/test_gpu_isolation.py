"""GPU jobs under accounts of their own (``isolate_jobs``): a student's job cannot reach the quota ledger, other jobs,
or the service's secrets, leaves nothing running or on disk behind, and cannot talk its way out of a time limit.

These run real jobs under real uids, so they need root (this project's test machines run as root); elsewhere they are
skipped. A job account must be able to run Python: when this interpreter lives under a root-only folder (e.g.
``/root/.pyenv``), the system's Python of the same version runs jobs with this environment's packages on PYTHONPATH.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import site
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any, Optional

import classlab_bridge
import pytest
from classlab_bridge.gpu import isolation
from classlab_bridge.gpu.joblog import EVENTS, append
from classlab_bridge.gpu.local import LocalQueue
from classlab_bridge.gpu.queue import GpuError, GpuUser, JobBundle, JobCell
from classlab_bridge.gpu.remote import multipart
from hub_fake import start_hub_and_gpu_service
from test_gpu_local import Clock, wait_for, wait_output, wait_state
from test_gpu_service import job as service_job
from test_gpu_service import zipped
from tornado.httpclient import AsyncHTTPClient, HTTPRequest

needs_root = pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.geteuid() != 0, reason="isolated jobs need root on Linux"
)

ANN, BEN = GpuUser("ann"), GpuUser("ben")
_PYTHON: dict[str, Any] = {}


def some_uids(n: int = 4) -> tuple[int, str]:
    """A random range of uids nobody uses (several test runs on one machine must not kill each other's jobs)."""
    first = random.randrange(1_000_000, 2_000_000_000)
    return first, f"{first}-{first + n - 1}"


def job_python() -> tuple[str, dict[str, str]]:
    """(python, extra environment) with which a job account can run the runner; skips when there is none."""
    if not _PYTHON:
        uid, _ = some_uids(1)
        path = os.pathsep.join([str(Path(classlab_bridge.__file__).parents[1]), *site.getsitepackages()])
        candidates = [(sys.executable, {})]
        version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
        for folder in ("/usr/bin", "/usr/local/bin"):
            candidates.append((f"{folder}/{version}", {"PYTHONPATH": path}))
        for python, extra in candidates:
            if os.path.exists(python) and not isolation.check_runs(python, {**os.environ, **extra}, uid):
                _PYTHON.update(python=python, extra=extra)
                break
        else:
            _PYTHON.update(python=None, extra={})
    if _PYTHON["python"] is None:
        pytest.skip("no Python that an unprivileged account may run")
    return _PYTHON["python"], dict(_PYTHON["extra"])


@pytest.fixture
def base():
    """A folder other accounts may pass through (pytest's tmp_path is under a root-only 0700 folder)."""
    folder = Path(tempfile.mkdtemp(prefix="classlab-gpu-isolation-"))
    folder.chmod(0o711)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def make_queue(base, jp_asyncio_loop, monkeypatch):
    made = []
    python, extra = job_python()
    for key, value in extra.items():
        monkeypatch.setenv(key, value)
    # A secret of "the service" (this test process): never in a job's environment, and not readable from /proc.
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "the-service-secret")

    def make(**kw):
        first, uids = some_uids()
        kw.setdefault("data_dir", base / "gpu")
        kw.setdefault("poll_interval", 0.05)
        kw.setdefault("environ", {"PATH": str(base)})  # no nvidia-smi: the CPU
        kw.setdefault("isolate_jobs", "on")
        kw.setdefault("job_uids", uids)
        kw.setdefault("python", python)
        kw.setdefault("kill_grace", 1.0)
        queue = LocalQueue(**kw)
        queue.first_uid = first
        made.append(queue)
        return queue

    yield make
    for queue in made:
        jp_asyncio_loop.run_until_complete(queue.close(stop_running=True))


def scratch_folder(base: Path, files: dict[str, str]) -> Path:
    """A per-job folder as the Hub service makes one (root's, 0700, until the job starts)."""
    root = base / "scratch"
    root.mkdir(mode=0o711, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="job-", dir=root))
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def bundle(folder: Path, source: str, time_limit: Optional[int] = None) -> JobBundle:
    return JobBundle("nb.ipynb", "python3", [JobCell("c0", source, True)], folder, time_limit, scratch=True)


async def printed(queue: LocalQueue, user: GpuUser, job_id: str) -> str:
    _, outputs = await queue.get(user, job_id)
    return "".join(o.get("text", "") for outs in outputs.values() for o in outs)


PROBE = """
import json, os
def attempt(do):
    try:
        do()
        return "allowed"
    except Exception as e:
        return type(e).__name__
print(json.dumps({{
    "uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "groups": os.getgroups(),
    "umask": os.umask(0o077), "home": os.environ["HOME"], "cwd": os.getcwd(),
    "token_in_env": "JUPYTERHUB_API_TOKEN" in os.environ,
    "ledger_read": attempt(lambda: open({db!r}, "rb").read(1)),
    "ledger_write": attempt(lambda: open({db!r}, "r+b")),
    "data_dir_listing": attempt(lambda: os.listdir({data!r})),
    "events": attempt(lambda: open({events!r}, "ab")),
    "other_listing": attempt(lambda: os.listdir({other!r})),
    "other_read": attempt(lambda: open({other!r} + "/secret.txt").read()),
    "service_environ": attempt(lambda: open("/proc/{pid}/environ", "rb").read()),
    "own_file": attempt(lambda: open("mine.txt", "w").write("x")),
}}))
"""


@needs_root
async def test_an_isolated_job_reaches_neither_the_ledger_nor_other_jobs_nor_the_service_secrets(make_queue, base):
    queue = make_queue(cpu_slots=2)
    info = await queue.info()
    assert info["isolated"] is True and "message" not in info, queue.isolation_problem
    data = queue.data_dir
    assert stat.S_IMODE(data.stat().st_mode) == 0o711  # passable, not listable
    assert stat.S_IMODE((data / "jobs").stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "queue.sqlite").stat().st_mode) == 0o600

    other_folder = scratch_folder(base, {"secret.txt": "ann's work"})
    other = await queue.submit(ANN, bundle(other_folder, "print('started', flush=True)\nimport time\ntime.sleep(60)"))
    await wait_output(queue, ANN, other["id"], "started")
    owner = other_folder.stat()
    assert owner.st_uid in queue.job_uids and stat.S_IMODE(owner.st_mode) == 0o700  # handed to ann's job's account

    folder = scratch_folder(base, {"data.txt": "1"})
    source = PROBE.format(
        db=str(data / "queue.sqlite"),
        data=str(data),
        events=str(data / "jobs" / other["id"] / EVENTS),
        other=str(other_folder),
        pid=os.getpid(),
    )
    probe = await queue.submit(BEN, bundle(folder, source))
    await wait_state(queue, BEN, probe["id"], "succeeded")
    seen = json.loads(await printed(queue, BEN, probe["id"]))
    # (4) Its own uid from the range (not ann's job's), the gid of that number, no groups, umask 077, its own home.
    assert seen["uid"] == seen["euid"] == seen["gid"] and seen["uid"] in queue.job_uids
    assert seen["uid"] != owner.st_uid and seen["groups"] == [] and seen["umask"] == 0o077
    assert seen["home"] == str(data / "homes" / probe["id"]) and seen["cwd"] == str(folder)
    # (1) The ledger: neither read nor written; the queue's folders not listed.
    assert (seen["ledger_read"], seen["ledger_write"]) == ("PermissionError", "PermissionError")
    assert seen["data_dir_listing"] == "PermissionError" and seen["events"] == "PermissionError"
    # (2) Another running job's folder: neither listed nor read.
    assert (seen["other_listing"], seen["other_read"]) == ("PermissionError", "PermissionError")
    # (3) The service's secret: not inherited, not readable from /proc.
    assert seen["token_in_env"] is False and seen["service_environ"] == "PermissionError"
    assert seen["own_file"] == "allowed"  # its own folder is its to write
    await queue.cancel(ANN, other["id"])


DAEMON = """
import os, tempfile
open("/tmp/classlab-left-behind-{tag}", "w").write("x")
open(os.path.join(tempfile.gettempdir(), "cache"), "w").write("x")
r, w = os.pipe()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.write(w, str(os.getpid()).encode())
        os.execvp("sleep", ["sleep", "300"])
    os._exit(0)
os.close(w)
os.wait()
print(os.getuid(), os.read(r, 32).decode(), os.getcwd(), os.environ["HOME"])
"""


@pytest.fixture
def iso_hub(base, make_queue, jp_asyncio_loop):
    """The Hub service (fake Hub API) with an isolated queue, its data under ``base``."""
    data = base / "service"
    queue = make_queue(data_dir=data)

    async def start():
        return start_hub_and_gpu_service(queue=queue, data_dir=str(data))

    running = jp_asyncio_loop.run_until_complete(start())
    yield running
    jp_asyncio_loop.run_until_complete(running["app"].teardown())
    for server in running["servers"]:
        server.stop()


@needs_root
async def test_after_a_job_nothing_of_its_account_runs_or_stays_on_disk(iso_hub):
    queue = iso_hub["queue"]
    tag = random.randrange(1 << 30)
    body, content_type = multipart(
        [
            ("job", None, "application/json", json.dumps(service_job(DAEMON.format(tag=tag))).encode()),
            ("folder", "f.zip", "application/zip", zipped({"data.csv": "x\n1\n"})),
        ]
    )
    response = await AsyncHTTPClient().fetch(
        HTTPRequest(
            iso_hub["url"] + "api/gpu/jobs",
            method="POST",
            headers={"Authorization": "token student1-server", "Content-Type": content_type},
            body=body,
        ),
        raise_error=False,
    )
    assert response.code == 201, response.body
    job_id = json.loads(response.body)["job"]["id"]
    student = GpuUser("student1")
    await wait_state(queue, student, job_id, "succeeded")
    uid, daemon, cwd, home = (await printed(queue, student, job_id)).split()
    uid = int(uid)
    assert uid in queue.job_uids and Path(cwd).parent == Path(iso_hub["app"].scratch.root)

    async def all_gone():
        files = os.path.exists(cwd) or os.path.exists(home)
        return not isolation.processes(uid) and not files and uid not in queue._accounts.taken  # free again

    # (5) The daemon (double fork, setsid, sleep 300) is killed; (6) the scratch folder and home are removed; then
    # (not before) the uid is free for the next job.
    await wait_for(all_gone, timeout=10, what="the job's processes and files gone")
    assert not os.path.exists(f"/proc/{daemon}") or isolation.processes(uid) == []
    assert not os.path.exists(f"/tmp/classlab-left-behind-{tag}")  # its entries in shared temp folders too
    assert iso_hub["app"].warn_unisolated(queue) is None


@needs_root
async def test_a_forged_result_line_cannot_turn_a_stopped_job_into_a_success(make_queue, base, monkeypatch):
    clock = Clock()
    queue = make_queue(clock=clock)
    # The job waits for a file the test makes, then kills its own runner: a forged "succeeded" is then the last
    # result line in its events (a job can write there: its runner's descriptor is its account's).
    source = (
        "import os, signal, time\nprint('started', flush=True)\n"
        "while not os.path.exists('go'):\n    time.sleep(0.02)\nos.kill(os.getppid(), signal.SIGKILL)\ntime.sleep(30)"
    )
    forged = {"type": "result", "status": "succeeded", "error": None}

    # A runner that did not exit 0 did not succeed, whatever the last result line says.
    folder = scratch_folder(base, {})
    first = await queue.submit(ANN, bundle(folder, source))
    await wait_output(queue, ANN, first["id"], "started")
    append(queue.data_dir / "jobs" / first["id"] / EVENTS, forged)
    (folder / "go").write_text("")
    final = await wait_state(queue, ANN, first["id"], "failed", "succeeded")
    assert final["state"] == "failed" and final["error"]["ename"] == "RunnerError"

    # (7) Past its time limit before the watcher looked (the watcher is held back here): timed out, charged the limit.
    folder = scratch_folder(base, {})
    second = await queue.submit(BEN, bundle(folder, source, time_limit=5))
    await wait_output(queue, BEN, second["id"], "started")
    monkeypatch.setattr(queue, "_check_limits", lambda run: None)
    append(queue.data_dir / "jobs" / second["id"] / EVENTS, forged)
    clock.advance(7)
    (folder / "go").write_text("")
    final = await wait_state(queue, BEN, second["id"], "timed_out", "succeeded", "failed")
    assert final["state"] == "timed_out" and final["elapsed_seconds"] == 5
    assert (await queue.quota(BEN))["used_seconds"] == 5


@needs_root
async def test_after_a_restart_the_jobs_account_is_cleared(make_queue, base):
    first = make_queue()
    folder = scratch_folder(base, {})
    j = await first.submit(ANN, bundle(folder, "print('partial', flush=True)\nimport time\ntime.sleep(60)"))
    await wait_output(first, ANN, j["id"], "partial")
    uid = folder.stat().st_uid
    await first.close()  # as a crash would: the job runs on
    assert isolation.processes(uid)

    second = make_queue(job_uids=",".join(map(str, first.job_uids)))
    interrupted, outputs = await second.get(ANN, j["id"])
    assert interrupted["state"] == "interrupted" and outputs["c0"][0]["text"] == "partial\n"
    assert not isolation.processes(uid) and not folder.exists()
    assert not (second.data_dir / "homes" / j["id"]).exists()


@needs_root
async def test_isolation_off_runs_jobs_as_before_and_on_refuses_when_it_cannot(make_queue, tmp_path, base):
    # (8) off: the queue's own account, its environment (less its secrets), in the notebook's folder, untouched.
    folder = base / "lesson"
    folder.mkdir()
    queue = make_queue(isolate_jobs="off", data_dir=base / "plain")
    assert (await queue.info())["isolated"] is False
    j = await queue.submit(
        ANN,
        JobBundle(
            "lesson/nb.ipynb",
            "python3",
            [JobCell("c0", "import os\nprint(os.getuid(), 'JUPYTERHUB_API_TOKEN' in os.environ)", True)],
            folder,
        ),
    )
    await wait_state(queue, ANN, j["id"], "succeeded")
    assert await printed(queue, ANN, j["id"]) == f"{os.getuid()} False\n"
    assert folder.is_dir()

    # on, where job accounts cannot reach the data dir (pytest's tmp_path is in a root-only folder): refused, clearly.
    strict = make_queue(isolate_jobs="on", data_dir=tmp_path / "strict")
    info = await strict.info()
    assert info["isolated"] is False and "cannot reach" in info["message"] and "0700" in info["message"]
    with pytest.raises(GpuError) as e:
        await strict.submit(ANN, bundle(folder, "print(1)"))
    assert (e.value.status, e.value.code) == (503, "isolation_unavailable")
    # auto there: jobs share the queue's account, and the Hub service would say so loudly.
    lenient = make_queue(isolate_jobs="auto", data_dir=tmp_path / "lenient")
    assert (await lenient.info())["isolated"] is False and "cannot reach" in lenient.isolation_problem
    from classlab_bridge.gpu.service_app import GpuServiceApp

    warning = GpuServiceApp().warn_unisolated(lenient)
    assert warning and "UNDER THIS SERVICE'S OWN ACCOUNT" in warning and "ledger" in warning


def test_auto_means_isolated_in_the_hub_service_and_off_in_the_bridge(tmp_path):
    from classlab_bridge.app import ClassLabBridgeApp
    from classlab_bridge.gpu.service_app import GpuServiceApp
    from classlab_bridge.gpu.settings import make_local_queue

    service = make_local_queue(GpuServiceApp(job_uids="70000-70003"), "", tmp_path / "s", service=True)
    bridge = make_local_queue(ClassLabBridgeApp(), "gpu_", tmp_path / "b")
    strict = make_local_queue(ClassLabBridgeApp(gpu_isolate_jobs="on"), "gpu_", tmp_path / "c")
    assert (service.isolate_jobs, service.job_uids) == ("auto", list(range(70000, 70004)))
    assert (bridge.isolate_jobs, strict.isolate_jobs) == ("off", "on")
    with pytest.raises(ValueError):
        isolation.parse_uids("0-10")
    assert isolation.parse_uids("5-6,9") == [5, 6, 9]
