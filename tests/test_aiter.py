"""The async iterator bridge ends on every path: success, model failure (also before start), cancel, early stop."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

import pytest
from langchain_core.runnables import RunnableLambda

from teleprinter import AsyncIteratorHandler, ReplayChatModel
from teleprinter.errors import ProviderError
from teleprinter.events import Event, RunEnded, RunFailed, RunStarted, Token

BOUND = 5.0  # generous upper bound: a hang fails the test instead of freezing the suite


def echo_model(**kwargs: Any) -> ReplayChatModel:
    return ReplayChatModel(responder=lambda messages: f"answer to {messages[-1].text} " * 3, **kwargs)


async def settle() -> None:
    """Wait (at most BOUND) until no task but the test's own is left running."""
    test = asyncio.current_task()

    async def others_done() -> None:
        waiter = asyncio.current_task()
        while [t for t in asyncio.all_tasks() if t not in (test, waiter) and not t.done()]:
            await asyncio.sleep(0.001)

    await asyncio.wait_for(others_done(), BOUND)


async def collect(iterator: Any) -> list[Any]:
    return [item async for item in iterator]


async def test_tokens_yields_the_answer_text() -> None:
    handler = AsyncIteratorHandler()
    texts = await asyncio.wait_for(collect(handler.tokens(echo_model(), "q")), BOUND)
    assert "".join(texts) == "answer to q " * 3


async def test_a_failing_model_ends_the_iteration_with_its_exception() -> None:
    handler = AsyncIteratorHandler()
    seen: list[Event] = []

    async def consume() -> None:
        async for event in handler.events(ReplayChatModel.from_text("a b c d", fail_after=2), "q"):
            seen.append(event)

    with pytest.raises(ProviderError, match="told to fail"):
        await asyncio.wait_for(consume(), 1.0)
    assert [type(e) for e in seen] == [RunStarted, Token, Token, RunFailed]


async def test_a_run_failing_before_the_model_starts_ends_the_iteration_too() -> None:
    """LangChain's AsyncIteratorCallbackHandler waits forever here: no on_llm_* callback ever fires."""
    handler = AsyncIteratorHandler()

    def broken(_: Any) -> Any:
        raise ValueError("the prompt template broke")

    chain = RunnableLambda(broken) | echo_model()
    with pytest.raises(ValueError, match="template broke"):
        await asyncio.wait_for(collect(handler.events(chain, "q")), 1.0)


async def test_invalid_model_input_fails_before_start_and_still_ends() -> None:
    handler = AsyncIteratorHandler()
    with pytest.raises(ValueError):
        await asyncio.wait_for(collect(handler.events(echo_model(), object())), 1.0)


async def test_stopping_early_cancels_the_run_it_started() -> None:
    handler = AsyncIteratorHandler()
    model = ReplayChatModel.from_text(" ".join(["word"] * 5000), delay=0.005)
    got = 0
    async for _text in handler.tokens(model, "q"):
        got += 1
        if got == 3:
            break
    assert got == 3
    await settle()


async def test_cancelling_the_consumer_cancels_the_run() -> None:
    handler = AsyncIteratorHandler()
    model = ReplayChatModel.from_text(" ".join(["word"] * 5000), delay=0.005)
    first = asyncio.Event()

    async def consume() -> None:
        async for _text in handler.tokens(model, "q"):
            first.set()

    consumer = asyncio.create_task(consume())
    await asyncio.wait_for(first.wait(), BOUND)
    consumer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await consumer
    await settle()


async def test_a_cancelled_run_ends_the_iteration_quietly() -> None:
    handler = AsyncIteratorHandler()
    model = ReplayChatModel.from_text(" ".join(["word"] * 5000), delay=0.005)
    run_id = uuid4()

    async def drive() -> None:
        async for _ in model.astream("q", config={"callbacks": [handler], "run_id": run_id}):
            pass

    task = asyncio.create_task(drive())
    tokens = 0
    async for event in handler.follow(task, run_id=run_id):
        tokens += isinstance(event, Token)
        if tokens == 2:
            task.cancel()
    assert tokens >= 2 and task.cancelled()


async def test_one_handler_keeps_concurrent_runs_apart() -> None:
    handler = AsyncIteratorHandler()
    model = echo_model(delays=[0.001])

    async def one(prompt: str) -> str:
        return "".join(await collect(handler.tokens(model, prompt)))

    prompts = [f"q{n}" for n in range(20)]
    answers = await asyncio.wait_for(asyncio.gather(*(one(p) for p in prompts)), BOUND)
    assert answers == [f"answer to {p} " * 3 for p in prompts]


async def test_follow_separates_runs_started_by_the_caller() -> None:
    handler = AsyncIteratorHandler()
    model = echo_model(delays=[0.001])
    ids = [uuid4(), uuid4()]
    tasks = [
        asyncio.create_task(model.ainvoke(f"p{n}", {"callbacks": [handler], "run_id": ids[n]}, stream=True))  # type: ignore[call-arg]
        for n in range(2)
    ]
    results = await asyncio.wait_for(
        asyncio.gather(*(collect(handler.follow(tasks[n], run_id=ids[n])) for n in range(2))), BOUND
    )
    for n, events in enumerate(results):
        assert {e.run_id for e in events} == {ids[n]}
        assert "".join(e.text for e in events if isinstance(e, Token)) == f"answer to p{n} " * 3
        assert isinstance(events[-1], RunEnded)


async def test_callbacks_fired_on_a_worker_thread_reach_the_iterator() -> None:
    handler = AsyncIteratorHandler()
    model = echo_model()
    run_id = uuid4()
    work = asyncio.to_thread(model.invoke, "t", {"callbacks": [handler], "run_id": run_id}, stream=True)
    events = await asyncio.wait_for(collect(handler.follow(work, run_id=run_id)), BOUND)
    assert "".join(e.text for e in events if isinstance(e, Token)) == "answer to t " * 3


async def test_other_sinks_of_the_bridge_see_every_run() -> None:
    from teleprinter import Accumulation

    accumulation = Accumulation()
    handler = AsyncIteratorHandler(accumulation)
    runs = (collect(handler.tokens(echo_model(), prompt)) for prompt in "ab")
    await asyncio.wait_for(asyncio.gather(*runs), BOUND)
    assert sorted(accumulation.text(r) for r in accumulation.run_ids) == ["answer to a " * 3, "answer to b " * 3]
