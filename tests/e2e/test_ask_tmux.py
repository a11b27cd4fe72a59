"""`teleprinter ask` in a real terminal (tmux): Ctrl-C, SIGTERM and a normal end leave it usable.

Each test runs an interactive shell in its own tmux server (unique ``-L`` socket, killed after),
types the command, and reads the pane with ``capture-pane``. Waits poll the screen.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TELEPRINTER = ROOT / ".venv" / "bin" / "teleprinter"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(not TELEPRINTER.exists(), reason="the venv has no teleprinter script"),
]


class Pane:
    """An interactive bash in a detached tmux session of a fixed size."""

    def __init__(self, tmp_path: Path, width: int = 80, height: int = 24) -> None:
        self.socket = f"tp-ask-{uuid.uuid4().hex[:10]}"
        self.config = tmp_path / "tmux.conf"
        self.config.write_text("set -g history-limit 10000\n")
        shell = "env PS1='$ ' TERM=screen-256color bash --norc --noprofile"
        self.tmux("new-session", "-d", "-s", "ask", "-x", str(width), "-y", str(height), "-c", str(tmp_path), shell)

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, "-f", str(self.config), *args],
            capture_output=True, text=True, timeout=20, check=True,
        )
        return result.stdout

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "ask", "-l", text)
        self.tmux("send-keys", "-t", "ask", "Enter")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "ask", *keys)

    def screen(self, history: bool = False) -> str:
        return self.tmux("capture-pane", "-p", "-t", "ask", *(["-S", "-"] if history else []))

    def cursor_visible(self) -> bool:
        return self.tmux("display-message", "-p", "-t", "ask", "#{cursor_flag}").strip() == "1"

    def wait_for(self, check: Callable[[str], bool], timeout: float = 60.0, history: bool = False) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen(history)
            if check(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; the pane shows:\n{text}")
            time.sleep(0.1)

    def prompt_back(self, text: str) -> bool:
        lines = [line for line in text.splitlines() if line.strip()]
        return bool(lines) and lines[-1].rstrip() == "$"

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=20)


@pytest.fixture
def pane(tmp_path: Path) -> Iterator[Pane]:
    terminal = Pane(tmp_path)
    try:
        terminal.wait_for(terminal.prompt_back, timeout=20)
        yield terminal
    finally:
        terminal.kill()


def words_answer(tmp_path: Path, count: int = 400) -> Path:
    """Paragraphs of numbered words, so a screen shows how far the answer got."""
    words = [f"w{n:03d}" for n in range(count)]
    paragraphs = [" ".join(words[i : i + 40]) for i in range(0, count, 40)]
    path = tmp_path / "answer.txt"
    path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return path


def ask(path: Path, *extra: str, delay: float = 0.03) -> str:
    args = [str(TELEPRINTER), "ask", "--provider", "replay", "--replay", str(path), "--delay", str(delay), *extra, "q"]
    return " ".join(shlex.quote(a) for a in args)


def shell_still_works(pane: Pane) -> None:
    pane.type("echo ready-$((6*7))")
    pane.wait_for(lambda text: "ready-42" in text and pane.prompt_back(text), timeout=20)


def test_ctrl_c_mid_stream_keeps_the_partial_answer_and_restores_the_terminal(pane: Pane, tmp_path: Path) -> None:
    pane.type(ask(words_answer(tmp_path)))
    pane.wait_for(lambda text: "w060" in text, timeout=90)
    pane.keys("C-c")
    text = pane.wait_for(lambda text: "interrupted" in text and pane.prompt_back(text), timeout=30)
    assert "w000" in text and "w060" in text
    assert "w399" not in text  # it really was cut short
    assert pane.cursor_visible()
    assert "waiting for" not in text and "tok/s ·" not in text.split("interrupted")[-1]
    shell_still_works(pane)


def test_sigterm_mid_stream_restores_the_terminal(pane: Pane, tmp_path: Path) -> None:
    answer = words_answer(tmp_path)
    pane.type(ask(answer))
    pane.wait_for(lambda text: "w050" in text, timeout=90)
    pids = subprocess.run(["pgrep", "-f", str(answer)], capture_output=True, text=True).stdout.split()
    assert pids, "the teleprinter process was not found"
    for pid in pids:
        os.kill(int(pid), signal.SIGTERM)
    text = pane.wait_for(lambda text: "terminated" in text and pane.prompt_back(text), timeout=30)
    assert "w050" in text and "w399" not in text
    assert pane.cursor_visible()
    shell_still_works(pane)


def test_a_long_markdown_answer_ends_with_the_summary_and_no_duplicates(pane: Pane, tmp_path: Path) -> None:
    sections = [f"## Part {n:02d}\n\nLine {n:02d} has **bold** text and `code`.\n\n- item {n:02d}" for n in range(30)]
    path = tmp_path / "answer.md"
    path.write_text("\n\n".join(sections) + "\n", encoding="utf-8")
    pane.type(ask(path, delay=0.002))
    text = pane.wait_for(lambda text: "tokens" in text and pane.prompt_back(text), timeout=90, history=True)
    assert pane.cursor_visible()
    assert re.findall(r"Part (\d\d)", text) == [f"{n:02d}" for n in range(30)]
    assert re.findall(r"item (\d\d)", text) == [f"{n:02d}" for n in range(30)]
    assert "**" not in text and "waiting for" not in text
    assert "␛" not in text and "[?25" not in text
    assert re.search(r"^\d+ tokens · first token \d+ ms", text, re.MULTILINE)
    shell_still_works(pane)
