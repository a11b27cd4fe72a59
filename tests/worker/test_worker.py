"""The warm model worker, driven through the real CLI on the real embedded model.

Each test gets its own ``XDG_RUNTIME_DIR`` (see conftest), so its worker is its own and is
stopped afterwards.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.worker.conftest import PROMPT, Runtime, pid_alive

pytestmark = [pytest.mark.e2e, pytest.mark.model]

NOTICE = "teleprinter: the model worker had stopped"


def worker_pid_in(stderr: str) -> int:
    match = re.search(r"worker pid (\d+)", stderr)
    assert match, stderr
    return int(match[1])


def test_answer_through_the_worker_is_byte_identical_to_the_in_process_one(runtime: Runtime) -> None:
    in_process = runtime.ask(PROMPT, "--max-tokens", "24", "--keep-alive", "0")
    assert in_process.returncode == 0, in_process.stderr
    assert runtime.worker_pid() is None and not runtime.socket.exists()
    cold = runtime.ask(PROMPT, "--max-tokens", "24")
    warm = runtime.ask(PROMPT, "--max-tokens", "24")
    assert cold.returncode == warm.returncode == 0, cold.stderr + warm.stderr
    assert in_process.stdout.strip()
    assert cold.stdout == in_process.stdout
    assert warm.stdout == in_process.stdout
    assert runtime.worker_pid() is not None


def test_two_concurrent_asks_share_one_worker(runtime: Runtime) -> None:
    clients = [runtime.popen(["--debug", PROMPT, "--max-tokens", "16"]) for _ in range(2)]
    results = [client.communicate(timeout=120) for client in clients]
    assert [client.returncode for client in clients] == [0, 0], results
    outputs = {out for out, _ in results}
    assert len(outputs) == 1 and outputs.pop().strip()
    stderr = [err.decode() for _, err in results]
    assert worker_pid_in(stderr[0]) == worker_pid_in(stderr[1]) == runtime.worker_pid()
    assert sum("worker started" in text for text in stderr) == 1  # the other one connected to it
    for text in stderr:  # ask --debug's timeline, phase by phase
        phases = [line.split(")", 1)[1].split("[")[0].strip() for line in text.splitlines() if " ms  (+" in line]
        assert phases[0] == "python start-up" and phases[-2:] == ["first token", "answer end"], text
        assert {"imports", "model load", "prompt evaluation"} <= set(phases), text
    assert sum("queued  [behind another answer" in text for text in stderr) == 1  # one generation at a time


def test_a_killed_worker_is_replaced_on_the_next_call_with_one_line_of_notice(runtime: Runtime) -> None:
    first = runtime.ask(PROMPT, "--max-tokens", "12")
    assert first.returncode == 0, first.stderr
    pid = runtime.worker_pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    assert runtime.wait_gone(pid)
    assert runtime.socket.exists()  # a killed worker leaves its socket behind
    second = runtime.ask(PROMPT, "--max-tokens", "12")
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    assert second.stderr.count(NOTICE) == 1
    assert second.stderr.strip().count("\n") == 0  # that one line is all
    new_pid = runtime.worker_pid()
    assert new_pid is not None and new_pid != pid


def test_a_stale_socket_from_a_crashed_worker_is_detected_and_cleaned(runtime: Runtime) -> None:
    runtime.directory.mkdir(mode=0o700)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(runtime.socket))  # bound, never listening, then gone: what a crash leaves
    stale.close()
    result = runtime.ask(PROMPT, "--max-tokens", "8")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert result.stderr.count(NOTICE) == 1
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.connect(str(runtime.socket))  # a live worker's socket now


def test_keep_alive_zero_leaves_no_process_and_no_socket(runtime: Runtime) -> None:
    result = runtime.ask(PROMPT, "--max-tokens", "8", "--keep-alive", "0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert runtime.worker_pid() is None
    assert not runtime.directory.exists()
    assert not [pid for pid in os.listdir("/proc") if pid.isdigit() and _is_worker_of(int(pid), runtime)]


def _is_worker_of(pid: int, runtime: Runtime) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as file:
            return str(runtime.root).encode() in file.read()
    except OSError:
        return False


def test_an_idle_worker_stops_itself_and_removes_its_socket(runtime: Runtime) -> None:
    result = runtime.ask(PROMPT, "--max-tokens", "4", "--keep-alive", "0.5")
    assert result.returncode == 0, result.stderr
    pid = runtime.worker_pid()
    if pid is not None:  # None: already gone (a loaded machine may take over half a second to get here)
        assert runtime.wait_gone(pid)
        assert not pid_alive(pid)
    assert not runtime.socket.exists()
    assert "idle for" in (runtime.directory / "worker.log").read_text()


def test_worker_command_reports_and_stops_the_worker(runtime: Runtime) -> None:
    from tests.conftest import TELEPRINTER

    def worker(action: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*TELEPRINTER, "model", action], capture_output=True, text=True, env=runtime.env(), timeout=60
        )

    assert "no model worker running" in worker("status").stdout
    assert runtime.ask(PROMPT, "--max-tokens", "4").returncode == 0
    pid = runtime.worker_pid()
    status = worker("status")
    assert status.returncode == 0 and f"worker {pid}:" in status.stdout and "gemma" in status.stdout
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:  # a client of another version
        client.connect(str(runtime.socket))
        client.sendall(b'{"op": "status", "v": 99}\n')
        assert b"speaks protocol v1" in client.makefile("rb").readline()
    assert worker("stop").returncode == 0
    assert pid is not None and runtime.wait_gone(pid)
    assert not runtime.socket.exists()


def test_ctrl_c_on_one_client_stops_that_answer_only(runtime: Runtime) -> None:
    warm_up = runtime.ask(PROMPT, "--max-tokens", "4")
    assert warm_up.returncode == 0, warm_up.stderr
    pid = runtime.worker_pid()
    counting = ", ".join(str(n) for n in range(1, 34)) + ","  # the model keeps counting to --max-tokens
    interrupted = runtime.popen([counting, "--max-tokens", "1500"])
    assert interrupted.stdout is not None
    first = os.read(interrupted.stdout.fileno(), 4096)  # the answer has started streaming
    assert first
    other = runtime.popen([PROMPT, "--max-tokens", "12"])  # queued behind the long answer
    time.sleep(0.2)
    interrupted.send_signal(signal.SIGINT)
    _rest, err = interrupted.communicate(timeout=60)
    assert interrupted.returncode == 130, err
    assert b"interrupted" in err
    out, other_err = other.communicate(timeout=120)
    assert other.returncode == 0, other_err
    assert runtime.worker_pid() == pid  # the worker lived on
    again = runtime.ask(PROMPT, "--max-tokens", "12")
    assert out.decode() == again.stdout and again.stdout.strip()  # the other client got its whole answer
    log = (runtime.directory / "worker.log").read_text()
    assert "generation stopped" in log  # the interrupted answer was stopped, not run to the end


SPY = """
import atexit, sys
import teleprinter.worker.source as source

send = source.send_to_worker

def spied(*args, **kwargs):
    names = ("teleprinter.render.factory", "teleprinter.events", "langchain_core")
    loaded = [name for name in names if name in sys.modules]
    print("sent with", loaded, file=sys.stderr)
    return send(*args, **kwargs)

source.send_to_worker = spied
atexit.register(lambda: print("markdown_it" in sys.modules, file=sys.stderr))
from teleprinter.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_warm_ask_sends_its_request_before_building_the_renderer(runtime: Runtime) -> None:
    """The worker evaluates the prompt while the client imports the rest (issue 14); into a pipe
    the client never imports the terminal renderer's Markdown parser."""
    assert runtime.ask(PROMPT, "--max-tokens", "4").returncode == 0  # the worker is up
    result = subprocess.run(
        [sys.executable, "-c", SPY, "ask", PROMPT, "--max-tokens", "12"],
        capture_output=True,
        text=True,
        env=runtime.env(),
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    lines = result.stderr.splitlines()
    assert "sent with []" in lines, result.stderr
    assert lines[-1] == "False", result.stderr


def test_a_relative_model_path_is_the_callers_not_the_workers(runtime: Runtime, tmp_path: Path) -> None:
    from teleprinter.providers.llama_loader import resolve_model_path

    (tmp_path / "mymodel.gguf").symlink_to(resolve_model_path(None))
    (tmp_path / "notamodel.gguf").write_text("not a model\n", encoding="utf-8")
    embedded = runtime.ask(PROMPT, "--max-tokens", "8")
    relative = runtime.ask(PROMPT, "--max-tokens", "8", "--model", "mymodel.gguf", cwd=tmp_path)
    assert relative.returncode == 0, relative.stderr
    assert relative.stdout == embedded.stdout
    broken = runtime.ask(PROMPT, "--model", "notamodel.gguf", cwd=tmp_path)
    assert broken.returncode == 1 and "does not exist" not in broken.stderr, broken.stderr
    assert len(broken.stderr.strip().splitlines()) == 1, broken.stderr
