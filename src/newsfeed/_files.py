"""Writing output files so that readers only ever see a complete old or a complete new file."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import secrets
import stat
import time
from pathlib import Path

from newsfeed._errors import OutputError

# Random names collide only when something else creates files by the same pattern.
_TEMPORARY_ATTEMPTS = 100
_TOKEN_BYTES = 6
# A temporary file that no writer holds locked is taken for a killed writer's only once it is
# this old (seconds): a writer that does not lock (an older version, a file system without
# locks) writes and renames its file well within this time. With runs a minute or more apart,
# a leftover goes at the first or second run after the kill.
_STALE_AFTER_SECONDS = 60.0


def write_atomic(path: str | os.PathLike[str], data: bytes) -> bool:
    """Replace *path* with *data* atomically; return ``False`` if it already held them.

    The bytes go to a temporary file in the same directory, are flushed and
    fsynced, and the file is renamed over the target, so a crash or kill leaves
    either the old file or the new one. An unchanged file is not rewritten:
    its mtime stays, and web servers keep serving the same ETag. A replaced
    file keeps its permission bits; a new one gets what ``open()`` would give.

    The writer holds a lock on its temporary file until the rename. A writer
    killed before then leaves its file behind, unlocked by the kernel: every
    call removes those of *path* that are unlocked and over a minute old.
    """
    target = Path(path)
    _remove_stale_temporaries(target)
    try:
        if target.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise _output_error(target, exc) from exc
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        mode = _existing_mode(target)
        descriptor, temporary = _create_temporary(target)
    except OSError as exc:
        raise _output_error(target, exc) from exc
    try:
        # Renamed while still open, so still locked: a cleaner never takes it before then.
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            temporary.replace(target)
    except BaseException as exc:
        # Interrupted or failed, the temporary file must not be left behind.
        with contextlib.suppress(OSError):
            temporary.unlink()
        if isinstance(exc, OSError):
            raise _output_error(target, exc) from exc
        raise
    _sync_directory(target.parent)
    return True


def read_capped(path: str | os.PathLike[str], limit: int | None) -> tuple[bytes, bool]:
    """The bytes of *path*, at most *limit* of them; and whether the file goes on past those.

    A file over the limit costs the limit in memory and time, however large it is.
    """
    with Path(path).open("rb") as handle:
        if limit is None:
            return handle.read(), False
        data = handle.read(limit + 1)
    return data[:limit], len(data) > limit


def _output_error(target: Path, exc: OSError) -> OutputError:
    return OutputError(str(target), exc.strerror or str(exc), errno=exc.errno)


def _existing_mode(target: Path) -> int | None:
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        return None


def _temporary_pattern(name: str) -> re.Pattern[str]:
    """The names :func:`_create_temporary` gives the temporary files of a target *name*."""
    return re.compile(re.escape(f".{name}.") + f"[0-9a-f]{{{2 * _TOKEN_BYTES}}}" + r"\.tmp")


def _create_temporary(target: Path) -> tuple[int, Path]:
    """Create a new temporary file beside *target*, open and locked."""
    # Created with mode 0o666 like open() does, so the kernel applies the umask: reading the
    # umask would mean setting it, which races with other threads creating files.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(_TEMPORARY_ATTEMPTS):
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(_TOKEN_BYTES)}.tmp")
        try:
            descriptor = os.open(temporary, flags, 0o666)
        except FileExistsError:
            continue
        try:
            if _lock_new(descriptor, temporary):
                return descriptor, temporary
        except BaseException:
            # Interrupted before the file was ours to write: it must not be left behind.
            with contextlib.suppress(OSError):
                temporary.unlink()
            os.close(descriptor)
            raise
        os.close(descriptor)  # a cleaner took it: another name
    raise FileExistsError(errno.EEXIST, "no unused temporary file name", str(target.parent))


def _lock_new(descriptor: int, temporary: Path) -> bool:
    """Lock a just-created temporary file; ``False`` if a cleaner removed it first.

    Between the creation and the lock, a stalled writer's file is unlocked like a
    dead writer's. A cleaner removes a file only while it holds its lock, so once
    the lock is ours the name either still is our file or is gone for good.
    """
    # A file system without locks leaves the age guard alone to protect the file.
    with contextlib.suppress(OSError):
        fcntl.flock(descriptor, fcntl.LOCK_EX)
    try:
        return os.path.samestat(os.lstat(temporary), os.fstat(descriptor))
    except FileNotFoundError:
        return False


def _remove_stale_temporaries(target: Path) -> None:
    """Remove the temporary files of *target* that writers killed before the rename left.

    Never raises: cleaning up is not what the caller asked for.
    """
    pattern = _temporary_pattern(target.name)
    try:
        with os.scandir(target.parent) as entries:
            names = [entry.name for entry in entries if pattern.fullmatch(entry.name)]
    except OSError:
        return
    for name in names:
        with contextlib.suppress(OSError):  # vanished, or not ours to open or remove
            _remove_if_stale(target.parent / name)


def _remove_if_stale(temporary: Path) -> None:
    # Not following links, and not waiting for a writer to open a pipe of that name.
    descriptor = os.open(temporary, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            return
        if time.time() - status.st_mtime < _STALE_AFTER_SECONDS:
            return  # perhaps a live writer's that has not locked it yet
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # a live writer's
        # Removed while locked, and only if the name still is the file that was judged.
        if os.path.samestat(os.lstat(temporary), status):
            temporary.unlink()
    finally:
        os.close(descriptor)


def _sync_directory(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk.
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
