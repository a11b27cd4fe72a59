"""The reasoning box: the model's thinking, apart from the answer, then one line when it is done.

While reasoning streams it is drawn dim behind a side rule (``│``) in a box of at most
:data:`BOX_ROWS` rows: older rows scroll out of the box and are not kept on screen (they never
reach the answer or the scrollback). When the answer (or a tool call) begins, or the run ends,
the box collapses to one line, ``thought for 4.2 s · 380 tokens``. ``show`` mode prints the
reasoning whole instead (it scrolls like an answer), followed by the same line; ``hide`` draws
nothing. Rows are wrapped incrementally by :class:`RawLayout`, so a long reasoning costs the
same per frame at its end as at its start.
"""

from __future__ import annotations

from collections import deque

from teleprinter.render.layout import RawLayout
from teleprinter.render.line import fit
from teleprinter.render.options import ReasoningMode
from teleprinter.render.style import Style

BOX_ROWS = 4
RULE = "│ "
REASONING_STYLE = Style(dim=True, italic=True)
SUMMARY_STYLE = Style(dim=True)


def thought_line(seconds: float, pieces: int) -> str:
    """``thought for 4.2 s · 380 tokens`` (a piece of streamed reasoning counts as a token)."""
    return f"thought for {seconds:.1f} s · {pieces} token{'' if pieces == 1 else 's'}"


class ReasoningBox:
    """One stretch of reasoning of one model run (see the module docstring).

    Times are the events' own (seconds on the source's clock): ``started`` is the run's
    start, or the first piece's time when the start was not seen.
    """

    def __init__(self, mode: ReasoningMode, color: bool, started: float, rows: int = BOX_ROWS) -> None:
        self.mode = mode
        self.color = color
        self.rows = rows
        self.started = started
        self.ended = started
        self.pieces = 0
        self.layout = RawLayout("", color, REASONING_STYLE)
        self.layout.first = self.layout.rest = [(RULE, SUMMARY_STYLE)]
        self._tail: deque[str] = deque(maxlen=rows)
        self._leading = True  # blank lines before the first words are not drawn

    def feed(self, text: str, time: float) -> None:
        self.pieces += 1
        self.ended = max(self.ended, time)
        if self.mode == "hide":
            return
        if self._leading:
            text = text.lstrip()
            if not text:
                return
            self._leading = False
        self.layout.feed(text)

    def close(self, time: float) -> None:
        """The reasoning ended at ``time`` (the answer began, a tool call began, the run ended)."""
        self.ended = max(self.ended, time)

    @property
    def seconds(self) -> float:
        return max(self.ended - self.started, 0.0)

    def update(self, width: int, cap: int) -> tuple[list[str], list[str]]:
        if self.mode == "hide":
            return [], []
        final, live = self.layout.update(width, cap)
        if self.mode == "show":
            return final, live
        self._tail.extend(final)
        rows = [*self._tail, *live]
        return [], rows[-min(self.rows, max(cap, 1)) :]

    def finish(self, width: int) -> list[str]:
        if self.mode == "hide" or not self.pieces:
            return []
        summary = fit([(thought_line(self.seconds, self.pieces), SUMMARY_STYLE)], width, self.color)
        if self.mode == "show":
            return [*self.layout.finish(width), summary]
        return [summary]
