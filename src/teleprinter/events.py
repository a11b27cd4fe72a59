"""The one event vocabulary: every source translates into these, every sink consumes them.

Events are immutable, so they are safe to hand to several sinks at once. The per-token
:class:`Token` is a ``NamedTuple``: it is built once per token, and a tuple is built in
0.66 µs where a frozen dataclass takes 1.6 µs (a frozen ``__init__`` goes through
``object.__setattr__`` per field); the rarer events are frozen, slotted dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeAlias
from uuid import UUID


@dataclass(frozen=True, slots=True)
class RunStarted:
    """A model run began (``on_chat_model_start`` / ``on_llm_start`` callback or stream event)."""

    run_id: UUID
    model: str = ""
    parent_run_id: UUID | None = None
    tags: tuple[str, ...] = ()
    time: float = 0.0


class Token(NamedTuple):
    """One streamed piece of text, with any non-text parts of its chunk (tool calls, reasoning)."""

    run_id: UUID
    text: str
    index: int = 0  # type: ignore[assignment]  # shadows tuple.index on purpose: the token's position
    time: float = 0.0
    parts: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class Custom:
    """Custom data written to the stream (``dispatch_custom_event``): status, not answer text."""

    run_id: UUID
    name: str
    data: Any = None
    time: float = 0.0


@dataclass(frozen=True, slots=True)
class RunEnded:
    """A run finished; ``usage`` holds LangChain ``usage_metadata`` when the provider gave it."""

    run_id: UUID
    usage: dict[str, Any] | None = None
    finish_reason: str | None = None
    time: float = 0.0


@dataclass(frozen=True, slots=True)
class RunFailed:
    """A run ended with an error; ``interrupted`` separates Ctrl-C/cancel/consumer-stop from failures."""

    run_id: UUID
    error: BaseException
    interrupted: bool = False
    time: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


Event: TypeAlias = RunStarted | Token | Custom | RunEnded | RunFailed

INTERRUPTIONS: tuple[type[BaseException], ...] = (KeyboardInterrupt, GeneratorExit)


def is_interruption(error: BaseException) -> bool:
    """True for errors that mean "the user or consumer stopped", not "the model failed"."""
    import asyncio

    return isinstance(error, (*INTERRUPTIONS, asyncio.CancelledError))
