"""Atomic, private file writes: every output is written to a temporary file in the same
folder and renamed over the target at the end, so a reader (or a crash, a full disk, a
kill -9) never sees half a file: the old file or the new one, nothing in between.

Temporary names are hidden and carry the writer's pid (`.<name>.<pid>.tmp<suffix>`, the
suffix kept so OpenCV and numpy pick the format from it); `sweep_temps` removes those of
dead writers at the next start."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
_TEMP = re.compile(r"^\..+\.(\d+)\.tmp(\.[A-Za-z0-9]+)?$")


def temp_path(path: Path) -> Path:
    """Where `path` is written before the rename: same folder, hidden, pid in the name."""
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}.tmp{path.suffix}")


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def commit(tmp: Path, path: Path, mode: int | None = None) -> None:
    """Flush `tmp` to disk and rename it over `path` (atomic on POSIX)."""
    if mode is not None:
        os.chmod(tmp, mode)
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(Path(path).parent)


def discard(tmp: Path) -> None:
    try:
        Path(tmp).unlink()
    except FileNotFoundError:
        pass
    except OSError:
        pass


@contextmanager
def atomic_path(path: Path | str, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path for a writer that wants a file name (OpenCV, numpy); on a
    clean exit it replaces `path`, on any exception (Ctrl-C included) it is removed."""
    path = Path(path)
    tmp = temp_path(path)
    try:
        yield tmp
        commit(tmp, path, mode)
    except OSError as e:
        discard(tmp)
        if e.filename in (None, str(tmp)):     # name the file the user asked for, not the temporary one
            raise OSError(e.errno, e.strerror or str(e), str(path)) from None
        raise
    except BaseException:
        discard(tmp)
        raise


@contextmanager
def atomic_open(path: Path | str, text: bool = True, mode: int | None = None, **kw) -> Iterator[IO]:
    """open() for writing, atomically: the target appears complete or not at all."""
    with atomic_path(path, mode) as tmp:
        with open(tmp, "w" if text else "wb", **({"encoding": "utf-8"} | kw if text else kw)) as f:
            yield f


def write_text(path: Path | str, text: str, mode: int | None = None) -> Path:
    with atomic_open(path, mode=mode) as f:
        f.write(text)
    return Path(path)


def write_bytes(path: Path | str, data: bytes, mode: int | None = None) -> Path:
    with atomic_open(path, text=False, mode=mode) as f:
        f.write(data)
    return Path(path)


def process_alive(pid: int) -> bool:
    """Whether process `pid` still runs on this machine (this process counts; pid <= 0 never)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:            # exists, another user's
        return True
    return True


def sweep_temps(folder: Path | str) -> list[Path]:
    """Remove temporary files a dead writer left in `folder` (killed mid-write)."""
    removed = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for p in entries:
        m = _TEMP.match(p.name)
        if m and p.is_file() and not process_alive(int(m.group(1))):
            discard(p)
            removed.append(p)
    return removed


def private_dir(folder: Path | str, own: bool = True) -> Path:
    """Create `folder` (and parents) readable by its owner only. `own`: the folder is
    coach's own (e.g. the data folder), so an existing one is made private too; a folder
    the user chose that already exists (e.g. /tmp) is left as it is."""
    folder = Path(folder)
    existed = folder.is_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    if own or not existed:
        _set_mode(folder, PRIVATE_DIR)
    return folder


def private_file(path: Path | str) -> Path:
    """Create `path` if missing with mode 0600, and make an existing one 0600."""
    path = Path(path)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, PRIVATE_FILE)
    os.close(fd)
    _set_mode(path, PRIVATE_FILE)
    return path


def _set_mode(path: Path, mode: int) -> None:
    """chmod only where the mode differs; a place we may not chmod is left as it is."""
    try:
        if path.stat().st_mode & 0o777 != mode:
            os.chmod(path, mode)
    except OSError:
        pass
