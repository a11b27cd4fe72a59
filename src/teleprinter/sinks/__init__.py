"""Sinks consume events: accumulator, stats, JSONL recorder, async iterator bridge."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from teleprinter.events import Event


@runtime_checkable
class Sink(Protocol):
    """Anything that takes events. Sinks never know which source fed them."""

    def handle(self, event: Event) -> None: ...
