"""How a batch shows its progress: a live view on a terminal, one line per event elsewhere.

The live view keeps a small region at the bottom of the terminal: one line per active prompt
(its id and the tail of its answer) and the seed's ``Processing: current/total`` with a bar.
It redraws at most ~20 times a second, prints other lines *above* itself, and erases itself
on close, so the terminal is left with only the answers and the summary.
"""

from __future__ import annotations

import asyncio
import time
from typing import IO

from wcwidth import wcwidth

from teleprinter.batch.items import BatchItem
from teleprinter.batch.runner import Monitor, Outcome
from teleprinter.render.region import erase_rows

FRAME_INTERVAL = 0.05


def clean(text: str) -> str:
    """Model text made safe for one status line: no control characters, no line breaks."""
    return "".join(ch if ch.isprintable() else " " for ch in text)


def cells(text: str) -> int:
    return sum(max(0, wcwidth(ch)) for ch in text)


def fit(text: str, width: int, *, keep_end: bool = False) -> str:
    """``text`` cut to ``width`` display cells, from its start (or its end, for answer tails)."""
    out: list[str] = []
    used = 0
    for ch in reversed(text) if keep_end else text:
        size = max(0, wcwidth(ch))
        if used + size > width:
            break
        out.append(ch)
        used += size
    return "".join(reversed(out) if keep_end else out)


def progress_line(current: int, total: int, failed: int, width: int) -> str:
    """``Processing: 3/10 [######----] 1 failed`` fitted to ``width``."""
    head = f"Processing: {current}/{total}"
    tail = f" {failed} failed" if failed else ""
    bar_width = max(0, min(30, width - len(head) - len(tail) - 4))
    if bar_width >= 5 and total:
        filled = round(bar_width * current / total)
        head += " [" + "#" * filled + "-" * (bar_width - filled) + "]"
    return fit(head + tail, width)


class LogMonitor(Monitor):
    """For pipes and files: one line per retry and per finished prompt, nothing redrawn."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def _say(self, text: str) -> None:
        self.stream.write(f"teleprinter: {text}\n")
        self.stream.flush()

    def retrying(self, item: BatchItem, attempt: int, error: str) -> None:
        self._say(f"[{item.id}] attempt {attempt} failed ({error}); retrying")

    def notice(self, text: str) -> None:
        self._say(text)

    def finished(self, outcome: Outcome) -> None:
        if outcome.status == "failed":
            self._say(f"[{outcome.item.id}] failed after {outcome.attempts} attempt(s): {outcome.error}")


class LiveView(Monitor):
    """The terminal view: active prompts with their answers' tails, and a progress bar."""

    def __init__(self, stream: IO[str], width: int = 80, height: int = 24) -> None:
        self.stream = stream
        self.width = max(20, width)
        self.max_rows = max(1, height - 2)
        self.total = 0
        self.done = 0
        self.failed = 0
        self.active: dict[str, str] = {}
        self._drawn = 0
        self._last_draw = 0.0
        self._scheduled = False
        self._closed = False

    # -- Monitor --

    def begin(self, total: int, done: int) -> None:
        self.total, self.done = total, done
        self.draw()

    def started(self, item: BatchItem, attempt: int) -> None:
        self.active[item.id] = "" if attempt == 1 else f"(attempt {attempt}) "
        self.draw()

    def token(self, item: BatchItem, text: str) -> None:
        tail = self.active.get(item.id, "") + text
        self.active[item.id] = tail[-4 * self.width :]
        self._soon()

    def retrying(self, item: BatchItem, attempt: int, error: str) -> None:
        self.print_above(self.stream, f"teleprinter: [{item.id}] attempt {attempt} failed ({error}); retrying\n")

    def notice(self, text: str) -> None:
        self.print_above(self.stream, f"teleprinter: {text}\n")

    def finished(self, outcome: Outcome) -> None:
        self.active.pop(outcome.item.id, None)
        self.done += 1
        if outcome.status == "failed":
            self.failed += 1
            self.print_above(
                self.stream,
                f"teleprinter: [{outcome.item.id}] failed after {outcome.attempts} attempt(s): {outcome.error}\n",
            )
        else:
            self.draw()

    def close(self) -> None:
        """Erase the view; what was printed above it stays."""
        if not self._closed:
            self._closed = True
            self.stream.write(self._erase())
            self.stream.flush()

    # -- drawing --

    def lines(self) -> list[str]:
        rows: list[str] = []
        items = list(self.active.items())
        shown = items if len(items) <= self.max_rows else items[: self.max_rows - 1]
        for item_id, tail in shown:
            label = fit(f"[{item_id}] ", self.width // 3)
            rows.append(label + fit(clean(tail).lstrip(), self.width - 1 - cells(label), keep_end=True))
        if len(shown) < len(items):
            rows.append(f"... and {len(items) - len(shown)} more")
        rows.append(progress_line(self.done, self.total, self.failed, self.width - 1))
        return rows

    def _erase(self) -> str:
        if not self._drawn:
            return ""
        up = f"\x1b[{self._drawn - 1}A" if self._drawn > 1 else ""
        drawn, self._drawn = self._drawn, 0
        return "\r" + up + erase_rows(drawn, below_cursor=False)  # never ED from home: tmux copies it to history

    def draw(self) -> None:
        if self._closed:
            return
        rows = self.lines()
        self.stream.write(self._erase() + "\n".join(rows))
        self.stream.flush()
        self._drawn = len(rows)
        self._last_draw = time.monotonic()

    def print_above(self, stream: IO[str], text: str) -> None:
        """Write ``text`` (whole lines) to ``stream`` above the view, then draw the view again."""
        self.stream.write(self._erase())
        self.stream.flush()
        stream.write(text)
        stream.flush()
        self.draw()

    def _soon(self) -> None:
        """Redraw now if a frame interval has passed, else once at the end of the interval."""
        wait = FRAME_INTERVAL - (time.monotonic() - self._last_draw)
        if wait <= 0:
            self.draw()
            return
        if self._scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._scheduled = True
        loop.call_later(wait, self._scheduled_draw)

    def _scheduled_draw(self) -> None:
        self._scheduled = False
        self.draw()
