"""The worker serves its own user only: private modes whatever the umask, other accounts refused.

The second account is real: created with ``useradd`` by the test (root only; CI runs as root),
its client run with ``setpriv`` under Debian's system Python, speaking the worker's protocol
with nothing but the standard library.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import uuid
from collections.abc import Iterator

import pytest

from tests.conftest import TELEPRINTER
from tests.worker.conftest import PROMPT, Runtime

pytestmark = [pytest.mark.e2e, pytest.mark.model]

SYSTEM_PYTHON = "/usr/bin/python3"
CLIENT = """
import json, socket, sys
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    sock.connect(sys.argv[1])
except OSError as error:
    print(json.dumps({"connect": type(error).__name__}))
    raise SystemExit(0)
request = {"op": "complete", "v": 1, "model_path": None, "keep_alive": 60,
           "args": {"prompt": "User: hi\\nAssistant:", "max_tokens": 8}}
sock.sendall(json.dumps(request).encode() + b"\\n")
data = b""
while chunk := sock.recv(65536):
    data += chunk
print(json.dumps({"connect": "ok", "replies": [json.loads(line) for line in data.splitlines()]}))
"""


def mode(path: os.PathLike[str] | str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def ask_with_umask(runtime: Runtime, umask: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TELEPRINTER, "ask", PROMPT, "--max-tokens", "4"],
        capture_output=True,
        text=True,
        env=runtime.env(),
        timeout=120,
        stdin=subprocess.DEVNULL,
        preexec_fn=lambda: os.umask(umask),
    )


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_worker_directory_socket_lock_and_log_are_private_whatever_the_umask(runtime: Runtime, umask: int) -> None:
    result = ask_with_umask(runtime, umask)
    assert result.returncode == 0, result.stderr
    assert mode(runtime.directory) == 0o700
    assert mode(runtime.socket) == 0o600
    for name in ("worker.lock", "start.lock", "worker.log"):
        assert mode(runtime.directory / name) == 0o600, name


def test_an_open_existing_directory_is_closed_before_use(runtime: Runtime) -> None:
    runtime.directory.mkdir(mode=0o755)
    os.chmod(runtime.directory, 0o755)
    result = runtime.ask(PROMPT, "--max-tokens", "4")
    assert result.returncode == 0, result.stderr
    assert mode(runtime.directory) == 0o700


@pytest.fixture
def other_user() -> Iterator[tuple[int, int]]:
    """A throwaway local account: (uid, gid); removed afterwards."""
    if os.geteuid() != 0 or shutil.which("useradd") is None or shutil.which("setpriv") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI runs as root with useradd and setpriv: this test must run there")
        pytest.skip("needs root, useradd and setpriv to create a second account")
    name = f"tpw{uuid.uuid4().hex[:8]}"
    subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True, timeout=30)
    try:
        ids = subprocess.run(["id", "-u", name], capture_output=True, text=True, check=True).stdout.strip()
        gid = subprocess.run(["id", "-g", name], capture_output=True, text=True, check=True).stdout.strip()
        yield int(ids), int(gid)
    finally:
        subprocess.run(["userdel", name], check=False, timeout=30)


def run_as(user: tuple[int, int], socket_path: str) -> dict[str, object]:
    uid, gid = user
    result = subprocess.run(
        ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", SYSTEM_PYTHON, "-c", CLIENT, socket_path],
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    reply: dict[str, object] = json.loads(result.stdout)
    return reply


def test_another_account_is_refused_by_the_worker_socket(runtime: Runtime, other_user: tuple[int, int]) -> None:
    served = runtime.ask(PROMPT, "--max-tokens", "4")
    assert served.returncode == 0, served.stderr
    # the private directory alone keeps the other account out
    assert run_as(other_user, str(runtime.socket)) == {"connect": "PermissionError"}
    # with the directory and socket opened up by mistake, the peer-credential check still refuses
    os.chmod(runtime.root, 0o711)
    os.chmod(runtime.directory, 0o711)
    os.chmod(runtime.socket, 0o666)
    reply = run_as(other_user, str(runtime.socket))
    assert reply["connect"] == "ok"
    replies = reply["replies"]
    assert isinstance(replies, list) and len(replies) == 1
    assert "refused" in replies[0]["error"]  # no "loaded", no text: nothing of the model reached it
    assert "refused a connection from uid" in (runtime.directory / "worker.log").read_text()
    # and its own user is still served, by the same worker (XDG_RUNTIME_DIR private again)
    os.chmod(runtime.root, 0o700)
    again = runtime.ask(PROMPT, "--debug", "--max-tokens", "4")
    assert again.stdout == served.stdout
    assert f"worker pid {runtime.worker_pid()}:" in again.stderr
