"""What a model run says, as events: message chunks, finished messages and v3 protocol events.

Shared by every source (callbacks, ``astream_events``, LangGraph stream modes), so the same
chunk gives the same :class:`Token` / :class:`Reasoning` / :class:`ToolCallDelta` /
:class:`ContentPart` whichever surface delivered it. Where each piece lives in LangChain:

* text: a string ``content``, or ``{"type": "text"}`` blocks (and bare strings) of a content list;
* reasoning: ``{"type": "reasoning"}`` blocks (``reasoning`` text, or an OpenAI ``summary`` list),
  Anthropic ``{"type": "thinking"}`` blocks, ``additional_kwargs["reasoning_content"]`` (DeepSeek,
  vLLM and other OpenAI-compatible servers) and ``additional_kwargs["reasoning"]`` summaries;
* tool calls: ``tool_call_chunks`` while streaming (id and name only on a call's first chunk,
  later chunks carry its ``index``), ``tool_calls`` / ``invalid_tool_calls`` on a finished message;
* v3 protocol (``on_stream_event``): ``content-block-start/delta/finish`` events whose deltas are
  ``text-delta``, ``reasoning-delta`` and ``tool-call-delta``.

Anything else in a content list (images, citations, provider blocks) becomes a ``ContentPart``.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from teleprinter.events import ContentPart, Event, Reasoning, Token, ToolCallDelta

_TEXT = "text"
_new = tuple.__new__
"""Builds a per-chunk NamedTuple from all its fields without the Python-level ``__new__`` (0.2 µs, not 0.7)."""
_SKIPPED_BLOCKS = frozenset({"tool_call_chunk", "tool_call", "invalid_tool_call", "server_tool_call_chunk"})


class ModelRun:
    """Per-run bookkeeping of one model run: counters and the tool calls seen so far.

    ``streamed`` turns true with the first answer event, so a run that never streamed can
    give its final message at the end (and a run that did never gives it twice);
    ``protocol`` is true when v3 ``on_stream_event`` feeds the run, so ``on_llm_new_token``
    for the same chunks is ignored (and the other way round).
    """

    __slots__ = ("blocks", "calls", "ids", "protocol", "reasoning", "streamed", "tokened", "tokens")

    def __init__(self) -> None:
        self.tokens = 0
        self.reasoning = 0
        self.streamed = False
        self.protocol = False
        self.tokened = False
        self.calls: dict[Any, tuple[str, str, int]] = {}  # chunk index (or id) -> (id, name, position)
        self.ids: set[str] = set()
        self.blocks: dict[int, str] = {}  # v3 block index -> block type

    def token(self, run_id: UUID, text: str, now: float) -> Token:
        index = self.tokens
        self.tokens = index + 1
        self.streamed = True
        return _new(Token, (run_id, text, index, now, ()))

    def thought(self, run_id: UUID, text: str, now: float) -> Reasoning:
        index = self.reasoning
        self.reasoning = index + 1
        self.streamed = True
        return _new(Reasoning, (run_id, text, index, now))

    def call(
        self, run_id: UUID, key: Any, call_id: str | None, name: str | None, args: str, now: float
    ) -> ToolCallDelta:
        """A delta of the call known by ``key``; ``call_id``/``name`` given on its first chunk."""
        known = self.calls.get(key)
        if known is None or (call_id and call_id != known[0]):
            position = len(self.calls)
            known = (call_id or f"call_{position}", name or "", position)
            self.calls[key] = known
            self.ids.add(known[0])
        elif name and not known[1]:
            known = self.calls[key] = (known[0], name, known[2])
        self.streamed = True
        return ToolCallDelta(run_id, known[0], known[1], args, known[2], now)

    def part(self, run_id: UUID, block: Any, now: float) -> ContentPart:
        self.streamed = True
        return ContentPart(run_id, block, now)


def content_text(content: Any) -> str:
    """Text of a message's content: a string, or the text blocks of a content list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            block if isinstance(block, str) else str(block.get("text", ""))
            for block in content
            if isinstance(block, str) or (isinstance(block, dict) and block.get("type") == _TEXT)
        )
    return ""


def reasoning_text(block: dict[str, Any]) -> str:
    """Reasoning text of a ``reasoning``/``thinking`` block or an OpenAI reasoning item."""
    for key in ("reasoning", "thinking", "text"):
        value = block.get(key)
        if isinstance(value, str) and value:
            return value
    summary = block.get("summary")
    if isinstance(summary, list):
        return "".join(str(item.get("text", "")) for item in summary if isinstance(item, dict))
    return ""


def message_events(run: ModelRun, run_id: UUID, message: Any, now: float, *, final: bool = False) -> list[Event]:
    """Events of one message chunk (or, with ``final``, of a finished message), in content order.

    A chunk's text comes out as one :class:`Token`; reasoning before it, other blocks after it,
    then the tool calls. ``final`` reads ``tool_calls``/``invalid_tool_calls`` (arguments as JSON
    text) instead of ``tool_call_chunks``.
    """
    events: list[Event] = []
    extra = getattr(message, "additional_kwargs", None)
    if extra:
        for key in ("reasoning_content", "reasoning"):
            value = extra.get(key)
            thought = value if isinstance(value, str) else reasoning_text(value) if isinstance(value, dict) else ""
            if thought:
                events.append(run.thought(run_id, thought, now))
    content = getattr(message, "content", "")
    if type(content) is str:  # the common shape: no blocks to sort
        if content:
            events.append(run.token(run_id, content, now))
        if final or getattr(message, "tool_call_chunks", None):
            events.extend(_tool_calls(run, run_id, message, now, final))
        return events
    texts: list[str] = []
    parts: list[Any] = []
    if isinstance(content, list):
        for block in content:
            _sort_block(run, run_id, block, now, texts, parts, events)
    text = "".join(texts)
    if text:
        events.append(run.token(run_id, text, now))
    events.extend(run.part(run_id, block, now) for block in parts)
    events.extend(_tool_calls(run, run_id, message, now, final))
    return events


def _sort_block(
    run: ModelRun, run_id: UUID, block: Any, now: float, texts: list[str], parts: list[Any], events: list[Event]
) -> None:
    if isinstance(block, str):
        texts.append(block)
        return
    if not isinstance(block, dict):
        parts.append(block)
        return
    kind = block.get("type")
    if kind == _TEXT:
        texts.append(str(block.get("text") or ""))
    elif kind in ("reasoning", "thinking"):
        thought = reasoning_text(block)
        if thought:
            events.append(run.thought(run_id, thought, now))
    elif kind not in _SKIPPED_BLOCKS:
        parts.append(block)


def _tool_calls(run: ModelRun, run_id: UUID, message: Any, now: float, final: bool) -> list[Event]:
    events: list[Event] = []
    if not final:
        for chunk in getattr(message, "tool_call_chunks", None) or ():
            key = chunk.get("index")
            key = chunk.get("id") if key is None else key
            events.append(run.call(run_id, key, chunk.get("id"), chunk.get("name"), chunk.get("args") or "", now))
        return events
    for position, call in enumerate(getattr(message, "tool_calls", None) or ()):
        args = json.dumps(call.get("args") or {}, ensure_ascii=False)
        events.append(run.call(run_id, ("final", position), call.get("id"), call.get("name"), args, now))
    for position, call in enumerate(getattr(message, "invalid_tool_calls", None) or ()):
        raw = call.get("args")
        events.append(run.call(run_id, ("invalid", position), call.get("id"), call.get("name"), str(raw or ""), now))
    return events


def protocol_events(run: ModelRun, run_id: UUID, event: Any, now: float) -> list[Event]:
    """Events of one v3 protocol event (``on_stream_event``'s ``MessagesData``)."""
    kind = event.get("event") if isinstance(event, dict) else None
    if kind == "content-block-delta":
        return _delta(run, run_id, event.get("index", 0), event.get("delta") or {}, now)
    if kind == "content-block-start":
        return _block_start(run, run_id, event.get("index", 0), event.get("content") or {}, now)
    if kind == "content-block-finish":
        return _block_finish(run, run_id, event.get("index", 0), event.get("content") or {}, now)
    return []


def _delta(run: ModelRun, run_id: UUID, index: int, delta: dict[str, Any], now: float) -> list[Event]:
    kind = delta.get("type")
    if kind == "text-delta":
        text = delta.get("text") or ""
        return [run.token(run_id, text, now)] if text else []
    if kind == "reasoning-delta":
        thought = delta.get("reasoning") or ""
        return [run.thought(run_id, thought, now)] if thought else []
    if kind == "tool-call-delta":
        return [run.call(run_id, ("block", index), None, None, delta.get("args") or "", now)]
    return []


def _block_start(run: ModelRun, run_id: UUID, index: int, block: dict[str, Any], now: float) -> list[Event]:
    kind = str(block.get("type") or "")
    run.blocks[index] = kind
    if kind == _TEXT:
        text = block.get("text") or ""
        return [run.token(run_id, text, now)] if text else []
    if kind in ("reasoning", "thinking"):
        thought = reasoning_text(block)
        return [run.thought(run_id, thought, now)] if thought else []
    if kind in ("tool_call_chunk", "tool_call"):
        args = block.get("args")
        text = args if isinstance(args, str) else json.dumps(args, ensure_ascii=False) if args else ""
        return [run.call(run_id, ("block", index), block.get("id"), block.get("name"), text, now)]
    if kind in _SKIPPED_BLOCKS:
        return []
    return [run.part(run_id, block, now)]


def _block_finish(run: ModelRun, run_id: UUID, index: int, block: dict[str, Any], now: float) -> list[Event]:
    """A finished tool call whose block never started or streamed on its own: the whole call."""
    call_id = block.get("id")
    if block.get("type") not in ("tool_call", "invalid_tool_call") or not call_id or call_id in run.ids:
        return []
    if ("block", index) in run.calls and run.blocks.get(index) in ("tool_call_chunk", "tool_call"):
        return []
    args = block.get("args")
    text = args if isinstance(args, str) else json.dumps(args or {}, ensure_ascii=False)
    return [run.call(run_id, ("finish", call_id), call_id, block.get("name"), text, now)]
