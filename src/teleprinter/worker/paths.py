"""Where the worker keeps its socket, lock and log: one private (0700) directory per user."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from teleprinter.errors import ConfigError

SOCKET_PATH_MAX = 107
"""``sun_path`` holds 108 bytes on Linux, the last one the terminating NUL."""


@dataclass(frozen=True, slots=True)
class WorkerPaths:
    """The files of one worker directory (from :func:`teleprinter.config.worker_directory`)."""

    directory: Path

    @property
    def socket(self) -> Path:
        return self.directory / "worker.sock"

    @property
    def lock(self) -> Path:
        """Held (``flock``) by the live worker for its whole life; holds its pid."""
        return self.directory / "worker.lock"

    @property
    def start_lock(self) -> Path:
        """Held by a client while it checks for a worker and starts one, so two clients start one."""
        return self.directory / "start.lock"

    @property
    def log(self) -> Path:
        return self.directory / "worker.log"


def private_directory(path: Path) -> Path:
    """Create ``path`` mode 0700 (whatever the umask), or check an existing one is ours and close it.

    Raises :class:`ConfigError` when the directory belongs to another user or the socket
    path inside it would be too long for a Unix socket.
    """
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = path.stat()
    except OSError as error:
        raise ConfigError(f"cannot create the worker directory {path}: {error.strerror}") from error
    if info.st_uid != os.geteuid():
        raise ConfigError(f"the worker directory {path} belongs to another user", "remove it or set XDG_RUNTIME_DIR")
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(path, 0o700)
    if len(os.fsencode(WorkerPaths(path).socket)) > SOCKET_PATH_MAX:
        raise ConfigError(f"the worker socket path under {path} is too long", "set XDG_RUNTIME_DIR to a short path")
    return path


def open_private(path: Path, flags: int = os.O_RDWR | os.O_CREAT) -> int:
    """A file descriptor on ``path``, created 0600 whatever the umask (an existing file keeps its mode)."""
    return os.open(path, flags | getattr(os, "O_CLOEXEC", 0), 0o600)


def read_pid(paths: WorkerPaths) -> int | None:
    """The pid the worker wrote into its lock file, or ``None``."""
    try:
        text = paths.lock.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None
