"""A scripted agent run on a real LangGraph graph, for comparing every source's events.

The chat models are scripted on purpose (determinism): each streams fixed chunks that carry
reasoning blocks, text and ``tool_call_chunks``. Everything else is real LangGraph: a
``ToolNode`` running a real tool, ``get_stream_writer()``, ``dispatch_custom_event``, a
``nostream`` classifier, two model nodes in parallel, and a subgraph.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Annotated, Any, TypedDict

from langchain_core.callbacks import dispatch_custom_event
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.chat_models import generate_from_stream
from langchain_core.messages import AIMessageChunk, AnyMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.tools import tool
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph, add_messages
from langgraph.prebuilt import ToolNode

from teleprinter.events import (
    Custom,
    Event,
    Reasoning,
    RunStarted,
    Token,
    ToolCallDelta,
    ToolEnded,
    ToolStarted,
)


class ScriptedChatModel(BaseChatModel):
    """Streams ``script``: each item is the keyword arguments of one ``AIMessageChunk``."""

    script: list[dict[str, Any]]
    name_: str = "scripted"

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        return generate_from_stream(self._stream(messages, stop, **kw))

    def _stream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> Iterator[ChatGenerationChunk]:
        for item in self.script:
            yield ChatGenerationChunk(message=AIMessageChunk(**item))


@tool
def multiply(a: int, b: int) -> int:
    """Multiply two whole numbers."""
    return a * b


ROUTER = ScriptedChatModel(
    script=[
        {"content": [{"type": "reasoning", "reasoning": "The question needs "}]},
        {"content": [{"type": "reasoning", "reasoning": "a multiplication."}]},
        {"content": "Let me "},
        {"content": "compute. "},
        {"content": "", "tool_call_chunks": [{"id": "call_1", "name": "multiply", "args": '{"a": 17,', "index": 5}]},
        {"content": "", "tool_call_chunks": [{"id": None, "name": None, "args": ' "b": 23}', "index": 5}]},
    ]
)
CLASSIFIER = ScriptedChatModel(script=[{"content": "ROUTE: "}, {"content": "tool"}]).with_config(tags=["nostream"])
ANSWER = ScriptedChatModel(script=[{"content": "17 * 23 "}, {"content": "= 391."}])
SUMMARY = ScriptedChatModel(script=[{"content": "Multiplied "}, {"content": "two numbers."}])


class State(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]


def agent(state: State) -> dict[str, Any]:
    CLASSIFIER.invoke(state["messages"])
    dispatch_custom_event("progress", {"stage": "routing"})
    get_stream_writer()({"step": "agent"})
    return {"messages": [ROUTER.invoke(state["messages"])]}


def answer(state: State) -> dict[str, Any]:
    return {"messages": [ANSWER.invoke(state["messages"])]}


def summarise(state: State) -> dict[str, Any]:
    get_stream_writer()({"step": "summary"})
    return {"messages": [SUMMARY.invoke(state["messages"])]}


def build() -> Any:
    inner = StateGraph(State)
    inner.add_node("summarise", summarise)
    inner.add_edge(START, "summarise")
    inner.add_edge("summarise", END)
    graph = StateGraph(State)
    graph.add_node("agent", agent)
    graph.add_node("tools", ToolNode([multiply]))
    graph.add_node("answer", answer)
    graph.add_node("summary", inner.compile())
    graph.add_edge(START, "agent")
    graph.add_edge("agent", "tools")
    graph.add_edge("tools", "answer")
    graph.add_edge("tools", "summary")
    graph.add_edge("answer", END)
    graph.add_edge("summary", END)
    return graph.compile()


INPUT = {"messages": [("human", "What is 17 * 23?")]}

EXPECTED_TEXT = {
    ("agent", ()): "Let me compute. ",
    ("answer", ()): "17 * 23 = 391.",
    ("summarise", ("summary",)): "Multiplied two numbers.",
}
EXPECTED_REASONING = "The question needs a multiplication."
EXPECTED_CALLS = {"call_1": ("multiply", {"a": 17, "b": 23})}
EXPECTED_RESULTS = [("multiply", "391")]
WRITER_DATA = [{"step": "agent"}, {"step": "summary"}]
DISPATCHED = [("progress", {"stage": "routing"})]


def summary(events: Sequence[Event]) -> dict[str, Any]:
    """What must match across sources: visible text per (node, subgraph path), reasoning, calls, results, custom."""
    runs: dict[Any, RunStarted] = {}
    text: dict[tuple[str | None, tuple[str, ...]], str] = defaultdict(str)
    reasoning: list[str] = []
    calls: dict[str, list[str]] = {}
    tools: dict[Any, str] = {}
    results: list[tuple[str, str]] = []
    writer: list[Any] = []
    dispatched: list[tuple[str, Any]] = []
    for event in events:
        if isinstance(event, RunStarted):
            runs[event.run_id] = event
        elif isinstance(event, Token):
            start = runs[event.run_id]
            if not start.hidden:
                text[(start.node, tuple(part.split(":")[0] for part in start.namespace))] += event.text
        elif isinstance(event, Reasoning):
            reasoning.append(event.text)
        elif isinstance(event, ToolCallDelta):
            call = calls.setdefault(event.call_id, [event.name, ""])
            call[1] += event.args
        elif isinstance(event, ToolStarted):
            tools[event.run_id] = event.name
        elif isinstance(event, ToolEnded):
            results.append((tools.get(event.run_id, "?"), str(event.output)))
        elif isinstance(event, Custom):
            if event.name:
                dispatched.append((event.name, event.data))
            else:
                writer.append(event.data)
    return {
        "text": dict(text),
        "reasoning": "".join(reasoning),
        "calls": {key: (name, json.loads(args)) for key, (name, args) in calls.items()},
        "results": sorted(results),
        "writer": sorted(writer, key=repr),
        "dispatched": dispatched,
        "hidden": sorted((start.node or "") for start in runs.values() if start.hidden),
    }
