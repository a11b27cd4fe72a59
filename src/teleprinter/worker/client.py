"""Reach the worker: connect to its socket, or start one (once, even when clients race) and connect.

A socket file nobody listens on was left by a worker that crashed or was killed: it is
removed and a new worker started, and ``notice`` is told in one line. Clients that find no
worker at the same moment queue on ``start.lock``, so only the first starts one; the others
connect to it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from teleprinter.errors import ConfigError, ProviderError
from teleprinter.worker.paths import WorkerPaths, open_private, private_directory, read_pid

START_TIMEOUT = 60.0
"""Seconds to wait for a new worker's socket (it binds before loading any model: this is Python start-up)."""
POLL = 0.005
STALE_NOTICE = "the model worker had stopped (its socket was left behind); starting a new one"

Notice = Callable[[str], None]


def available() -> bool:
    """Unix sockets and ``flock`` exist here (not on Windows, where ``ask`` runs in-process)."""
    return hasattr(socket, "AF_UNIX") and hasattr(fcntl, "flock")


@dataclass(slots=True)
class Connection:
    """A connected socket to the worker, and whether this call started that worker."""

    sock: socket.socket
    started: bool


def _try_connect(path: str) -> tuple[socket.socket | None, str]:
    """(socket, "ok"), or (None, "absent" | "stale"); a path we may not use raises ConfigError."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except FileNotFoundError:
        sock.close()
        return None, "absent"
    except ConnectionRefusedError:
        sock.close()
        return None, "stale"
    except PermissionError as error:
        sock.close()
        raise ConfigError(f"cannot use the worker socket {path}: {error.strerror}") from error
    except BaseException:
        sock.close()
        raise
    return sock, "ok"


def worker_command(paths: WorkerPaths, keep_alive: float) -> list[str]:
    return [sys.executable, "-m", "teleprinter.worker", "--dir", str(paths.directory), "--keep-alive", repr(keep_alive)]


def connect(paths: WorkerPaths, keep_alive: float, notice: Notice) -> Connection:
    """A connection to the running worker, starting one first when there is none.

    Raises :class:`ConfigError` for a directory or socket this user may not use, and
    :class:`ProviderError` when a new worker fails to start (with the last line of its log).
    """
    sock, _state = _try_connect(str(paths.socket))
    if sock is not None:
        return Connection(sock, False)
    private_directory(paths.directory)
    lock_fd = open_private(paths.start_lock)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        sock, state = _try_connect(str(paths.socket))
        if sock is not None:
            return Connection(sock, False)  # another client started it while we queued
        if state == "stale" and not _worker_alive(paths):
            with contextlib.suppress(FileNotFoundError):
                paths.socket.unlink()
            notice(STALE_NOTICE)
        return Connection(_start(paths, keep_alive), True)
    finally:
        os.close(lock_fd)


def _worker_alive(paths: WorkerPaths) -> bool:
    """True while a worker holds the lock file (it may be shutting down: its socket is going away)."""
    try:
        fd = open_private(paths.lock, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


_started: list[Any] = []
"""Workers this process started: kept so their ``Popen`` is not collected while they run."""


def _start(paths: WorkerPaths, keep_alive: float) -> socket.socket:
    import subprocess  # only when a worker has to be started: the warm path does without

    log_fd = open_private(paths.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        process = subprocess.Popen(
            worker_command(paths, keep_alive),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log_fd,
            cwd=paths.directory,
            start_new_session=True,  # Ctrl-C in the client's terminal does not reach the worker
        )
    finally:
        os.close(log_fd)
    _started.append(process)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        sock, _state = _try_connect(str(paths.socket))
        if sock is not None:
            return sock
        if process.poll() is not None and not _worker_alive(paths):
            raise ProviderError(f"the model worker did not start: {_last_log_line(paths)}", f"see {paths.log}")
        time.sleep(POLL)
    raise ProviderError("the model worker did not start in time", f"see {paths.log}")


def _last_log_line(paths: WorkerPaths) -> str:
    try:
        lines = paths.log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return "no log"
    return lines[-1] if lines else "no log"


def worker_pid(paths: WorkerPaths) -> int | None:
    """The running worker's pid, or ``None`` when none runs."""
    return read_pid(paths) if _worker_alive(paths) else None
