"""The headless job runner: ``python -m classlab_bridge.gpu.runner --events-fd N [--wake-fd M] < job.json`` (as the
queue starts it) or ``python -m classlab_bridge.gpu.runner <job-dir>`` (by hand: ``<job-dir>/job.json`` in,
``<job-dir>/events.jsonl`` out).

Reads the job (written by the queue: kernel, cells, output cap) from its standard input, runs the cells with nbclient
in a fresh kernel of that kernel spec, in the current directory (the queue starts it in the job's workdir, with the
slot's ``CUDA_VISIBLE_DEVICES``, in a session of its own and, isolated, already under the job's own account), and
appends events through descriptor N (the job's ``events.jsonl``, opened by the queue, which the job's account could not
open itself) the moment the kernel sends them (joblog.py):

- ``{"type": "kernel", "pid", "pgid"}`` once the kernel runs (the kernel has its own process group, which the queue
  must kill too);
- ``output`` / ``clear`` / ``update`` for target cells only (context cells' outputs are dropped, as PROTOCOL.md says);
- ``truncated`` once ``max_output_bytes`` of output was written, right after a visible notice output;
- ``{"type": "result", "status": "succeeded" | "failed", "error": {...} | null}`` last.

After each line it writes one byte to descriptor M when given (the write end of a pipe the queue listens on, set
non-blocking by the queue: a full pipe drops the byte, the runner never waits), so the queue reads new lines the moment
they are written instead of on its next poll.

Outputs are never kept in this process either: a job printing 100 MB costs the runner one message at a time.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any, Optional

# nbformat pulls in jsonschema, which builds an IRI grammar at import when rfc3987_syntax is installed: seconds of
# CPU per job for format checks a runner never makes. Marking it absent keeps job start-up fast (only when run as the
# runner: importing this module elsewhere changes nothing).
if __name__ == "__main__":
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from nbclient import NotebookClient  # noqa: E402
from nbclient.exceptions import CellExecutionComplete, CellExecutionError, DeadKernelError  # noqa: E402
from nbformat import NotebookNode  # noqa: E402
from nbformat.v4 import new_code_cell, new_notebook, output_from_msg  # noqa: E402

from .joblog import EVENTS, append, append_fd  # noqa: E402

JOB_FILE = "job.json"
OUTPUT_TYPES = {"stream", "display_data", "execute_result", "error"}


def human_size(n: int) -> str:
    for unit, size in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} bytes"


def notice_text(max_output_bytes: int) -> str:
    return f"\n[ClassLab] Output stopped at {human_size(max_output_bytes)}; the job goes on.\n"


def _line_bytes(event: dict[str, Any]) -> int:
    return len(json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()) + 1


class EventSink:
    """Writes a job's events, counting output bytes against the cap."""

    def __init__(self, target: Path | int, max_output_bytes: int, wake: Optional[int] = None) -> None:
        #: The events file, or a descriptor open on it.
        self.target = target
        #: The queue's doorbell (a pipe), rung after each line.
        self.wake = wake
        self.max_output_bytes = max_output_bytes
        self.written = 0
        self.truncated = False
        # display_id → target cells showing it, for update_display_data.
        self.displays: dict[str, list[str]] = {}

    def emit(self, event: dict[str, Any]) -> None:
        if isinstance(self.target, int):
            append_fd(self.target, event)
        else:
            append(self.target, event)
        if self.wake is not None:
            try:
                os.write(self.wake, b"!")
            except OSError:  # full (the queue has not read yet: it will) or closed (it stopped): the line is written
                pass

    def _counted(self, cell_id: str, event: dict[str, Any]) -> None:
        """Writes an output or update event within the cap; past it, one notice, then nothing."""
        if self.truncated:
            return
        size = _line_bytes(event)
        left = self.max_output_bytes - self.written
        if size > left:
            out = event.get("output", {})
            if event["type"] == "output" and out.get("output_type") == "stream" and left > 0:
                # Keep what fits of the text, so the student sees where it stopped.
                text = out.get("text", "")
                keep = max(0, left - (size - len(text.encode())))
                while keep > 0:
                    part = {**event, "output": {**out, "text": text[:keep]}}
                    if _line_bytes(part) <= left:
                        self.emit(part)
                        break
                    keep = keep * 9 // 10 - 1
            self.truncated = True
            self.emit(
                {
                    "type": "output",
                    "cell_id": cell_id,
                    "output": {"output_type": "stream", "name": "stderr", "text": notice_text(self.max_output_bytes)},
                }
            )
            self.emit({"type": "truncated"})
            return
        self.written += size
        self.emit(event)

    def output(self, cell_id: str, out: dict[str, Any], display_id: Optional[str]) -> None:
        if display_id:
            # A new display with a known id also updates the earlier ones (what a notebook front end does).
            if display_id in self.displays:
                self.update(display_id, out)
            cells = self.displays.setdefault(display_id, [])
            if cell_id not in cells:
                cells.append(cell_id)
        event: dict[str, Any] = {"type": "output", "cell_id": cell_id, "output": out}
        if display_id:
            event["display_id"] = display_id
        self._counted(cell_id, event)

    def update(self, display_id: str, out: dict[str, Any]) -> None:
        body = {"output_type": "display_data", "data": out.get("data", {}), "metadata": out.get("metadata", {})}
        for cell_id in self.displays.get(display_id, []):
            self._counted(cell_id, {"type": "update", "cell_id": cell_id, "display_id": display_id, "output": body})

    def clear(self, cell_id: str, wait: bool) -> None:
        if not self.truncated:  # keep the notice in sight
            self.emit({"type": "clear", "cell_id": cell_id, "wait": wait})


class JobClient(NotebookClient):
    """nbclient's executor with outputs sent to the event file instead of kept in the notebook."""

    def __init__(self, nb: NotebookNode, cells: list[dict[str, Any]], sink: EventSink, **kw: Any) -> None:
        super().__init__(nb, **kw)
        self.job_cells = cells
        self.sink = sink
        self.current: Optional[int] = None
        self.error: Optional[dict[str, Any]] = None
        self.on_cell_start = self._cell_start
        self.on_cell_error = self._cell_error

    def _cell_start(self, cell: NotebookNode, cell_index: int) -> None:
        self.current = cell_index

    def _cell_error(self, cell: NotebookNode, cell_index: int, execute_reply: dict[str, Any]) -> None:
        content = execute_reply.get("content", {})
        self.error = self._error(cell_index, content.get("ename"), content.get("evalue"), content.get("traceback"))

    def _error(self, index: Optional[int], ename: Any, evalue: Any, traceback: Any) -> dict[str, Any]:
        cell = self.job_cells[index] if index is not None else None
        return {
            "cell_id": cell["id"] if cell else None,
            "ename": str(ename or "Error"),
            "evalue": str(evalue or ""),
            "traceback": [str(t) for t in traceback] if isinstance(traceback, list) else [],
            "in_context": bool(cell and not cell["target"]),
        }

    async def async_start_new_kernel(self, **kwargs: Any) -> None:
        await super().async_start_new_kernel(**kwargs)
        provisioner = getattr(self.km, "provisioner", None)
        pid = getattr(provisioner, "pid", None)
        pgid = getattr(provisioner, "pgid", None)
        if pid and not pgid:
            try:
                pgid = os.getpgid(pid)
            except OSError:
                pgid = None
        self.sink.emit({"type": "kernel", "pid": pid, "pgid": pgid})
        # nbclient's own SIGTERM handler only schedules a kernel shutdown and keeps executing; a stopped job should
        # stop now. The queue signals the kernel's group itself, and the kernel also exits when its parent is gone.
        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, os._exit, 128 + signal.SIGTERM)
        except (RuntimeError, NotImplementedError):
            pass

    def process_message(self, msg: dict[str, Any], cell: NotebookNode, cell_index: int) -> Optional[NotebookNode]:
        msg_type = msg["msg_type"]
        content = msg["content"]
        if msg_type == "status":
            if content.get("execution_state") == "idle":
                raise CellExecutionComplete()
            return None
        job_cell = self.job_cells[cell_index]
        if not job_cell["target"]:
            return None  # context outputs are not sent back
        cell_id = job_cell["id"]
        transient = content.get("transient") or {}
        display_id = transient.get("display_id") if isinstance(transient, dict) else None
        if msg_type == "clear_output":
            self.sink.clear(cell_id, bool(content.get("wait")))
        elif msg_type == "update_display_data":
            if display_id:
                self.sink.update(display_id, content)
        elif msg_type in OUTPUT_TYPES:
            try:
                out = output_from_msg(msg)
            except ValueError:
                return None
            self.sink.output(cell_id, dict(out), display_id)
        # comm messages (widgets) have no meaning headless and are ignored.
        return None


def run(job_dir: Path) -> dict[str, Any]:
    """Runs ``<job-dir>/job.json``, events to ``<job-dir>/events.jsonl``."""
    return run_job(json.loads((job_dir / JOB_FILE).read_text()), job_dir / EVENTS)


def run_job(job: dict[str, Any], events: Path | int, wake: Optional[int] = None) -> dict[str, Any]:
    """Runs a job, its events to a file or a descriptor (``wake`` rung after each); the ``result`` event last."""
    sink = EventSink(events, int(job.get("max_output_bytes", 2 << 20)), wake)
    cells = [c for c in job["cells"] if c["source"].strip()]
    nb = new_notebook(cells=[new_code_cell(c["source"], id=f"c{i}") for i, c in enumerate(cells)])
    client = JobClient(
        nb,
        cells,
        sink,
        kernel_name=job["kernel"],
        resources={"metadata": {"path": os.getcwd()}},
        timeout=None,  # the queue enforces the time limit and the quota
        startup_timeout=int(job.get("startup_timeout", 120)),
        allow_errors=False,
        record_timing=False,
        shutdown_kernel="immediate",
    )
    error: Optional[dict[str, Any]] = None
    try:
        client.execute()
    except CellExecutionError as e:
        error = client.error or client._error(client.current, e.ename, e.evalue, str(e.traceback).splitlines())
    except DeadKernelError:
        error = client._error(client.current, "DeadKernelError", "The kernel died (out of memory, or it crashed).", [])
    except Exception as e:  # the kernel would not start, or nbclient failed: the job fails with the reason
        error = client._error(client.current, type(e).__name__, str(e), [])
    result = {"type": "result", "status": "failed" if error else "succeeded", "error": error}
    sink.emit(result)
    return result


def main(argv: Optional[list[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    fds = dict(zip(args[::2], args[1::2])) if len(args) % 2 == 0 else {}
    if (
        fds
        and set(fds) <= {"--events-fd", "--wake-fd"}
        and "--events-fd" in fds
        and all(v.isdigit() for v in fds.values())
    ):
        fd = int(fds["--events-fd"])
        wake = int(fds["--wake-fd"]) if "--wake-fd" in fds else None
        for mine in (fd, wake):
            if mine is not None:
                os.set_inheritable(mine, False)  # the kernel and what the job starts do not get it
        result = run_job(json.load(sys.stdin), fd, wake)
    elif len(args) == 1 and not args[0].startswith("-"):
        result = run(Path(args[0]).resolve())
    else:
        print(
            "usage: python -m classlab_bridge.gpu.runner --events-fd N [--wake-fd M] < job.json | <job-dir>",
            file=sys.stderr,
        )
        return 2
    return 0 if result["status"] == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
