"""Stream one answer from a chat model into sinks: the library half of ``teleprinter ask``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from teleprinter.sinks import Sink
from teleprinter.sinks.accumulate import Accumulation
from teleprinter.sinks.stats import RunStats, Stats
from teleprinter.sources.callbacks import EventCallbackHandler

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage


@dataclass(slots=True)
class Answer:
    """What a streamed answer left behind: its text and its statistics."""

    text: str
    stats: RunStats


def build_messages(prompt: str, system: str | None = None) -> list[BaseMessage]:
    from langchain_core.messages import HumanMessage, SystemMessage

    messages: list[BaseMessage] = [SystemMessage(system)] if system else []
    messages.append(HumanMessage(prompt))
    return messages


def stream_answer(
    model: BaseChatModel,
    messages: Sequence[BaseMessage],
    sinks: Sequence[Sink],
    *,
    stats: Stats | None = None,
    accumulation: Accumulation | None = None,
    config: dict[str, Any] | None = None,
) -> Answer:
    """Stream ``messages`` through ``model``; sink errors (a closed pipe) stop the stream.

    Exceptions from the model or a sink propagate after every sink has seen the failure,
    so a caller can show the partial answer and decide on the exit code.
    """
    stats = stats or Stats()
    accumulation = accumulation or Accumulation()
    handler = EventCallbackHandler(*sinks, stats, accumulation, raise_error=True)
    run_config: dict[str, Any] = dict(config or {})
    run_config["callbacks"] = [*run_config.get("callbacks", []), handler]
    for _chunk in model.stream(list(messages), config=run_config):  # type: ignore[arg-type]
        pass
    return Answer(accumulation.text(), stats.last)


def stream_run(runnable: Any, input: Any, sinks: Sequence[Sink], *, version: str = "v2") -> None:
    """Stream any Runnable or graph run into ``sinks`` (``teleprinter.stream``; see its docs).

    A sink's exception (a closed pipe) stops the run; the run's own error propagates after the
    sinks have seen its ``RunFailed`` events.
    """
    from teleprinter.sources.runnable import stream

    for event in stream(runnable, input, version=version):
        for sink in sinks:
            sink.handle(event)
