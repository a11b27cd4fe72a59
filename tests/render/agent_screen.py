"""Drive an :class:`AgentRenderer` with plain event lists into a pyte screen."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from teleprinter.events import (
    Event,
    NodeEnded,
    NodeStarted,
    Reasoning,
    RunEnded,
    RunStarted,
    Token,
    ToolCallDelta,
    ToolEnded,
    ToolStarted,
)
from teleprinter.render.agent import AgentRenderer
from teleprinter.render.options import DisplayOptions
from tests.render.screen import FakeClock, FakeTTY, Screen, capabilities, emulate


@dataclass
class Agent:
    """An agent renderer on a fake terminal, its clock, and what it wrote so far."""

    width: int = 60
    height: int = 16
    options: DisplayOptions = field(default_factory=DisplayOptions)
    markdown: bool = False
    status: bool = False

    def __post_init__(self) -> None:
        self.clock = FakeClock()
        self.out, self.err = FakeTTY(), FakeTTY()
        self.renderer = AgentRenderer(
            self.out,
            capabilities(self.width, self.height),
            display=self.options,
            markdown=self.markdown,
            status_stream=self.err if self.status else None,
            model_name="demo-model",
            clock=self.clock,
            background=False,
            watch=False,
        )

    def send(self, *events: Event, step: float = 0.05) -> None:
        """Each event a frame apart (``step`` seconds on the renderer's and the events' clock)."""
        for event in events:
            self.clock.now += step
            self.renderer.handle(event)

    def screen(self) -> Screen:
        return emulate(self.out.getvalue(), self.width, self.height)

    def close(self) -> Screen:
        self.renderer.close()
        return self.screen()


def run_id() -> uuid.UUID:
    return uuid.uuid4()


def start(run: uuid.UUID, node: str | None = None, model: str = "gemma", **kw: Any) -> RunStarted:
    return RunStarted(run, model, node=node, **kw)


def tokens(run: uuid.UUID, pieces: Iterable[str], t: float = 0.0) -> list[Event]:
    return [Token(run, piece, n, t) for n, piece in enumerate(pieces)]


def thinking(run: uuid.UUID, pieces: Iterable[str], t: float = 0.0) -> list[Event]:
    return [Reasoning(run, piece, n, t + n * 0.01) for n, piece in enumerate(pieces)]


def call(run: uuid.UUID, call_id: str, name: str, pieces: Iterable[str]) -> list[Event]:
    return [ToolCallDelta(run, call_id, name, piece) for piece in pieces]


def tool(
    run: uuid.UUID, name: str, call_id: str | None, inp: Any, output: Any, error: str | None = None
) -> list[Event]:
    return [ToolStarted(run, name, inp, call_id=call_id), ToolEnded(run, output, error, 0.012)]


def node(run: uuid.UUID, name: str, duration: float = 0.4) -> tuple[NodeStarted, NodeEnded]:
    return NodeStarted(run, name), NodeEnded(run, name, duration=duration)


__all__ = ["Agent", "RunEnded", "call", "node", "run_id", "start", "thinking", "tokens", "tool"]
