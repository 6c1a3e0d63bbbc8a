"""Which GPUs this machine has, for the local queue's slots and ``GET info``.

``CUDA_VISIBLE_DEVICES`` wins when it is set (an admin or a container runtime already chose the GPUs; an empty
value means none); otherwise ``nvidia-smi -L`` lists them. No answer means no GPU: the queue then runs jobs on the
CPU and says so, instead of failing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Optional

# "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-5c0b…)"; MIG devices are indented lines under their GPU and not slots.
_SMI_LINE = re.compile(r"^GPU (\d+): (.*?)(?: \(UUID: ([^)]+)\))?\s*$")
# Values CUDA itself treats as "no device".
_NONE = {"", "-1", "none", "nodevfiles", "void"}


@dataclass(frozen=True)
class Gpu:
    index: int
    name: str
    #: What a job on this GPU gets as CUDA_VISIBLE_DEVICES.
    visible_id: str


def nvidia_smi_gpus(environ: Optional[Mapping[str, str]] = None, timeout: float = 5.0) -> list[tuple[Gpu, str]]:
    """GPUs from ``nvidia-smi -L`` with their UUIDs; [] when the tool is missing, fails or hangs."""
    env = os.environ if environ is None else environ
    exe = shutil.which("nvidia-smi", path=env.get("PATH"))
    if not exe:
        return []
    try:
        done = subprocess.run(
            [exe, "-L"], capture_output=True, text=True, timeout=timeout, env=dict(env), stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.SubprocessError):
        return []
    if done.returncode != 0:
        return []
    gpus = []
    for line in done.stdout.splitlines():
        m = _SMI_LINE.match(line)
        if m:
            name = m.group(2).strip() or f"GPU {m.group(1)}"
            gpus.append((Gpu(index=int(m.group(1)), name=name, visible_id=m.group(1)), m.group(3) or ""))
    return gpus


def detect_gpus(environ: Optional[Mapping[str, str]] = None, timeout: float = 5.0) -> list[Gpu]:
    """The GPUs jobs may use, in slot order."""
    env = os.environ if environ is None else environ
    visible = env.get("CUDA_VISIBLE_DEVICES")
    if visible is None:
        return [gpu for gpu, _uuid in nvidia_smi_gpus(env, timeout)]
    ids = [part.strip() for part in visible.split(",")]
    if not ids or ids[0].lower() in _NONE:
        return []
    # CUDA stops at the first invalid entry; an empty entry ends the list too.
    ids = ids[: next((i for i, v in enumerate(ids) if v.lower() in _NONE), len(ids))]
    # nvidia-smi ignores CUDA_VISIBLE_DEVICES and lists every GPU, so entries (index or UUID) find their names there.
    by_key: dict[str, str] = {}
    for gpu, uuid in nvidia_smi_gpus(env, timeout):
        by_key[str(gpu.index)] = gpu.name
        if uuid:
            by_key[uuid] = gpu.name
    gpus = []
    for n, vid in enumerate(ids):
        gpus.append(Gpu(index=n, name=by_key.get(vid, f"GPU {vid}"), visible_id=vid))
    return gpus
