"""The sync ``teleprinter.stream`` bridge hands each token over while the run waits, not at the end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import Field

import teleprinter
from teleprinter.events import Token


class WaitsForTheReader(BaseChatModel):
    """Streams "one", then waits until the consumer has seen it before streaming "two".

    A bridge that held tokens back until the run ended (or until more piled up) would never
    let the consumer see "one", and the run would wait forever (the test's timeout fails it).
    """

    seen: list[str] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "waits-for-the-reader"

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        raise NotImplementedError

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        raise NotImplementedError

    async def _astream(self, *args: Any, **kwargs: Any) -> AsyncIterator[ChatGenerationChunk]:
        yield ChatGenerationChunk(message=AIMessageChunk(content="one"))
        while "one" not in self.seen:
            await asyncio.sleep(0.001)
        yield ChatGenerationChunk(message=AIMessageChunk(content=" two"))


def test_each_token_reaches_the_sync_consumer_while_the_run_is_still_going() -> None:
    model = WaitsForTheReader(seen=[])
    texts = []
    for event in teleprinter.stream(model, "hi"):
        if isinstance(event, Token):
            texts.append(event.text)
            model.seen.append(event.text)
    assert texts == ["one", " two"]
