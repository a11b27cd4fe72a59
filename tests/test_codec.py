"""The wire format: every event kind survives encode -> JSON -> decode unchanged."""

from __future__ import annotations

import json
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teleprinter import codec
from teleprinter.events import (
    ContentPart,
    Custom,
    NodeEnded,
    NodeStarted,
    Reasoning,
    RunEnded,
    RunFailed,
    RunStarted,
    Token,
    ToolCallDelta,
    ToolEnded,
    ToolStarted,
)

RUN = uuid4()
PARENT = uuid4()

EVENTS = [
    RunStarted(RUN, "gemma", PARENT, ("seq:step:1", "nostream"), 1.5, "answer", ("agent:1", "inner:2"), True),
    Token(RUN, "Hel", 3, 1.5),
    Reasoning(RUN, "Let me think", 0, 1.5),
    ToolCallDelta(RUN, "call_1", "search", '{"q": "pa', 1, 1.5),
    ContentPart(RUN, {"type": "image", "url": "https://example.test/a.png"}, 1.5),
    Custom(RUN, "", {"progress": 0.5}, 1.5, "router", ("agent:1",)),
    Custom(RUN, "status", "retrieving", 1.5),
    RunEnded(RUN, {"input_tokens": 3, "output_tokens": 5}, "length", 1.5),
    ToolStarted(RUN, "calculator", {"expression": "17 * 23"}, PARENT, "call_1", 1.5, "tools", ()),
    ToolEnded(RUN, "391", None, 0.25, 1.5),
    ToolEnded(RUN, None, "division by zero", 0.0, 1.5),
    NodeStarted(RUN, "retrieve", ("agent:1",), PARENT, 1.5),
    NodeEnded(RUN, "retrieve", ("agent:1",), {"docs": ["a", "b"]}, None, 0.4, 1.5),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_every_kind_round_trips_through_json(event: object) -> None:
    line = codec.dumps(codec.encode(event))  # type: ignore[arg-type]
    assert codec.decode(json.loads(line), 1.5) == event


def test_a_failure_keeps_its_message_and_interruption_and_redacts() -> None:
    record = codec.encode(
        RunFailed(RUN, ValueError("bad key sk-123"), True), redact=lambda s: s.replace("sk-123", "****")
    )
    back = codec.decode(json.loads(codec.dumps(record)))
    assert isinstance(back, RunFailed)
    assert str(back.error) == "bad key ****" and back.interrupted


def test_format_1_records_without_new_fields_still_decode() -> None:
    old = {"event": "start", "t": 0.0, "model": "replay", "run_id": str(RUN)}
    assert codec.decode(old) == RunStarted(RUN, "replay")
    assert codec.decode({"event": "token", "text": "x", "run_id": str(RUN)}) == Token(RUN, "x")


@pytest.mark.parametrize(
    "record",
    [
        {"event": "nope"},
        {"text": "x"},
        {"event": "token", "text": 5},
        {"event": "tool_start"},
        {"event": "start", "run_id": "zz"},
    ],
)
def test_unreadable_objects_raise_codec_error(record: dict[str, object]) -> None:
    with pytest.raises(codec.CodecError):
        codec.decode(record)


def test_payloads_json_cannot_hold_become_plain() -> None:
    from langchain_core.messages import AIMessage

    record = codec.encode(NodeEnded(RUN, "n", update={"messages": [AIMessage("hi")], "id": UUID(int=1)}))
    data = json.loads(codec.dumps(record))
    assert data["update"]["messages"][0]["content"] == "hi"
    assert data["update"]["id"] == str(UUID(int=1))


@given(st.text(), st.integers(min_value=0, max_value=10**6))
def test_any_text_round_trips(text: str, index: int) -> None:
    for event in (Token(RUN, text, index), Reasoning(RUN, text, index)):
        assert codec.decode(json.loads(codec.dumps(codec.encode(event)))) == event
