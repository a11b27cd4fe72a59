"""Every source gives the same events: callbacks, ``teleprinter.stream``/``astream`` and the iterator bridge."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import adispatch_custom_event, dispatch_custom_event
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda

import teleprinter
from teleprinter import AsyncEventCallbackHandler, EventCallbackHandler, ReplayChatModel
from teleprinter.errors import ProviderError
from teleprinter.events import (
    ContentPart,
    Custom,
    Event,
    Reasoning,
    RunEnded,
    RunFailed,
    RunStarted,
    Token,
    ToolCallDelta,
)
from teleprinter.sinks.record import Recorder
from teleprinter.sinks.status import CustomStatus
from teleprinter.sources.runnable import StreamEventTranslator

ANSWER = "Streaming, token by token:\nüñïcödé 中文 and emoji 👩‍👩‍👧 too."


class Collect:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def handle(self, event: Event) -> None:
        self.events.append(event)


def shape(events: Sequence[Event]) -> list[tuple[str, str]]:
    """Kinds and texts: what must be identical whichever source produced the events."""
    return [(type(e).__name__, e.text if isinstance(e, Token) else "") for e in events]


def model(text: str = ANSWER, **kwargs: Any) -> ReplayChatModel:
    return ReplayChatModel.from_text(text, **kwargs)


def via_callbacks_stream(m: BaseChatModel, out: list[Event]) -> None:
    for _ in m.stream("hi", config={"callbacks": [EventCallbackHandler(Sink(out))]}):
        pass


def via_callbacks_astream(m: BaseChatModel, out: list[Event]) -> None:
    async def go() -> None:
        async for _ in m.astream("hi", config={"callbacks": [AsyncEventCallbackHandler(Sink(out))]}):
            pass

    asyncio.run(go())


def via_stream(m: BaseChatModel, out: list[Event]) -> None:
    for event in teleprinter.stream(m, "hi"):
        out.append(event)


def via_astream(m: BaseChatModel, out: list[Event]) -> None:
    async def go() -> None:
        async for event in teleprinter.astream(m, "hi"):
            out.append(event)

    asyncio.run(go())


def via_astream_events(m: BaseChatModel, out: list[Event]) -> None:
    """LangChain's own ``astream_events`` loop, each raw event fed through the translator."""

    async def go() -> None:
        translator = StreamEventTranslator()
        try:
            async for raw in m.astream_events("hi", version="v2"):
                out.extend(translator.translate(dict(raw)))
        except Exception as error:
            out.extend(translator.fail_open(error))
            raise

    asyncio.run(go())


def via_iterator_bridge(m: BaseChatModel, out: list[Event]) -> None:
    async def go() -> None:
        async for event in teleprinter.AsyncIteratorHandler().events(m, "hi"):
            out.append(event)

    asyncio.run(go())


class Sink:
    def __init__(self, out: list[Event]) -> None:
        self.out = out

    def handle(self, event: Event) -> None:
        self.out.append(event)


def run(source: Any, m: BaseChatModel) -> list[Event]:
    out: list[Event] = []
    source(m, out)
    return out


SOURCES = [
    via_callbacks_stream,
    via_callbacks_astream,
    via_stream,
    via_astream,
    via_astream_events,
    via_iterator_bridge,
]


def test_every_source_gives_the_same_event_sequence() -> None:
    expected = run(via_callbacks_stream, model())
    assert expected[0].__class__ is RunStarted and expected[-1].__class__ is RunEnded
    assert "".join(e.text for e in expected if isinstance(e, Token)) == ANSWER
    for source in SOURCES[1:]:
        assert shape(run(source, model())) == shape(expected), source.__name__


@pytest.mark.parametrize("source", SOURCES, ids=lambda f: f.__name__)
def test_each_source_reports_usage_finish_reason_and_one_run_id(source: Any) -> None:
    events = run(source, model(usage={"input_tokens": 3, "output_tokens": 9, "total_tokens": 12}))
    assert len({e.run_id for e in events}) == 1
    end = events[-1]
    assert isinstance(end, RunEnded)
    assert end.usage is not None and end.usage["output_tokens"] == 9
    assert end.finish_reason == "stop"
    assert [e.index for e in events if isinstance(e, Token)] == list(range(sum(isinstance(e, Token) for e in events)))
    started = events[0]
    assert isinstance(started, RunStarted) and started.model == "replay"


@pytest.mark.parametrize("source", SOURCES, ids=lambda f: f.__name__)
def test_a_failing_model_gives_run_failed_after_its_partial_tokens(source: Any) -> None:
    events: list[Event] = []
    with pytest.raises(ProviderError, match="told to fail"):
        source(model("one two three four", fail_after=2), events)
    assert shape(events) == [("RunStarted", ""), ("Token", "one"), ("Token", " two"), ("RunFailed", "")]
    failed = events[-1]
    assert isinstance(failed, RunFailed) and isinstance(failed.error, ProviderError) and not failed.interrupted


def test_stream_and_astream_raise_the_models_error_after_run_failed() -> None:
    seen: list[str] = []
    with pytest.raises(ProviderError, match="told to fail"):
        for event in teleprinter.stream(model("a b c", fail_after=1), "hi"):
            seen.append(type(event).__name__)
    assert seen == ["RunStarted", "Token", "RunFailed"]

    async def go() -> list[str]:
        names: list[str] = []
        with pytest.raises(ProviderError):
            async for event in teleprinter.astream(model("a b c", fail_after=1), "hi"):
                names.append(type(event).__name__)
        return names

    assert asyncio.run(go()) == seen


def test_prompt_model_parser_chain_streams_the_model_run_under_its_own_id() -> None:
    chain = ChatPromptTemplate.from_template("Say {what}") | model() | StrOutputParser()
    events = list(teleprinter.stream(chain, {"what": "hello"}))
    starts = [e for e in events if isinstance(e, RunStarted)]
    assert len(starts) == 1
    run_id = starts[0].run_id
    assert starts[0].parent_run_id is not None and starts[0].parent_run_id != run_id  # the sequence
    tokens = [e for e in events if isinstance(e, Token)]
    assert {t.run_id for t in tokens} == {run_id}
    assert "".join(t.text for t in tokens) == ANSWER


def two_model_chain() -> Any:
    first = ReplayChatModel(responder=lambda messages: f"first saw {messages[-1].text}", replay_model_name="m1")
    second = ReplayChatModel(responder=lambda messages: f"second saw {messages[-1].text}", replay_model_name="m2")
    bridge = RunnableLambda(lambda message: [HumanMessage(f"<{message.text}>")])
    return first | bridge | second


def check_two_runs(events: Sequence[Event]) -> None:
    starts = [e for e in events if isinstance(e, RunStarted)]
    assert [s.model for s in starts] == ["m1", "m2"]
    first, second = (s.run_id for s in starts)
    assert first != second

    def text(run_id: UUID) -> str:
        return "".join(e.text for e in events if isinstance(e, Token) and e.run_id == run_id)

    assert text(first) == "first saw question"
    assert text(second) == "second saw <first saw question>"
    ends = [e.run_id for e in events if isinstance(e, RunEnded)]
    assert ends == [first, second]


def test_two_model_chain_keeps_run_ids_apart_in_every_source() -> None:
    check_two_runs(list(teleprinter.stream(two_model_chain(), "question")))
    sink = Collect()
    for _ in two_model_chain().stream("question", config={"callbacks": [EventCallbackHandler(sink)]}):
        pass
    check_two_runs(sink.events)

    async def bridge() -> list[Event]:
        return [e async for e in teleprinter.AsyncIteratorHandler().events(two_model_chain(), "question")]

    check_two_runs(asyncio.run(bridge()))


def test_a_model_invoked_inside_a_lambda_still_streams_through_astream_events() -> None:
    inner = model("inside the lambda")
    chain = RunnableLambda(lambda text: inner.invoke(text))
    events = list(teleprinter.stream(chain, "hi"))
    assert "".join(e.text for e in events if isinstance(e, Token)) == "inside the lambda"
    assert len([e for e in events if isinstance(e, Token)]) == 3


def custom_event_chain() -> Any:
    def prepare(text: str) -> str:
        dispatch_custom_event("progress", {"status": "retrieving documents"})
        return text

    async def check(message: BaseMessage) -> str:
        await adispatch_custom_event("progress", {"status": "checking the answer"})
        return message.text

    return RunnableLambda(prepare) | model("The answer.") | RunnableLambda(check)


def test_custom_events_reach_the_status_line_and_the_recorder_but_not_the_answer() -> None:
    events = list(teleprinter.stream(custom_event_chain(), "hi"))
    customs = [e for e in events if isinstance(e, Custom)]
    assert [(c.name, c.data) for c in customs] == [
        ("progress", {"status": "retrieving documents"}),
        ("progress", {"status": "checking the answer"}),
    ]
    assert "".join(e.text for e in events if isinstance(e, Token)) == "The answer."

    answer, status, record = io.StringIO(), io.StringIO(), io.StringIO()
    sinks = [teleprinter.PlainRenderer(answer), CustomStatus(status), Recorder(record)]
    for event in events:
        for sink in sinks:
            sink.handle(event)
    assert answer.getvalue() == "The answer."
    assert status.getvalue() == "· progress: retrieving documents\n· progress: checking the answer\n"
    recorded = [json.loads(line) for line in record.getvalue().splitlines()]
    assert [r["event"] for r in recorded] == ["custom", "start", "token", "token", "end", "custom"]
    assert recorded[0]["data"] == {"status": "retrieving documents"} and recorded[0]["name"] == "progress"


def test_custom_events_arrive_through_callbacks_too() -> None:
    sink = Collect()

    async def go() -> None:
        await custom_event_chain().ainvoke("hi", config={"callbacks": [EventCallbackHandler(sink)]})

    asyncio.run(go())
    assert [e.data["status"] for e in sink.events if isinstance(e, Custom)] == [
        "retrieving documents",
        "checking the answer",
    ]


def test_stream_can_be_left_early_and_cleans_up_its_worker() -> None:
    import threading

    before = threading.active_count()
    slow = model(" ".join(["word"] * 200), delay=0.01)
    iterator = teleprinter.stream(slow, "hi")
    tokens = 0
    for event in iterator:
        tokens += isinstance(event, Token)
        if tokens == 3:
            break
    iterator.close()
    assert tokens == 3
    assert threading.active_count() <= before


def test_stream_works_inside_a_running_event_loop() -> None:
    async def go() -> str:
        return "".join(e.text for e in teleprinter.stream(model("from sync code"), "hi") if isinstance(e, Token))

    assert asyncio.run(go()) == "from sync code"


def test_a_non_streaming_model_still_gives_its_answer_as_a_token() -> None:
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    class NoStream(FakeListChatModel):
        def _stream(self, *args: Any, **kwargs: Any) -> Any:
            raise NotImplementedError

    silent = NoStream(responses=["whole answer at once"])
    silent.disable_streaming = True
    events = list(teleprinter.stream(silent, "hi"))
    assert shape(events) == [("RunStarted", ""), ("Token", "whole answer at once"), ("RunEnded", "")]


def test_tool_call_chunks_reasoning_and_images_become_their_own_events() -> None:
    from langchain_core.messages import AIMessageChunk

    translator = StreamEventTranslator()
    run_id = "00000000-0000-0000-0000-000000000001"
    translator.translate({"event": "on_chat_model_start", "run_id": run_id, "name": "M", "parent_ids": []})
    image = {"type": "image", "url": "https://example.invalid/cat.png"}
    chunk = AIMessageChunk(
        content=[{"type": "reasoning", "reasoning": "think"}, {"type": "text", "text": "hi"}, image],
        tool_call_chunks=[{"name": "search", "args": "{}", "id": "1", "index": 0}],
    )
    events = translator.translate({"event": "on_chat_model_stream", "run_id": run_id, "data": {"chunk": chunk}})
    assert [type(e).__name__ for e in events] == ["Reasoning", "Token", "ContentPart", "ToolCallDelta"]
    reasoning, token, part, call = events
    assert isinstance(reasoning, Reasoning) and reasoning.text == "think"
    assert isinstance(token, Token) and token.text == "hi" and token.parts == ()
    assert isinstance(part, ContentPart) and part.block == image
    assert isinstance(call, ToolCallDelta) and (call.call_id, call.name, call.args) == ("1", "search", "{}")


def test_custom_events_show_on_the_terminal_status_line() -> None:
    from teleprinter.render.status import StatusLine

    status = StatusLine(clock=lambda: 1.0)
    shown: list[str] = []
    for event in teleprinter.stream(custom_event_chain(), "hi"):
        status.handle(event)
        shown.append(status.text())
    assert any(text.endswith("· progress: retrieving documents") and "waiting" in text for text in shown)
    assert shown[-1].endswith("· progress: checking the answer")
    assert "The answer" not in "".join(shown)


CTRL_C_SCRIPT = """
import sys, threading
import teleprinter
from teleprinter import ReplayChatModel
model = ReplayChatModel.from_text(" ".join(["word"] * 5000), delay=0.01)
try:
    for event in teleprinter.stream(model, "hi"):
        if type(event).__name__ == "Token":
            sys.stdout.write("token\\n")
            sys.stdout.flush()
except KeyboardInterrupt:
    print("interrupted; threads left:", threading.active_count())
"""


def test_ctrl_c_while_streaming_stops_the_worker_thread(tmp_path: Any) -> None:
    import signal
    import subprocess
    import sys

    from tests.conftest import cli_env

    process = subprocess.Popen(
        [sys.executable, "-c", CTRL_C_SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env()
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "token\n"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert out.splitlines()[-1] == "interrupted; threads left: 1"
