"""Running GPU jobs under accounts of their own, never the queue's (``isolate_jobs``; local.py says when).

A job's account is a bare numeric uid (and the gid of the same number) from ``job_uids``, e.g. ``"61000-61063"``: no
``/etc/passwd`` entry is needed, since a process with CAP_SETUID/CAP_SETGID (root) may switch to any id. The runner is
started already switched (``subprocess.Popen(user=, group=, extra_groups=[], umask=0o077)``: setgroups, setgid and
setuid happen in the child before ``exec``), so no job code ever runs with the queue's rights. While a job runs, no
other job has its uid; before the uid is used again every process still running under it is killed and every file
the job had of its own (its home, its scratch folder, its top-level entries in /tmp, /var/tmp and /dev/shm) removed.

The range must belong to this queue alone: at start the queue kills whatever runs under it (left from before).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import stat
import subprocess
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Optional

import psutil

#: Capabilities the queue needs to run jobs under other accounts and clean up after them (root has them all).
CAPABILITIES = {
    "CAP_CHOWN": 0,  # hand the scratch folder and home to the job's account
    "CAP_DAC_OVERRIDE": 1,  # remove what the job left in its folders
    "CAP_FOWNER": 3,
    "CAP_KILL": 5,  # signal the job's processes
    "CAP_SETGID": 6,
    "CAP_SETUID": 7,
}
#: World-writable places where a job may leave files that would outlive it; its top-level entries there are removed.
SHARED_TMP = ("/tmp", "/var/tmp", "/dev/shm")
#: Variables of the queue's environment that point into its own account (a job gets its own home instead).
ACCOUNT_ENV = (
    "XDG_RUNTIME_DIR",
    "XDG_CACHE_HOME",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_STATE_HOME",
    "JUPYTER_RUNTIME_DIR",
    "IPYTHONDIR",
    "MPLCONFIGDIR",
    "SSH_AUTH_SOCK",
    "MAIL",
    "KRB5CCNAME",
)


def parse_uids(text: str) -> list[int]:
    """``"61000-61063"``, ``"61000,61005-61007"`` → the uids, in order; ValueError for nonsense, uid 0 or our own."""
    uids: list[int] = []
    for part in str(text).replace(" ", "").split(","):
        if not part:
            continue
        low, _, high = part.partition("-")
        first, last = int(low), int(high or low)
        if first > last:
            raise ValueError(f"job_uids: {part!r} runs backwards")
        uids.extend(u for u in range(first, last + 1) if u not in uids)
    if not uids:
        raise ValueError("job_uids is empty")
    bad = [u for u in uids if u <= 0 or u >= 2**32 - 1 or u == os.geteuid()]
    if bad:
        raise ValueError(f"job_uids may not hold uid {bad[0]} (root, the queue's own account, or out of range)")
    return uids


def missing_capabilities() -> list[str]:
    """The capabilities of CAPABILITIES this process lacks (none for root)."""
    try:
        with open("/proc/self/status") as f:
            line = next((x for x in f if x.startswith("CapEff:")), "")
        effective = int(line.split()[1], 16)
    except (OSError, IndexError, ValueError):
        return [] if os.geteuid() == 0 else list(CAPABILITIES)
    return [name for name, bit in CAPABILITIES.items() if not effective >> bit & 1]


def unreachable(path: Path) -> Optional[str]:
    """Why another account cannot reach ``path`` (a parent not searchable by others), or None."""
    for parent in reversed(path.resolve().parents):
        try:
            mode = parent.stat().st_mode
        except OSError as e:
            return f"{parent} cannot be examined ({e.strerror})"
        if not mode & stat.S_IXOTH:
            return f"{parent} (mode {stat.S_IMODE(mode):04o}) may not be passed through by other accounts"
    return None


def popen_kwargs(uid: Optional[int]) -> dict[str, Any]:
    """What ``subprocess.Popen`` needs to start a process already switched to ``uid`` (nothing for None)."""
    if uid is None:
        return {}
    return {"user": uid, "group": uid, "extra_groups": [], "umask": 0o077}


def account_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"classlab-job-{uid}"


def job_env(base: Mapping[str, str], home: Path, uid: int) -> dict[str, str]:
    """A job's environment: the base without what points into the queue's account, with its own home and temp."""
    env = {k: v for k, v in base.items() if k not in ACCOUNT_ENV}
    name = account_name(uid)
    env.update(
        HOME=str(home),
        TMPDIR=str(home / "tmp"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        USER=name,
        LOGNAME=name,
    )
    return env


def check_runs(python: str, env: Mapping[str, str], uid: int, timeout: float = 60.0) -> Optional[str]:
    """Why ``python`` cannot import the runner's package under ``uid`` (e.g. it is in a root-only folder), or None."""
    try:
        done = subprocess.run(
            [python, "-c", "import classlab_bridge.gpu.joblog"],
            cwd="/",
            env=dict(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            **popen_kwargs(uid),
        )
    except (OSError, subprocess.SubprocessError) as e:
        return f"{python} cannot be started by uid {uid}: {e}"
    if done.returncode != 0:
        last = (done.stderr.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
        return f"{python} fails under uid {uid}: {last}"
    return None


def hand_over(folder: Path, uid: int) -> None:
    """Makes ``folder`` (made for this job alone) and everything in it the job's account's, the folder mode 0700."""
    for top, dirs, files in os.walk(folder):
        for name in (*dirs, *files):
            os.chown(os.path.join(top, name), uid, uid, follow_symlinks=False)
    os.chown(folder, uid, uid)
    os.chmod(folder, 0o700)


def make_home(home: Path, uid: int) -> None:
    """The job's home (HOME, TMPDIR, Jupyter's runtime files), its account's, 0700."""
    home.mkdir(mode=0o700)
    (home / "tmp").mkdir(mode=0o700)
    hand_over(home, uid)


def _owned_by(proc: psutil.Process, uid: int) -> bool:
    try:
        return uid in proc.uids() and proc.status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def processes(uid: int) -> list[psutil.Process]:
    """Living processes with ``uid`` as their real, effective or saved uid (zombies are dead: not counted)."""
    return [p for p in psutil.process_iter() if p.pid != os.getpid() and _owned_by(p, uid)]


def signal_all(uid: int, sig: int) -> int:
    """Sends ``sig`` to every living process of ``uid``; how many there were."""
    found = processes(uid)
    for p in found:
        try:
            p.send_signal(sig)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return len(found)


def kill_all(uid: int, timeout: float = 5.0) -> int:
    """SIGKILLs every process of ``uid`` until none lives (stopped first, so that none forks away); how many there
    were at first. Whatever the job daemonised (double fork, setsid) has the uid too and goes with it."""
    first = None
    deadline = time.monotonic() + timeout
    while True:
        found = processes(uid)
        if first is None:
            first = len(found)
        if not found or time.monotonic() > deadline:
            return first
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            for p in found:
                try:
                    p.send_signal(sig)
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
        time.sleep(0.01)


def remove(path: Path) -> None:
    """Removes a file or folder tree (as the queue, which may remove anything the job made)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except OSError:
            pass


def clear_shared_tmp(uid: int, places: Iterable[str] = SHARED_TMP) -> None:
    """Removes the job's top-level entries in the world-writable places, so the uid's next job finds none of them."""
    for place in places:
        try:
            entries = list(os.scandir(place))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid == uid:
                    remove(Path(entry.path))
            except OSError:
                pass


class Accounts:
    """The uids of ``job_uids``: which are taken by running jobs (or still being cleaned up after one)."""

    def __init__(self, uids: list[int]) -> None:
        self.uids = uids
        self.taken: set[int] = set()

    def take(self) -> Optional[int]:
        """A uid no running job has and no process still runs under; None when all are in use."""
        for uid in self.uids:
            if uid not in self.taken and not processes(uid):
                self.taken.add(uid)
                return uid
        return None

    def give_back(self, uid: int) -> None:
        self.taken.discard(uid)
