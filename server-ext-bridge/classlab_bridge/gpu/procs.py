"""Signalling a job's process groups, and making sure a remembered group is still that job before killing it.

A job has two groups: the runner's (its own session) and the kernel's (jupyter_client always starts a kernel in a
session of its own). After a restart a remembered group id may belong to something else (ids are reused after a
reboot), so a group is killed only while its leader still carries the job's id in its environment.
"""

from __future__ import annotations

import os
import signal
from typing import Optional

#: Set in the runner's environment (and so in its kernel's): the job it belongs to.
JOB_ENV = "CLASSLAB_GPU_JOB"


def group_alive(pgid: Optional[int]) -> bool:
    if not pgid or pgid <= 1:
        return False
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, but is not ours: never signalled below either
    return True


def group_running(pgid: Optional[int]) -> bool:
    """Like group_alive, but a group of zombies (dead, not yet reaped by their parent) counts as gone."""
    if not group_alive(pgid):
        return False
    if not os.path.isdir("/proc/self"):
        return True
    assert pgid is not None
    return bool(_members(pgid, living=True))


def signal_group(pgid: Optional[int], sig: int = signal.SIGTERM) -> bool:
    """Sends ``sig`` to a group; False when there was nothing to signal. Never our own group."""
    if not pgid or pgid <= 1 or pgid == os.getpgid(0):
        return False
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _environ_has(pid: int, marker: bytes) -> Optional[bool]:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return marker in f.read().split(b"\0")
    except FileNotFoundError:
        return False
    except OSError:
        return None


def _members(pgid: int, living: bool = False) -> list[int]:
    """Processes in a group, from /proc (the leader may be gone while its children live on); ``living``: no zombies."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after its last ")".
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 2 and fields[2] == str(pgid).encode() and not (living and fields[0] == b"Z"):
            pids.append(int(name))
    return pids


def group_belongs_to(pgid: Optional[int], job_id: str) -> Optional[bool]:
    """Whether a live member of the group runs for ``job_id``; None where /proc cannot tell (not Linux)."""
    if not pgid or pgid <= 1:
        return False
    if not os.path.isdir("/proc/self"):
        return None
    marker = f"{JOB_ENV}={job_id}".encode()
    answers = [_environ_has(pid, marker) for pid in _members(pgid)]
    if any(a is True for a in answers):
        return True
    return None if any(a is None for a in answers) else False


def kill_stale_group(pgid: Optional[int], job_id: str) -> bool:
    """SIGKILLs a group left from before a restart, only when it provably is that job's; True when signalled."""
    if group_belongs_to(pgid, job_id) is not True:
        return False
    return signal_group(pgid, signal.SIGKILL)
