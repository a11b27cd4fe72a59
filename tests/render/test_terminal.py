"""Capabilities: colour rules, TTY detection on a real pty, the synchronized-output probe, resizes."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import signal
import struct
import termios
import threading
from collections.abc import Iterator

import pytest

from teleprinter.render.console import TerminalRenderer
from teleprinter.render.factory import make_renderer
from teleprinter.render.plain import PlainRenderer
from teleprinter.render.terminal import color_enabled, detect, query_synchronized, watch_resize


@pytest.mark.parametrize(
    ("mode", "environ", "tty", "expected"),
    [
        ("auto", {}, True, True),
        ("auto", {}, False, False),
        ("auto", {"NO_COLOR": "1"}, True, False),
        ("auto", {"NO_COLOR": ""}, True, True),  # the standard: set *and* not empty
        ("auto", {"FORCE_COLOR": "1"}, False, True),
        ("auto", {"FORCE_COLOR": "0"}, False, False),
        ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False),
        ("auto", {"TERM": "dumb"}, True, False),
        ("always", {"NO_COLOR": "1", "TERM": "dumb"}, False, True),
        ("never", {"FORCE_COLOR": "1"}, True, False),
    ],
)
def test_colour_rules(mode: str, environ: dict[str, str], tty: bool, expected: bool) -> None:
    assert color_enabled(mode, environ, tty) is expected


def test_unknown_colour_mode_is_rejected() -> None:
    with pytest.raises(ValueError, match="auto, always, never"):
        color_enabled("sometimes", {}, True)


@pytest.fixture
def terminal() -> Iterator[tuple[int, io.TextIOWrapper]]:
    """A real pseudo-terminal of 50x15: the master fd and a text stream on the slave side."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 15, 50, 0, 0))
    stream = open(slave, "w", encoding="utf-8", closefd=True)  # noqa: SIM115 - closed below
    try:
        yield master, stream
    finally:
        stream.close()
        os.close(master)


def test_detect_on_a_pipe_and_on_a_terminal(terminal: tuple[int, io.TextIOWrapper]) -> None:
    assert not detect(io.StringIO(), {}).is_tty
    caps = detect(terminal[1], {"TERM": "xterm-256color"})
    assert (caps.is_tty, caps.width, caps.height, caps.color, caps.cursor) == (True, 50, 15, True, True)
    dumb = detect(terminal[1], {"TERM": "dumb"})
    assert dumb.is_tty and not dumb.cursor and not dumb.color


def test_make_renderer_picks_by_stream(terminal: tuple[int, io.TextIOWrapper]) -> None:
    assert isinstance(make_renderer(io.StringIO()), PlainRenderer)
    on_tty = make_renderer(terminal[1], environ={"TERM": "xterm"})
    assert isinstance(on_tty, TerminalRenderer)
    on_tty.close()
    dumb = make_renderer(terminal[1], environ={"TERM": "dumb"})
    assert isinstance(dumb, PlainRenderer) and dumb.sanitize is not None


def _answer(master: int, reply: bytes) -> threading.Thread:
    def run() -> None:
        received = b""
        while b"\x1b[c" not in received:
            received += os.read(master, 100)
        if reply:
            os.write(master, reply)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize(
    ("reply", "supported"),
    [
        (b"\x1b[?2026;2$y\x1b[?62;22c", True),  # supported, currently reset
        (b"\x1b[?2026;0$y\x1b[?62c", False),  # mode not recognised
        (b"\x1b[?62;22c", False),  # no DECRQM answer at all, only device attributes
        (b"", False),  # silence: the probe gives up after its timeout
    ],
)
def test_synchronized_output_probe(terminal: tuple[int, io.TextIOWrapper], reply: bytes, supported: bool) -> None:
    master, stream = terminal
    thread = _answer(master, reply)
    with open(os.dup(stream.fileno()), encoding="utf-8") as stdin:
        attributes = termios.tcgetattr(stdin.fileno())
        assert query_synchronized(stream, stdin, 0.3) is supported
        assert termios.tcgetattr(stdin.fileno()) == attributes  # the terminal mode is put back
    thread.join(timeout=2)


def test_synchronized_frames_are_bracketed() -> None:
    from tests.render.screen import FakeTTY, capabilities

    out = FakeTTY()
    caps = capabilities(30, 8)
    caps = type(caps)(caps.is_tty, caps.width, caps.height, caps.color, caps.cursor, synchronized=True)
    renderer = TerminalRenderer(out, caps, markdown=False, background=False, watch=False)
    from uuid import uuid4

    from teleprinter.events import Token

    renderer.handle(Token(uuid4(), "hello"))
    renderer.close()
    assert out.getvalue().startswith("\x1b[?2026h") and "\x1b[?2026l" in out.getvalue()


def test_sigwinch_reports_the_new_size_and_stops_cleanly(terminal: tuple[int, io.TextIOWrapper]) -> None:
    _, stream = terminal
    seen: list[tuple[int, int]] = []
    before = signal.getsignal(signal.SIGWINCH)
    stop = watch_resize(stream, lambda columns, lines: seen.append((columns, lines)))
    assert stop is not None
    fcntl.ioctl(stream.fileno(), termios.TIOCSWINSZ, struct.pack("HHHH", 20, 70, 0, 0))
    os.kill(os.getpid(), signal.SIGWINCH)
    stop()
    assert seen == [(70, 20)]
    assert signal.getsignal(signal.SIGWINCH) == before
