"""teleprinter.private: files 0600 and directories 0700 under any umask; a user's own file keeps its mode."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from teleprinter import private

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
UMASKS = [0o022, 0o000]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@contextmanager
def umask(value: int) -> Iterator[None]:
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.parametrize("mask", UMASKS)
def test_every_way_of_creating_a_file_gives_0600(tmp_path: Path, mask: int) -> None:
    with umask(mask):
        with private.open_text(tmp_path / "w.txt", "w") as handle:
            handle.write("w")
        with private.open_text(tmp_path / "a.txt", "a") as handle:
            handle.write("a")
        with private.open_binary(tmp_path / "x.bin", "xb") as binary:
            binary.write(b"x")
        private.write_text(tmp_path / "t.txt", "t")
        private.write_bytes(tmp_path / "b.bin", b"b")
        private.write_atomic(tmp_path / "atomic.txt", b"whole")
        os.close(private.open_fd(tmp_path / "fd.txt", os.O_WRONLY | os.O_APPEND))
        assert private.ensure_file(tmp_path / "touched")
    names = ["w.txt", "a.txt", "x.bin", "t.txt", "b.bin", "atomic.txt", "fd.txt", "touched"]
    assert {name: mode(tmp_path / name) for name in names} == dict.fromkeys(names, 0o600)
    assert (tmp_path / "atomic.txt").read_bytes() == b"whole"
    assert not (tmp_path / "atomic.txt.part").exists()


@pytest.mark.parametrize("mask", UMASKS)
def test_directories_and_their_missing_parents_are_0700_existing_ones_untouched(tmp_path: Path, mask: int) -> None:
    tmp_path.chmod(0o755)
    with umask(mask):
        made = private.make_dirs(tmp_path / "a" / "b" / "c")
        private.make_dirs(made)  # already there: nothing to do
    assert made.is_dir()
    assert [mode(tmp_path / p) for p in ("a", "a/b", "a/b/c")] == [0o700, 0o700, 0o700]
    assert mode(tmp_path) == 0o755


def test_a_file_the_user_already_had_keeps_its_mode(tmp_path: Path) -> None:
    shared = tmp_path / "shared.txt"
    shared.write_text("old and longer")
    shared.chmod(0o644)
    private.write_text(shared, "new")
    with private.open_text(shared, "a") as handle:
        handle.write("+")
    assert not private.ensure_file(shared)
    assert shared.read_text() == "new+"
    assert mode(shared) == 0o644


def test_an_atomic_rewrite_takes_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    target = tmp_path / "answer.txt"
    target.write_text("old")
    target.chmod(0o640)
    (tmp_path / "answer.txt.part").write_text("stale from a crash")
    (tmp_path / "answer.txt.part").chmod(0o666)
    private.write_atomic(target, b"new")
    assert target.read_text() == "new" and mode(target) == 0o640


def test_replace_of_a_new_target_keeps_the_part_files_0600(tmp_path: Path) -> None:
    with private.open_text(tmp_path / "a.txt.part", "w") as handle:
        handle.write("done")
    private.replace(tmp_path / "a.txt.part", tmp_path / "a.txt")
    assert mode(tmp_path / "a.txt") == 0o600 and (tmp_path / "a.txt").read_text() == "done"


def test_a_dangling_symlink_is_followed_and_its_target_created_private(tmp_path: Path) -> None:
    (tmp_path / "link").symlink_to(tmp_path / "real.txt")
    private.write_text(tmp_path / "link", "via link")
    assert (tmp_path / "real.txt").read_text() == "via link" and mode(tmp_path / "real.txt") == 0o600


def test_exclusive_mode_refuses_an_existing_file_and_a_file_in_the_way_of_a_directory(tmp_path: Path) -> None:
    (tmp_path / "there").write_text("")
    with pytest.raises(FileExistsError):
        private.open_text(tmp_path / "there", "x")
    with pytest.raises(FileExistsError):
        private.make_dirs(tmp_path / "there" / "sub")


@pytest.mark.parametrize(("bits", "exposed"), [(0o600, False), (0o400, False), (0o700, False), (0o640, True),
                                               (0o604, True), (0o644, True), (0o620, True)])
def test_is_exposed_means_group_or_others_may_read_or_write(bits: int, exposed: bool) -> None:
    assert private.is_exposed(bits) is exposed


def test_a_secure_directory_is_made_0700_tightened_if_open_and_refused_if_a_symlink(tmp_path: Path) -> None:
    with umask(0o000):
        made = private.secure_directory(tmp_path / "run" / "teleprinter")
    assert mode(made) == 0o700 and mode(made.parent) == 0o700
    made.chmod(0o755)
    assert mode(private.secure_directory(made)) == 0o700
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(PermissionError, match="not a plain directory"):
        private.secure_directory(tmp_path / "link")


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a directory to another account")
def test_a_secure_directory_owned_by_another_account_is_refused(tmp_path: Path) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, 65534, 65534)
    with pytest.raises(PermissionError, match="belongs to another account"):
        private.secure_directory(theirs)
