"""Create files 0600 and directories 0700, whatever the umask: conversations are the user's alone.

Everything teleprinter writes that can hold conversation content (chat history, transcripts,
``/save`` files, ``--record`` recordings, batch outputs and their ``.part`` files) goes through
here. The rules, from issue 17 ("Private by default"):

- a file teleprinter *creates* is opened with ``O_CREAT | O_EXCL`` and mode ``0600``, then
  ``fchmod``-ed to exactly ``0600`` (the umask can only remove bits; the explicit ``fchmod``
  makes the result the same under any umask);
- a file the user *already had* is opened without ``O_CREAT`` and its mode is never changed
  (a user who chose ``0644`` keeps it; ``teleprinter doctor`` warns about it instead);
- a directory teleprinter creates (and each missing parent) is made ``0700`` the same way;
- :func:`replace` renames a finished ``.part`` file over its target; when the target already
  existed, it takes the target's mode first, so an atomic rewrite keeps the user's choice.

On Windows the POSIX mode bits mean little; the calls still work (no ``fchmod`` there before
Python 3.13, so it is skipped).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO, Literal

FILE_MODE = 0o600
"""Files teleprinter creates: read and write for the owner only."""
DIR_MODE = 0o700
"""Directories teleprinter creates: the owner only."""

TextMode = Literal["w", "a", "x"]
BinaryMode = Literal["wb", "ab", "xb"]

_ACCESS = {"w": os.O_WRONLY | os.O_TRUNC, "a": os.O_WRONLY | os.O_APPEND, "x": os.O_WRONLY}
_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no CRLF translation below Python's own
_ATTEMPTS = 5


def open_fd(path: str | os.PathLike[str], flags: int) -> int:
    """An OS-level descriptor for ``path`` opened with ``flags`` (``os.O_WRONLY | os.O_APPEND`` ...).

    ``path`` is created ``0600`` if missing; an existing file is opened as it is, mode untouched.
    ``O_CREAT``/``O_EXCL`` in ``flags`` are ignored (this function decides). Raises ``OSError``
    (``FileNotFoundError`` for a missing directory, ``PermissionError``, ``IsADirectoryError`` ...).
    """
    flags = (flags & ~(os.O_CREAT | os.O_EXCL)) | _BINARY
    for _ in range(_ATTEMPTS):
        try:
            return _created(os.open(path, flags | os.O_CREAT | os.O_EXCL, FILE_MODE))
        except FileExistsError:
            pass
        try:
            return os.open(path, flags)
        except FileNotFoundError:
            if os.path.islink(path):  # a dangling symlink: create what it points to, privately
                return _created(os.open(path, flags | os.O_CREAT, FILE_MODE))
            # else it vanished between the two calls: try again
    raise FileExistsError(f"{path} keeps appearing and disappearing")  # pragma: no cover - a hostile race


def _created(fd: int) -> int:
    if hasattr(os, "fchmod"):
        try:
            os.fchmod(fd, FILE_MODE)
        except OSError:
            os.close(fd)
            raise
    return fd


def open_text(
    path: str | os.PathLike[str], mode: TextMode = "w", *, encoding: str = "utf-8", buffering: int = -1
) -> IO[str]:
    """Like ``open(path, mode, encoding=...)`` for writing (``w`` truncates, ``a`` appends), created 0600.

    ``x`` creates a new file and fails with ``FileExistsError`` if there is one.
    """
    return open(_fd_for(path, mode), mode.replace("x", "w"), encoding=encoding, buffering=buffering)


def open_binary(path: str | os.PathLike[str], mode: BinaryMode = "wb", *, buffering: int = -1) -> IO[bytes]:
    """The binary twin of :func:`open_text`."""
    return open(_fd_for(path, mode), mode.replace("x", "w"), buffering=buffering)


def _fd_for(path: str | os.PathLike[str], mode: str) -> int:
    kind = mode[0]
    if kind == "x":
        return _created(os.open(path, _ACCESS["x"] | os.O_CREAT | os.O_EXCL | _BINARY, FILE_MODE))
    return open_fd(path, _ACCESS[kind])


def write_text(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` (truncating an existing file, keeping its mode; a new one is 0600)."""
    with open_text(path, "w", encoding=encoding) as handle:
        handle.write(text)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` (truncating an existing file, keeping its mode; a new one is 0600)."""
    with open_binary(path, "wb") as handle:
        handle.write(data)


def ensure_file(path: str | os.PathLike[str]) -> bool:
    """``touch`` without changing anything that exists: True when the file was created (0600)."""
    try:
        os.close(_created(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, FILE_MODE)))
    except FileExistsError:
        return False
    return True


def make_dirs(path: str | os.PathLike[str]) -> Path:
    """``path`` as a directory; it and each missing parent are created 0700. Existing ones are left alone.

    Raises ``FileExistsError`` when ``path`` (or a parent) is a file, other ``OSError`` as ``mkdir`` does.
    """
    target = Path(path)
    missing: list[Path] = []
    current = target
    while not current.is_dir():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, DIR_MODE)
        except FileExistsError:
            if directory.is_dir():  # made meanwhile by someone else: theirs, not ours to change
                continue
            raise
        if os.name == "posix":
            os.chmod(directory, DIR_MODE)
    return target


def secure_directory(path: str | os.PathLike[str]) -> Path:
    """``path`` as a directory only this user can enter, for sockets and state (the warm worker).

    Made 0700 with :func:`make_dirs` when missing. An existing one must be a real directory
    (not a symlink) owned by this user; if it lets the group or others in, it is tightened to
    0700 - unlike a user's file, this directory is teleprinter's own and must not be shared.
    Raises ``PermissionError`` for a directory owned by another account or a symlink, other
    ``OSError`` as ``mkdir`` does. On Windows only the directory's existence is ensured.
    """
    target = make_dirs(path)
    if os.name != "posix":
        return target
    info = os.lstat(target)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise PermissionError(f"{target} is not a plain directory (a symlink?): refusing to use it")
    if info.st_uid != os.getuid():
        raise PermissionError(f"{target} belongs to another account (uid {info.st_uid}): refusing to use it")
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(target, DIR_MODE)
    return target


def replace(partial: str | os.PathLike[str], final: str | os.PathLike[str]) -> None:
    """Rename a finished ``partial`` file over ``final`` (atomic on one filesystem).

    If ``final`` already existed, ``partial`` first takes its permission bits, so rewriting a
    user's file never changes who may read it.
    """
    try:
        existing = os.stat(final)
    except FileNotFoundError:
        pass
    else:
        os.chmod(partial, stat.S_IMODE(existing.st_mode))
    os.replace(partial, final)


def write_atomic(path: str | os.PathLike[str], data: bytes, *, suffix: str = ".part") -> None:
    """Write ``data`` to ``path + suffix`` (0600, fsynced), then :func:`replace` it over ``path``.

    A crash leaves either the old file or the new one, never half of it.
    """
    partial = Path(f"{os.fspath(path)}{suffix}")
    partial.unlink(missing_ok=True)  # a stale one from a crash: ours, made afresh with our mode
    with open_binary(partial, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    replace(partial, path)


def is_exposed(mode: int) -> bool:
    """True when permission bits ``mode`` let the group or others read or write the file."""
    return bool(stat.S_IMODE(mode) & 0o066)
