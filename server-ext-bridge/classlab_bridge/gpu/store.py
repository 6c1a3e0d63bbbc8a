"""The local queue's records in SQLite (``<data_dir>/queue.sqlite``): jobs with their state, and the quota ledger.

Everything a student sees must survive a restart (DESIGN.md §6), so every state change is written here at once;
outputs are not (they are in each job's events.jsonl). Calls are short and made from the server's event loop.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Optional

from ..sqlitedb import connect

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
  n INTEGER PRIMARY KEY AUTOINCREMENT,   -- submission order (FIFO within a user)
  id TEXT UNIQUE NOT NULL,
  user TEXT NOT NULL,
  notebook TEXT NOT NULL,
  kernel TEXT NOT NULL,
  targets TEXT NOT NULL,                 -- JSON list of cell ids
  workdir TEXT NOT NULL,
  state TEXT NOT NULL,
  reason TEXT,
  created REAL NOT NULL,
  started REAL,
  ended REAL,
  time_limit INTEGER NOT NULL,
  charged REAL,                          -- GPU-seconds charged when it ended
  device TEXT,
  slot INTEGER,
  error TEXT,                            -- JSON object or NULL
  output_truncated INTEGER NOT NULL DEFAULT 0,
  pgid INTEGER,                          -- the runner's process group
  kernel_pgid INTEGER,                   -- the kernel's (a session of its own)
  dispatch_no INTEGER,                   -- start order, for round robin
  backend_job_id TEXT                    -- the Slurm job id (slurm backend); NULL for local jobs
);
CREATE INDEX IF NOT EXISTS jobs_by_user ON jobs (user, n);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state);
CREATE INDEX IF NOT EXISTS jobs_by_user_start ON jobs (user, dispatch_no);
CREATE INDEX IF NOT EXISTS jobs_by_end ON jobs (ended);
CREATE TABLE IF NOT EXISTS ledger (
  user TEXT NOT NULL,
  period TEXT NOT NULL,                  -- ledger.period_key()
  used REAL NOT NULL DEFAULT 0,          -- GPU-seconds
  PRIMARY KEY (user, period)
);
"""


@dataclass
class JobRecord:
    id: str
    user: str
    notebook: str
    kernel: str
    targets: list[str]
    workdir: str
    state: str
    created: float
    time_limit: int
    reason: Optional[str] = None
    started: Optional[float] = None
    ended: Optional[float] = None
    charged: Optional[float] = None
    device: Optional[str] = None
    slot: Optional[int] = None
    error: Optional[dict[str, Any]] = None
    output_truncated: bool = False
    pgid: Optional[int] = None
    kernel_pgid: Optional[int] = None
    dispatch_no: Optional[int] = None
    backend_job_id: Optional[str] = None
    n: int = field(default=0)


_JSON = {"targets", "error"}
_COLUMNS = [f.name for f in fields(JobRecord)]


def _encode(name: str, value: Any) -> Any:
    if name in _JSON:
        return None if value is None else json.dumps(value)
    if name == "output_truncated":
        return int(bool(value))
    return value


def _decode(row: sqlite3.Row) -> JobRecord:
    values = {name: row[name] for name in _COLUMNS}
    for name in _JSON:
        values[name] = None if values[name] is None else json.loads(values[name])
    values["output_truncated"] = bool(values["output_truncated"])
    return JobRecord(**values)


class JobStore:
    def __init__(self, path: Path) -> None:
        self.db = connect(path, SCHEMA)
        # Records made before a column existed get it (NULL): a newer bridge opens an older queue's file.
        have = {row[1] for row in self.db.execute("PRAGMA table_info(jobs)")}
        for name, kind in (("backend_job_id", "TEXT"),):
            if name not in have:
                self.db.execute(f"ALTER TABLE jobs ADD COLUMN {name} {kind}")

    def close(self) -> None:
        self.db.close()

    # --- jobs ---------------------------------------------------------------------------------------------------
    def insert(self, rec: JobRecord) -> JobRecord:
        names = [n for n in _COLUMNS if n != "n"]
        cur = self.db.execute(
            f"INSERT INTO jobs ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
            [_encode(n, getattr(rec, n)) for n in names],
        )
        rec.n = int(cur.lastrowid or 0)
        return rec

    def update(self, job_id: str, **values: Any) -> None:
        bad = set(values) - set(_COLUMNS) - {"n"}
        if bad:
            raise KeyError(bad)
        sets = ", ".join(f"{k} = ?" for k in values)
        self.db.execute(f"UPDATE jobs SET {sets} WHERE id = ?", [*(_encode(k, v) for k, v in values.items()), job_id])

    def get(self, job_id: str) -> Optional[JobRecord]:
        row = self.db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _decode(row) if row else None

    def recent(self, user: Optional[str], limit: int) -> list[JobRecord]:
        """Newest first; everyone's when ``user`` is None."""
        if user is None:
            rows = self.db.execute("SELECT * FROM jobs ORDER BY n DESC LIMIT ?", (limit,))
        else:
            rows = self.db.execute("SELECT * FROM jobs WHERE user = ? ORDER BY n DESC LIMIT ?", (user, limit))
        return [_decode(r) for r in rows]

    def in_states(self, states: Iterable[str], user: Optional[str] = None) -> list[JobRecord]:
        """Oldest first."""
        wanted = list(states)
        marks = ", ".join("?" for _ in wanted)
        sql = f"SELECT * FROM jobs WHERE state IN ({marks})"
        args: list[Any] = list(wanted)
        if user is not None:
            sql += " AND user = ?"
            args.append(user)
        return [_decode(r) for r in self.db.execute(sql + " ORDER BY n", args)]

    def waiting(self) -> list[tuple[str, str, int, int]]:
        """(id, user, n, time_limit) of every queued job, oldest first: what the fair-share plan needs, no more."""
        cur = self.db.cursor()
        cur.row_factory = None  # plain tuples, no JSON to decode
        return cur.execute("SELECT id, user, n, time_limit FROM jobs WHERE state = 'queued' ORDER BY n").fetchall()

    def last_starts(self) -> dict[str, int]:
        """The latest dispatch number of each user with a queued job (round robin needs no one else)."""
        rows = self.db.execute(
            "SELECT user, MAX(dispatch_no) FROM jobs WHERE dispatch_no IS NOT NULL"
            " AND user IN (SELECT user FROM jobs WHERE state = 'queued') GROUP BY user"
        )
        return {user: int(n) for user, n in rows}

    def ended_beyond(self, user: str, keep: int, states: Iterable[str]) -> list[str]:
        """Ids of the user's ended jobs older than their newest ``keep`` jobs (whose files may go)."""
        wanted = list(states)
        marks = ", ".join("?" for _ in wanted)
        rows = self.db.execute(
            f"SELECT id FROM jobs WHERE user = ? AND state IN ({marks}) AND n < COALESCE("
            "(SELECT n FROM jobs WHERE user = ? ORDER BY n DESC LIMIT 1 OFFSET ?), -1)",
            [user, *wanted, user, keep - 1],
        )
        return [job_id for (job_id,) in rows]

    def next_dispatch_no(self) -> int:
        (n,) = self.db.execute("SELECT COALESCE(MAX(dispatch_no), 0) + 1 FROM jobs").fetchone()
        return int(n)

    def recent_durations(self, states: Sequence[str], limit: int = 20) -> list[float]:
        """Run times of the last jobs that ended in ``states`` (for estimates)."""
        marks = ", ".join("?" for _ in states)
        rows = self.db.execute(
            f"SELECT ended - started FROM jobs WHERE state IN ({marks}) AND started IS NOT NULL AND ended IS NOT NULL"
            " ORDER BY ended DESC LIMIT ?",
            [*states, limit],
        )
        return [float(d) for (d,) in rows]

    # --- ledger -------------------------------------------------------------------------------------------------
    def used(self, user: str, period: str) -> float:
        row = self.db.execute("SELECT used FROM ledger WHERE user = ? AND period = ?", (user, period)).fetchone()
        return float(row[0]) if row else 0.0

    def finish(self, job_id: str, charge: Optional[tuple[str, str, float]], **values: Any) -> None:
        """Ends a job and charges its GPU time in one transaction, so a crash cannot charge twice or not at all."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.update(job_id, **values)
            if charge is not None and charge[2] > 0:
                user, period, seconds = charge
                self.db.execute(
                    "INSERT INTO ledger (user, period, used) VALUES (?, ?, ?)"
                    " ON CONFLICT (user, period) DO UPDATE SET used = used + excluded.used",
                    (user, period, seconds),
                )
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
