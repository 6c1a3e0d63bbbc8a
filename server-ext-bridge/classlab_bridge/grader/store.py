"""The grading service's records in SQLite (``<data_dir>/grader.sqlite``): submissions with their state and results.

Only the service writes here (the sandbox cannot reach the file). Results are kept whole, hidden tests included; what a
student may see of them is cut in service.py. Calls are short and made from the service's event loop.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Optional

from ..sqlitedb import connect

SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
  n INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT UNIQUE NOT NULL,
  user TEXT NOT NULL,
  assignment TEXT NOT NULL,
  notebook TEXT NOT NULL,
  mode TEXT NOT NULL,                    -- check | submit
  question TEXT,                         -- the question checked (mode check), else NULL
  state TEXT NOT NULL,                   -- queued | running | done | failed
  created REAL NOT NULL,
  ended REAL,
  attempt INTEGER NOT NULL,              -- the user's n-th submit of the assignment (checks: 0)
  score REAL,
  max_score REAL,
  results TEXT,                          -- JSON (whole, hidden tests included)
  error TEXT                             -- JSON {code, message} when failed
);
CREATE INDEX IF NOT EXISTS submissions_by_user ON submissions (user, assignment, n);
CREATE INDEX IF NOT EXISTS submissions_by_assignment ON submissions (assignment, mode, n);
CREATE INDEX IF NOT EXISTS submissions_by_state ON submissions (state);
"""


@dataclass
class Submission:
    id: str
    user: str
    assignment: str
    notebook: str
    mode: str
    state: str
    created: float
    attempt: int = 0
    question: Optional[str] = None
    ended: Optional[float] = None
    score: Optional[float] = None
    max_score: Optional[float] = None
    results: Optional[dict[str, Any]] = None
    error: Optional[dict[str, Any]] = None
    n: int = field(default=0)


_JSON = {"results", "error"}
_COLUMNS = [f.name for f in fields(Submission)]


def _decode(row: sqlite3.Row) -> Submission:
    values = {name: row[name] for name in _COLUMNS}
    for name in _JSON:
        values[name] = None if values[name] is None else json.loads(values[name])
    return Submission(**values)


class SubmissionStore:
    def __init__(self, path: Path) -> None:
        self.db = connect(path, SCHEMA)
        path.chmod(0o600)

    def close(self) -> None:
        self.db.close()

    def insert(self, sub: Submission) -> Submission:
        names = [n for n in _COLUMNS if n != "n"]
        values = [
            json.dumps(getattr(sub, n)) if n in _JSON and getattr(sub, n) is not None else getattr(sub, n)
            for n in names
        ]
        cur = self.db.execute(
            f"INSERT INTO submissions ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})", values
        )
        sub.n = int(cur.lastrowid or 0)
        return sub

    def update(self, sub_id: str, **values: Any) -> None:
        bad = set(values) - set(_COLUMNS) - {"n"}
        if bad:
            raise KeyError(bad)
        sets = ", ".join(f"{k} = ?" for k in values)
        encoded = [json.dumps(v) if k in _JSON and v is not None else v for k, v in values.items()]
        self.db.execute(f"UPDATE submissions SET {sets} WHERE id = ?", [*encoded, sub_id])

    def get(self, sub_id: str) -> Optional[Submission]:
        row = self.db.execute("SELECT * FROM submissions WHERE id = ?", (sub_id,)).fetchone()
        return _decode(row) if row else None

    def of_user(self, user: str, assignment: Optional[str] = None, limit: int = 50) -> list[Submission]:
        """Newest first."""
        if assignment is None:
            rows = self.db.execute("SELECT * FROM submissions WHERE user = ? ORDER BY n DESC LIMIT ?", (user, limit))
        else:
            rows = self.db.execute(
                "SELECT * FROM submissions WHERE user = ? AND assignment = ? ORDER BY n DESC LIMIT ?",
                (user, assignment, limit),
            )
        return [_decode(r) for r in rows]

    def submits_since(self, user: str, assignment: str, since: float) -> int:
        (n,) = self.db.execute(
            "SELECT COUNT(*) FROM submissions WHERE user = ? AND assignment = ? AND mode = 'submit' AND created >= ?",
            (user, assignment, since),
        ).fetchone()
        return int(n)

    def next_attempt(self, user: str, assignment: str) -> int:
        (n,) = self.db.execute(
            "SELECT COALESCE(MAX(attempt), 0) + 1 FROM submissions"
            " WHERE user = ? AND assignment = ? AND mode = 'submit'",
            (user, assignment),
        ).fetchone()
        return int(n)

    def latest_submits(self, assignment: str) -> list[Submission]:
        """Each user's latest graded submit of the assignment (the class's results), by user name."""
        rows = self.db.execute(
            "SELECT * FROM submissions WHERE n IN (SELECT MAX(n) FROM submissions WHERE assignment = ? AND"
            " mode = 'submit' AND state = 'done' GROUP BY user) ORDER BY user",
            (assignment,),
        )
        return [_decode(r) for r in rows]

    def in_states(self, states: list[str]) -> list[Submission]:
        marks = ", ".join("?" for _ in states)
        rows = self.db.execute(f"SELECT * FROM submissions WHERE state IN ({marks}) ORDER BY n", states)
        return [_decode(r) for r in rows]
