"""One scripted agent run on a real LangGraph graph: every source carries the same answer.

Callbacks (``graph.invoke`` with a handler: models do not stream, so each answer arrives at its
run's end), ``teleprinter.astream`` over ``astream_events`` v2 and over the v3 protocol,
LangGraph's own stream modes, and the async iterator bridge.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

import teleprinter
from teleprinter import EventCallbackHandler
from teleprinter.events import Event, NodeEnded, NodeStarted, RunStarted
from teleprinter.sources.graph import astream_graph
from tests.agent_graph import (
    DISPATCHED,
    EXPECTED_CALLS,
    EXPECTED_REASONING,
    EXPECTED_RESULTS,
    EXPECTED_TEXT,
    INPUT,
    WRITER_DATA,
    build,
    summary,
)


class Collect:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def handle(self, event: Event) -> None:
        self.events.append(event)


def via_callbacks() -> list[Event]:
    sink = Collect()
    build().invoke(INPUT, {"callbacks": [EventCallbackHandler(sink)]})
    return sink.events


def via_v2() -> list[Event]:
    return list(teleprinter.stream(build(), INPUT))


def via_v3() -> list[Event]:
    return list(teleprinter.stream(build(), INPUT, version="v3"))


def via_modes() -> list[Event]:
    async def go() -> list[Event]:
        return [event async for event in astream_graph(build(), INPUT)]

    return asyncio.run(go())


def via_iterator_bridge() -> list[Event]:
    async def go() -> list[Event]:
        return [event async for event in teleprinter.AsyncIteratorHandler().events(build(), INPUT)]

    return asyncio.run(go())


SOURCES: dict[str, Callable[[], list[Event]]] = {
    "callbacks": via_callbacks,
    "v2": via_v2,
    "v3": via_v3,
    "modes": via_modes,
    "iterator": via_iterator_bridge,
}
SEES_WRITER = {"v2", "v3", "modes"}  # get_stream_writer() data exists only in LangGraph's custom stream
SEES_DISPATCH = {"callbacks", "v2", "v3", "iterator"}  # dispatch_custom_event never reaches stream modes
SEES_HIDDEN = {"callbacks", "v2", "v3", "iterator"}  # stream modes drop nostream runs altogether


@pytest.mark.parametrize("name", SOURCES)
def test_every_source_carries_the_same_agent_run(name: str) -> None:
    got = summary(SOURCES[name]())
    assert got["text"] == EXPECTED_TEXT
    assert got["reasoning"] == EXPECTED_REASONING
    assert got["calls"] == EXPECTED_CALLS
    assert got["results"] == EXPECTED_RESULTS
    assert got["writer"] == (WRITER_DATA if name in SEES_WRITER else [])
    assert got["dispatched"] == (DISPATCHED if name in SEES_DISPATCH else [])
    assert got["hidden"] == (["agent"] if name in SEES_HIDDEN else [])


@pytest.mark.parametrize("name", SOURCES)
def test_parallel_nodes_and_the_subgraph_keep_their_names(name: str) -> None:
    events = SOURCES[name]()
    starts = [e for e in events if isinstance(e, RunStarted) and not e.hidden]
    assert sorted((e.node or "", len(e.namespace)) for e in starts) == [("agent", 0), ("answer", 0), ("summarise", 1)]
    assert all(part.startswith("summary:") for e in starts for part in e.namespace)
    nodes = {(e.node, tuple(p.split(":")[0] for p in e.namespace)) for e in events if isinstance(e, NodeStarted)}
    assert {("agent", ()), ("tools", ()), ("answer", ()), ("summary", ()), ("summarise", ("summary",))} <= nodes
    ended = {e.node for e in events if isinstance(e, NodeEnded)}
    assert {"agent", "tools", "answer", "summary", "summarise"} <= ended


def test_v3_on_a_plain_runnable_names_what_to_use() -> None:
    from langchain_core.runnables import RunnableLambda

    with pytest.raises(ValueError, match="version='v2'"):
        list(teleprinter.stream(RunnableLambda(lambda x: x), "hi", version="v3"))


def run_kinds(events: list[Event]) -> list[Any]:
    return [type(e).__name__ for e in events]
