"""write_atomic: readers see the old file or the new one, never a part, and nothing is left over."""

from __future__ import annotations

import os
import pickle
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsfeed import NewsfeedError, OutputError, write_atomic


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
