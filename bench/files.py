"""Writing files safely: atomic replacement, temporaries that a crash cannot strand, locks.

Every file bench writes appears whole or not at all: it is written under a temporary name in
the same directory and renamed over the target (:func:`write_atomic`, :func:`open_atomic`).
A temporary is named ``.<name>.<pid>.<random>.tmp``: when a process is killed (``kill -9``)
before it can remove its temporaries, the next bench process that writes into that directory
removes those whose process is gone (:func:`clean_stale_temporaries`). A write that fails
(disk full, read-only, a directory where a file should be) is a one-line
:class:`~bench.errors.BenchError` naming the file. :func:`locked` is an exclusive lock on a
directory (``fcntl.flock`` on the directory) around a read-modify-write of shared files;
:func:`check_writable` checks a directory or file can be written before a long run starts.
The guarantees are in docs/guarantees.md, "Results, caches and concurrency".
"""

from __future__ import annotations

import errno
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from bench.errors import BenchError

_TEMP = re.compile(r"^\..+\.(\d+)\.[A-Za-z0-9_]+\.tmp$")
# Errors of writing the data itself (rather than of a path): reported against the target.
_WRITE_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EIO, errno.EROFS}
_UMASK: list[int] = []
_CLEANED: set[Path] = set()
_HELD: set[Path] = set()  # directories whose lock this process holds


def write_error(path: Path, exc: OSError) -> BenchError:
    """``PATH: cannot write: reason``, one line."""
    reason = exc.strerror or type(exc).__name__
    return BenchError(f"{path}: cannot write: {reason}")


def _usual_mode(fd: int) -> None:
    """Give a temporary file the mode ``open()`` would (mkstemp makes it 0600: a result or
    predictions file others cannot read)."""
    if not hasattr(os, "fchmod"):
        return
    if not _UMASK:
        mask = os.umask(0)
        os.umask(mask)
        _UMASK.append(mask)
    os.fchmod(fd, 0o666 & ~_UMASK[0])


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's), or we cannot tell: keep its file
    return True


def clean_stale_temporaries(directory: Path) -> list[Path]:
    """Remove ``.<name>.<pid>.<random>.tmp`` files in ``directory`` whose process is gone.

    Done once per directory per process (a directory of cache batches may hold thousands of
    files). Returns what was removed.
    """
    key = directory.resolve()
    if key in _CLEANED:
        return []
    _CLEANED.add(key)
    removed: list[Path] = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        m = _TEMP.match(name)
        if m is None or _pid_alive(int(m.group(1))):
            continue
        try:
            (directory / name).unlink()
            removed.append(directory / name)
        except OSError:
            pass
    return removed


def temporary(path: Path) -> tuple[int, Path]:
    """A new temporary file beside ``path`` (fd, path), named for this process."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(path.parent, exc) from None
    clean_stale_temporaries(path.parent)
    try:
        fd, tmp = tempfile.mkstemp(
            prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent
        )
    except OSError as exc:
        raise write_error(path, exc) from None
    _usual_mode(fd)
    return fd, Path(tmp)


def write_temporary(path: Path, content: str | bytes) -> Path:
    """Write ``content`` to a temporary beside ``path`` and return it (not yet renamed)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = temporary(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise write_error(path, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def replace(tmp: Path, path: Path) -> None:
    """Rename a temporary over its target; a failure removes the temporary."""
    try:
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise write_error(path, exc) from None


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write via a temporary file in the same directory and rename: never half-written."""
    replace(write_temporary(path, content), path)


@contextmanager
def open_temporary(path: Path) -> Iterator[tuple[BinaryIO, Path]]:
    """A binary temporary beside ``path`` for streamed output, and its name; removed when the
    block raises, kept (for the caller to :func:`replace`) when it ends normally."""
    fd, tmp = temporary(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh, tmp
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.filename is None and exc.errno in _WRITE_ERRNOS:
            raise write_error(path, exc) from None
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def open_atomic(path: Path) -> Iterator[BinaryIO]:
    """A binary file for writing that appears at ``path`` only when the block ends without an
    exception (written under a temporary name, then renamed): streamed output of any size is
    never seen half-written, and an interrupted write leaves the previous file as it was."""
    with open_temporary(path) as (fh, tmp):
        yield fh
    replace(tmp, path)


@contextmanager
def locked(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``directory`` (``fcntl.flock`` on the directory itself, so no
    lock file is left behind, and the lock does not move when files in it are replaced).

    Every read-modify-write of files shared between bench processes (a results directory and
    its leaderboard and error pages, ``corpus.json``) runs inside it, so two processes take
    turns instead of losing each other's changes. Re-entrant within a process; the lock goes
    with the process (a killed holder releases it). Without ``fcntl`` (Windows): no lock.
    """
    key = directory.resolve()
    if key in _HELD:
        yield
        return
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        raise write_error(directory, exc) from None
    try:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            yield
            return
        fcntl.flock(fd, fcntl.LOCK_EX)
        _HELD.add(key)
        try:
            yield
        finally:
            _HELD.discard(key)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def check_writable(path: Path, option: str, *, directory: bool) -> None:
    """Check before a run that ``path`` can be written: a directory bench may create files in,
    or a file it may replace. Creates nothing: a missing directory is checked through its
    nearest existing parent. One line naming the option otherwise."""
    if directory:
        if path.exists() and not path.is_dir():
            raise BenchError(f"{option} {path}: is a file, not a directory")
    elif path.is_dir():
        raise BenchError(f"{option} {path}: is a directory, not a file")
    target = path if directory else path.parent
    while not target.exists() and target != target.parent:
        target = target.parent
    if not target.is_dir():
        raise BenchError(f"{option} {path}: {target} is a file, not a directory")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".write-check.{os.getpid()}.", dir=target)
    except OSError as exc:
        raise BenchError(f"{option} {path}: not writable: {exc.strerror}") from None
    os.close(fd)
    os.unlink(probe)
