"""`teleprinter render` as a user runs it: Markdown streamed into its stdin, on a pipe and on a terminal."""

from __future__ import annotations

import collections
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import time
from pathlib import Path

import pyte
import pytest

from tests.conftest import TELEPRINTER, cli_env

pytestmark = pytest.mark.e2e

WORD = re.compile(r"[A-Za-z0-9]+")
ANSWER = (
    "# Streaming\n\n"
    "Paragraph one explains why **partial lines** matter and keeps going until it wraps across the width "
    "of the terminal.\n\n"
    "- first item\n- second item\n\n"
    "```python\ndef handler(token: str) -> str:\n    return token\n```\n\n"
    "The end."
)


def render(args: list[str], pieces: list[bytes], *, pause: float = 0.0) -> subprocess.CompletedProcess[bytes]:
    """``teleprinter render ARGS`` with its stdin written piece by piece (``pause`` seconds apart), stdout a pipe."""
    process = subprocess.Popen(
        [*TELEPRINTER, "render", *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_env(),
    )
    assert process.stdin is not None
    for piece in pieces:
        process.stdin.write(piece)
        process.stdin.flush()
        time.sleep(pause)
    out, err = process.communicate(timeout=60)  # closes stdin: the end of the input
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def test_a_pipe_gets_the_bytes_exactly_even_a_character_split_across_reads() -> None:
    text = "Café 👍 **bold**\r\n中文\n\tno final newline".encode()
    cut = text.index("👍".encode()) + 2  # inside the emoji's four bytes
    result = render([], [text[:cut], text[cut:]], pause=0.3)  # two reads: the emoji is split between them
    assert result.returncode == 0, result.stderr
    assert result.stdout == text
    assert result.stderr == b""


def test_a_file_is_rendered_exactly_into_a_pipe(tmp_path: Path) -> None:
    path = tmp_path / "answer.md"
    path.write_text(ANSWER, encoding="utf-8")
    result = subprocess.run(
        [*TELEPRINTER, "render", str(path), "--stats"], capture_output=True, env=cli_env(), timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert (result.returncode, result.stdout) == (0, ANSWER.encode())
    assert "tokens" in result.stderr.decode() and result.stderr.count(b"\n") == 1  # the --stats line


def test_bytes_that_are_not_utf8_stop_with_one_line_and_exit_2_keeping_the_text_before() -> None:
    result = render([], [b"kept text ", b"caf\xe9 au lait\n"], pause=0.2)
    assert result.returncode == 2
    assert result.stdout == b"kept text caf"
    assert result.stderr.decode() == (
        "teleprinter: error: stdin is not UTF-8 text (byte 0xe9 at offset 13) "
        "(convert it first, e.g. iconv -f cp1252 -t utf-8)\n"
    )


def test_a_missing_file_is_a_usage_error_of_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [*TELEPRINTER, "render", str(tmp_path / "nope.md")], capture_output=True, text=True, env=cli_env(),
        timeout=60, stdin=subprocess.DEVNULL,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"teleprinter: error: file not found: {tmp_path / 'nope.md'}\n"


def test_empty_input_draws_nothing_and_exits_0() -> None:
    result = render([], [])
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")


def on_terminal(pieces: list[str], *, columns: int = 60, lines: int = 40, interrupt: bool = False) -> tuple[int, bytes]:
    """``render`` with stdout and stderr on a pseudo-terminal, stdin a pipe written piece by piece.

    ``interrupt``: SIGINT once the pieces are written, with stdin still open. (exit code, bytes drawn).
    """
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    process = subprocess.Popen(
        [*TELEPRINTER, "render"], stdin=subprocess.PIPE, stdout=follower, stderr=follower,
        env=cli_env(TERM="xterm-256color"), start_new_session=True,
    )
    os.close(follower)
    assert process.stdin is not None
    drawn = bytearray()

    def drain(wait: float) -> None:
        while select.select([leader], [], [], wait)[0]:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                return
            if not chunk:
                return
            drawn.extend(chunk)
            wait = 0.0

    for piece in pieces:
        process.stdin.write(piece.encode())
        process.stdin.flush()
        drain(0.002)
    if interrupt:
        deadline = time.monotonic() + 60
        while pieces[-1].encode() not in drawn and time.monotonic() < deadline:  # the text is on the screen
            drain(0.05)
        process.send_signal(signal.SIGINT)
    else:
        process.stdin.close()
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        drain(0.05)
    drain(0.1)
    process.wait(timeout=10)
    os.close(leader)
    if interrupt:
        process.stdin.close()
    return process.returncode, bytes(drawn)


def screen_of(data: bytes, columns: int = 60, lines: int = 40) -> list[str]:
    screen = pyte.HistoryScreen(columns, lines, history=1000, ratio=0.5)
    screen.set_mode(pyte.modes.LNM)
    pyte.ByteStream(screen).feed(data)
    rows = ["".join(row[x].data for x in range(columns)) for row in screen.history.top]
    return [row.rstrip() for row in [*rows, *screen.display]]


def test_on_a_terminal_the_answer_is_drawn_as_markdown_with_every_word_once() -> None:
    pieces = [ANSWER[i : i + 4] for i in range(0, len(ANSWER), 4)]
    code, drawn = on_terminal(pieces)
    assert code == 0
    rows = screen_of(drawn)
    body = "\n".join(row for row in rows if "tokens ·" not in row)  # the summary line on stderr
    source = ANSWER.replace("```python", "```")  # the fence's language tag is not shown
    assert collections.Counter(WORD.findall(body)) == collections.Counter(WORD.findall(source))
    assert "**" not in body and "```" not in body  # rendered, not the raw Markdown
    assert "• first item" in rows and "def handler(token: str) -> str:" in rows
    assert drawn.endswith(b"\n") and b"\x1b[?25h" in drawn  # the cursor is back
    assert any("tokens ·" in row for row in rows)  # the summary replaced the status line


def test_ctrl_c_keeps_what_was_drawn_restores_the_terminal_and_exits_130() -> None:
    code, drawn = on_terminal(["Half an ", "answer that never ends"], interrupt=True)
    assert code == 130
    rows = screen_of(drawn)
    assert "Half an answer that never ends" in rows
    assert rows.count("teleprinter: interrupted") == 1
    assert drawn.rfind(b"\x1b[?25h") > drawn.rfind(b"\x1b[?25l")  # cursor shown after it was last hidden


def test_a_reader_that_goes_away_ends_it_quietly(tmp_path: Path) -> None:
    path = tmp_path / "long.md"
    path.write_text("".join(f"line {n} with **bold** text\n" for n in range(50_000)), encoding="utf-8")
    process = subprocess.Popen(
        [*TELEPRINTER, "render", str(path)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env=cli_env(),
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline() == b"line 0 with **bold** text\n"
    process.stdout.close()  # `| head -1`
    assert process.wait(timeout=60) == 0
    assert process.stderr.read() == b""
    process.stderr.close()


def test_render_imports_no_langchain() -> None:
    """The whole point of ``render`` next to ``ask --provider replay``: no LangChain (~0.85 s of CPU) on the path."""
    result = subprocess.run(
        [*TELEPRINTER[:1], "-X", "importtime", *TELEPRINTER[1:], "render"], input=b"# Hi\n", capture_output=True,
        env=cli_env(), timeout=60,
    )
    assert (result.returncode, result.stdout) == (0, b"# Hi\n")
    modules = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.decode().splitlines() if "|" in line]
    assert "teleprinter.sources.text" in modules
    assert not [name for name in modules if name.startswith(("langchain", "pydantic", "llama_cpp"))]
