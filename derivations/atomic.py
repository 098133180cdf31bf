"""Files and folders that appear complete or not at all.

Every file the toolkit writes goes through :func:`write_text` (temporary file in the same folder,
``fsync``, ``os.replace``), and the report folder through :func:`staged_folder`: it is written into
a hidden sibling and swapped into place only once complete. On Linux the swap is one atomic
``renameat2(RENAME_EXCHANGE)``; elsewhere it is two renames, and a run that died between them is
repaired by the next one (:func:`_recover`), so the target is always the old complete folder or
the new complete one.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["write_text", "write_bytes", "staged_folder", "check_replaceable", "REPORT_MARKERS"]

# A folder holding one of these was written by `modelcollapse report` and may be replaced.
REPORT_MARKERS = ("results.json", "report.md")


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file beside it, fsync, then ``os.replace``.

    The folder must exist (a missing one is the caller's error to report); it is fsynced after the
    rename, so the rename survives a crash. The file gets the ordinary permissions ``0666 & ~umask``
    (``mkstemp`` alone makes ``0600``).
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def write_text(path: str | Path, text: str, *, encoding: str = "utf-8") -> None:
    """:func:`write_bytes` of ``text`` encoded."""
    write_bytes(path, text.encode(encoding))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a directory
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two existing paths (Linux ``renameat2``); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    rc = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return rc == 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _siblings(target: Path, tag: str) -> list[tuple[Path, int]]:
    prefix = f".{target.name}.{tag}-"
    found = []
    for p in target.parent.glob(prefix + "*"):
        with contextlib.suppress(ValueError):
            found.append((p, int(p.name[len(prefix):])))
    return found


def _recover(target: Path) -> None:
    """Repair what a killed run left beside ``target``: its unfinished folder, or a half-done swap."""
    for old, pid in _siblings(target, "old"):
        if _alive(pid) and pid != os.getpid():
            continue
        if not target.exists():
            os.rename(old, target)  # died between the two renames: the old report comes back
        else:
            shutil.rmtree(old, ignore_errors=True)
    for partial, pid in _siblings(target, "partial"):
        if not _alive(pid) or pid == os.getpid():
            shutil.rmtree(partial, ignore_errors=True)


def check_replaceable(target: str | Path, *, replaceable=REPORT_MARKERS) -> None:
    """Raise ``FileExistsError`` unless ``target`` is absent, an empty folder, or holds one of ``replaceable``.

    Called before a long run, so that a folder that is not a previous output is refused at once.
    """
    target = Path(target)
    if target.exists():
        if not target.is_dir():
            raise FileExistsError(f"{str(target)!r} exists and is not a folder")
        if any(target.iterdir()) and not any((target / m).exists() for m in replaceable):
            raise FileExistsError(f"{str(target)!r} exists and is not a previous report; "
                                  "choose a new or empty folder")


@contextlib.contextmanager
def staged_folder(target: str | Path, *, replaceable=REPORT_MARKERS):
    """Yield an empty hidden sibling of ``target`` to write into; on success it becomes ``target``.

    An existing ``target`` is replaced only if it is empty or holds one of ``replaceable`` (so
    that ``--out`` never deletes a folder that is not a previous output). On an exception the
    sibling is deleted and ``target`` is left as it was.

    Raises
    ------
    FileExistsError
        ``target`` exists and is not a folder this toolkit may replace.
    """
    target = Path(target).absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    _recover(target)
    check_replaceable(target, replaceable=replaceable)
    stage = target.parent / f".{target.name}.partial-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    for f in stage.rglob("*"):  # everything on disk before the swap makes it visible
        if f.is_file():
            with open(f, "rb") as handle:
                os.fsync(handle.fileno())
    if not target.exists():
        os.rename(stage, target)
    elif _exchange(stage, target):
        shutil.rmtree(stage, ignore_errors=True)  # now holds the old folder
    else:
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        os.rename(target, old)
        os.rename(stage, target)
        shutil.rmtree(old, ignore_errors=True)
    _fsync_dir(target.parent)
