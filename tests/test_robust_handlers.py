"""A failing handler or sink never takes the stream down; one handler serves many concurrent runs."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import BaseCallbackHandler

from teleprinter import Accumulation, AsyncEventCallbackHandler, EventCallbackHandler, ReplayChatModel, Stats
from teleprinter.events import Event, Token
from teleprinter.providers.replay import word_pieces

TEXT = "one two three four five six seven"


class Exploding:
    """A sink that fails on every event."""

    def __init__(self) -> None:
        self.calls = 0

    def handle(self, event: Event) -> None:
        self.calls += 1
        raise RuntimeError("sink exploded")


class ExplodingUserHandler(BaseCallbackHandler):
    """A user's LangChain handler that raises on every token."""

    def on_llm_new_token(self, token: Any, **kwargs: Any) -> None:
        raise RuntimeError("user handler exploded")


def model() -> ReplayChatModel:
    return ReplayChatModel.from_text(TEXT)


def test_a_raising_sink_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    bad, good = Exploding(), Accumulation()
    handler = EventCallbackHandler(bad, good)
    with caplog.at_level(logging.ERROR, logger="teleprinter"):
        chunks = [c.text for c in model().stream("hi", config={"callbacks": [handler]})]
    assert "".join(chunks) == TEXT == good.text()
    assert bad.calls == handler.sink_errors == 1 + 7 + 1  # start, seven tokens, end
    failures = [r for r in caplog.records if "failed" in r.getMessage()]
    assert len(failures) == 1  # logged once, counted every time


def test_raise_error_true_re_raises_the_sink_error() -> None:
    handler = EventCallbackHandler(Exploding(), raise_error=True)
    with pytest.raises(RuntimeError, match="sink exploded"):
        for _ in model().stream("hi", config={"callbacks": [handler]}):
            pass


async def test_raise_error_true_re_raises_under_async_runs_too() -> None:
    handler = EventCallbackHandler(Exploding(), raise_error=True)
    with pytest.raises(RuntimeError, match="sink exploded"):
        async for _ in model().astream("hi", config={"callbacks": [handler]}):
            pass


def test_a_raising_user_handler_does_not_stop_teleprinters() -> None:
    good = Accumulation()
    callbacks = [ExplodingUserHandler(), EventCallbackHandler(good), ExplodingUserHandler()]
    chunks = [c.text for c in model().stream("hi", config={"callbacks": callbacks})]
    assert "".join(chunks) == TEXT == good.text()


async def test_a_raising_user_handler_does_not_stop_the_async_handler() -> None:
    good = Accumulation()
    callbacks = [ExplodingUserHandler(), AsyncEventCallbackHandler(good)]
    async for _ in model().astream("hi", config={"callbacks": callbacks}):
        pass
    assert good.text() == TEXT


async def test_sync_handler_runs_inline_on_the_loop_thread_under_async_runs() -> None:
    """No thread-pool hop per token: LangChain calls run_inline handlers directly."""
    threads: set[int] = set()

    class Where:
        def handle(self, event: Event) -> None:
            threads.add(threading.get_ident())

    async for _ in model().astream("hi", config={"callbacks": [EventCallbackHandler(Where())]}):
        pass
    assert threads == {threading.get_ident()}


async def test_fifty_concurrent_runs_through_one_handler_accumulate_correctly() -> None:
    accumulation, stats = Accumulation(), Stats()
    indexes: dict[UUID, list[int]] = {}

    class Indexes:
        def handle(self, event: Event) -> None:
            if isinstance(event, Token):
                indexes.setdefault(event.run_id, []).append(event.index)

    handler = EventCallbackHandler(accumulation, stats, Indexes())
    replay = ReplayChatModel(
        responder=lambda messages: f"reply to {messages[-1].text}: " + "x y z" * 4, delays=[0.0005]
    )
    prompts = [f"prompt {n}" for n in range(50)]

    async def one(prompt: str) -> tuple[str, str]:
        pieces = [chunk.text async for chunk in replay.astream(prompt, config={"callbacks": [handler]})]
        return prompt, "".join(pieces)

    results = await asyncio.gather(*(one(p) for p in prompts))
    assert len(accumulation.run_ids) == 50
    by_text = sorted(accumulation.text(run_id) for run_id in accumulation.run_ids)
    assert by_text == sorted(f"reply to {p}: " + "x y z" * 4 for p in prompts)
    assert sorted(text for _, text in results) == by_text
    assert all(found == list(range(len(found))) for found in indexes.values())
    assert len(stats.runs) == 50
    pieces = len(word_pieces("reply to prompt 1: " + "x y z" * 4))  # 4 + 9, usage from the replay
    assert all(run.output_tokens == run.chunks == pieces and not run.failed for run in stats.runs.values())
    assert stats.total().output_tokens == 50 * pieces
