"""A notebook's folder as a zip archive, for the Hub services that need a student's files (the GPU queue's jobs, the
grader's data checks): packed by the bridge (hidden files and caches left out, size-capped), unpacked by the service
into a folder of its own (size-capped while writing, every entry that would leave the folder or is a link or a device
refusing the whole archive).

Each feature says how a refusal looks to its users: ``error(status, code, message)`` is its own APIError class
(GpuError, GraderError), ``too_big(size, limit)`` its 413 in words.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path, PurePosixPath
from typing import Callable, Optional

from .apibase import APIError

#: Entries an uploaded archive may hold (a folder of many tiny files costs more than its bytes).
MAX_ARCHIVE_ENTRIES = 20000
#: Left out of an archive: caches, and (by the leading dot) hidden files and folders, .ipynb_checkpoints included.
SKIPPED_NAMES = frozenset({"__pycache__", "node_modules"})

ErrorClass = Callable[[int, str, str], Exception]
TooBig = Callable[[int, int], Exception]


def too_big_in_words(size: int, limit: int) -> Exception:
    return APIError(413, "too_big", f"The folder holds {size / 1048576:.1f} MiB; at most {limit / 1048576:.0f} MiB.")


def folder_files(folder: Path) -> list[tuple[Path, str, int]]:
    """(path, archive name, size) of every file that goes: no hidden or skipped names, no links to folders (loops),
    no special files."""
    found: list[tuple[Path, str, int]] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and d not in SKIPPED_NAMES and not (here / d).is_symlink()
        )
        for name in sorted(filenames):
            if name.startswith(".") or name in SKIPPED_NAMES:
                continue
            path = here / name
            try:
                info = path.stat()
            except OSError:
                continue  # a dangling link, or gone meanwhile
            if stat.S_ISREG(info.st_mode):
                found.append((path, path.relative_to(folder).as_posix(), info.st_size))
    return found


def folder_size(folder: Path) -> int:
    return sum(size for _, _, size in folder_files(folder))


def pack_folder(folder: Path, max_bytes: int, too_big: TooBig = too_big_in_words) -> bytes:
    """The folder as a zip archive (see ``folder_files``); ``too_big`` raised past ``max_bytes``. A folder that does
    not exist packs as an empty archive."""
    files = folder_files(folder) if folder.is_dir() else []
    total = sum(size for _, _, size in files)
    if total > max_bytes:
        raise too_big(total, max_bytes)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for path, name, _ in files:
            try:
                archive.write(path, name)
            except OSError:
                continue  # unreadable or gone meanwhile: it goes without it
    return buffer.getvalue()


def _safe_name(name: str) -> Optional[PurePosixPath]:
    """The entry's relative path, or None when it would leave the folder (absolute, ``..``, a drive, backslashes)."""
    if not name or "\0" in name or "\\" in name:
        return None
    path = PurePosixPath(name)
    if path.is_absolute() or any(part in ("..", "") for part in path.parts) or ":" in path.parts[0]:
        return None
    return path


def unpack_folder(
    data: bytes, dest: Path, max_bytes: int, error: ErrorClass = APIError, too_big: TooBig = too_big_in_words
) -> int:
    """Extracts an uploaded folder archive into the empty folder ``dest``; the bytes written.

    Refused as a whole (``error`` 400 ``bad_archive``) when any entry would land outside ``dest`` or is a link or a
    device, or the archive is not a zip; ``too_big`` when it unpacks to more than ``max_bytes`` (counted while
    writing: the sizes in the archive's header are the sender's word).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as e:
        raise error(400, "bad_archive", "The folder archive is not a zip file.") from e
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ARCHIVE_ENTRIES:
            raise error(400, "bad_archive", f"The folder holds more than {MAX_ARCHIVE_ENTRIES} files.")
        plan: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
        for entry in entries:
            path = _safe_name(entry.filename.rstrip("/") if entry.is_dir() else entry.filename)
            kind = stat.S_IFMT(entry.external_attr >> 16)  # 0: no type recorded (a plain file)
            if path is None or kind not in (0, stat.S_IFREG, stat.S_IFDIR):
                raise error(
                    400, "bad_archive", f"The folder archive holds an entry that is not allowed: {entry.filename!r}"
                )
            plan.append((entry, path))
        if sum(entry.file_size for entry, _ in plan) > max_bytes:
            raise too_big(sum(entry.file_size for entry, _ in plan), max_bytes)
        written = 0
        for entry, path in plan:
            target = dest.joinpath(*path.parts)
            try:
                if entry.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(entry) as source, open(target, "xb") as out:
                    while chunk := source.read(1 << 20):
                        written += len(chunk)
                        if written > max_bytes:
                            raise too_big(written, max_bytes)
                        out.write(chunk)
            except FileExistsError as e:
                raise error(400, "bad_archive", f"The folder archive holds {entry.filename!r} twice.") from e
            except (zipfile.BadZipFile, OSError, EOFError) as e:  # corrupt data, bad CRC, a file where a folder is
                raise error(400, "bad_archive", f"The folder archive is damaged at {entry.filename!r}.") from e
    return written
