"""Per-phase timeline of one command (``ask --debug``): when imports, model load, prompt
evaluation and the first token finished, in milliseconds since the process started.

Library code calls :func:`mark` at phase boundaries; it costs one global lookup when no
timeline is recording, and is never called per token (the first token is noted by the
:class:`FirstToken` sink, added only under ``--debug``). The CLI starts recording and prints
:meth:`Timeline.lines` on stderr.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the warm worker's client marks phases before it needs events (issue 14)
    from teleprinter.events import Event


@dataclass(slots=True)
class Timeline:
    """Named instants on the ``time.perf_counter`` clock, ``origin`` being the process start."""

    origin: float
    marks: list[tuple[float, str, str]] = field(default_factory=list)

    def mark(self, phase: str, note: str = "", at: float | None = None) -> None:
        self.marks.append((time.perf_counter() if at is None else at, phase, note))

    def lines(self) -> list[str]:
        """``   412 ms  (+381)  imports  note`` per mark, in the order they happened."""
        out = []
        previous = self.origin
        for at, phase, note in sorted(self.marks, key=lambda mark: mark[0]):
            since = (at - self.origin) * 1000
            step = (at - previous) * 1000
            out.append(f"{since:8.1f} ms  (+{step:7.1f})  {phase}" + (f"  [{note}]" if note else ""))
            previous = at
        return out


current: Timeline | None = None
"""The timeline being recorded in this process, if any."""


def start(origin: float | None = None) -> Timeline:
    """Start recording; ``origin`` defaults to the process start time (Linux), else now."""
    global current
    current = Timeline(process_start() if origin is None else origin)
    return current


def mark(phase: str, note: str = "") -> None:
    """Note that ``phase`` just ended (a no-op unless a timeline is recording)."""
    if current is not None:
        current.mark(phase, note)


def process_start() -> float:
    """This process's start on the ``time.perf_counter`` clock (10 ms resolution; now if unknown)."""
    now = time.perf_counter()
    try:
        with open("/proc/self/stat", "rb") as file:
            fields = file.read().rsplit(b")", 1)[1].split()
        ticks = int(fields[19])  # field 22, starttime, counted after the ")" that ends field 2
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return now
    return now - max(0.0, age)


class FirstToken:
    """A sink that marks ``first token`` when the first token reaches the sinks."""

    def __init__(self) -> None:
        self.seen = False

    def handle(self, event: Event) -> None:
        from teleprinter.events import Token  # only under --debug

        if not self.seen and type(event) is Token and event.text:
            self.seen = True
            mark("first token")
