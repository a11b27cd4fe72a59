"""Stream one reply as an asyncio task that Ctrl-C cancels, so the model call really stops.

Cancelling the task raises ``CancelledError`` inside the model's ``_astream``: the replay model
stops sleeping, the embedded model sets the event its generation thread checks between
tokens, HTTP providers close the connection. LangChain reports the run as failed with a
``CancelledError`` (an interruption), and whatever streamed before stays in the accumulator.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from teleprinter.chat.session import Status
from teleprinter.sinks import Sink
from teleprinter.sinks.accumulate import Accumulation
from teleprinter.sinks.stats import RunStats, Stats
from teleprinter.sources.callbacks import EventCallbackHandler

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage


T = TypeVar("T")


@dataclass(slots=True)
class Reply:
    """How a reply ended: its (maybe partial) text, status, the error of a failed one, its figures."""

    text: str
    status: Status
    error: BaseException | None = None
    stats: RunStats | None = None
    reasoning: str = ""
    tools: list[dict[str, Any]] = field(default_factory=list)


async def astream_answer(
    model: BaseChatModel,
    messages: Sequence[BaseMessage],
    sinks: Sequence[Sink],
    *,
    stats: Stats,
    accumulation: Accumulation,
) -> None:
    """The async twin of :func:`teleprinter.answer.stream_answer`; cancelling it stops the model."""
    handler = EventCallbackHandler(*sinks, stats, accumulation, raise_error=True)
    async for _chunk in model.astream(list(messages), config={"callbacks": [handler]}):
        pass


class Interrupted(Exception):
    """What :meth:`ReplyRunner.guarded` raises when Ctrl-C stopped the wait."""


class ReplyRunner:
    """Runs one thing at a time that Ctrl-C may stop; :meth:`interrupt` (wired to SIGINT) cancels it."""

    def __init__(self) -> None:
        self._task: asyncio.Future[Any] | None = None
        self._interrupted = False
        self._accumulation = Accumulation()

    @property
    def partial(self) -> str:
        """What the current (or last) reply has streamed so far."""
        return self._accumulation.text()

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def interrupt(self) -> bool:
        """Stop what is running; ``False`` when nothing was."""
        if self._task is None or self._task.done():
            return False
        self._interrupted = True
        self._task.cancel()
        return True

    async def guarded(self, awaitable: Awaitable[T]) -> T:
        """Await ``awaitable`` as a task :meth:`interrupt` can cancel; raises :class:`Interrupted` if it did."""
        self._interrupted = False
        task: asyncio.Future[T] = asyncio.ensure_future(awaitable)
        self._task = task
        try:
            return await task
        except asyncio.CancelledError:
            if not self._interrupted:
                raise
            raise Interrupted() from None
        finally:
            self._task = None

    async def run(
        self, model: BaseChatModel, messages: Sequence[BaseMessage], sinks: Sequence[Sink], stats: Stats
    ) -> Reply:
        accumulation = self._accumulation = Accumulation()
        try:
            await self.guarded(astream_answer(model, messages, sinks, stats=stats, accumulation=accumulation))
            status: Status = "complete"
            error: BaseException | None = None
        except Interrupted:
            status, error = "interrupted", None
        except Exception as failure:  # any model or network failure ends the turn, not the chat
            status, error = "failed", failure
        return Reply(accumulation.text(), status, error, stats.last)
