"""What a model said, as events, for every shape LangChain gives it (chunks, final messages, v3 events)."""

from __future__ import annotations

import uuid

from langchain_core.messages import AIMessage, AIMessageChunk

from teleprinter.events import ContentPart, Reasoning, Token, ToolCallDelta
from teleprinter.sources.content import ModelRun, message_events, protocol_events

RUN = uuid.uuid4()


def kinds(events: list[object]) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for e in events:
        if isinstance(e, (Token, Reasoning)):
            out.append((type(e).__name__, e.text))
        elif isinstance(e, ToolCallDelta):
            out.append(("ToolCallDelta", (e.call_id, e.name, e.args, e.index)))
        elif isinstance(e, ContentPart):
            out.append(("ContentPart", e.block["type"]))
    return out


def test_reasoning_from_every_place_providers_put_it() -> None:
    run = ModelRun()
    chunks = [
        AIMessageChunk(content="", additional_kwargs={"reasoning_content": "vllm "}),  # DeepSeek, vLLM
        AIMessageChunk(content=[{"type": "thinking", "thinking": "anthropic "}]),
        AIMessageChunk(content=[{"type": "reasoning", "summary": [{"type": "summary_text", "text": "openai "}]}]),
        AIMessageChunk(content="", additional_kwargs={"reasoning": {"summary": [{"text": "responses"}]}}),
    ]
    events = [e for chunk in chunks for e in message_events(run, RUN, chunk, 0.0)]
    assert kinds(events) == [
        ("Reasoning", "vllm "), ("Reasoning", "anthropic "), ("Reasoning", "openai "), ("Reasoning", "responses")
    ]
    assert [e.index for e in events] == [0, 1, 2, 3]


def test_tool_call_chunks_are_assembled_per_call_by_index() -> None:
    run = ModelRun()
    first = AIMessageChunk(
        content="",
        tool_call_chunks=[
            {"id": "a", "name": "search", "args": '{"q"', "index": 0},
            {"id": "b", "name": "fetch", "args": "", "index": 1},
        ],
    )
    later = AIMessageChunk(content="", tool_call_chunks=[{"id": None, "name": None, "args": ': "x"}', "index": 0}])
    events = message_events(run, RUN, first, 0.0) + message_events(run, RUN, later, 0.0)
    assert kinds(events) == [
        ("ToolCallDelta", ("a", "search", '{"q"', 0)),
        ("ToolCallDelta", ("b", "fetch", "", 1)),
        ("ToolCallDelta", ("a", "search", ': "x"}', 0)),
    ]


def test_a_finished_message_gives_text_reasoning_parts_and_whole_tool_calls() -> None:
    message = AIMessage(
        content=[
            {"type": "reasoning", "reasoning": "hmm"},
            "Here ",
            {"type": "text", "text": "it is."},
            {"type": "image", "url": "https://example.invalid/a.png"},
        ],
        tool_calls=[{"id": "c", "name": "add", "args": {"a": 1}}],
        invalid_tool_calls=[{"id": "d", "name": "bad", "args": "{oops", "error": None}],
    )
    events = message_events(ModelRun(), RUN, message, 0.0, final=True)
    assert kinds(events) == [
        ("Reasoning", "hmm"),
        ("Token", "Here it is."),
        ("ContentPart", "image"),
        ("ToolCallDelta", ("c", "add", '{"a": 1}', 0)),
        ("ToolCallDelta", ("d", "bad", "{oops", 1)),
    ]


def test_v3_protocol_events() -> None:
    run = ModelRun()
    stream = [
        {"event": "message-start", "role": "ai", "id": "x"},
        {"event": "content-block-start", "index": 0, "content": {"type": "reasoning", "reasoning": ""}},
        {"event": "content-block-delta", "index": 0, "delta": {"type": "reasoning-delta", "reasoning": "think"}},
        {"event": "content-block-start", "index": 1, "content": {"type": "text", "text": ""}},
        {"event": "content-block-delta", "index": 1, "delta": {"type": "text-delta", "text": "Hi"}},
        {"event": "content-block-start", "index": 2, "content": {"type": "tool_call_chunk", "id": "t", "name": "f"}},
        {"event": "content-block-delta", "index": 2, "delta": {"type": "tool-call-delta", "args": "{}"}},
        {"event": "content-block-finish", "index": 2, "content": {"type": "tool_call", "id": "t", "name": "f"}},
        {"event": "content-block-start", "index": 3, "content": {"type": "image", "url": "u"}},
        {"event": "content-block-finish", "index": 4, "content": {"type": "tool_call", "id": "u", "name": "g"}},
        {"event": "message-finish"},
    ]
    events = [e for item in stream for e in protocol_events(run, RUN, item, 0.0)]
    assert kinds(events) == [
        ("Reasoning", "think"),
        ("Token", "Hi"),
        ("ToolCallDelta", ("t", "f", "", 0)),
        ("ToolCallDelta", ("t", "f", "{}", 0)),
        ("ContentPart", "image"),
        ("ToolCallDelta", ("u", "g", "{}", 1)),  # finished without having streamed: given whole
    ]
