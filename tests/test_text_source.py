"""The text source of ``teleprinter render``: a file descriptor's bytes as the events of one run."""

from __future__ import annotations

import os
import threading
import time

import pytest

from teleprinter.errors import ConfigError
from teleprinter.events import Event, RunEnded, RunFailed, RunStarted, Token
from teleprinter.sources.text import stream_fd


class Events:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def handle(self, event: Event) -> None:
        self.events.append(event)

    def texts(self) -> list[str]:
        return [event.text for event in self.events if isinstance(event, Token)]


def pipe_with(*pieces: bytes, pause: float = 0.0) -> int:
    """A pipe's read end; a thread writes ``pieces`` into it ``pause`` seconds apart, then closes it."""
    read, write = os.pipe()

    def feed() -> None:
        for piece in pieces:
            os.write(write, piece)
            time.sleep(pause)
        os.close(write)

    threading.Thread(target=feed, daemon=True).start()
    return read


def test_one_run_one_token_per_read_and_a_split_character_comes_whole() -> None:
    sink = Events()
    data = "é👍".encode()
    fd = pipe_with(data[:1], data[1:4], data[4:], pause=0.05)  # é split, then 👍 split
    try:
        assert stream_fd(fd, [sink, Events()]) == len(data)
    finally:
        os.close(fd)
    kinds = [type(event) for event in sink.events]
    assert kinds[0] is RunStarted and kinds[-1] is RunEnded
    assert sink.texts() == ["é", "👍"]  # the first read brought half a character: no token for it
    assert [event.index for event in sink.events if isinstance(event, Token)] == [0, 1]


def test_paced_reads_take_what_came_meanwhile_as_one_piece() -> None:
    sink = Events()
    fd = pipe_with(b"a", b"b", b"c", pause=0.002)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(0.2)  # everything has been written by then

    try:
        stream_fd(fd, [sink], not_before=lambda: time.monotonic() + 0.1, sleep=sleep)
    finally:
        os.close(fd)
    assert "".join(sink.texts()) == "abc"
    assert len(sink.texts()) <= 2 and slept  # the first read, then the rest at once


def test_bytes_that_are_not_utf8_fail_the_run_after_the_text_before_them() -> None:
    sink = Events()
    fd = pipe_with(b"ok \xff rest")
    try:
        with pytest.raises(ConfigError, match=r"^stdin is not UTF-8 text \(byte 0xff at offset 3\)"):
            stream_fd(fd, [sink], what="stdin")
    finally:
        os.close(fd)
    assert sink.texts() == ["ok "]
    assert isinstance(sink.events[-1], RunFailed) and not sink.events[-1].interrupted


def test_a_sink_that_fails_stops_the_run_and_the_others_see_it_interrupted() -> None:
    class ClosedPipe:
        def handle(self, event: Event) -> None:
            if isinstance(event, Token):
                raise BrokenPipeError

    sink = Events()
    fd = pipe_with(b"text")
    try:
        with pytest.raises(BrokenPipeError):
            stream_fd(fd, [ClosedPipe(), sink])
    finally:
        os.close(fd)
    assert isinstance(sink.events[-1], RunFailed) and sink.events[-1].interrupted
