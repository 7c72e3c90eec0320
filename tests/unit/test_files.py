"""write_atomic: readers see the old file or the new one, never a part, and nothing is left over."""

from __future__ import annotations

import fcntl
import os
import pickle
import re
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsfeed import NewsfeedError, OutputError, _files, write_atomic


@pytest.fixture
def umask() -> Iterator[None]:
    # The umask is process-wide: whatever a test sets is put back.
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_writes_a_new_file(tmp_path: Path) -> None:
    target = tmp_path / "feed.xml"
    assert write_atomic(target, b"<rss/>") is True
    assert target.read_bytes() == b"<rss/>"
    assert sorted(tmp_path.iterdir()) == [target]


def test_accepts_a_string_path(tmp_path: Path) -> None:
    target = tmp_path / "feed.xml"
    assert write_atomic(str(target), b"data") is True
    assert target.read_bytes() == b"data"


def test_creates_missing_folders(tmp_path: Path) -> None:
    target = tmp_path / "public" / "news" / "feed.xml"
    assert write_atomic(target, b"data") is True
    assert target.read_bytes() == b"data"


def test_replaces_different_bytes(tmp_path: Path) -> None:
    target = tmp_path / "feed.xml"
    target.write_bytes(b"old and longer")
    assert write_atomic(target, b"new") is True
    assert target.read_bytes() == b"new"
    assert sorted(tmp_path.iterdir()) == [target]


def test_empty_data(tmp_path: Path) -> None:
    target = tmp_path / "feed.xml"
    assert write_atomic(target, b"") is True
    assert target.read_bytes() == b""
    assert write_atomic(target, b"") is False


def test_unchanged_bytes_are_not_rewritten(tmp_path: Path) -> None:
    target = tmp_path / "feed.xml"
    target.write_bytes(b"same")
    long_ago = 1_000_000_000
    os.utime(target, (long_ago, long_ago))
    inode = target.stat().st_ino
    assert write_atomic(target, b"same") is False
    assert target.stat().st_mtime == long_ago
    assert target.stat().st_ino == inode
    assert write_atomic(target, b"changed") is True
    assert target.stat().st_mtime != long_ago


def test_replacement_is_a_new_file_not_an_overwrite(tmp_path: Path) -> None:
    # A reader holding the old file open keeps reading the old bytes.
    target = tmp_path / "feed.xml"
    target.write_bytes(b"old")
    with target.open("rb") as reader:
        write_atomic(target, b"new")
        assert reader.read() == b"old"
    assert target.read_bytes() == b"new"


@pytest.mark.parametrize("mode", [0o640, 0o600, 0o644, 0o664, 0o604])
@pytest.mark.usefixtures("umask")
def test_keeps_the_old_files_permissions(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "feed.xml"
    target.write_bytes(b"old")
    target.chmod(mode)
    assert write_atomic(target, b"new") is True
    assert mode_of(target) == mode


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o002, 0o077, 0o000])
@pytest.mark.usefixtures("umask")
def test_new_files_get_the_umasks_permissions(tmp_path: Path, mask: int) -> None:
    os.umask(mask)
    target = tmp_path / "feed.xml"
    write_atomic(target, b"new")
    assert mode_of(target) == 0o666 & ~mask


@pytest.mark.usefixtures("umask")
def test_the_umask_is_left_as_it_was(tmp_path: Path) -> None:
    os.umask(0o027)
    write_atomic(tmp_path / "feed.xml", b"new")
    assert os.umask(0o027) == 0o027


def test_a_path_through_a_regular_file_is_an_output_error(tmp_path: Path) -> None:
    # Running as root, a read-only folder would still be writable: a file as the parent is not.
    blocker = tmp_path / "public"
    blocker.write_bytes(b"not a folder")
    target = blocker / "feed.xml"
    with pytest.raises(OutputError) as caught:
        write_atomic(target, b"data")
    error = caught.value
    assert isinstance(error, OSError)
    assert isinstance(error, NewsfeedError)
    assert error.path == str(target)
    assert str(target) in str(error)
    assert str(error) == f"{target}: Not a directory"
    assert blocker.read_bytes() == b"not a folder"
    assert sorted(tmp_path.iterdir()) == [blocker]


def test_output_error_carries_the_os_errors_fields(tmp_path: Path) -> None:
    blocker = tmp_path / "public"
    blocker.write_bytes(b"")
    with pytest.raises(OutputError) as caught:
        write_atomic(blocker / "deeper" / "feed.xml", b"data")
    assert caught.value.errno is not None
    assert caught.value.filename == str(blocker / "deeper" / "feed.xml")
    assert caught.value.strerror == caught.value.reason


def test_a_folder_in_the_way_is_an_output_error(tmp_path: Path) -> None:
    target = tmp_path / "feed.xml"
    target.mkdir()
    with pytest.raises(OutputError, match=r"feed\.xml"):
        write_atomic(target, b"data")
    assert target.is_dir()
    assert sorted(tmp_path.iterdir()) == [target]


def test_a_failed_rename_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "feed.xml"
    target.write_bytes(b"old")

    def fail(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OutputError, match="No space left on device"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(tmp_path.iterdir()) == [target]


def test_an_interrupted_write_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "feed.xml"

    def interrupt(_descriptor: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new")
    assert list(tmp_path.iterdir()) == []


def test_output_error_pickles(tmp_path: Path) -> None:
    # Errors cross process boundaries (multiprocessing, concurrent.futures) by pickle.
    error = OutputError(str(tmp_path / "feed.xml"), "Not a directory", errno=20)
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert type(copy) is OutputError
    assert (copy.path, copy.reason, copy.errno, str(copy)) == (
        error.path,
        error.reason,
        20,
        str(error),
    )


# --- temporary files left by killed writers ---------------------------------------------------

STALE = 3600  # seconds: far beyond the age under which a temporary may still be a live writer's


def temporary_beside(target: Path, digits: str = "0123456789ab", *, age: float = STALE) -> Path:
    """A temporary file as a writer of *target* killed *age* seconds ago would have left."""
    temporary = target.with_name(f".{target.name}.{digits}.tmp")
    temporary.write_bytes(b"<rss><channel><title>half a fe")
    when = time.time() - age
    os.utime(temporary, (when, when))
    return temporary


def names_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_a_stale_temporary_of_the_same_target_is_removed(tmp_path: Path) -> None:
    target = tmp_path / "feed.xml"
    target.write_bytes(b"old")
    temporary_beside(target)
    temporary_beside(target, "fedcba987654")

    assert write_atomic(target, b"new") is True

    assert names_in(tmp_path) == ["feed.xml"]
    assert target.read_bytes() == b"new"


def test_stale_temporaries_go_also_when_the_file_is_unchanged(tmp_path: Path) -> None:
    # A run that publishes the same bytes still clears what a killed run left.
    target = tmp_path / "feed.xml"
    target.write_bytes(b"same")
    temporary_beside(target)

    assert write_atomic(target, b"same") is False

    assert names_in(tmp_path) == ["feed.xml"]


def test_a_stale_temporary_goes_before_the_first_write(tmp_path: Path) -> None:
    target = tmp_path / "feed.xml"
    temporary_beside(target)

    assert write_atomic(target, b"new") is True

    assert names_in(tmp_path) == ["feed.xml"]


def test_a_fresh_temporary_is_kept(tmp_path: Path) -> None:
    # A writer that has created its file but not yet locked it: too young to judge.
    target = tmp_path / "feed.xml"
    fresh = temporary_beside(target, age=0)

    write_atomic(target, b"new")

    assert names_in(tmp_path) == sorted(["feed.xml", fresh.name])


def test_a_temporary_locked_by_another_descriptor_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "feed.xml"
    locked = temporary_beside(target)
    with locked.open("rb") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX)
        write_atomic(target, b"new")
        assert names_in(tmp_path) == sorted(["feed.xml", locked.name])
    # Unlocked, the same file is stale.
    write_atomic(target, b"newer")
    assert names_in(tmp_path) == ["feed.xml"]


_HOLD_A_LOCK = """\
import fcntl, sys
with open(sys.argv[1], "rb") as held:
    fcntl.flock(held, fcntl.LOCK_EX)
    print("locked", flush=True)
    sys.stdin.read()
"""


def test_a_temporary_locked_by_a_live_process_is_kept_and_by_a_dead_one_removed(
    tmp_path: Path,
) -> None:
    target = tmp_path / "feed.xml"
    locked = temporary_beside(target)
    with subprocess.Popen(
        [sys.executable, "-c", _HOLD_A_LOCK, str(locked)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "locked\n"

        write_atomic(target, b"new")
        assert names_in(tmp_path) == sorted(["feed.xml", locked.name])

        # Killed, it cannot unlock: the kernel does, and the file is a dead writer's.
        holder.kill()
        holder.wait(10)
    write_atomic(target, b"newer")
    assert names_in(tmp_path) == ["feed.xml"]


def test_files_that_only_look_alike_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "feed.xml"
    target.write_bytes(b"old")
    others = [
        ".other.xml.0123456789ab.tmp",  # another target's
        ".other.xml.abc.tmp",
        ".feed.xml.abc.tmp",  # not the 12 hex digits write_atomic uses
        ".feed.xml.0123456789AB.tmp",
        ".feed.xml.0123456789abc.tmp",
        ".feed.xml.0123456789ab.tmp.bak",
        "feed.xml.0123456789ab.tmp",  # no leading dot
        ".feed.xml.0123456789ab.temp",
        "..feed.xml.0123456789ab.tmp",
        ".xfeed.xml.0123456789ab.tmp",
        "feed.xml.bak",
        ".feed.xml",
    ]
    long_ago = time.time() - STALE
    for name in others:
        (tmp_path / name).write_bytes(b"keep me")
        os.utime(tmp_path / name, (long_ago, long_ago))

    write_atomic(target, b"new")

    assert names_in(tmp_path) == sorted([*others, "feed.xml"])
    assert all((tmp_path / name).read_bytes() == b"keep me" for name in others)


def test_what_is_not_a_regular_file_is_kept(tmp_path: Path) -> None:
    # A folder, a pipe (opening it would block) and a link by a temporary's name are not ours.
    target = tmp_path / "feed.xml"
    folder = tmp_path / ".feed.xml.000000000000.tmp"
    folder.mkdir()
    fifo = tmp_path / ".feed.xml.111111111111.tmp"
    os.mkfifo(fifo)
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_bytes(b"someone's data")
    link = tmp_path / ".feed.xml.222222222222.tmp"
    link.symlink_to(elsewhere)
    long_ago = time.time() - STALE
    for path in (folder, fifo, elsewhere):
        os.utime(path, (long_ago, long_ago))
    os.utime(link, (long_ago, long_ago), follow_symlinks=False)

    write_atomic(target, b"new")

    assert names_in(tmp_path) == sorted(
        ["feed.xml", folder.name, fifo.name, link.name, elsewhere.name]
    )
    assert elsewhere.read_bytes() == b"someone's data"


def test_a_temporary_in_another_folder_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "feed.xml"
    elsewhere = tmp_path / "archive" / "feed.xml"
    elsewhere.parent.mkdir()
    other = temporary_beside(elsewhere)

    write_atomic(target, b"new")

    assert other.exists()


def test_cleanup_never_fails_the_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "feed.xml"
    stuck = temporary_beside(target)
    vanishing = temporary_beside(target, "fedcba987654")
    real_open, real_unlink = os.open, os.unlink

    def open_after_it_vanished(path: str | os.PathLike[str], *args: Any, **kwargs: Any) -> int:
        if Path(path).name == vanishing.name:
            real_unlink(path)  # removed by someone else between listing and opening
        return real_open(path, *args, **kwargs)

    def refuse(path: str | os.PathLike[str], *args: Any, **kwargs: Any) -> None:
        if Path(path).name == stuck.name:
            raise PermissionError(13, "Permission denied", str(path))
        real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_after_it_vanished)
    monkeypatch.setattr(os, "unlink", refuse)

    assert write_atomic(target, b"new") is True

    assert target.read_bytes() == b"new"
    assert names_in(tmp_path) == sorted(["feed.xml", stuck.name])


def test_cleanup_in_a_missing_folder_is_no_error(tmp_path: Path) -> None:
    target = tmp_path / "public" / "feed.xml"
    assert write_atomic(target, b"new") is True
    assert names_in(target.parent) == ["feed.xml"]


def test_the_writer_holds_a_lock_on_its_temporary_while_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "feed.xml"
    real_fsync = os.fsync
    seen: list[str] = []

    def try_to_lock(descriptor: int) -> None:
        # Called for the temporary file, and once more for the folder after the rename.
        for temporary in tmp_path.glob(".feed.xml.*.tmp"):
            with temporary.open("rb") as other:
                try:
                    fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    seen.append("locked")
                else:
                    seen.append("unlocked")
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", try_to_lock)
    write_atomic(target, b"new")

    assert seen == ["locked"]
    assert target.read_bytes() == b"new"


def test_a_temporary_taken_before_its_writer_locked_it_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Between creating and locking its file a writer can stall; a cleaner that judges the file
    # stale then (here: with no age guard at all) removes it. The writer notices and starts over.
    target = tmp_path / "feed.xml"
    monkeypatch.setattr(_files, "_STALE_AFTER_SECONDS", float("-inf"))
    real_flock = fcntl.flock
    cleaned: list[list[str]] = []

    def cleaner_first(descriptor: int, operation: int) -> None:
        if operation == fcntl.LOCK_EX and not cleaned:
            cleaned.append(names_in(tmp_path))
            _files._remove_stale_temporaries(target)
            cleaned.append(names_in(tmp_path))
        real_flock(descriptor, operation)

    monkeypatch.setattr(fcntl, "flock", cleaner_first)

    assert write_atomic(target, b"new") is True

    assert len(cleaned[0]) == 1
    assert TEMPORARY_NAME.fullmatch(cleaned[0][0])
    assert cleaned[1] == []
    assert target.read_bytes() == b"new"
    assert names_in(tmp_path) == ["feed.xml"]


TEMPORARY_NAME = re.compile(r"\.feed\.xml\.[0-9a-f]{12}\.tmp")


def test_the_temporary_name_is_what_the_cleanup_looks_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "feed.xml"
    names: list[str] = []

    def record(_descriptor: int) -> None:
        names.extend(path.name for path in tmp_path.iterdir() if path != target)
        raise KeyboardInterrupt  # the writer dies here, as if killed

    monkeypatch.setattr(os, "fsync", record)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new")
    assert len(names) == 1
    assert TEMPORARY_NAME.fullmatch(names[0])
    assert _files._temporary_pattern("feed.xml").fullmatch(names[0])


def test_a_write_interrupted_before_the_lock_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "feed.xml"
    target.write_bytes(b"old")

    def interrupt(_descriptor: int, operation: int) -> None:
        if operation == fcntl.LOCK_EX:
            raise KeyboardInterrupt

    monkeypatch.setattr(fcntl, "flock", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new")
    assert names_in(tmp_path) == ["feed.xml"]
    assert target.read_bytes() == b"old"


# --- reading with a cap -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "limit", "expected"),
    [(10, 11, (10, False)), (10, 10, (10, False)), (10, 9, (9, True)), (0, 1, (0, False))],
)
def test_read_capped_reads_at_most_the_limit(
    tmp_path: Path, size: int, limit: int, expected: tuple[int, bool]
) -> None:
    path = tmp_path / "file"
    path.write_bytes(bytes(range(size)))

    data, longer = _files.read_capped(path, limit)

    assert (len(data), longer) == expected
    assert data == bytes(range(size))[:limit]


def test_read_capped_without_a_limit_reads_everything(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_bytes(b"x" * 100_000)

    assert _files.read_capped(path, None) == (b"x" * 100_000, False)
