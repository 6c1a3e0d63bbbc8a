"""Slurm GPU queue: submit → running through ClassLab against plain sbatch, and a burst of 200 jobs from 20 users

Issue #8's benchmark, on the real single-node Slurm 22.05 of ``scripts/slurm-single-node.sh`` (slurmctld, slurmd,
slurmdbd with MariaDB, slurmrestd with JWT; two fake GPUs as ``gres/gpu``, so the cells run on the CPU). The bench
brings the cluster up when it is not (and takes it down at the end only then), and makes its own 20 logins
``classlab-b01`` … ``classlab-b20`` with the script's ``users`` (POSIX account + association in ``students``).

(1) **Submit → running**: the same one-second job with ``--gres=gpu:1`` and a 1-minute limit, one at a time on an
idle cluster, by plain ``sbatch`` as a bench login (``runuser``), watched with ``squeue`` every 20 ms (the
**anchor**), and through ``SlurmQueue.submit`` (mode ``user``, KeyTokens, slurmrestd) watched with ``queue.get``
every 20 ms until the record says ``running`` (which the queue takes from Slurm's RUNNING, polled every
``CLASSLAB_BENCH_SLURM_POLL`` s). Kernel start-up comes after and is not part of it. (2) **Burst**: 200 one-line jobs
(``print(1)``) from 20 users, 10 each, every user submitting back to back and all users at once, through one
SlurmQueue (poll interval 1 s, the default) in this process, followed to the end: submit throughput, this process's
CPU seconds and peak RSS, wall time, end states, and whether Slurm's accounting (``sacct``) has every job.
"""

from __future__ import annotations

import asyncio
import collections
import fcntl
import json
import os
import pwd
import re
import resource
import shutil
import signal
import site
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

from _servers import REPO

sys.path.insert(0, str(REPO / "server-ext-bridge"))

import classlab_bridge  # noqa: E402
from classlab_bridge.gpu.queue import TERMINAL, GpuUser, JobBundle, JobCell  # noqa: E402
from classlab_bridge.gpu.slurm.queue import SlurmQueue  # noqa: E402
from classlab_bridge.gpu.slurm.rest import SLURM_TERMINAL, SlurmRest  # noqa: E402
from classlab_bridge.gpu.slurm.tokens import KeyTokens  # noqa: E402

START_JOBS = int(os.environ.get("CLASSLAB_BENCH_SLURM_JOBS", "20"))
WARMUP_JOBS = 1
QUEUE_POLL = float(os.environ.get("CLASSLAB_BENCH_SLURM_POLL", "1.0"))  # the default slurm_poll_interval
WATCH = 0.02  # how often the bench looks: squeue for plain sbatch, queue.get for ClassLab
BURST_JOBS = int(os.environ.get("CLASSLAB_BENCH_SLURM_BURST", "200"))
BURST_USERS = 20
BURST_POLL = float(os.environ.get("CLASSLAB_BENCH_SLURM_BURST_POLL", "1.0"))
ENABLED = os.environ.get("CLASSLAB_BENCH_SLURM", "1") != "0"
WAIT_SESSIONS = float(os.environ.get("CLASSLAB_BENCH_SLURM_WAIT", "1800"))
TARGET_RATIO = 1.2
TIME_LIMIT = 60  # seconds: Slurm's 1 minute, for both sides (the quota check of `safe` needs 1 GPU-minute per job)

SCRIPT = REPO / "scripts" / "slurm-single-node.sh"
BASE = Path("/tmp/classlab-slurm")
REST_URL = "http://127.0.0.1:6820"
JWT_KEY = Path("/etc/slurm/jwt_hs256.key")
SLURMCTLD_LOG = BASE / "log" / "slurmctld.log"
PARTITION = "gpu"
#: The same knobs as the Slurm test suite (server-ext-bridge/tests/slurm/conftest.py): `up` with other ones would
#: rewrite slurm.conf under a running test session.
CLUSTER_ENV = {
    "BASE": str(BASE),
    "SLURM_USERS": "",
    "ACCOUNTING": "1",
    "REST": "1",
    "REST_PORT": "6820",
    "FAKE_GPUS": "2",
    "GPU_MINUTES": "600",
    "PARTITION": PARTITION,
}
#: The bench's own logins (created by the script's `users`); no other account is touched.
USERS = [f"classlab-b{i:02d}" for i in range(1, BURST_USERS + 1)]
DAEMONS = {
    "munged": "munged",
    "mariadb": "mariadbd",
    "slurmdbd": "slurmdbd",
    "slurmctld": "slurmctld",
    "slurmd": "slurmd",
    "slurmrestd": "slurmrestd",
}
#: The Slurm test sessions' registry (conftest.py): the bench registers there too, so a test session ending
#: meanwhile leaves the cluster up, and whoever is last out stops only what a session or the bench started.
SESSIONS = Path(f"{BASE}.sessions")
SESSIONS_LOCK = Path(f"{BASE}.sessions.lock")
#: The Python the bench logins' jobs run: this venv's may live under /root, out of their reach, so the system's of
#: the same version with this environment's packages on PYTHONPATH (as the Slurm tests do).
JOB_PYTHON = f"/usr/bin/python{sys.version_info[0]}.{sys.version_info[1]}"
JOB_ENV = {"PYTHONPATH": os.pathsep.join([str(Path(classlab_bridge.__file__).parents[1]), *site.getsitepackages()])}

SECTION_START = "Submit → RUNNING on an idle cluster: plain sbatch (anchor) vs ClassLab's SlurmQueue, 1 fake GPU"
SECTION_BURST = (
    f"Burst: {BURST_JOBS} jobs from {BURST_USERS} users through one SlurmQueue (cells `print(1)`, 2 fake GPUs)"
)


# -- small helpers ------------------------------------------------------------------------------------------------


def _r(x: Optional[float], digits: int = 1) -> Optional[float]:
    return None if x is None else round(x, digits)


def _pct(values: Sequence[float], p: int) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, -(-p * len(ordered) // 100) - 1))]


def _stats_ms(values: Sequence[float]) -> dict[str, Optional[float]]:
    ms = [v * 1000 for v in values]
    return {
        "median ms": _r(statistics.median(ms)),
        "p90 ms": _r(_pct(ms, 90)),
        "min ms": _r(min(ms)),
        "max ms": _r(max(ms)),
    }


def _command(*args: str, timeout: float = 60, cwd: Optional[Path] = None) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, cwd=cwd)
    if done.returncode != 0:
        raise RuntimeError(f"`{' '.join(args)}` exited {done.returncode}: {(done.stdout + done.stderr).strip()}")
    return done.stdout


def _status_kb(field: str) -> int:
    match = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    return int(match[1]) if match else 0


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- the cluster --------------------------------------------------------------------------------------------------


def _why_not_here() -> str:
    if not sys.platform.startswith("linux"):
        return f"Slurm from Debian packages needs Linux, this is {sys.platform}"
    if os.geteuid() != 0:
        return "not root: the single-node Slurm needs root (packages, /etc/slurm, logins, daemons)"
    if not shutil.which("apt-get") or not Path("/etc/debian_version").exists():
        return "no apt-get here: the cluster is Slurm 22.05 from Debian 12 packages"
    if not Path(JOB_PYTHON).exists():
        return f"{JOB_PYTHON} (the Python the bench logins' jobs run) is missing"
    return ""


def _script(*args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        ["bash", str(SCRIPT), *args],
        env={**os.environ, **CLUSTER_ENV},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        start_new_session=True,  # the daemons it starts are not in the bench's process group
    )
    if check and done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-30:])
        raise RuntimeError(f"`{SCRIPT.name} {' '.join(args)}` exited {done.returncode}:\n{tail}")
    return done


def _running_daemons() -> set[str]:
    running = set()
    for name, comm in DAEMONS.items():
        try:
            pid = int((BASE / "pids" / f"{name}.pid").read_text().strip())
            if Path(f"/proc/{pid}/comm").read_text().strip() == comm:
                running.add(name)
        except (OSError, ValueError):
            continue
    return running


@contextmanager
def _sessions_lock() -> Iterator[bool]:
    """The test sessions' lock (True). False instead when it cannot be had because only the cluster's own daemons
    hold it: started by someone who held the lock on an inheritable descriptor (`flock FILE command` does), they
    keep it as long as they run, and nobody could ever take it again. Fails after WAIT_SESSIONS otherwise."""
    SESSIONS.mkdir(exist_ok=True)
    deadline = time.monotonic() + WAIT_SESSIONS
    with open(SESSIONS_LOCK, "a") as lock:
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                locked = True
                break
            except BlockingIOError:
                holders = _lock_holders()
                if holders and holders <= _daemon_pids():
                    locked = False
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{SESSIONS_LOCK} still held after {WAIT_SESSIONS:.0f} s (processes {sorted(holders)})"
                    ) from None
                time.sleep(1)
        yield locked


def _lock_holders() -> set[int]:
    """Other processes with the sessions lock file open."""
    holders = set()
    for pid in (int(name) for name in os.listdir("/proc") if name.isdigit()):
        if pid == os.getpid():
            continue
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == str(SESSIONS_LOCK):
                    holders.add(pid)
                    break
            except OSError:
                continue
    return holders


def _daemon_pids() -> set[int]:
    pids = set()
    for name in _running_daemons():
        try:
            pids.add(int((BASE / "pids" / f"{name}.pid").read_text().strip()))
        except (OSError, ValueError):
            continue
    return pids


def _live_sessions() -> list[int]:
    live = []
    for entry in SESSIONS.glob("[0-9]*"):
        pid = int(entry.name)
        if pid != os.getpid() and Path(f"/proc/{pid}").exists():
            live.append(pid)
        elif pid != os.getpid():
            entry.unlink(missing_ok=True)
    return live


@contextmanager
def cluster() -> Iterator[dict[str, Any]]:
    """The cluster up with the bench logins; yields facts for the report. A Slurm test session that is running
    (it may be stopping daemons on purpose) is waited for first, up to CLASSLAB_BENCH_SLURM_WAIT seconds. At the end
    only what was started here (or by a test session that has ended meanwhile) is stopped, and only when no test
    session is running then."""
    facts: dict[str, Any] = {"stuck_lock": False}
    t0 = time.monotonic()
    told = False
    while True:
        with _sessions_lock() as locked:
            others = _live_sessions()
            if not others:
                facts["stuck_lock"] = not locked
                (SESSIONS / str(os.getpid())).touch()
                try:
                    _join(facts)
                except BaseException:
                    _leave_locked(facts)
                    raise
                break
        if time.monotonic() - t0 > WAIT_SESSIONS:
            raise RuntimeError(
                f"Slurm test session(s) {others} (in {SESSIONS}) still running after {WAIT_SESSIONS:.0f} s; the bench "
                "does not measure beside them (their fault tests stop daemons)"
            )
        if not told:
            print(f"bench_slurm: waiting for Slurm test session(s) {others} to end", file=sys.stderr, flush=True)
            told = True
        time.sleep(5)
    facts["waited_seconds"] = round(time.monotonic() - t0 - facts["up_seconds"] - facts["users_seconds"], 1)
    try:
        yield facts
    finally:
        with _sessions_lock():
            _leave_locked(facts)


def _join(facts: dict[str, Any]) -> None:
    """Under the sessions lock, no test session running: `up` (about a second when up; it also restarts a daemon
    someone stopped), the bench logins, `ping`."""
    before = _running_daemons()
    facts["was_up"] = before == set(DAEMONS)
    t = time.monotonic()
    _script("up", timeout=900)
    facts["up_seconds"] = round(time.monotonic() - t, 1)
    facts["started_here"] = sorted(_running_daemons() - before)
    if not facts["stuck_lock"]:
        record = SESSIONS / "started"
        known = set(record.read_text().split()) if record.exists() else set()
        record.write_text("\n".join(sorted(known | set(facts["started_here"]))) + "\n")
    t = time.monotonic()
    _script("users", *USERS, timeout=600)
    facts["users_seconds"] = round(time.monotonic() - t, 1)
    _script("ping")


def _leave_locked(facts: dict[str, Any]) -> None:
    """(Under the sessions lock.) The bench is done; the last one out stops what a session or the bench started.
    With the lock stuck (see _sessions_lock) the record is not the bench's to act on: only what it started itself
    is stopped."""
    (SESSIONS / str(os.getpid())).unlink(missing_ok=True)
    if _live_sessions():
        return
    if facts.get("stuck_lock"):
        started = set(facts.get("started_here", []))
    else:
        record = SESSIONS / "started"
        started = set(record.read_text().split()) if record.exists() else set()
        record.unlink(missing_ok=True)
    if started >= set(DAEMONS):
        _script("down", check=False)
    elif started:
        _script("stop", *(name for name in DAEMONS if name in started), check=False)


# -- jobs ---------------------------------------------------------------------------------------------------------


def _user_folder(root: Path, user: str) -> Path:
    folder = root / f"lesson-{user}"
    folder.mkdir()
    entry = pwd.getpwnam(user)
    os.chown(folder, entry.pw_uid, entry.pw_gid)
    return folder


def _bundle(folder: Path, source: str) -> JobBundle:
    return JobBundle("bench.ipynb", "python3", [JobCell("c1", source, True)], folder, TIME_LIMIT)


def _make_queue(root: Path, name: str, poll: float, **kw: Any) -> SlurmQueue:
    return SlurmQueue(
        data_dir=root / f"queue-{name}",
        rest=SlurmRest(REST_URL, KeyTokens(JWT_KEY, 600, set(USERS))),
        mode="user",
        job_root=root / "jobs",
        partition=PARTITION,
        python=JOB_PYTHON,
        job_env=JOB_ENV,
        time_limit=TIME_LIMIT,
        poll_interval=poll,
        **kw,
    )


def _slurm_state(job_id: int) -> str:
    """The job's state as ``squeue`` shows it (all states, so an ended job is COMPLETED rather than gone)."""
    return _command("squeue", "-h", "-t", "all", "-j", str(job_id), "-o", "%T").strip()


def _wait_slurm_done(job_id: int, timeout: float = 180) -> str:
    """Until the job has ended in Slurm and let its GPU go (not COMPLETING): the cluster is idle for the next one."""
    deadline = time.monotonic() + timeout
    while True:
        state = _slurm_state(job_id)
        if state in SLURM_TERMINAL:
            return state
        if time.monotonic() > deadline:
            raise RuntimeError(f"Slurm job {job_id} still {state or 'unknown'} after {timeout:.0f} s")
        time.sleep(0.1)


def _plain_once(user: str, folder: Path, script: Path) -> dict[str, Any]:
    """sbatch the script as USER, then squeue every WATCH s until RUNNING; waits for the job's end."""
    wall0, t0 = time.time(), time.perf_counter()
    out = _command(
        "runuser",
        "-u",
        user,
        "--",
        "sbatch",
        "--parsable",
        "-p",
        PARTITION,
        "--gres=gpu:1",
        "-t",
        str(TIME_LIMIT // 60),
        "-J",
        "bench-plain",
        "-o",
        "/dev/null",
        str(script),
        cwd=folder,
    )
    submitted = time.perf_counter() - t0
    job_id = int(out.strip().split(";")[0])
    polls: list[float] = []
    while True:
        p0 = time.perf_counter()
        state = _slurm_state(job_id)
        now = time.perf_counter()
        polls.append(now - p0)
        if state not in ("PENDING", "CONFIGURING", ""):
            break
        if now - t0 > 120:
            raise RuntimeError(f"plain Slurm job {job_id} still {state or 'unknown'} after 120 s")
        time.sleep(WATCH)
    if state not in ("RUNNING", "COMPLETING", "COMPLETED"):
        raise RuntimeError(f"plain Slurm job {job_id} went {state}, not RUNNING")
    ended = _wait_slurm_done(job_id)
    if ended != "COMPLETED":
        raise RuntimeError(f"plain Slurm job {job_id} ended {ended}")
    return {
        "slurm_id": job_id,
        "wall0": wall0,
        "submit": submitted,
        "running": now - t0,
        "first_state": state,
        "polls": polls,
    }


async def _classlab_once(queue: SlurmQueue, user: GpuUser, folder: Path) -> dict[str, Any]:
    """SlurmQueue.submit, then queue.get every WATCH s until the record says running; follows the job to its end."""
    wall0, t0 = time.time(), time.perf_counter()
    job = await queue.submit(user, _bundle(folder, "import time\ntime.sleep(1)"))
    submitted = time.perf_counter() - t0
    while True:
        rec, _ = await queue.get(user, job["id"])
        now = time.perf_counter()
        if rec["state"] != "queued":
            break
        if now - t0 > 120:
            raise RuntimeError(f"ClassLab job {job['id']} still queued after 120 s: {rec.get('reason')}")
        await asyncio.sleep(WATCH)
    running = now - t0
    first_state = rec["state"]
    deadline = time.monotonic() + 180
    while rec["state"] not in TERMINAL:
        if time.monotonic() > deadline:
            raise RuntimeError(f"ClassLab job {job['id']} did not end within 180 s")
        await asyncio.sleep(0.2)
        rec, _ = await queue.get(user, job["id"])
    if first_state != "running" or rec["state"] != "succeeded":
        raise RuntimeError(f"ClassLab job {job['id']}: first {first_state}, ended {rec['state']}: {rec.get('reason')}")
    slurm_id = int(job["backend_job_id"])
    await asyncio.get_running_loop().run_in_executor(None, _wait_slurm_done, slurm_id)
    return {"slurm_id": slurm_id, "wall0": wall0, "job": job["id"], "submit": submitted, "running": running}


async def measure_start(root: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    user = USERS[0]
    folder = _user_folder(root, user)
    script = folder / "sleep1.sh"
    script.write_text("#!/bin/bash\nsleep 1\n")
    script.chmod(0o755)
    queue = _make_queue(root, "start", QUEUE_POLL)
    loop = asyncio.get_running_loop()
    plain: list[dict[str, Any]] = []
    ours: list[dict[str, Any]] = []
    try:
        for i in range(WARMUP_JOBS + START_JOBS):
            # Interleaved, the order swapped every round, each job alone on the cluster.
            order = ("plain", "classlab") if i % 2 == 0 else ("classlab", "plain")
            for kind in order:
                if kind == "plain":
                    result = await loop.run_in_executor(None, _plain_once, user, folder, script)
                    if i >= WARMUP_JOBS:
                        plain.append(result)
                else:
                    result = await _classlab_once(queue, GpuUser(user), folder)
                    if i >= WARMUP_JOBS:
                        ours.append(result)
    finally:
        await queue.close()
    anchor = statistics.median(r["running"] for r in plain)
    polls = [p for r in plain for p in r["polls"]]
    marks = _slurmctld_marks({r["slurm_id"] for r in plain + ours})
    for r in plain + ours:
        got, allocated = marks.get(r["slurm_id"], (None, None))
        r["slurmctld_got"] = got - r["wall0"] if got is not None else None
        r["allocated"] = allocated - r["wall0"] if allocated is not None else None
    split = all(r["slurmctld_got"] is not None and r["allocated"] is not None for r in plain + ours)

    def row(measure: str, values: list[float], target: bool = False) -> dict[str, Any]:
        ratio = statistics.median(values) / anchor
        return {
            "section": SECTION_START,
            "measure": measure,
            "n": len(values),
            **_stats_ms(values),
            "median / sbatch": _r(ratio, 2),
            f"≤ {TARGET_RATIO}× sbatch": ("met" if ratio <= TARGET_RATIO else "missed") if target else "",
        }

    rows = [
        row("plain: sbatch → RUNNING seen in squeue (anchor)", [r["running"] for r in plain]),
        row(
            f"ClassLab: SlurmQueue.submit → record running (poll every {QUEUE_POLL:g} s, 0.1 s for 3 s after a submit)",
            [r["running"] for r in ours],
            True,
        ),
        row("  plain: `runuser … sbatch` returns the job id", [r["submit"] for r in plain]),
        row(
            "  ClassLab: SlurmQueue.submit returns (job folder, JWT, REST submit, record)", [r["submit"] for r in ours]
        ),
        row("  one `squeue -j` call (the plain side's look, every 20 ms plus this)", polls),
    ]
    if split:
        rows += [
            row("  plain: submit → slurmctld has the job (slurmctld.log)", [r["slurmctld_got"] for r in plain]),
            row("  ClassLab: submit → slurmctld has the job (via slurmrestd)", [r["slurmctld_got"] for r in ours]),
            row(
                "  plain: slurmctld has it → allocated (`sched: Allocate`: RUNNING)",
                [r["allocated"] - r["slurmctld_got"] for r in plain],
            ),
            row(
                "  ClassLab: slurmctld has it → allocated (`sched: Allocate`: RUNNING)",
                [r["allocated"] - r["slurmctld_got"] for r in ours],
            ),
            row("  plain: allocated → RUNNING seen in squeue", [r["running"] - r["allocated"] for r in plain]),
            row("  ClassLab: allocated → record running", [r["running"] - r["allocated"] for r in ours]),
        ]
    else:
        rows.append({"section": SECTION_START, "note": f"No split: {SLURMCTLD_LOG} lacks some of the jobs' lines."})
    rows += [
        {
            "section": SECTION_START,
            "note": (
                f"{START_JOBS} jobs each way after {WARMUP_JOBS} warm-up, interleaved (order swapped every round), "
                "one at a time, each waited for to its end in Slurm (GPU released) before the next: the cluster idle "
                f"at every submit. Both as {user} with `--gres=gpu:1`, partition {PARTITION}, a 1-minute limit; "
                f"plain: `#!/bin/bash\\nsleep 1` by `runuser -u {user} -- sbatch`, watched with "
                f"`squeue -h -t all -j ID -o %T` every {WATCH * 1000:.0f} ms; ClassLab: the cell `time.sleep(1)` by "
                f"SlurmQueue (mode user, KeyTokens, slurmrestd v0.0.38), `queue.get` every {WATCH * 1000:.0f} ms "
                "until the record says running (set by the queue's watcher from Slurm's RUNNING; poll_interval "
                f"{QUEUE_POLL:g} s (the default), woken at once by the submit and every 0.1 s for the 3 s after "
                "it). The time to RUNNING is Slurm's scheduling "
                "(batch_sched_delay=0) plus each side's look; the kernel starts after RUNNING and is not in it. "
                "The split uses slurmctld.log's millisecond stamps (`_slurm_rpc_submit_batch_job`, `sched: Allocate`) "
                "against the bench's wall clock: slurmctld starts a job either in the submit's own scheduling pass "
                "(a few ms) or in its next periodic pass (up to about a second), which is most of the spread and, "
                f"with {START_JOBS} jobs a side, of the noise in the ratio of medians."
            ),
        },
    ]
    return rows, {"plain": plain, "classlab": ours}


def _slurmctld_marks(ids: set[int]) -> dict[int, tuple[Optional[float], Optional[float]]]:
    """From slurmctld.log (local time, ms): job id -> (submit RPC handled, allocated = RUNNING) of the jobs IDS."""
    from datetime import datetime

    marks: dict[int, list[Optional[float]]] = {}
    pattern = re.compile(
        r"^\[(\S+)\] (?:_slurm_rpc_submit_batch_job: JobId=(\d+) |sched: Allocate JobId=(\d+) |"
        r"sched/backfill: _start_job: Started JobId=(\d+) )"
    )
    try:
        text = SLURMCTLD_LOG.read_text(errors="replace")
    except OSError:
        return {}
    for line in text.splitlines():
        match = pattern.match(line)
        if not match:
            continue
        job = int(match[2] or match[3] or match[4])
        if job not in ids:
            continue
        stamp = datetime.fromisoformat(match[1]).timestamp()
        if match[2]:
            marks[job] = [stamp, None]  # the latest submit of that id (ids start again after a purge)
        elif job in marks and marks[job][1] is None:
            marks[job][1] = stamp
    return {job: (got, allocated) for job, (got, allocated) in marks.items()}


# -- 2: the burst -------------------------------------------------------------------------------------------------


def _sacct(ids: list[int]) -> dict[int, tuple[str, str]]:
    """Slurm accounting (slurmdbd): job id -> (state, user) of the allocations among IDS that it has."""
    out = _command("sacct", "-X", "-n", "-P", "-j", ",".join(map(str, ids)), "-o", "JobID,State,User", timeout=120)
    found: dict[int, tuple[str, str]] = {}
    for line in out.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[0].isdigit():
            found[int(parts[0])] = (parts[1].split()[0], parts[2])
    return found


def _running_at_once(records: list[dict[str, Any]]) -> int:
    """The most jobs whose Slurm start..end (seconds) overlap."""
    marks = sorted(
        [(r["started_s"], 1) for r in records if r["started_s"]] + [(r["ended_s"], -1) for r in records if r["ended_s"]]
    )
    now = best = 0
    for _, step in marks:
        now += step
        best = max(best, now)
    return best


async def measure_burst(root: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    per_user = max(1, BURST_JOBS // BURST_USERS)
    users = USERS[: max(1, min(BURST_USERS, BURST_JOBS))]
    total = per_user * len(users)
    folders = {u: (root / f"lesson-{u}" if (root / f"lesson-{u}").exists() else _user_folder(root, u)) for u in users}
    queue = _make_queue(root, "burst", BURST_POLL, max_queued_per_user=per_user, max_jobs_listed=total)
    teacher = GpuUser("bench-teacher", teacher=True)
    await queue.start()
    await queue.rest.ping(users[0])  # the first REST call (the adapter, from GET /openapi) before the clock starts
    try:
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM := current RSS: the peak below is the burst's
        hwm_reset = True
    except OSError:
        hwm_reset = False
    rss_before = _status_kb("VmRSS")
    cpu0, t0 = _cpu_seconds(), time.perf_counter()
    latencies: list[float] = []
    jobs: list[dict[str, Any]] = []
    refused: list[str] = []

    async def one_user(name: str) -> None:
        for _ in range(per_user):
            s = time.perf_counter()
            try:
                job = await queue.submit(GpuUser(name), _bundle(folders[name], "print(1)"))
            except Exception as e:  # counted and reported: a refused submit is a lost job
                refused.append(f"{name}: {e}")
                continue
            latencies.append(time.perf_counter() - s)
            jobs.append(job)

    await asyncio.gather(*(one_user(u) for u in users))
    submit_wall = time.perf_counter() - t0
    cpu_submit = _cpu_seconds() - cpu0
    ids = {j["id"] for j in jobs}
    deadline = time.monotonic() + max(900.0, 15.0 * total)
    timed_out = False
    first_running: Optional[float] = None
    while True:
        listed = {j["id"]: j for j in await queue.list(teacher, all_users=True) if j["id"] in ids}
        if first_running is None and any(j["state"] != "queued" for j in listed.values()):
            first_running = time.perf_counter() - t0
        if len(listed) == len(ids) and all(j["state"] in TERMINAL for j in listed.values()):
            break
        if time.monotonic() > deadline:
            timed_out = True
            break
        await asyncio.sleep(1.0)
    wall = time.perf_counter() - t0
    cpu_total = _cpu_seconds() - cpu0
    peak_kb = _status_kb("VmHWM") if hwm_reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    await queue.close()
    state_lines, log_bytes = _queue_logs(root / "queue-burst", ids)

    slurm_ids = [int(j["backend_job_id"]) for j in jobs]
    if timed_out:  # leave the cluster clean for whoever comes next
        live = [str(int(j["backend_job_id"])) for j in listed.values() if j["state"] not in TERMINAL]
        if live:
            subprocess.run(["scancel", *live], capture_output=True, timeout=60)
    # slurmdbd gets each job's end from slurmctld shortly after it: wait for all of them (at most a minute).
    accounted: dict[int, tuple[str, str]] = {}
    sacct_deadline = time.monotonic() + 60
    while slurm_ids:
        accounted = _sacct(slurm_ids)
        done = [sid for sid, (state, _) in accounted.items() if state in SLURM_TERMINAL]
        if len(done) == len(slurm_ids) or time.monotonic() > sacct_deadline:
            break
        await asyncio.sleep(2)
    owner = {int(j["backend_job_id"]): j["user"] for j in jobs}
    right_user = sum(1 for sid, (_, user) in accounted.items() if owner.get(sid) == user)

    states = collections.Counter(j["state"] for j in listed.values())
    terminal = sum(n for s, n in states.items() if s in TERMINAL)
    sacct_states = collections.Counter(state for state, _ in accounted.values())
    records = [
        {
            "id": j["id"],
            "user": j["user"],
            "slurm_id": j["backend_job_id"],
            "state": j["state"],
            "started_s": _iso_s(j["started"]),
            "ended_s": _iso_s(j["ended"]),
            "created_s": _iso_s(j["created"]),
        }
        for j in listed.values()
    ]
    waits = [r["started_s"] - r["created_s"] for r in records if r["started_s"] and r["created_s"]]
    runs = [r["ended_s"] - r["started_s"] for r in records if r["started_s"] and r["ended_s"]]

    def row(measure: str, value: Any) -> dict[str, Any]:
        return {"section": SECTION_BURST, "measure": measure, "value": value}

    all_terminal = terminal == total and not refused and not timed_out
    all_accounted = len(accounted) == total and right_user == total
    rows = [
        row("jobs submitted (users × jobs each)", f"{len(jobs)} of {total} ({len(users)} × {per_user})"),
        row("submit phase wall s (first submit → last answer)", _r(submit_wall, 2)),
        row("submit throughput, jobs/s", _r(len(jobs) / submit_wall, 1)),
        row("SlurmQueue.submit latency median / p90 ms (20 users at once)", _latency(latencies)),
        row("bridge CPU s during the submits (user + system, this process)", _r(cpu_submit, 2)),
        row("bridge CPU s, whole burst (submits + following to the end)", _r(cpu_total, 2)),
        row("bridge CPU, average share of one core over the burst", f"{100 * cpu_total / wall:.1f} %"),
        row("bridge RSS before the burst MB", _r(rss_before / 1024, 1)),
        row(
            "bridge peak RSS during the burst MB" + ("" if hwm_reset else " (process lifetime ru_maxrss)"),
            _r(peak_kb / 1024, 1),
        ),
        row("first job running, s after the first submit", _r(first_running, 1)),
        row("wall s until every job terminal", _r(wall, 1)),
        row("jobs ended per minute", _r(60 * terminal / wall, 1)),
        row("most jobs running at once (Slurm start/end, 1 s resolution)", _running_at_once(records)),
        row("Slurm start − submit s, median / max", _pair(waits)),
        row("Slurm run time s per job (runner + kernel + cell), median / max", _pair(runs)),
        row(
            "state events the queue wrote (its events.jsonl), total / per job; all its logs MB",
            f"{state_lines:,} / {state_lines / max(1, len(ids)):.1f}; {log_bytes / 2**20:.2f}",
        ),
        row("end states (ClassLab records)", ", ".join(f"{s} {n}" for s, n in sorted(states.items())) or "none"),
        row("all terminal, none lost", ("met" if all_terminal else "missed") + f" ({terminal} of {total})"),
        row(
            "sacct (slurmdbd) has the Slurm job ids",
            f"{len(accounted)} of {len(slurm_ids)}, right user {right_user}; "
            + ", ".join(f"{s} {n}" for s, n in sorted(sacct_states.items())),
        ),
        row("all accounted in sacct", "met" if all_accounted else "missed"),
    ]
    if refused:
        rows.append({"section": SECTION_BURST, "note": f"{len(refused)} submits refused, e.g. {refused[0]}"})
    if timed_out:
        rows.append({"section": SECTION_BURST, "note": "gave up waiting; the jobs left were cancelled (scancel)"})
    rows.append(
        {
            "section": SECTION_BURST,
            "note": (
                f"{len(users)} users each submit {per_user} jobs back to back, all users at once (asyncio tasks on one "
                f"SlurmQueue in the bench's process, mode user, KeyTokens, max_queued_per_user {per_user}, "
                f"poll_interval {BURST_POLL:g} s, 1-minute limits); the bench looks at `queue.list` (a teacher's, all "
                "users) once a second until every job is terminal, then asks `sacct -X -j <ids>` (up to a minute for "
                "slurmdbd to have every end). CPU: `getrusage(RUSAGE_SELF)`; peak RSS: VmHWM of /proc/self/status, "
                "reset (clear_refs 5) at the start of the burst. Every job is a fresh runner and kernel on a 2-core "
                "machine with 2 fake GPUs, so the wall time is mostly kernel start-ups, two at a time."
            ),
        }
    )
    data = {
        "latencies": latencies,
        "records": records,
        "sacct": {str(k): v for k, v in accounted.items()},
        "refused": refused,
    }
    return rows, data


def _queue_logs(data_dir: Path, ids: set[str]) -> tuple[int, int]:
    """``state`` lines in the queue's own event logs of the jobs IDS, and those logs' bytes."""
    lines = size = 0
    for job_id in ids:
        path = data_dir / "jobs" / job_id / "events.jsonl"
        try:
            text = path.read_text()
        except OSError:
            continue
        size += len(text.encode())
        for line in text.splitlines():
            try:
                lines += json.loads(line).get("type") == "state"
            except ValueError:
                continue
    return lines, size


def _iso_s(value: Optional[str]) -> Optional[float]:
    if not value:
        return None
    from datetime import datetime

    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _latency(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values) * 1000:.1f} / {_pct(values, 90) * 1000:.1f}"


def _pair(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):.1f} / {max(values):.1f}"


# -- run ----------------------------------------------------------------------------------------------------------


def _cluster_note(facts: dict[str, Any]) -> dict[str, Any]:
    how = "was already up" if facts["was_up"] else f"was brought up by the bench ({facts['up_seconds']} s)"
    waited = facts["waited_seconds"]
    waited_note = f"; it waited {waited:.0f} s for a Slurm test session to end first" if waited >= 5 else ""
    if facts["stuck_lock"]:
        waited_note += (
            f"; {SESSIONS_LOCK.name} was held by the cluster's own daemons (inherited from whoever started them), so "
            "the bench went on without it and stops nothing it did not start"
        )
    return {
        "section": SECTION_START,
        "note": (
            f"Cluster: scripts/slurm-single-node.sh (Slurm 22.05, 2 fake GPUs), {how}{waited_note}; the 20 bench "
            f"logins (`users`) took {facts['users_seconds']} s; {facts['busy_jobs']} other job(s) in squeue at the "
            "start."
        ),
    }


async def _measure(root: Path, facts: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    timings: dict[str, float] = {}
    t = time.monotonic()
    start_rows, start_data = await measure_start(root)
    timings["submit → running"] = time.monotonic() - t
    t = time.monotonic()
    burst_rows, burst_data = await measure_burst(root)
    timings["burst"] = time.monotonic() - t
    rows = start_rows + [_cluster_note(facts)] + burst_rows
    rows.append(
        {
            "section": SECTION_BURST,
            "note": "Parts took " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()) + ".",
        }
    )
    return rows, {"start": start_data, "burst": burst_data, "cluster": facts}


def run() -> list[dict[str, Any]]:
    if not ENABLED:
        return [{"section": SECTION_START, "measure": "skipped: CLASSLAB_BENCH_SLURM=0"}]
    problem = _why_not_here()
    if problem:
        return [{"section": SECTION_START, "measure": f"skipped: {problem}"}]
    with cluster() as facts:
        facts["busy_jobs"] = len(_command("squeue", "-h", "-o", "%i").split())
        root = BASE / "shared" / f"bench-slurm-{os.getpid()}"
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        root.chmod(0o755)
        # A Ctrl-C (SIGINT) ends the run in the finally blocks below; SIGTERM likewise.
        previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            rows, data = asyncio.run(_measure(root, facts))
            joined = _live_sessions()
            if joined:
                rows.append(
                    {
                        "section": SECTION_BURST,
                        "note": f"A Slurm test session ({joined}) started during the bench: the figures may be off.",
                    }
                )
        finally:
            signal.signal(signal.SIGTERM, previous)
            shutil.rmtree(root, ignore_errors=True)
    rows[0]["data"] = data
    return rows
