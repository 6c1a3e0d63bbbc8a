"""The kernel-less runner: ``python -m classlab_bridge.grader.runner`` (PROTOCOL.md "Sandbox and runner").

Runs inside the sandbox, next to the student's code, so nothing here decides a score: it executes cells in one
namespace and answers the judge's questions with strict data (data.py). Requests are JSON lines on stdin, answers
JSON lines on fd 3, each answer carrying the nonce of its request; the student's prints are captured per cell (capped)
and never reach fd 3 through us. Whatever the student's code does to this module (it can change anything in this
process), the judge only ever gets data, and judges it against values it never sent here.

Start-up, in order: fds moved (requests on a private fd, stdin becomes /dev/null, fd 3 not inherited by children),
rlimits, warm imports, then ``{"ready": true}`` on fd 3.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import io
import json
import linecache
import os
import re
import resource
import shutil
import signal
import sys
import time
import traceback
import types
from typing import Any, Optional

from .data import Encoder, NotData

ANSWER_FD = 3
MAX_REQUEST = 256 * 1024 * 1024
STREAM_CAP = 20_000  # characters of a cell's stdout (and of its stderr) that are kept
TRACEBACK_CAP = 8_000
RESULT_CAP = 2_000
#: Magics that only change how a notebook looks or installs things: accepted and ignored when grading.
IGNORED_MAGICS = {"matplotlib", "config", "load_ext", "reload_ext", "autoreload", "aimport", "pip", "conda", "env"}
#: Magics that just run their code (timings are not reported).
RUNNING_MAGICS = {"time", "timeit", "capture", "prun"}
_MAGIC_HINT = re.compile(r"(?m)^\s*[%!]|^[^#\n'\"]*=\s*[%!]|^[^#\n]*\?\s*$")

# The student's code shares this process and may replace builtins (``builtins.isinstance = …``) or json's functions:
# this module's functions look builtins up in a private copy (a function takes its builtins from its module when it
# is made, so this line comes before every def), and answers go through json's C encoder and scanner, bound here.
globals()["__builtins__"] = dict(vars(builtins))
_json_chunks = json.JSONEncoder(ensure_ascii=True).iterencode
_scan_json = json.JSONDecoder().scan_once
_write, _monotonic = os.write, time.monotonic
_type, _str, _repr, _len, _getattr = type, str, repr, len, getattr


class CellTimeout(BaseException):
    """Raised by SIGALRM when a cell or call runs past its time (a BaseException: ``except Exception`` in the
    student's code does not swallow it; one that does is stopped by the judge's wall clock instead)."""


class StdinNotImplementedError(NotImplementedError):
    """input() in graded code: nobody is there to type (the name IPython uses, so it reads familiar)."""


def _no_input(prompt: Any = "") -> str:
    raise StdinNotImplementedError("input() cannot be used when grading: nobody is there to type an answer.")


class _NoStdin(io.TextIOBase):
    def read(self, size: Optional[int] = -1) -> str:
        return _no_input()

    def readline(self, size: Optional[int] = -1) -> str:  # type: ignore[override]
        return _no_input()

    def readable(self) -> bool:
        return True


class _Capture(io.TextIOBase):
    """A student's stdout or stderr for one cell: the first STREAM_CAP characters kept, the rest counted."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, cap: int = STREAM_CAP) -> None:
        self.parts: list[str] = []
        self.kept = 0
        self.dropped = 0
        self.cap = cap
        self.buffer = _BytesCapture(self)

    def write(self, s: Any) -> int:
        if _type(s) is not str:
            raise TypeError(f"write() argument must be str, not {_type(s).__name__}")
        n = _len(s)
        room = self.cap - self.kept
        if room > 0:
            part = s[:room]
            self.parts.append(part)
            self.kept += _len(part)
        self.dropped += max(0, n - max(room, 0))
        return n

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def flush(self) -> None:
        pass

    def text(self) -> str:
        text = "".join(self.parts)
        if self.dropped:
            text += f"\n… ({self.dropped} more characters not shown)"
        return text


class _BytesCapture(io.RawIOBase):
    def __init__(self, text: _Capture) -> None:
        self.text = text

    def write(self, b: Any) -> int:
        data = bytes(b)
        self.text.write(data.decode("utf-8", "replace"))
        return _len(data)

    def writable(self) -> bool:
        return True


class _Shell:
    """What ``get_ipython()`` gives transformed magics: harmless ones are ignored, timing ones run their code, shell
    commands do nothing (no network, nothing to install), anything else stops with a clear error."""

    def __init__(self, runner: Runner) -> None:
        self._runner = runner

    def run_line_magic(self, name: str, line: str, _stack_depth: int = 1) -> Any:
        if name in IGNORED_MAGICS:
            return None
        if name in RUNNING_MAGICS:
            return self._runner.run_code(line, "<magic>")
        raise NotImplementedError(f"The magic %{name} does not work when grading; take it out of the notebook.")

    def run_cell_magic(self, name: str, line: str, cell: str) -> Any:
        if name in IGNORED_MAGICS:
            return None
        if name in RUNNING_MAGICS:
            return self._runner.run_code(cell, "<magic>")
        if name in ("writefile", "file"):
            path = line.split()[-1] if line.split() else ""
            mode = "a" if "-a" in line.split() else "w"
            with open(path, mode) as f:
                f.write(cell)
            return None
        raise NotImplementedError(f"The magic %%{name} does not work when grading; take it out of the notebook.")

    def system(self, cmd: str) -> None:
        return None

    def getoutput(self, cmd: str, split: bool = True) -> list[str]:
        return []


def _short(text: str, cap: int) -> str:
    return text if _len(text) <= cap else text[: cap - 1] + "…"


def _safe_str(e: BaseException) -> str:
    try:
        return _short(_str(e), 2_000)
    except BaseException:
        return ""


class Runner:
    def __init__(self, answer_fd: int, sandboxed: bool, files: Optional[str], encoder: Encoder) -> None:
        self.fd = answer_fd
        self.sandboxed = sandboxed
        self.files = files
        self.encoder = encoder
        self.pid = os.getpid()
        self.stdout, self.stderr = sys.stdout, sys.stderr
        self.module = types.ModuleType("__main__")
        self.ns: dict[str, Any] = self.module.__dict__
        self.ns["__builtins__"] = builtins
        self.shell = _Shell(self)
        self.ns["get_ipython"] = lambda: self.shell
        self.ns["display"] = self._display
        self.transformer: Any = None
        self.counter = 0
        sys.modules["__main__"] = self.module  # pickling and multiprocessing find the student's classes there
        builtins.input = _no_input
        sys.stdin = _NoStdin()

    # --- answers ----------------------------------------------------------------------------------------------
    def send(self, answer: dict[str, Any]) -> None:
        # A leading newline ends any partial line the student's code left on fd 3, so ours still parses.
        data = ("\n" + "".join(_json_chunks(answer, True)) + "\n").encode()
        view = memoryview(data)
        while view:
            view = view[_write(self.fd, view) :]

    # --- serving ----------------------------------------------------------------------------------------------
    def serve(self, requests: Any) -> None:
        first = True
        while True:
            line = requests.readline(MAX_REQUEST)
            if not line:
                return
            if not line.endswith(b"\n"):
                return  # longer than any request the judge sends: not the judge
            try:
                req, _ = _scan_json(line.decode("utf-8", "replace").strip(), 0)
            except (StopIteration, ValueError):
                continue
            if _type(req) is not dict:
                continue
            if first:
                first = False
                self._copy_files()
            nonce = req.get("nonce")
            op = req.get("op")
            if op == "run":
                timeout = float(req.get("cell_timeout") or 10)
                for cell in req.get("cells") or []:
                    answer = self.run_cell(_str(cell.get("id")), _str(cell.get("source") or ""), timeout)
                    self.send({"nonce": nonce, **answer})
            elif op in ("value", "call", "predict"):
                answer = _getattr(self, "op_" + op)(req)
                self.send({"nonce": nonce, **answer})
            else:
                self.send({"nonce": nonce, "ok": False, "error": "bad_request", "detail": f"unknown op {op!r}"})
            self._end_leftovers()

    def _copy_files(self) -> None:
        """The notebook folder's files (put into the read-only inbox by the judge after the pool started us)."""
        if self.files and os.path.isdir(self.files) and os.path.abspath(self.files) != os.getcwd():
            try:
                shutil.copytree(self.files, os.getcwd(), dirs_exist_ok=True, symlinks=True)
            except OSError as e:
                print(f"classlab runner: could not copy the notebook's files: {e}", file=sys.stderr)

    def _end_leftovers(self) -> None:
        """Kills what the student's code left running (a fork bomb's survivors, background processes), so later
        questions get the CPU: only inside the sandbox's own PID namespace, where -1 means just the sandbox (its init
        and this process are spared). Stopped first, again and again, so that none forks away while others die."""
        if not self.sandboxed or os.getpid() != 2:
            return
        deadline = _monotonic() + 5
        while _monotonic() < deadline:
            try:
                os.kill(-1, signal.SIGSTOP)
                os.kill(-1, signal.SIGKILL)
            except OSError:
                return  # nothing left to signal
            while True:  # reap our own children, so they are gone from /proc (their orphans are init's)
                try:
                    if os.waitpid(-1, os.WNOHANG)[0] == 0:
                        break
                except ChildProcessError:
                    break
            time.sleep(0.005)

    # --- cells ------------------------------------------------------------------------------------------------
    def _arm(self, seconds: float) -> None:
        def alarm(signum: int, frame: Any) -> None:
            raise CellTimeout()

        signal.signal(signal.SIGALRM, alarm)
        signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))

    def _disarm(self) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)

    def _transform(self, source: str) -> str:
        if not _MAGIC_HINT.search(source):
            return source
        if self.transformer is None:
            try:
                from IPython.core.inputtransformer2 import TransformerManager

                self.transformer = TransformerManager()
            except Exception:
                self.transformer = False
        if self.transformer:
            return self.transformer.transform_cell(source)
        # Without IPython: line magics and shell commands are skipped, a cell magic's body runs as it is.
        lines = source.splitlines()
        if lines and lines[0].lstrip().startswith("%%"):
            lines = lines[1:]
        return "\n".join(
            re.sub(r"^(\s*)[%!].*$", r"\1pass", line) if re.match(r"^\s*[%!]", line) else line for line in lines
        )

    def _compile(self, source: str, filename: str) -> tuple[Any, Any]:
        """(code of all statements but a last expression, code of that expression or None)."""
        flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        tree = compile(source, filename, "exec", flags, dont_inherit=True)
        last = None
        if tree.body and _type(tree.body[-1]) is ast.Expr and not source.rstrip().endswith(";"):
            last = ast.Expression(tree.body.pop().value)
        body = compile(tree, filename, "exec", ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
        expr = compile(last, filename, "eval", ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True) if last else None
        return body, expr

    def _eval(self, code: Any) -> Any:
        value = eval(code, self.ns)
        if code.co_flags & 0x80:  # CO_COROUTINE: a cell with top-level await
            import asyncio

            value = asyncio.new_event_loop().run_until_complete(value)
        return value

    def run_code(self, source: str, filename: str) -> Any:
        """Runs code in the student's namespace; the value of a last expression (for %time and friends)."""
        body, expr = self._compile(self._transform(source), filename)
        self._eval(body)
        return self._eval(expr) if expr is not None else None

    def run_cell(self, cell_id: str, source: str, timeout: float) -> dict[str, Any]:
        self.counter += 1
        filename = f"<cell {cell_id or self.counter}>"
        out, err = _Capture(), _Capture()
        status, ename, evalue, tb, result = "ok", None, None, None, None
        started = _monotonic()
        sys.stdout, sys.stderr = out, err
        try:
            source = self._transform(source)
            linecache.cache[filename] = (_len(source), None, source.splitlines(True), filename)
            body, expr = self._compile(source, filename)
            self._arm(timeout)
            try:
                self._eval(body)
                if expr is not None:
                    value = self._eval(expr)
                    if value is not None:
                        self.ns["_"] = value
                        result = _short(_repr(value), RESULT_CAP)
            finally:
                self._disarm()
        except CellTimeout:
            status = "timeout"
        except BaseException as e:  # the student's error, whatever it is, is that cell's outcome
            status, ename, evalue, tb = "error", _type(e).__name__, _safe_str(e), self._traceback(e, filename)
        finally:
            if os.getpid() != self.pid:
                os._exit(0)  # a fork of ours came back out of the student's code: it must not answer
            sys.stdout, sys.stderr = self.stdout, self.stderr
        return {
            "cell": cell_id,
            "status": status,
            "ename": ename,
            "evalue": evalue,
            "traceback": tb,
            "stdout": out.text(),
            "stderr": err.text(),
            "result": result,
            "seconds": round(_monotonic() - started, 4),
        }

    def _traceback(self, e: BaseException, filename: str) -> str:
        """The traceback from the student's code on (our own frames left out), capped."""
        try:
            tb = e.__traceback__
            while tb is not None and not tb.tb_frame.f_code.co_filename.startswith("<"):
                tb = tb.tb_next
            text = "".join(traceback.format_exception(_type(e), e, tb))
        except BaseException:
            text = _type(e).__name__
        return text if _len(text) <= TRACEBACK_CAP else "…" + text[-TRACEBACK_CAP:]

    def _display(self, *objs: Any, **kwargs: Any) -> None:
        for obj in objs:
            print(_repr(obj))

    # --- questions --------------------------------------------------------------------------------------------
    def _lookup(self, name: Any) -> tuple[Any, Optional[dict[str, Any]]]:
        if _type(name) is not str or not name.isidentifier() or name not in self.ns:
            return None, {"ok": False, "error": "not_defined", "detail": _str(name)}
        return self.ns[name], None

    def _answer(self, value: Any) -> dict[str, Any]:
        try:
            return {"ok": True, "value": self.encoder.encode(value)}
        except NotData as e:
            return {"ok": False, "error": "not_data", "detail": e.reason}
        except BaseException as e:
            return {"ok": False, "error": "raised", "ename": _type(e).__name__, "detail": _safe_str(e)}

    def op_value(self, req: dict[str, Any]) -> dict[str, Any]:
        value, missing = self._lookup(req.get("name"))
        return missing or self._answer(value)

    def _invoke(self, fn: Any, args: list[Any], kwargs: dict[str, Any], timeout: float) -> dict[str, Any]:
        out, err = _Capture(), _Capture()
        sys.stdout, sys.stderr = out, err
        try:
            self._arm(timeout)
            try:
                value = fn(*args, **kwargs)
            finally:
                self._disarm()
            answer = self._answer(value)
        except CellTimeout:
            answer = {"ok": False, "error": "timeout"}
        except BaseException as e:
            answer = {"ok": False, "error": "raised", "ename": _type(e).__name__, "detail": _safe_str(e)}
        finally:
            if os.getpid() != self.pid:
                os._exit(0)
            sys.stdout, sys.stderr = self.stdout, self.stderr
        answer["stdout"] = out.text()[:2_000]
        return answer

    def op_call(self, req: dict[str, Any]) -> dict[str, Any]:
        fn, missing = self._lookup(req.get("name"))
        if missing:
            return missing
        if not callable(fn):
            return {"ok": False, "error": "not_callable", "detail": _type(fn).__name__}
        args = self.encoder.to_python(req.get("args") or [])
        kwargs = self.encoder.to_python(req.get("kwargs") or {})
        return self._invoke(fn, args, kwargs, float(req.get("timeout") or 10))

    def op_predict(self, req: dict[str, Any]) -> dict[str, Any]:
        model, missing = self._lookup(req.get("name"))
        if missing:
            return missing
        method = _str(req.get("method") or "predict")
        X = self.encoder.to_python(req.get("X"))
        np = sys.modules.get("numpy")
        if np is not None and _type(X) is list:
            try:
                X = np.asarray(X)
            except Exception:
                pass

        def predict() -> Any:
            fn = _getattr(model, method, None)
            if fn is None or not callable(fn):
                raise AttributeError(f"no method {method}")
            return fn(X)

        answer = self._invoke(predict, [], {}, float(req.get("timeout") or 30))
        if answer.get("ename") == "AttributeError" and answer.get("detail") == f"no method {method}":
            return {"ok": False, "error": "no_method", "detail": method}
        return answer


def apply_limits(limits: dict[str, Any]) -> None:
    """rlimits, soft and hard (student code cannot raise a hard limit again). CPU: the soft limit sends SIGXCPU,
    the hard one (a few seconds later) kills."""
    table = {
        "as": resource.RLIMIT_AS,
        "cpu": resource.RLIMIT_CPU,
        "nproc": resource.RLIMIT_NPROC,
        "fsize": resource.RLIMIT_FSIZE,
        "nofile": resource.RLIMIT_NOFILE,
    }
    for key, which in table.items():
        value = limits.get(key)
        if not value:
            continue
        soft, hard = int(value), int(value) + (5 if key == "cpu" else 0)
        current = resource.getrlimit(which)[1]
        if current != resource.RLIM_INFINITY:
            soft, hard = min(soft, current), min(hard, current)
        resource.setrlimit(which, (soft, hard))


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="classlab_bridge.grader.runner")
    parser.add_argument("--fd", type=int, default=ANSWER_FD, help="the answer pipe (moved to fd 3)")
    parser.add_argument("--limits", default="{}", help="rlimits as JSON: as, cpu, nproc, fsize, nofile")
    parser.add_argument("--warm", default="numpy", help="modules imported before the first request")
    parser.add_argument("--files", default=None, help="a folder copied into the working folder at the first request")
    parser.add_argument("--sandboxed", action="store_true", help="in a PID namespace of our own (bwrap)")
    args = parser.parse_args(argv)
    try:
        if args.fd != ANSWER_FD:
            os.dup2(args.fd, ANSWER_FD, inheritable=False)
            os.close(args.fd)
        else:
            os.set_inheritable(ANSWER_FD, False)
    except OSError:
        print("classlab runner: no answer pipe on fd 3", file=sys.stderr)
        return 2
    # Requests on a private fd: stdin becomes /dev/null, so the student's code (and its children) cannot read them.
    requests = os.fdopen(os.dup(0), "rb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    apply_limits(json.loads(args.limits))
    os.environ.setdefault("MPLBACKEND", "Agg")
    warm = []
    for name in filter(None, args.warm.split(",")):
        try:
            __import__(name)
            warm.append(name)
        except Exception:
            pass
    runner = Runner(ANSWER_FD, args.sandboxed, args.files, Encoder())
    runner.send({"ready": True, "pid": os.getpid(), "warm": warm, "python": sys.version.split()[0]})
    runner.serve(requests)
    return 0


if __name__ == "__main__":
    sys.exit(main())
