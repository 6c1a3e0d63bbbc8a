"""A pool of pre-started sandboxes (PROTOCOL.md "Pre-warmed pool"): ``size`` runners waiting for their first request
(Python started, numpy imported where there is one), so a check costs no interpreter start. Each sandbox serves one
submission and is then killed by its user; the pool starts another in the background.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Optional

from .sandbox import Sandbox, SandboxConfig, SandboxError

log = logging.getLogger("classlab_bridge.grader")


class SandboxPool:
    def __init__(self, config: SandboxConfig, size: int = 2, retry_seconds: float = 5.0) -> None:
        self.config = config
        self.size = max(0, size)
        self.retry_seconds = retry_seconds
        self._ready: deque[Sandbox] = deque()
        self._lock = threading.Condition()
        self._closed = False
        self._starting = 0
        self._thread: Optional[threading.Thread] = None
        self.last_error: Optional[str] = None

    def start(self) -> SandboxPool:
        with self._lock:
            if self._thread is None and self.size:
                self._thread = threading.Thread(target=self._fill, name="classlab-sandbox-pool", daemon=True)
                self._thread.start()
        return self

    def _fill(self) -> None:
        while True:
            with self._lock:
                while not self._closed and len(self._ready) + self._starting >= self.size:
                    self._lock.wait()
                if self._closed:
                    return
                self._starting += 1
            box: Optional[Sandbox] = None
            try:
                box = Sandbox.start(self.config)
                self.last_error = None
            except SandboxError as e:
                self.last_error = e.message
                log.warning("ClassLab grader: a pooled sandbox did not start: %s", e.message)
            except Exception as e:  # never let the refill thread die
                self.last_error = str(e)
                log.exception("ClassLab grader: a pooled sandbox did not start")
            with self._lock:
                self._starting -= 1
                if box is not None and not self._closed:
                    self._ready.append(box)
                    self._lock.notify_all()
                    continue
            if box is not None:
                box.kill()  # closed meanwhile
                return
            time.sleep(self.retry_seconds)

    def take(self) -> Sandbox:
        """A ready sandbox (one of the pool's when there is one alive, else a new one started now); the caller kills
        it when done."""
        while True:
            with self._lock:
                if self._closed:
                    raise SandboxError("the sandbox pool is closed")
                box = self._ready.popleft() if self._ready else None
                self._lock.notify_all()  # room for the refill
            if box is None:
                return Sandbox.start(self.config)
            if box.alive:
                return box
            box.kill()  # died while waiting (killed from outside): not for a submission

    def ready_count(self) -> int:
        with self._lock:
            return len(self._ready)

    def wait_ready(self, count: Optional[int] = None, timeout: float = 60.0) -> bool:
        """Waits until ``count`` (default: size) sandboxes are ready; whether they are."""
        want = self.size if count is None else count
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self._ready) < want and not self._closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(min(left, 0.5))
            return len(self._ready) >= want

    def close(self) -> None:
        """Kills every waiting sandbox and stops refilling (sandboxes already taken are their users')."""
        with self._lock:
            self._closed = True
            boxes = list(self._ready)
            self._ready.clear()
            self._lock.notify_all()
        for box in boxes:
            box.kill()
        if self._thread is not None:
            self._thread.join(timeout=60)
            self._thread = None

    def __enter__(self) -> SandboxPool:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
