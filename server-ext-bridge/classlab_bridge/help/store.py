"""Help requests on disk, so that a restarted relay (the Hub restarts a managed service that died) still knows them.

One small JSON file, rewritten whole (to a temporary file, then renamed) after every change: a class has at most a
few dozen open requests. It holds what a request needs to go on (owner, cell, audience, room id, helpers, revoked
users, the join/leave log), never room content: the clients' documents are the truth, and they sync again when
they reconnect with fresh tickets (the ticket secret is per process, so tickets from before the restart are void).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

FORMAT = 1


class HelpStore:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def load(self) -> list[dict[str, Any]]:
        """The saved requests (each a HelpRequest's fields plus ``revoked``); none when there is no file yet.

        A file that cannot be read is kept aside (``.broken``) rather than overwritten, and starts an empty relay."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("requests"), list):
                raise ValueError("not a ClassLab help state file")
            return [r for r in data["requests"] if isinstance(r, dict)]
        except FileNotFoundError:
            return []
        except (OSError, ValueError):
            try:
                self.path.replace(self.path.with_name(self.path.name + ".broken"))
            except OSError:
                pass
            return []

    def save(self, requests: list[Any], revoked: dict[str, list[str]]) -> None:
        """Writes ``requests`` (HelpRequest objects) with each one's revoked users (by request id), atomically."""
        rows = [{**asdict(r), "revoked": sorted(revoked.get(r.id, []))} for r in requests]
        text = json.dumps({"format": FORMAT, "requests": rows}, ensure_ascii=False, separators=(",", ":"))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.chmod(tmp, 0o600)  # names of students and their error messages
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
