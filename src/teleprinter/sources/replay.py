"""Replay a recording (``--record`` JSONL) as the events it holds: every kind, every run.

A chat model can only re-stream text; an agent run also had tool runs, graph nodes, custom
data and several model runs at once. This source reads the recording back through
:mod:`teleprinter.codec`, so a replay feeds sinks exactly the events that were recorded
(``time`` is the recorded ``t``, seconds since the recording began).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from teleprinter.codec import CodecError, decode
from teleprinter.errors import ReplayError
from teleprinter.events import Event
from teleprinter.textfile import read_user_text


def parse_recording(text: str) -> list[Event] | None:
    """The events of a recording, or ``None`` when ``text`` is not one (its first line is no event).

    Raises :class:`ReplayError` naming the line that is not JSON or not an event.
    """
    first = text.lstrip().split("\n", 1)[0]
    try:
        head = json.loads(first)
    except ValueError:
        return None
    if not isinstance(head, dict) or "event" not in head:
        return None
    events: list[Event] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record: Any = json.loads(line)
            if not isinstance(record, dict):
                raise CodecError("not a JSON object")
            events.append(decode(record, float(record.get("t", 0.0))))
        except (ValueError, TypeError) as error:
            raise ReplayError(f"recording line {number} is not a teleprinter event: {error}") from error
    return events


def read_recording(path: str | Path) -> list[Event]:
    """The events recorded in ``path``; :class:`ReplayError` if it is missing or not a recording."""
    events = parse_recording(read_user_text(path, "recording", error=ReplayError, newline=""))
    if events is None:
        raise ReplayError(f"{path} is not a teleprinter recording", "record one with --record FILE")
    return events


def replay(events: list[Event], speed: float | None = None) -> Iterator[Event]:
    """``events`` again, paced as recorded (``speed`` divides the pauses; ``inf`` or ``None``: none)."""
    last = events[0].time if events else 0.0
    for event in events:
        pause = event.time - last
        last = event.time
        if speed and speed != float("inf") and pause > 0:
            time.sleep(pause / speed)
        yield event
