"""Stream one reply as an asyncio task that Ctrl-C cancels, so the model call really stops.

Cancelling the task raises ``CancelledError`` inside the model's ``_astream``: the replay model
stops sleeping, the embedded model sets the event its generation thread checks between
tokens, HTTP providers close the connection. LangChain reports the run as failed with a
``CancelledError`` (an interruption), and whatever streamed before stays in the accumulator.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from teleprinter.chat.session import Status
from teleprinter.sinks import Sink
from teleprinter.sinks.accumulate import Accumulation
from teleprinter.sinks.stats import RunStats, Stats
from teleprinter.sources.callbacks import EventCallbackHandler

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage


@dataclass(slots=True)
class Reply:
    """How a reply ended: its (maybe partial) text, status, the error of a failed one, its figures."""

    text: str
    status: Status
    error: BaseException | None = None
    stats: RunStats | None = None


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


class ReplyRunner:
    """Runs one reply at a time; :meth:`interrupt` (wired to SIGINT) cancels the running one."""

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None
        self._interrupted = False

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def interrupt(self) -> bool:
        """Stop the running reply; ``False`` when nothing was running."""
        if not self.busy:
            return False
        self._interrupted = True
        assert self._task is not None
        self._task.cancel()
        return True

    async def run(
        self, model: BaseChatModel, messages: Sequence[BaseMessage], sinks: Sequence[Sink], stats: Stats
    ) -> Reply:
        accumulation = Accumulation()
        self._interrupted = False
        self._task = asyncio.ensure_future(
            astream_answer(model, messages, sinks, stats=stats, accumulation=accumulation)
        )
        try:
            await self._task
            status: Status = "complete"
            error: BaseException | None = None
        except asyncio.CancelledError:
            if not self._interrupted:
                raise
            status, error = "interrupted", None
        except Exception as failure:  # any model or network failure ends the turn, not the chat
            status, error = "failed", failure
        finally:
            self._task = None
        return Reply(accumulation.text(), status, error, stats.last)
