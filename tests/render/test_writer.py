"""Frame coalescing: one write per frame, the trailing frame always drawn, errors surface."""

from __future__ import annotations

import threading
import time

import pytest

from teleprinter.render.writer import FrameWriter
from tests.render.screen import FakeClock, FakeTTY


class Source:
    """Pending text the frames drain, like a layout."""

    def __init__(self) -> None:
        self.pending: list[str] = []

    def render(self) -> str:
        text = "".join(self.pending)
        self.pending.clear()
        return text


def writer(background: bool = False) -> tuple[FrameWriter, Source, FakeTTY, FakeClock]:
    source, out, clock = Source(), FakeTTY(), FakeClock()
    frames = FrameWriter(out, source.render, interval=0.1, clock=clock, background=background)
    return frames, source, out, clock


def feed(frames: FrameWriter, source: Source, text: str) -> None:
    with frames.lock:
        source.pending.append(text)
        frames.request()


def test_tokens_within_one_interval_share_a_frame() -> None:
    frames, source, out, clock = writer()
    feed(frames, source, "a")  # first token: drawn at once
    for char in "bcdef":
        clock.now += 0.01
        feed(frames, source, char)
    assert out.getvalue() == "a" and out.write_calls == 1
    clock.now += 0.1
    frames.tick()  # the trailing frame, one interval after the last one
    assert out.getvalue() == "abcdef" and out.write_calls == 2


def test_a_slow_stream_draws_every_token_at_once() -> None:
    frames, source, out, clock = writer()
    for char in "abc":
        clock.now += 0.5
        feed(frames, source, char)
        assert out.getvalue().endswith(char)
    assert out.write_calls == 3


def test_tick_before_the_interval_draws_nothing() -> None:
    frames, source, out, clock = writer()
    feed(frames, source, "a")
    feed(frames, source, "b")
    clock.now += 0.05
    frames.tick()
    assert out.getvalue() == "a"
    frames.frame()  # what close() does: draw now, whatever the interval
    assert out.getvalue() == "ab"


def test_the_ticker_thread_draws_the_trailing_frame_without_another_token() -> None:
    source, out = Source(), FakeTTY()
    frames = FrameWriter(out, source.render, interval=0.02)
    feed(frames, source, "first")
    feed(frames, source, " last")  # inside the interval: left to the ticker
    deadline = time.monotonic() + 5
    while out.getvalue() != "first last" and time.monotonic() < deadline:
        time.sleep(0.01)
    frames.stop()
    assert out.getvalue() == "first last"
    assert not any(thread.name == "teleprinter-frames" for thread in threading.enumerate())


def test_a_failed_background_write_is_raised_on_the_next_token() -> None:
    class Broken(FakeTTY):
        def write(self, text: str) -> int:
            if "boom" in text:
                raise BrokenPipeError("gone")
            return super().write(text)

    source = Source()
    frames = FrameWriter(Broken(), source.render, interval=0.02)
    feed(frames, source, "ok")
    feed(frames, source, "boom")
    deadline = time.monotonic() + 5
    while frames.error is None and time.monotonic() < deadline:
        time.sleep(0.01)
    with pytest.raises(BrokenPipeError):
        feed(frames, source, "more")
    frames.stop()
