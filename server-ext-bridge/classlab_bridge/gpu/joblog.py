"""A job's event file, ``<job-dir>/events.jsonl``: one JSON object per line, appended by two writers.

The runner appends what the kernel produces (``output``, ``clear``, ``update``) and a few lines only the queue reads
(``kernel``, ``truncated``, ``result``), through a descriptor the queue opened for it (the file is the queue's, in a
folder jobs cannot enter); the queue appends ``state`` lines. Whatever the runner writes is the job's word, since a
job's code runs under the runner's account: the queue takes only the job's own business from it (local.py). A line's
1-based number in the file is its event ``seq``, so replay after a restart, ``get()`` and every subscriber agree
without a second copy of the outputs. One exception: a ``{"type": "skip", "n": N}`` line (the queue's, before a job
starts) reserves the N seqs after its own for events that are sent live but never written (a waiting job's position:
local.py), so the line after it has seq ``its seq + N + 1``. Seqs always increase, not always by one.

Both writers use one ``write()`` on an ``O_APPEND`` descriptor per line, which Linux does not interleave on a local
file. A writer killed mid-line can leave a partial line: the next append starts on a fresh line, and readers skip
what does not parse (it still counts as a line, so seq numbers never move).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional

EVENTS = "events.jsonl"
#: Event types a client sees (PROTOCOL.md); the others are between runner and queue.
CLIENT_TYPES = frozenset({"state", "output", "clear", "update"})
#: No sane line is longer (outputs are capped far below); a longer one is skipped, not loaded, so memory stays bounded.
MAX_LINE_BYTES = 64 * 1024 * 1024
#: The line type that reserves seqs, and the most one line may reserve (a larger ``n`` is not honoured).
SKIP = "skip"
MAX_SKIP = 1 << 20


def open_events(path: Path) -> int:
    """A descriptor to append a job's events with (read-write: ``append_fd`` looks at the last byte)."""
    return os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)


def append(path: Path, event: dict[str, Any]) -> None:
    """Appends one event as one line, starting a fresh line if a killed writer left a partial one."""
    fd = open_events(path)
    try:
        append_fd(fd, event)
    finally:
        os.close(fd)


def append_fd(fd: int, event: dict[str, Any]) -> None:
    """``append`` through a descriptor from ``open_events`` (the runner's, opened for it by the queue)."""
    data = (json.dumps(event, separators=(",", ":"), ensure_ascii=False) + "\n").encode()
    size = os.fstat(fd).st_size
    if size and os.pread(fd, 1, size - 1) != b"\n":
        data = b"\n" + data
    os.write(fd, data)


def reserve(path: Path, n: int) -> tuple[int, int]:
    """Appends a skip line reserving ``n`` seqs; (first, last) of them. Only while no one else appends to the file
    (the queue, for a job not started yet)."""
    if not 0 < n <= MAX_SKIP:
        raise ValueError(f"a skip line reserves 1 to {MAX_SKIP} seqs, not {n}")
    append(path, {"type": SKIP, "n": n})
    tail = Tail(path)
    mine = 0
    for seq, event in tail.read():
        if event is not None and event.get("type") == SKIP:
            mine = seq
    return mine + 1, tail.lines


class Tail:
    """Reads complete lines from a growing event file, remembering where it stopped (offset and seq: ``lines`` is the
    last seq given out, the skips included)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.lines = 0

    def read(self) -> Iterator[tuple[int, Optional[dict[str, Any]]]]:
        """New complete lines as (seq, event or None when unreadable); a partial last line waits for its end."""
        try:
            f = open(self.path, "rb")  # noqa: SIM115 (closed in finally; a generator keeps it open while used)
        except FileNotFoundError:
            return
        try:
            f.seek(self.offset)
            while True:
                line = f.readline(MAX_LINE_BYTES)
                if not line:
                    return
                if not line.endswith(b"\n"):
                    if len(line) < MAX_LINE_BYTES:
                        return  # still being written
                    # An absurdly long line: skip to its end without holding it.
                    while line and not line.endswith(b"\n"):
                        line = f.readline(MAX_LINE_BYTES)
                    if not line:
                        return
                    self.offset = f.tell()
                    self.lines += 1
                    yield self.lines, None
                    continue
                self.offset = f.tell()
                self.lines += 1
                seq = self.lines
                try:
                    event = json.loads(line)
                except ValueError:
                    event = None
                if not isinstance(event, dict):
                    event = None
                elif event.get("type") == SKIP:
                    n = event.get("n")
                    if type(n) is int and 0 <= n <= MAX_SKIP:
                        self.lines += n
                yield seq, event
        finally:
            f.close()


def read_all(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Every readable event of a file as (seq, event)."""
    for seq, event in Tail(path).read():
        if event is not None:
            yield seq, event


class OutputReplay:
    """Applies output/clear/update events to per-cell nbformat outputs, the way a notebook front end does."""

    def __init__(self) -> None:
        self.outputs: dict[str, list[dict[str, Any]]] = {}
        # Per cell: the display_id of each output (None for most), kept beside the nbformat outputs.
        self._display_ids: dict[str, list[Optional[str]]] = {}
        self._clear_pending: set[str] = set()

    def apply(self, event: dict[str, Any]) -> None:
        kind, cell = event.get("type"), event.get("cell_id")
        if not isinstance(cell, str):
            return
        outs = self.outputs.setdefault(cell, [])
        ids = self._display_ids.setdefault(cell, [])
        if kind == "clear":
            if event.get("wait"):
                self._clear_pending.add(cell)
            else:
                outs.clear()
                ids.clear()
        elif kind == "output" and isinstance(event.get("output"), dict):
            if cell in self._clear_pending:
                self._clear_pending.discard(cell)
                outs.clear()
                ids.clear()
            out = event["output"]
            last = outs[-1] if outs else None
            # Consecutive stream text of one name is one output in a notebook.
            if (
                out.get("output_type") == "stream"
                and last is not None
                and last.get("output_type") == "stream"
                and last.get("name") == out.get("name")
            ):
                outs[-1] = {**last, "text": last.get("text", "") + out.get("text", "")}
            else:
                outs.append(out)
                ids.append(event.get("display_id"))
        elif kind == "update" and isinstance(event.get("output"), dict):
            display_id = event.get("display_id")
            for i, known in enumerate(ids):
                if known is not None and known == display_id:
                    outs[i] = {
                        **outs[i],
                        "data": event["output"].get("data", {}),
                        "metadata": event["output"].get("metadata", {}),
                    }


def replay_outputs(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The outputs of every target cell so far, read from disk (the queue keeps none in memory)."""
    replay = OutputReplay()
    for _seq, event in read_all(path):
        replay.apply(event)
    return replay.outputs
