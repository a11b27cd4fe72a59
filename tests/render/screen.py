"""A VT emulator screen (pyte) and a harness that drives a renderer into it, frame by frame."""

from __future__ import annotations

import io
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyte
from wcwidth import wcwidth

from teleprinter.events import RunEnded, RunStarted, Token
from teleprinter.render.console import TerminalRenderer
from teleprinter.render.terminal import Capabilities


class Screen(pyte.HistoryScreen):  # type: ignore[misc]
    """pyte's screen with scrollback, fixed for zero-width characters that are not combining marks.

    pyte's ``draw`` stops drawing the rest of its text at the first zero-width non-combining
    character (ZWJ, VS16, ZWSP); real terminals attach it to the previous cell, and so does this.
    """

    def __init__(self, columns: int, lines: int) -> None:
        super().__init__(columns, lines, history=100_000, ratio=0.5)

    def draw(self, data: str) -> None:
        run: list[str] = []
        for char in data:
            if wcwidth(char) <= 0 and not unicodedata.combining(char):
                if run:
                    super().draw("".join(run))
                    run = []
                self._attach(char)
            else:
                run.append(char)
        if run:
            super().draw("".join(run))

    def _attach(self, char: str) -> None:
        x, line = self.cursor.x, self.buffer[self.cursor.y]
        if x and line[x - 1].data == "" and x > 1:
            x -= 1
        if x:
            cell = line[x - 1]
            line[x - 1] = cell._replace(data=cell.data + char)

    def row_text(self, line: Any) -> str:
        out: list[str] = []
        skip = False
        for x in range(self.columns):
            if skip:
                skip = False
                continue
            data = line[x].data
            out.append(data)
            skip = bool(data) and wcwidth(data[0]) == 2
        return "".join(out).rstrip(" ")  # the blank cell; other whitespace was drawn by the renderer

    def rows(self) -> list[str]:
        """Every row: scrolled-off history first, then the screen; trailing blank rows dropped."""
        rows = [self.row_text(line) for line in self.history.top]
        rows += [self.row_text(self.buffer[y]) for y in range(self.lines)]
        while rows and not rows[-1]:
            rows.pop()
        return rows

    def cells(self) -> list[list[Any]]:
        lines = [*self.history.top, *(self.buffer[y] for y in range(self.lines))]
        return [[line[x] for x in range(self.columns)] for line in lines]


def emulate(output: str, width: int, height: int) -> Screen:
    screen = Screen(width, height)
    pyte.Stream(screen).feed(output)
    return screen


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FakeTTY(io.StringIO):
    """A stream that says it is a terminal and counts writes."""

    def __init__(self) -> None:
        super().__init__()
        self.write_calls = 0

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.write_calls += 1
        return super().write(text)


@dataclass
class Run:
    """What a renderer wrote for one streamed answer, and the screen it leaves."""

    output: str
    width: int
    height: int
    status: str = ""
    renderer: Any = None
    screen: Screen = field(init=False)

    def __post_init__(self) -> None:
        self.screen = emulate(self.output, self.width, self.height)

    @property
    def rows(self) -> list[str]:
        return self.screen.rows()


def capabilities(width: int, height: int, color: bool = True) -> Capabilities:
    return Capabilities(is_tty=True, width=width, height=height, color=color, cursor=True)


def make(
    width: int = 40,
    height: int = 12,
    *,
    markdown: bool = False,
    prefix: str = "",
    status: bool = False,
    color: bool = True,
    interval: float = 1 / 30,
) -> tuple[TerminalRenderer, FakeTTY, FakeTTY, FakeClock]:
    clock = FakeClock()
    out, err = FakeTTY(), FakeTTY()
    renderer = TerminalRenderer(
        out,
        capabilities(width, height, color),
        prefix=prefix,
        markdown=markdown,
        status_stream=err if status else None,
        model_name="demo-model",
        clock=clock,
        interval=interval,
        background=False,
        watch=False,
    )
    return renderer, out, err, clock


def stream(
    chunks: Iterable[str],
    width: int = 40,
    height: int = 12,
    *,
    step: float = 1.0,
    end: bool = True,
    **options: Any,
) -> Run:
    """Stream ``chunks`` as one run; by default every chunk arrives a frame apart (a frame each)."""
    renderer, out, err, clock = make(width, height, **options)
    run_id = uuid.uuid4()
    renderer.handle(RunStarted(run_id, "demo-model"))
    for chunk in chunks:
        clock.now += step
        renderer.handle(Token(run_id, chunk))
    if end:
        renderer.handle(RunEnded(run_id))
    renderer.close()
    return Run(out.getvalue(), width, height, err.getvalue(), renderer)


def chunked(text: str, sizes: Sequence[int]) -> list[str]:
    """``text`` cut into pieces of the given sizes, cycling through them."""
    pieces, position, index = [], 0, 0
    while position < len(text):
        size = max(1, sizes[index % len(sizes)]) if sizes else len(text)
        pieces.append(text[position : position + size])
        position += size
        index += 1
    return pieces
