"""Custom stream events (``dispatch_custom_event``) shown as status lines, never mixed into the answer.

The answer goes to stdout; status goes to its own stream (stderr by default), one whole line
per event, so ``> answer.txt`` keeps exactly the answer and a reader still sees progress.
"""

from __future__ import annotations

import json
from typing import IO, Any

from teleprinter.events import Custom, Event


def describe(name: str, data: Any) -> str:
    """One readable line for a custom event: ``name: text``, or ``name: {json}`` for structures."""
    if data is None:
        return name
    if isinstance(data, str):
        text = data
    elif isinstance(data, dict) and isinstance(data.get("status") or data.get("message"), str):
        text = str(data.get("status") or data.get("message"))
    else:
        text = json.dumps(data, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return f"{name}: {text}"


class CustomStatus:
    """A sink printing each :class:`Custom` event as a status line on ``stream``."""

    def __init__(self, stream: IO[str], marker: str = "· ") -> None:
        self.stream = stream
        self.marker = marker
        self.shown: list[str] = []

    def handle(self, event: Event) -> None:
        if type(event) is Custom:
            line = describe(event.name, event.data)
            self.shown.append(line)
            self.stream.write(f"{self.marker}{line}\n")
            self.stream.flush()
