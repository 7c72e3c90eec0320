"""Writing output files so that readers only ever see a complete old or a complete new file."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from pathlib import Path

from newsfeed._errors import OutputError

# Random names collide only when something else creates files by the same pattern.
_TEMPORARY_ATTEMPTS = 100


def write_atomic(path: str | os.PathLike[str], data: bytes) -> bool:
    """Replace *path* with *data* atomically; return ``False`` if it already held them.

    The bytes go to a temporary file in the same directory, are flushed and
    fsynced, and the file is renamed over the target, so a crash or kill leaves
    either the old file or the new one. An unchanged file is not rewritten:
    its mtime stays, and web servers keep serving the same ETag. A replaced
    file keeps its permission bits; a new one gets what ``open()`` would give.
    """
    target = Path(path)
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
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            temporary.chmod(mode)
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


def _output_error(target: Path, exc: OSError) -> OutputError:
    return OutputError(str(target), exc.strerror or str(exc), errno=exc.errno)


def _existing_mode(target: Path) -> int | None:
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        return None


def _create_temporary(target: Path) -> tuple[int, Path]:
    # Created with mode 0o666 like open() does, so the kernel applies the umask: reading the
    # umask would mean setting it, which races with other threads creating files.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(_TEMPORARY_ATTEMPTS):
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary file name", str(target.parent))


def _sync_directory(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk.
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
