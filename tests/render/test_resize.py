"""A resize loses no text, with or without a resize signal (Windows has no SIGWINCH).

The terminal here is pyte with auto-wrap off, as the renderer sets it: a row wider than the
screen is cut at the margin, which is what a console that shrank does to rows drawn at the old
width. The screen is resized between two frames, as a user would drag the window.
"""

from __future__ import annotations

import re
import signal
import uuid

import pyte
import pytest

from teleprinter.events import RunEnded, RunStarted, Token
from teleprinter.render.console import TerminalRenderer
from tests.render.screen import FakeClock, FakeTTY, Screen, capabilities, chunked

TEXT = "# Title\n\n" + " ".join(f"word{n:03d}" for n in range(160)) + "\n"


def shrink_mid_answer(polled: bool, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.delattr(signal, "SIGWINCH", raising=False)  # as on Windows
    size = [(80, 24)]
    clock, out = FakeClock(), FakeTTY()
    renderer = TerminalRenderer(
        out, capabilities(80, 24), markdown=True, clock=clock, background=False, watch=True,
        size=(lambda: size[-1]) if polled else (lambda: None),
    )
    screen = Screen(80, 24)
    feed = pyte.Stream(screen)
    run = uuid.uuid4()
    renderer.handle(RunStarted(run))
    for number, piece in enumerate(chunked(TEXT, [9])):
        clock.now += 1
        renderer.handle(Token(run, piece))
        if number == 20:
            feed.feed(out.getvalue())
            out.seek(0)
            out.truncate()
            size.append((40, 24))
            screen.resize(24, 40)
    renderer.handle(RunEnded(run))
    renderer.close()
    feed.feed(out.getvalue())
    return screen.rows()


def test_without_a_resize_signal_each_frame_checks_the_size(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = shrink_mid_answer(True, monkeypatch)
    assert re.findall(r"word\d{3}", " ".join(rows)) == [f"word{n:03d}" for n in range(160)]
    assert all(len(row) <= 40 for row in rows)


def test_the_same_shrink_unnoticed_cuts_rows_at_the_margin(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the check above prevents: rows drawn 80 wide into a 40-column console."""
    rows = shrink_mid_answer(False, monkeypatch)
    assert len(re.findall(r"word\d{3}", " ".join(rows))) < 160
