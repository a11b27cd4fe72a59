"""Every answer reaches handlers exactly once: non-streaming runs at their end, v3 runs via protocol events.

LangChain's ``invoke`` streams through callbacks only with ``streaming=True`` (or a streaming
tracer); under v3 core fires ``on_stream_event`` and no ``on_llm_new_token`` for models whose
``_stream`` does not. Teleprinter's own models fire tokens exactly when v3 hands them a run
manager, and its handlers take protocol events only for runs that fire no tokens.
"""

from __future__ import annotations

import asyncio
import io
import warnings
from typing import Any

import pytest
from langchain_core._api.beta_decorator import LangChainBetaWarning
from langchain_core.callbacks import BaseCallbackHandler

import teleprinter
from teleprinter import EventCallbackHandler, ReplayChatModel, StreamingStdOutCallbackHandler
from teleprinter.events import Event, Token
from tests.agent_graph import ScriptedChatModel, build

ANSWER = "Exactly once, whichever way the model is called."


class RawTokens(BaseCallbackHandler):
    """What LangChain hands any ordinary handler: the ``on_llm_new_token`` texts."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def on_llm_new_token(self, token: Any, **kwargs: Any) -> None:
        if token:
            self.texts.append(str(token))


class Collect:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def handle(self, event: Event) -> None:
        self.events.append(event)

    @property
    def text(self) -> str:
        return "".join(e.text for e in self.events if isinstance(e, Token))


def v3(model: Any, config: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LangChainBetaWarning)
        for _ in model.stream_events("hi", config, version="v3"):
            pass


def v3_async(model: Any, config: dict[str, Any]) -> None:
    async def go() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LangChainBetaWarning)
            run = await model.astream_events("hi", config, version="v3")
        async for _ in run:
            pass

    asyncio.run(go())


def v2(model: Any, config: dict[str, Any]) -> None:
    async def go() -> None:
        async for _ in model.astream_events("hi", config, version="v2"):
            pass

    asyncio.run(go())


CALLS = {
    "invoke": lambda m, c: m.invoke("hi", c),
    "invoke streaming": lambda m, c: m.model_copy(update={"streaming": True}).invoke("hi", c),
    "stream": lambda m, c: list(m.stream("hi", c)),
    "astream_events v2": v2,
    "stream_events v3": v3,
    "astream_events v3": v3_async,
}


@pytest.mark.parametrize("call", CALLS)
def test_replay_model_tokens_reach_any_handler_exactly_once(call: str) -> None:
    raw, sink = RawTokens(), Collect()
    CALLS[call](ReplayChatModel.from_text(ANSWER), {"callbacks": [raw, EventCallbackHandler(sink)]})
    assert sink.text == ANSWER
    if call == "invoke":
        assert raw.texts == []  # LangChain's rule: invoke without streaming=True does not stream
    else:
        assert "".join(raw.texts) == ANSWER


@pytest.mark.parametrize("call", ["stream_events v3", "astream_events v3"])
def test_a_model_that_fires_no_tokens_is_read_from_v3_protocol_events(call: str) -> None:
    model = ScriptedChatModel(script=[{"content": "Proto"}, {"content": "col."}])
    raw, sink = RawTokens(), Collect()
    CALLS[call](model, {"callbacks": [raw, EventCallbackHandler(sink)]})
    assert raw.texts == []
    assert sink.text == "Protocol."


@pytest.mark.parametrize("streaming", [False, True])
def test_seed_handler_prints_a_non_streaming_answer_exactly_once(streaming: bool) -> None:
    out = io.StringIO()
    handler = StreamingStdOutCallbackHandler(stream=out)
    ReplayChatModel.from_text(ANSWER, streaming=streaming).invoke("hi", config={"callbacks": [handler]})
    assert out.getvalue() == ANSWER
    assert handler.tokens_seen >= 1


def test_seed_handler_prints_a_disabled_streaming_model_once() -> None:
    out = io.StringIO()
    handler = StreamingStdOutCallbackHandler(stream=out)
    model = ReplayChatModel.from_text(ANSWER, disable_streaming=True)
    for _ in model.stream("hi", config={"callbacks": [handler]}):
        pass
    assert out.getvalue() == ANSWER


def test_seed_handler_prints_a_graphs_visible_answers_once() -> None:
    out = io.StringIO()
    handler = StreamingStdOutCallbackHandler(stream=out)
    build().invoke({"messages": [("human", "What is 17 * 23?")]}, {"callbacks": [handler]})
    text = out.getvalue()
    assert text.count("17 * 23 = 391.") == 1 and text.count("Let me compute.") == 1
    assert "ROUTE" not in text  # the nostream classifier is not the answer


def test_iterator_bridge_tokens_of_a_graph() -> None:
    async def go() -> list[str]:
        return [t async for t in teleprinter.AsyncIteratorHandler().tokens(build(), {"messages": [("human", "q")]})]

    texts = asyncio.run(go())
    assert len(texts) > 3  # streamed token by token: LangGraph's messages handler is a streaming tracer
    # the parallel answers may interleave: every character of the visible answers, once, and no hidden text
    assert sorted("".join(texts)) == sorted("Let me compute. 17 * 23 = 391.Multiplied two numbers.")


def test_teleprinter_stream_v3_on_the_replay_model_gives_the_full_text() -> None:
    events = list(teleprinter.stream(ReplayChatModel.from_text(ANSWER), "hi", version="v3"))
    assert "".join(e.text for e in events if isinstance(e, Token)) == ANSWER
    assert type(events[0]).__name__ == "RunStarted" and type(events[-1]).__name__ == "RunEnded"


@pytest.mark.model
def test_the_embedded_model_gives_its_full_text_exactly_once_under_v3_and_the_other_paths() -> None:
    from teleprinter import LocalChatModel

    model = LocalChatModel(max_tokens=8, temperature=0.0)
    raw = RawTokens()
    events = list(teleprinter.stream(model, "Name a colour.", {"callbacks": [raw]}, version="v3"))
    text = "".join(e.text for e in events if isinstance(e, Token))
    assert text.strip() and text == "".join(raw.texts)
    for call in ("invoke streaming", "stream", "stream_events v3"):  # the same greedy answer, once each way
        raw, sink = RawTokens(), Collect()
        CALLS[call](model, {"callbacks": [raw, EventCallbackHandler(sink)]})
        assert sink.text == "".join(raw.texts) and sink.text.strip(), call
