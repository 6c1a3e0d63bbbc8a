"""The one way ClassLab's services open their SQLite files (GPU jobs, grader submissions)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def connect(path: Path, schema: str) -> sqlite3.Connection:
    """Autocommit (transactions only where asked with BEGIN), rows by column name, the schema applied."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    db.row_factory = sqlite3.Row
    # WAL: a reader (a teacher's list) never waits for the writer; NORMAL is durable enough with WAL.
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(schema)
    return db
