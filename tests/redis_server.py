"""A real ``redis-server`` for tests: free loopback port, temporary directory, optional AOF, TLS and ACL.

No fake Redis: the tests run Debian's redis-server (``make test`` installs it). Without it a
test is skipped locally and fails under ``CI=true``, where every real part must be present.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest


def required_tool(name: str) -> str:
    """The path of ``name`` (redis-server, openssl); a skip when missing, a failure under ``CI=true``."""
    found = shutil.which(name)
    if found:
        return found
    message = f"{name} is not installed (apt-get install {name}; `make test` does it as root)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def redis_server_binary() -> str:
    return required_tool("redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Tls:
    """A throwaway CA and a server certificate for 127.0.0.1, made with ``openssl``."""

    ca: Path
    cert: Path
    key: Path

    @classmethod
    def make(cls, folder: Path) -> Tls:
        folder.mkdir(parents=True, exist_ok=True)
        openssl = required_tool("openssl")
        run = lambda *args: subprocess.run([openssl, *args], cwd=folder, check=True, capture_output=True)  # noqa: E731
        run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test CA",
            "-keyout", "ca.key", "-out", "ca.crt")
        run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
            "-keyout", "server.key", "-out", "server.csr")
        (folder / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "1", "-extfile", "ext.cnf", "-out", "server.crt")
        return cls(folder / "ca.crt", folder / "server.crt", folder / "server.key")


class RedisServer:
    """One redis-server process; ``restart()`` keeps its port and (with ``aof``) its data."""

    def __init__(self, folder: Path, *, aof: bool = False, tls: Tls | None = None, users: tuple[str, ...] = ()) -> None:
        self.binary = redis_server_binary()
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.aof = aof
        self.tls = tls
        self.users = users
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"{'rediss' if self.tls else 'redis'}://127.0.0.1:{self.port}/0"

    def _config(self) -> str:
        lines = [
            "bind 127.0.0.1", f"dir {self.folder}", 'save ""', "daemonize no", "protected-mode no",
            f"appendonly {'yes' if self.aof else 'no'}", "appendfsync always", "logfile redis.log",
        ]
        if self.tls:
            lines += [
                "port 0", f"tls-port {self.port}", f"tls-cert-file {self.tls.cert}", f"tls-key-file {self.tls.key}",
                f"tls-ca-cert-file {self.tls.ca}", "tls-auth-clients no",
            ]
        else:
            lines.append(f"port {self.port}")
        lines += [f"user {user}" for user in self.users]
        return "\n".join(lines) + "\n"

    def start(self) -> RedisServer:
        config = self.folder / "redis.conf"
        config.write_text(self._config())
        quiet = subprocess.DEVNULL
        self.process = subprocess.Popen([self.binary, str(config)], stdout=quiet, stderr=quiet)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.folder / "redis.log").read_text() if (self.folder / "redis.log").exists() else ""
                raise RuntimeError(f"redis-server exited: {log[-2000:]}")
            if self._ready():
                return self
            time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def _ready(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                if self.tls:
                    return True
                sock.sendall(b"PING\r\n")
                reply = sock.recv(64)
                return reply.startswith((b"+PONG", b"-NOAUTH"))
        except OSError:
            return False

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(10)
        self.process = None

    def restart(self, pause: float = 0.0) -> None:
        self.stop()
        time.sleep(pause)
        self.start()
