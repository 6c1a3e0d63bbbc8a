"""A real single-node Slurm 22.05 for the ``slurm`` suite (``make test-slurm``), brought up by the repository's
``scripts/slurm-single-node.sh`` from Debian packages: munged, MariaDB, slurmdbd, slurmctld, slurmd with two fake
GPUs (gres on /dev/null) and slurmrestd with JWT on 127.0.0.1:6820.

The suite needs root on Debian 12 (it installs packages, writes /etc/slurm, creates the test logins classlab-s1,
classlab-s2 and classlab-svc and starts daemons). Where that is not possible the tests FAIL with the reason; they
are never skipped. At the end only the daemons this session started are stopped: a cluster that was already up
(someone is working with it) stays up.
"""

from __future__ import annotations

import fcntl
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / "scripts" / "slurm-single-node.sh"
BASE = Path("/tmp/classlab-slurm")
REST_PORT = 6820
GPU_MINUTES = 600
#: Test logins of our own (created by the script's ``users``); no other account of the machine is touched.
USERS = ("classlab-s1", "classlab-s2", "classlab-svc")
#: Daemon name (its $BASE/pids/<name>.pid) -> the program /proc/<pid>/comm must show.
DAEMONS = {
    "munged": "munged",
    "mariadb": "mariadbd",
    "slurmdbd": "slurmdbd",
    "slurmctld": "slurmctld",
    "slurmd": "slurmd",
    "slurmrestd": "slurmrestd",
}


class SlurmScriptError(RuntimeError):
    """scripts/slurm-single-node.sh (or a Slurm command) failed; the message carries its output."""


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _parent(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(stat[stat.rindex(")") + 2 :].split()[1])  # after "pid (comm) state": ppid


def _holds_open(pid: int, path: str) -> bool:
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == path:
                return True
        except OSError:
            continue
    return False


class SlurmCluster:
    """The running test cluster and helpers for tests (tokens, quotas, stopping and restarting daemons)."""

    rest_url = f"http://127.0.0.1:{REST_PORT}"
    jwt_key_path = "/etc/slurm/jwt_hs256.key"
    partition = "gpu"
    gpu_minutes = GPU_MINUTES
    users = USERS

    def __init__(self, base: Path = BASE) -> None:
        self.base = base
        self.script = SCRIPT
        self._tokens: dict[str, tuple[str, float]] = {}
        # Every knob the tests rely on, explicitly: the script does not save them between runs.
        self.env = {
            **os.environ,
            "BASE": str(base),
            "SLURM_USERS": "",
            "ACCOUNTING": "1",
            "REST": "1",
            "REST_PORT": str(REST_PORT),
            "FAKE_GPUS": "2",
            "GPU_MINUTES": str(GPU_MINUTES),
            "PARTITION": self.partition,
        }

    # --- the script -------------------------------------------------------------------------------------------
    def run(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """``scripts/slurm-single-node.sh ARGS`` with this cluster's knobs. Its own session: daemons it starts are
        not in pytest's process group (a Ctrl-C of the test run does not kill them)."""
        done = subprocess.run(
            ["bash", str(self.script), *args],
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            start_new_session=True,
        )
        if check and done.returncode != 0:
            output = (done.stdout + done.stderr).strip().splitlines()
            raise SlurmScriptError(
                f"`{self.script.name} {' '.join(args)}` exited {done.returncode}:\n" + "\n".join(output[-30:])
            )
        return done

    def start(self) -> None:
        """``up``: starts whatever daemon is not running (after stop_daemon or kill_node) and waits for the node."""
        self.run("up")

    def ping(self) -> bool:
        return self.run("ping", check=False).returncode == 0

    # --- daemons ----------------------------------------------------------------------------------------------
    def daemon_pid(self, name: str) -> int | None:
        """The PID the script recorded for NAME, if that process still runs the daemon."""
        try:
            pid = int((self.base / "pids" / f"{name}.pid").read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if _comm(pid) == DAEMONS[name] else None

    def running_daemons(self) -> set[str]:
        return {name for name in DAEMONS if self.daemon_pid(name) is not None}

    def stop_daemon(self, name: str) -> None:
        """Stop one daemon (SIGTERM, SIGKILL after 15 s); ``start()`` brings it back."""
        if name not in DAEMONS:
            raise ValueError(f"unknown daemon {name!r}; one of {sorted(DAEMONS)}")
        self.run("stop", name)

    def kill_node(self) -> list[int]:
        """The compute node dies: SIGKILL its slurmd, its slurmstepds and their job processes, with no chance to
        report anything. slurmctld sets the node DOWN 30-50 s later (SlurmdTimeout=10 after its ping agent gave up
        on the refused connection) and ends the node's jobs NODE_FAIL (JobRequeue=0, no requeue). ``start()``
        brings the node back. Returns the PIDs killed."""
        log = str(self.base / "log" / "slurmd.log")
        # This node's slurmstepds are the ones holding its slurmd.log open (nothing else tells them apart).
        steps = [pid for pid in _pids() if _comm(pid) == "slurmstepd" and _holds_open(pid, log)]
        children: dict[int, list[int]] = {}
        for pid in _pids():
            children.setdefault(_parent(pid), []).append(pid)
        jobs: list[int] = []
        todo = list(steps)
        while todo:
            kids = children.get(todo.pop(), [])
            jobs += kids
            todo += kids
        slurmd = self.daemon_pid("slurmd")
        # Daemon and steps first, so that no step sees its job end and reports it.
        victims = ([slurmd] if slurmd else []) + steps + jobs
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return victims

    # --- identities and quotas --------------------------------------------------------------------------------
    def token(self, user: str, lifespan: int = 600) -> str:
        """A JWT for USER from ``scontrol token`` (signed with the cluster key; root may mint one for anyone)."""
        out = self._command("scontrol", "token", f"username={user}", f"lifespan={lifespan}")
        return out.strip().split("=", 1)[1]

    def rest_headers(self, user: str) -> dict[str, str]:
        """slurmrestd's headers for USER, with a token of USER's that has at least a minute left (reused)."""
        token, expires = self._tokens.get(user, ("", 0.0))
        if expires - time.monotonic() < 60:
            token = self.token(user, 600)
            self._tokens[user] = (token, time.monotonic() + 600)
        return {"X-SLURM-USER-NAME": user, "X-SLURM-USER-TOKEN": token, "Content-Type": "application/json"}

    def sacctmgr(self, *args: str) -> str:
        """``sacctmgr -i -n -P ARGS`` (no questions, no header, parsable), its stdout."""
        return self._command("sacctmgr", "-i", "-n", "-P", *args)

    def set_quota(self, user: str, minutes: int) -> None:
        """GrpTRESMins=gres/gpu=MINUTES for USER in account students; returns once slurmctld has it."""
        self.run("quota", user, str(minutes))

    def reset_usage(self, user: str) -> None:
        """RawUsage=0 for USER (a separate sacctmgr call from any limit change); returns once slurmctld has it."""
        self.run("reset-usage", user)

    def gpu_quota(self, user: str) -> tuple[int, int]:
        """(limit, used) GPU-minutes of USER's students association as slurmctld enforces them."""
        out = self._command("scontrol", "show", "assoc_mgr", f"users={user}", "accounts=students", "flags=assoc")
        match = re.search(r"gres/gpu=(\d+)\((\d+)\)", out)
        if not match:
            raise SlurmScriptError(f"no gres/gpu limit for {user} in scontrol show assoc_mgr:\n{out}")
        return int(match[1]), int(match[2])

    def _command(self, *args: str) -> str:
        done = subprocess.run(args, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise SlurmScriptError(f"`{' '.join(args)}` exited {done.returncode}: {done.stderr.strip()}")
        return done.stdout


def _why_not_here() -> str:
    if not sys.platform.startswith("linux"):
        return f"Slurm from Debian packages needs Linux, this is {sys.platform}"
    if os.geteuid() != 0:
        return (
            "not running as root: the Slurm suite installs Debian packages, writes /etc/slurm, creates test logins "
            "and starts Slurm's daemons (run it as root, e.g. in the CI container)"
        )
    if not shutil.which("apt-get") or not Path("/etc/debian_version").exists():
        return "no apt-get here: the suite brings up Slurm 22.05 from Debian 12 packages"
    if not SCRIPT.exists():
        return f"{SCRIPT} is missing"
    return ""


@pytest.fixture(scope="session")
def slurm_cluster() -> Iterator[SlurmCluster]:
    """Slurm up (``up``; fast when already up), the test logins with their associations and a fresh quota. FAILS
    (never skips) with the reason where this machine cannot run Slurm."""
    problem = _why_not_here()
    if problem:
        pytest.fail(f"The Slurm suite cannot run on this machine: {problem}.", pytrace=False)
    cluster = SlurmCluster()
    failure = None
    with _sessions_lock():
        others = _live_sessions()
        (SESSIONS / str(os.getpid())).touch()
        # Another session runs: it brought the cluster up and may be in the middle of a fault test (a daemon
        # stopped on purpose) or a quota test, so join without touching anything.
        if not others:
            before = cluster.running_daemons()
            try:
                cluster.run("up", timeout=900)  # may install the packages first
                cluster.run("users", *USERS)  # creates missing logins; sets each one's quota to GPU_MINUTES
                for user in USERS:
                    cluster.reset_usage(user)
            except (SlurmScriptError, subprocess.TimeoutExpired) as error:
                failure = f"Could not bring up the Slurm test cluster (logs: {BASE}/log):\n{error}"
            _record_started(cluster.running_daemons() - before)
    if failure:
        _leave(cluster)
        pytest.fail(failure, pytrace=False)
    yield cluster
    _leave(cluster)


# Test sessions may share the cluster (two developers' runs, or a run beside `make test`): each registers in
# SESSIONS; the first brings the cluster up and lists the daemons it started in SESSIONS/started, and the last one
# to leave stops those, never the ones that were up before (someone's `up`). Joining and leaving are serialised by
# SESSIONS_LOCK. (Sessions that run fault tests at the same time still disturb each other.)
SESSIONS = Path(f"{BASE}.sessions")
SESSIONS_LOCK = Path(f"{BASE}.sessions.lock")


@contextmanager
def _sessions_lock() -> Iterator[None]:
    SESSIONS.mkdir(exist_ok=True)
    with open(SESSIONS_LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _live_sessions() -> list[int]:
    """Other test sessions still running (files of ended ones are removed)."""
    live = []
    for entry in SESSIONS.glob("[0-9]*"):
        pid = int(entry.name)
        if pid != os.getpid() and Path(f"/proc/{pid}").exists():
            live.append(pid)
        elif pid != os.getpid():
            entry.unlink(missing_ok=True)
    return live


def _record_started(names: set[str]) -> None:
    started = SESSIONS / "started"
    known = set(started.read_text().split()) if started.exists() else set()
    started.write_text("\n".join(sorted(known | names)) + "\n")


def _leave(cluster: SlurmCluster) -> None:
    """This session is done. The last one out stops what test sessions started, and only that; a cluster that
    was up before stays up (restarted where a fault test left a daemon stopped)."""
    with _sessions_lock():
        (SESSIONS / str(os.getpid())).unlink(missing_ok=True)
        if _live_sessions():
            return
        started_file = SESSIONS / "started"
        started = set(started_file.read_text().split()) if started_file.exists() else set()
        started_file.unlink(missing_ok=True)
        if not started:
            if cluster.running_daemons() != set(DAEMONS):
                cluster.run("up", check=False)
        elif started >= set(DAEMONS):
            cluster.run("down", check=False)
        else:
            cluster.run("stop", *(name for name in DAEMONS if name in started), check=False)


@pytest.fixture(scope="session")
def shared_root(slurm_cluster: SlurmCluster) -> Path:
    """The cluster's "shared filesystem" (the compute node is this machine): $BASE/shared, mode 1777."""
    root = slurm_cluster.base / "shared"
    root.mkdir(exist_ok=True)
    root.chmod(0o1777)
    return root


@pytest.fixture
def shared(shared_root: Path, request: pytest.FixtureRequest) -> Path:
    """This test's folder on the shared filesystem, emptied first, owned by root, mode 0755."""
    folder = shared_root / re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.name)[:60]
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    folder.chmod(0o755)
    return folder


@pytest.fixture
def user_folder(shared: Path) -> Callable[..., Path]:
    """``user_folder(owner, name=owner, mode=0o755)``: a folder in this test's shared folder owned by OWNER (a
    login), e.g. the notebook folder or job folder a student's job runs in."""

    def make(owner: str, name: str | None = None, mode: int = 0o755) -> Path:
        entry = pwd.getpwnam(owner)
        folder = shared / (name or owner)
        folder.mkdir()
        folder.chmod(mode)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
        return folder

    return make
