"""A private runtime directory per test, and the worker it starts stopped afterwards, whatever happened."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import TELEPRINTER, cli_env

PROMPT = "What is the capital of France?"


@dataclass
class Runtime:
    """``XDG_RUNTIME_DIR`` for one test; the worker lives in ``directory``."""

    root: Path

    @property
    def directory(self) -> Path:
        return self.root / "teleprinter"

    @property
    def socket(self) -> Path:
        return self.directory / "worker.sock"

    def env(self, keep_alive: str = "60") -> dict[str, str]:
        return cli_env(XDG_RUNTIME_DIR=str(self.root), TELEPRINTER_KEEP_ALIVE=keep_alive)

    def ask(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 120, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*TELEPRINTER, "ask", *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=env or self.env(),
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
        )

    def popen(self, args: Sequence[str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [*TELEPRINTER, "ask", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=self.env(),
        )

    def worker_pid(self) -> int | None:
        """The pid of the live worker (it holds the lock file), or ``None``."""
        lock = self.directory / "worker.lock"
        try:
            fd = os.open(lock, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = lock.read_text().strip()
            return int(text) if text.isdigit() else None
        finally:
            os.close(fd)
        return None

    def wait_gone(self, pid: int, timeout: float = 30) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not pid_alive(pid):
                return True
            time.sleep(0.05)
        return False


def pid_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as file:
            return file.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


@pytest.fixture
def runtime() -> Iterator[Runtime]:
    root = Path(tempfile.mkdtemp(prefix="tpw-", dir="/tmp"))  # short: a socket path has 107 bytes at most
    os.chmod(root, 0o700)
    state = Runtime(root)
    try:
        yield state
    finally:
        pid = state.worker_pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            if not state.wait_gone(pid, 10):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        shutil.rmtree(root, ignore_errors=True)
