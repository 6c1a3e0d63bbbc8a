"""Starting the runner in a sandbox and talking to it (PROTOCOL.md "Sandbox and runner").

``bwrap`` mode: bubblewrap with every namespace new (``--unshare-all``: no network, its own PIDs, IPC and hostname; a
user namespace that may not make more), ``--die-with-parent``, ``--new-session``; the system (``/usr``, a few files of
``/etc``) and the Python environment bound read-only; size-capped tmpfs on ``/tmp``, ``/dev/shm`` and the working
folder ``/home/student``; the notebook folder's files come through a read-only inbox (``/grader/files``) that the
runner copies into the working folder at its first request, so a pool can start sandboxes before the submission is
known. When we run as root, bwrap itself runs under a uid of its own taken from ``uids`` (processes and files of that
uid are the sandbox's alone, and RLIMIT_NPROC, which counts per uid, counts only them); otherwise under ours. The
runner applies the rlimits to itself before any student code. Wall time is enforced here, from outside: a sandbox
that does not answer in time is killed whole (bwrap's PID namespace dies with its first process).

``none`` mode (only when configured): the runner as a plain subprocess in a folder of its own, same protocol, same
rlimits but RLIMIT_NPROC; results say ``trust: "unsandboxed"``.

The bwrap child has PR_SET_PDEATHSIG (``--die-with-parent``), which fires when the *thread* that started it ends: all
sandboxes are therefore started by one long-lived thread of this module.
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import os
import queue
import secrets
import select
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import classlab_bridge

from ..gpu import isolation

log = logging.getLogger("classlab_bridge.grader")

MODES = ("bwrap", "none")
WORK = "/home/student"
INBOX = "/grader/files"
RUNNER = "classlab_bridge.grader.runner"
#: Files of /etc a Python program may need (dynamic linker, time zone, fonts, Debian's sitecustomize); no accounts.
ETC = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "timezone",
    "alternatives",
    "fonts",
    "mime.types",
    "matplotlibrc",
    "python3",
    f"python3.{sys.version_info[1]}",
)
MAX_ANSWER = 64 * 1024 * 1024  # bytes of one answer line (a value is capped at 16 MiB of data by data.py)
STRAY_CAP = 20_000  # characters of raw stdout/stderr (not through print) kept per answer


class SandboxError(Exception):
    """A sandbox that could not be started (or set up); ``message`` says why, for the teacher or the log."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SandboxConfig:
    mode: str = "bwrap"
    #: The interpreter inside, and what goes on its PYTHONPATH; None: ``default_python()``.
    python: Optional[str] = None
    pythonpath: tuple[str, ...] = ()
    #: More folders bound read-only at the same path (a site's shared datasets, a conda environment, …).
    ro_paths: tuple[str, ...] = ()
    #: Accounts for sandboxes when running as root (isolation.parse_uids); this range must be the grader's alone.
    uids: str = "1900000000-1900000999"
    memory_bytes: int = 1 << 30
    cpu_seconds: int = 120
    nproc: int = 64
    fsize_bytes: int = 16 << 20
    nofile: int = 256
    tmp_bytes: int = 64 << 20
    files_bytes: int = 20 << 20
    wall_seconds: float = 120.0
    start_timeout: float = 30.0
    warm: tuple[str, ...] = ("numpy",)
    bwrap: str = "bwrap"
    #: Where per-sandbox folders go (the system's temp folder when None).
    base_dir: Optional[str] = None

    def limits(self) -> dict[str, int]:
        limits = {"as": self.memory_bytes, "cpu": self.cpu_seconds, "fsize": self.fsize_bytes, "nofile": self.nofile}
        if self.mode == "bwrap":
            limits["nproc"] = self.nproc  # counts per uid: only where the uid is the sandbox's own
        return limits


# --- the interpreter ------------------------------------------------------------------------------------------------


def package_root() -> str:
    """The folder holding the ``classlab_bridge`` package (put on the sandbox's PYTHONPATH for the runner)."""
    return str(Path(classlab_bridge.__file__).resolve().parents[1])


def default_python() -> tuple[str, tuple[str, ...]]:
    """(python, pythonpath): this interpreter; or, when we are root and it lives where other accounts cannot go
    (e.g. ``/root/.pyenv``), the system's Python of the same version with this environment's packages on
    PYTHONPATH (extension modules of the same CPython version load in either)."""
    if os.geteuid() != 0 or not isolation.unreachable(Path(sys.executable)):
        return sys.executable, ()
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    for folder in ("/usr/bin", "/usr/local/bin"):
        candidate = f"{folder}/{version}"
        if os.path.exists(candidate) and not isolation.unreachable(Path(candidate)):
            paths = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
            return candidate, tuple(dict.fromkeys(p for p in paths if os.path.isdir(p)))
    return sys.executable, ()


_PATHS: dict[tuple[str, tuple[str, ...]], list[str]] = {}
_PATHS_LOCK = threading.Lock()


def python_paths(python: str, pythonpath: tuple[str, ...]) -> list[str]:
    """Folders the interpreter needs (its prefixes and sys.path), outside /usr, to bind read-only; asked once."""
    key = (python, pythonpath)
    with _PATHS_LOCK:
        if key in _PATHS:
            return _PATHS[key]
    code = "import sys, json; print(json.dumps([sys.prefix, sys.base_prefix, sys.exec_prefix] + sys.path))"
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": os.pathsep.join(pythonpath)}
    try:
        done = subprocess.run(
            [python, "-s", "-c", code], env=env, cwd="/", capture_output=True, timeout=60, stdin=subprocess.DEVNULL
        )
        found = json.loads(done.stdout) if done.returncode == 0 else []
    except (OSError, subprocess.SubprocessError, ValueError):
        found = []
    paths: list[str] = []
    for p in [*found, *pythonpath, str(Path(python).parent)]:
        if not isinstance(p, str) or not p or not os.path.isabs(p) or not os.path.exists(p):
            continue
        p = os.path.normpath(p)
        if p == "/" or p.startswith(("/usr/", "/proc", "/dev", "/sys")) or p == "/usr" or p in paths:
            continue
        paths.append(p)
    # Nested paths are covered by their parent's bind.
    paths = [p for p in paths if not any(p != q and p.startswith(q + "/") for q in paths)]
    with _PATHS_LOCK:
        _PATHS[key] = paths
    return paths


# --- starting processes from one long-lived thread -----------------------------------------------------------------

_spawn_queue: queue.Queue[tuple[Callable[[], Any], concurrent.futures.Future[Any]]] = queue.Queue()
_spawn_thread: Optional[threading.Thread] = None
_spawn_lock = threading.Lock()


def _spawner() -> None:
    while True:
        fn, future = _spawn_queue.get()
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(fn())
            except BaseException as e:
                future.set_exception(e)


def _spawn(fn: Callable[[], Any]) -> Any:
    """Runs ``fn`` (a Popen) on the spawner thread, which lives as long as this process (see the module's note)."""
    global _spawn_thread
    with _spawn_lock:
        if _spawn_thread is None or not _spawn_thread.is_alive():
            _spawn_thread = threading.Thread(target=_spawner, name="classlab-sandbox-spawner", daemon=True)
            _spawn_thread.start()
    future: concurrent.futures.Future[Any] = concurrent.futures.Future()
    _spawn_queue.put((fn, future))
    return future.result()


# --- accounts -------------------------------------------------------------------------------------------------------

_accounts: dict[str, isolation.Accounts] = {}
_accounts_lock = threading.Lock()


def _take_uid(uids: str) -> int:
    with _accounts_lock:
        accounts = _accounts.get(uids)
        if accounts is None:
            accounts = _accounts[uids] = isolation.Accounts(isolation.parse_uids(uids))
        uid = accounts.take()
    if uid is None:
        raise SandboxError(f"every sandbox account of {uids} is in use")
    return uid


def _give_back_uid(uids: str, uid: int) -> None:
    with _accounts_lock:
        accounts = _accounts.get(uids)
        if accounts is not None:
            accounts.give_back(uid)


# --- the sandbox ----------------------------------------------------------------------------------------------------


def _environment(home: str, tmp: str, pythonpath: list[str]) -> dict[str, str]:
    """The runner's whole environment: nothing of ours (tokens, accounts) gets in."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": tmp,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "USER": "student",
        "LOGNAME": "student",
        "PYTHONPATH": os.pathsep.join(pythonpath),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "MPLBACKEND": "Agg",
        # One thread per math library: the CPU and address-space limits are for the student's code, not thread pools.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NUMEXPR_MAX_THREADS": "1",
    }


_FEATURES: dict[str, str] = {}


def _bwrap_help(bwrap: str) -> str:
    """bwrap's --help (options differ by version: --disable-userns came in 0.8, --size in 0.7)."""
    if bwrap not in _FEATURES:
        try:
            done = subprocess.run([bwrap, "--help"], capture_output=True, text=True, timeout=30)
            _FEATURES[bwrap] = done.stdout + done.stderr
        except (OSError, subprocess.SubprocessError):
            _FEATURES[bwrap] = ""
    return _FEATURES[bwrap]


def _root_entries() -> list[str]:
    args: list[str] = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = f"/{name}"
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for name in ETC:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return args


@dataclass
class _Stray:
    """Raw stdout/stderr of the sandbox (writes that bypass the runner's capture), capped per answer."""

    parts: list[str] = field(default_factory=list)
    kept: int = 0
    dropped: int = 0

    def add(self, data: bytes) -> None:
        text = data.decode("utf-8", "replace")
        room = STRAY_CAP - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += len(text[:room])
        self.dropped += max(0, len(text) - max(room, 0))

    def take(self) -> str:
        text = "".join(self.parts)
        if self.dropped:
            text += f"\n… ({self.dropped} more characters not shown)"
        self.parts, self.kept, self.dropped = [], 0, 0
        return text


class Sandbox:
    """One runner in one sandbox, for one submission. ``ask`` sends a request and collects its answers; when the
    runner does not answer in time the sandbox is killed and ``ended`` says why (``timeout``, ``wall``, ``exited``,
    ``killed``)."""

    def __init__(
        self,
        config: SandboxConfig,
        proc: subprocess.Popen[bytes],
        requests_fd: int,
        answers_fd: int,
        folder: Path,
        uid: Optional[int],
        inbox: Path,
    ) -> None:
        self.config = config
        self.proc = proc
        self.requests_fd = requests_fd
        self.answers_fd = answers_fd
        self.folder = folder
        self.uid = uid
        self.inbox = inbox
        self.trust = "isolated" if config.mode == "bwrap" else "unsandboxed"
        self.ended: Optional[str] = None
        self.deadline: Optional[float] = None
        self.ready: dict[str, Any] = {}
        self.started = time.monotonic()
        self._buffer = b""
        self._searched = 0  # how far _buffer is known to hold no newline
        self._skipping = False  # inside an over-long line, dropped up to its newline
        assert proc.stdout is not None and proc.stderr is not None
        self._streams = {
            proc.stdout.fileno(): ("stray_stdout", _Stray()),
            proc.stderr.fileno(): ("stray_stderr", _Stray()),
        }
        self._open = {answers_fd, *self._streams}
        self._closed = False

    # --- starting -------------------------------------------------------------------------------------------------
    @classmethod
    def start(cls, config: SandboxConfig) -> Sandbox:
        if config.mode not in MODES:
            raise SandboxError(f"sandbox mode must be one of {', '.join(MODES)}, not {config.mode!r}")
        python, extra = (config.python, config.pythonpath) if config.python else default_python()
        pythonpath = list(dict.fromkeys([package_root(), *extra, *config.pythonpath]))
        uid = _take_uid(config.uids) if config.mode == "bwrap" and os.geteuid() == 0 else None
        folder = Path(tempfile.mkdtemp(prefix="classlab-sandbox-", dir=config.base_dir))
        inbox = folder / "files"
        inbox.mkdir()
        answers_r = answers_w = requests_r = requests_w = -1
        proc = None
        try:
            if uid is not None:
                isolation.hand_over(folder, uid)
            answers_r, answers_w = os.pipe()
            requests_r, requests_w = os.pipe()
            runner = [python, "-s", "-B", "-m", RUNNER, "--fd", str(answers_w), "--limits", json.dumps(config.limits())]
            runner += ["--warm", ",".join(config.warm)]
            if config.mode == "bwrap":
                argv = cls._bwrap_argv(config, python, pythonpath, uid, inbox) + runner + ["--files", INBOX]
                argv.append("--sandboxed")
                env = {"PATH": "/usr/bin:/bin"}
                cwd = "/"
            else:
                work = folder / "work"
                (work / "tmp").mkdir(parents=True)
                argv, cwd = runner, str(work)
                env = _environment(str(work), str(work / "tmp"), pythonpath)
                inbox = work
            kwargs: dict[str, Any] = isolation.popen_kwargs(uid)
            proc = _spawn(
                lambda: subprocess.Popen(
                    argv,
                    stdin=requests_r,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    pass_fds=(answers_w,),
                    cwd=cwd,
                    env=env,
                    start_new_session=True,
                    **kwargs,
                )
            )
        except BaseException:
            for fd in (answers_r, answers_w, requests_r, requests_w):
                if fd >= 0:
                    os.close(fd)
            if uid is not None:
                _give_back_uid(config.uids, uid)
            shutil.rmtree(folder, ignore_errors=True)
            raise
        os.close(answers_w)
        os.close(requests_r)
        box = cls(config, proc, requests_w, answers_r, folder, uid, inbox)
        box._wait_ready()
        return box

    @staticmethod
    def _bwrap_argv(
        config: SandboxConfig, python: str, pythonpath: list[str], uid: Optional[int], inbox: Path
    ) -> list[str]:
        me = uid if uid is not None else os.getuid()
        gid = uid if uid is not None else os.getgid()
        features = _bwrap_help(config.bwrap)
        argv = [config.bwrap, "--unshare-all", "--unshare-user", "--die-with-parent", "--new-session"]
        if "--disable-userns" in features:
            argv.append("--disable-userns")  # no nested user namespace (and no root in one) for the student
        argv += ["--uid", str(me), "--gid", str(gid), "--hostname", "classlab-sandbox"]
        argv += _root_entries()
        argv += ["--proc", "/proc", "--dev", "/dev"]

        def tmpfs(path: str, size: int) -> list[str]:
            return (["--size", str(size)] if "--size" in features else []) + ["--tmpfs", path]

        argv += tmpfs("/dev/shm", config.tmp_bytes) + tmpfs("/tmp", config.tmp_bytes)
        argv += tmpfs(WORK, config.files_bytes + config.tmp_bytes)
        argv += ["--ro-bind", str(inbox), INBOX]
        for path in [*python_paths(python, tuple(pythonpath)), *config.ro_paths]:
            argv += ["--ro-bind", path, path]
        argv += ["--chdir", WORK, "--clearenv"]
        for key, value in _environment(WORK, "/tmp", pythonpath).items():
            argv += ["--setenv", key, value]
        return argv + ["--"]

    def _wait_ready(self) -> None:
        answers = self._collect(None, 1, self.config.start_timeout)
        if answers and answers[0].get("ready") is True:
            self.ready = answers[0]
            return
        why = self.ended or "no answer"
        self._terminate()
        self._drain(wait=1.0)
        err = "".join(stray.take() for _, stray in self._streams.values()).strip()
        self.kill()
        raise SandboxError(f"the sandbox did not start ({why}): {err[-2000:] or 'it said nothing'}")

    # --- files ----------------------------------------------------------------------------------------------------
    def put_files(self, source: Path) -> None:
        """Copies the notebook folder's files (regular files, no links) for the runner, refused past files_bytes."""
        files = []
        total = 0
        for root, dirs, names in os.walk(source):
            dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(root, d))]
            for name in names:
                path = Path(root) / name
                if path.is_symlink() or not path.is_file():
                    continue
                total += path.stat().st_size
                if total > self.config.files_bytes:
                    raise SandboxError(f"the notebook's files are larger than {self.config.files_bytes >> 20} MiB")
                files.append(path)
        for path in files:
            dest = self.inbox / path.relative_to(source)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
        if self.uid is not None:
            isolation.hand_over(self.inbox, self.uid)

    # --- talking --------------------------------------------------------------------------------------------------
    def begin(self, wall_seconds: Optional[float] = None) -> None:
        """Starts the job's wall clock (a pooled sandbox waits without one)."""
        if self.deadline is None:
            self.deadline = time.monotonic() + (self.config.wall_seconds if wall_seconds is None else wall_seconds)

    def ask(self, request: dict[str, Any], timeout: float, count: int = 1) -> list[dict[str, Any]]:
        """Sends ``request`` with a fresh nonce; up to ``count`` answers carrying it, each within ``timeout``
        seconds of the one before (and all before the job's wall clock ends). Fewer when the sandbox ended."""
        self.begin()
        if self.ended:
            return []
        nonce = secrets.token_hex(16)
        line = (json.dumps({**request, "nonce": nonce}) + "\n").encode()
        if not self._write(line, timeout):
            return []
        return self._collect(nonce, count, timeout)

    def _write(self, data: bytes, timeout: float) -> bool:
        deadline = self._deadline(timeout)
        view = memoryview(data)
        try:
            while view:
                left = deadline - time.monotonic()
                if left <= 0:
                    self._end(self._late())
                    return False
                _, writable, _ = select.select([], [self.requests_fd], [], left)
                if writable:
                    view = view[os.write(self.requests_fd, view[:65536]) :]
        except OSError:
            self._end("exited")
            return False
        return True

    def _late(self) -> str:
        return "wall" if self.deadline is not None and time.monotonic() >= self.deadline else "timeout"

    def _deadline(self, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        return min(deadline, self.deadline) if self.deadline is not None else deadline

    def _collect(self, nonce: Optional[str], count: int, timeout: float) -> list[dict[str, Any]]:
        answers: list[dict[str, Any]] = []
        deadline = self._deadline(timeout)
        while len(answers) < count and not self.ended:
            for answer in self._lines():
                if answer.get("nonce") == nonce and (nonce is not None or "ready" in answer):
                    answer.pop("nonce", None)
                    self._drain()
                    for key, stray in self._streams.values():
                        answer[key] = stray.take()
                    answers.append(answer)
                    deadline = self._deadline(timeout)
                    if len(answers) == count:
                        break
            if len(answers) == count:
                break
            left = deadline - time.monotonic()
            if left <= 0:
                self._end(self._late())
                break
            if self.answers_fd not in self._open:
                self._end("exited")
                break
            readable, _, _ = select.select(list(self._open), [], [], left)
            for fd in readable:
                try:
                    data = os.read(fd, 1 << 20)
                except OSError:
                    data = b""
                if fd == self.answers_fd:
                    self._buffer += data
                elif data:
                    self._streams[fd][1].add(data)
                if not data:
                    self._open.discard(fd)
        return answers

    def _lines(self) -> list[dict[str, Any]]:
        """Complete answer lines received so far; lines that are not JSON objects are dropped."""
        out = []
        while True:
            end = self._buffer.find(b"\n", self._searched)
            if end < 0:
                self._searched = len(self._buffer)
                if len(self._buffer) > MAX_ANSWER:
                    self._buffer, self._searched, self._skipping = b"", 0, True
                return out
            line, self._buffer, self._searched = self._buffer[:end], self._buffer[end + 1 :], 0
            if self._skipping:
                self._skipping = False
                continue
            if not line.strip():
                continue
            try:
                answer = json.loads(line)
            except (ValueError, RecursionError):
                continue
            if type(answer) is dict:
                out.append(answer)

    def _drain(self, wait: float = 0.0) -> None:
        """Reads raw output already waiting (so a chatty sandbox does not block on a full pipe); ``wait``: until the
        streams end, at most that long (after the sandbox was killed)."""
        streams = [fd for fd in self._streams if fd in self._open]
        deadline = time.monotonic() + wait
        while streams and not self._closed:
            readable, _, _ = select.select(streams, [], [], max(0.0, deadline - time.monotonic()))
            if not readable:
                return
            for fd in readable:
                try:
                    data = os.read(fd, 1 << 20)
                except OSError:
                    data = b""
                if data:
                    self._streams[fd][1].add(data)
                else:
                    self._open.discard(fd)
                    streams.remove(fd)

    def _end(self, reason: str) -> None:
        """The sandbox is over (timed out, exited): everything in it is killed now; fds stay open until kill()."""
        if not self.ended:
            self.ended = reason
        self._terminate()

    def _terminate(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # bwrap's session (bwrap mode: the PID namespace goes with it)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.kill()
        except OSError:
            pass

    # --- ending ---------------------------------------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return not self.ended and self.proc.poll() is None

    def kill(self) -> None:
        """Kills everything in the sandbox and removes its folder (idempotent)."""
        if self._closed:
            return
        if not self.ended:
            self.ended = "killed"
        self._terminate()
        self._closed = True
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            log.warning("ClassLab grader: sandbox %s did not end", self.proc.pid)
        if self.uid is not None:
            isolation.kill_all(self.uid)
            _give_back_uid(self.config.uids, self.uid)
        for fd in (self.requests_fd, self.answers_fd):
            try:
                os.close(fd)
            except OSError:
                pass
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    close = kill

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.kill()


# --- availability ---------------------------------------------------------------------------------------------------

_available: dict[SandboxConfig, Optional[str]] = {}
_available_lock = threading.Lock()


def sandbox_available(config: Optional[SandboxConfig] = None, fresh: bool = False) -> Optional[str]:
    """None when sandboxes of ``config`` can run here; otherwise why not, in words (bubblewrap missing, namespaces
    refused, the interpreter unreachable for the sandbox's account, …). Tries a real sandbox once per config."""
    config = config or SandboxConfig()
    if config.mode == "none":
        return None
    if config.mode not in MODES:
        return f"sandbox mode must be one of {', '.join(MODES)}, not {config.mode!r}"
    with _available_lock:
        if not fresh and config in _available:
            return _available[config]
    why: Optional[str] = None
    if shutil.which(config.bwrap) is None:
        why = f"bubblewrap ({config.bwrap}) is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    elif not sys.platform.startswith("linux"):
        why = "sandboxes need Linux"
    else:
        try:
            if os.geteuid() == 0:
                isolation.parse_uids(config.uids)
            Sandbox.start(config).kill()
        except SandboxError as e:
            why = e.message
        except (OSError, ValueError) as e:
            why = f"the sandbox could not start: {e}"
    with _available_lock:
        _available[config] = why
    return why
