"""Writing output files so that readers only ever see a complete old or a complete new file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from newsfeed._errors import OutputError


def write_atomic(path: str | os.PathLike[str], data: bytes) -> bool:
    """Replace *path* with *data* atomically; return ``False`` if it already held them.

    The bytes go to a temporary file in the same directory, are flushed and
    fsynced, and the file is renamed over the target, so a crash or kill leaves
    either the old file or the new one. An unchanged file is not rewritten:
    its mtime stays, and web servers keep serving the same ETag.
    """
    target = Path(path)
    try:
        if target.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise OutputError(str(target), exc.strerror or str(exc)) from exc
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        mode = _mode_for(target)
        descriptor, temporary_name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
    except OSError as exc:
        raise OutputError(str(target), exc.strerror or str(exc)) from exc
    temporary = Path(temporary_name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.chmod(mode)
        temporary.replace(target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise OutputError(str(target), exc.strerror or str(exc)) from exc
    _sync_directory(target.parent)
    return True


def _mode_for(target: Path) -> int:
    # mkstemp creates 0600 files, which a web server could not read: keep the old file's
    # mode, or give a new file what open() would.
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _sync_directory(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk.
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
