"""The embedded model is a real streaming LangChain chat model (runs Gemma 3 270M)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk, HumanMessage

from teleprinter import LocalChatModel, TokenAccumulator
from teleprinter.sources.callbacks import AsyncEventCallbackHandler, EventCallbackHandler

pytestmark = pytest.mark.model


class Recorder:
    def __init__(self) -> None:
        self.kinds: list[str] = []
        self.tokens: list[str] = []

    def handle(self, event: Any) -> None:
        self.kinds.append(type(event).__name__)
        if type(event).__name__ == "Token":
            self.tokens.append(event.text)


def _check_order(kinds: list[str]) -> None:
    assert kinds[0] == "RunStarted"
    assert kinds[-1] == "RunEnded"
    assert kinds.count("Token") >= 3, kinds


def test_invoke_with_callbacks_streams_tokens_before_end(local_model: LocalChatModel) -> None:
    sink = Recorder()
    message = local_model.invoke(
        "What is the capital of France?", config={"callbacks": [EventCallbackHandler(sink)]}, stream=True
    )
    _check_order(sink.kinds)
    assert "".join(sink.tokens) == message.content
    assert "Paris" in str(message.content)


def test_stream_yields_chunks_and_marks_the_last_with_usage(local_model: LocalChatModel) -> None:
    chunks = list(local_model.stream([HumanMessage("What is the capital of France?")]))
    texts = [c.content for c in chunks if c.content]
    assert len(texts) >= 3
    last = chunks[-1]
    assert isinstance(last, AIMessageChunk)
    assert last.chunk_position == "last"
    assert last.usage_metadata is not None
    assert last.usage_metadata["input_tokens"] > 5
    assert last.usage_metadata["output_tokens"] >= len(texts) - 1


async def test_astream_delivers_tokens_while_the_loop_stays_free(local_model: LocalChatModel) -> None:
    ticks = 0
    arrivals: list[int] = []

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    task = asyncio.create_task(ticker())
    try:
        async for chunk in local_model.astream("What is the capital of France?"):
            if chunk.content:
                arrivals.append(ticks)
    finally:
        task.cancel()
    assert len(arrivals) >= 3
    # the event loop kept running between tokens: the ticker advanced while tokens came in
    assert arrivals[-1] > arrivals[0]


async def test_ainvoke_fires_async_handlers_token_by_token(local_model: LocalChatModel) -> None:
    sink = Recorder()
    accumulator = TokenAccumulator()
    message = await local_model.ainvoke(
        "What is the capital of France?",
        config={"callbacks": [AsyncEventCallbackHandler(sink), accumulator]},
        stream=True,
    )
    _check_order(sink.kinds)
    assert accumulator.get_text() == message.content


def test_stop_sequence_is_honoured(local_model: LocalChatModel) -> None:
    question = "What is the capital of France?"
    assert "Paris" in str(local_model.invoke(question).content)
    cut = str(local_model.invoke(question, stop=["Paris"]).content)
    assert cut and "Paris" not in cut
    assert str(local_model.invoke(question).content).startswith(cut.strip())


def test_max_tokens_bounds_the_answer(local_model: LocalChatModel) -> None:
    message = local_model.invoke("Write a long story about a dragon.", max_tokens=5)
    assert message.usage_metadata is not None
    assert 1 <= message.usage_metadata["output_tokens"] <= 6


async def test_consumer_stopping_early_frees_the_model(local_model: LocalChatModel) -> None:
    async for chunk in local_model.astream("Write a long story about a dragon."):
        if chunk.content:
            break
    # the model lock was released: a second call completes normally
    again = await local_model.ainvoke("What is the capital of France?")
    assert "Paris" in str(again.content)
