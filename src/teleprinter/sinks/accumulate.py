"""Collect streamed text per run, so concurrent runs never mix."""

from __future__ import annotations

from uuid import UUID

from teleprinter.events import Event, Token


class Accumulation:
    """Text of every run seen, keyed by run id, in the order runs first produced text."""

    def __init__(self) -> None:
        self.tokens: list[str] = []
        self._by_run: dict[UUID, list[str]] = {}

    def handle(self, event: Event) -> None:
        if type(event) is Token:
            self.add(event.run_id, event.text)

    def add(self, run_id: UUID, text: str) -> None:
        self.tokens.append(text)
        pieces = self._by_run.get(run_id)
        if pieces is None:
            pieces = self._by_run[run_id] = []
        pieces.append(text)

    @property
    def run_ids(self) -> list[UUID]:
        return list(self._by_run)

    def tokens_of(self, run_id: UUID) -> list[str]:
        return list(self._by_run.get(run_id, ()))

    def text(self, run_id: UUID | None = None) -> str:
        """One run's text, or every run's text one after the other (never interleaved)."""
        if run_id is not None:
            return "".join(self._by_run.get(run_id, ()))
        return "".join("".join(pieces) for pieces in self._by_run.values())

    def clear(self) -> None:
        self.tokens.clear()
        self._by_run.clear()
