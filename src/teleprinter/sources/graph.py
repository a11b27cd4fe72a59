"""LangGraph's own stream modes as teleprinter events: for code that already drives ``graph.stream``.

``graph.stream(input, stream_mode=MODES, subgraphs=True)`` yields ``(namespace, mode, data)``;
:class:`GraphStreamTranslator` turns each part into events:

* ``messages``: ``(chunk, metadata)``. The model run id is the chunk's id (``lc_run--<run id>``),
  its node and namespace come from ``langgraph_node`` and the part's namespace. A ``ToolMessage``
  is a tool result (:class:`ToolStarted` + :class:`ToolEnded`). Models tagged ``nostream`` never
  appear in this mode (LangGraph drops them), so nothing here is hidden.
* ``custom``: ``get_stream_writer()`` data, as :class:`Custom` with an empty name.
* ``tasks``: a node's start (``input``) and end (``result``/``error``): :class:`NodeStarted`,
  :class:`NodeEnded`; a node's end also ends the model runs it left open.

``dispatch_custom_event`` data never reaches stream modes (only callbacks and ``astream_events``).
:func:`astream_graph` runs a graph this way; ``teleprinter.astream`` prefers ``astream_events``,
which also sees tool starts, usage and hidden runs (see ``docs/agents.md``).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from teleprinter.events import (
    Custom,
    Event,
    Namespace,
    NodeEnded,
    NodeStarted,
    RunEnded,
    RunStarted,
    ToolEnded,
    ToolStarted,
)
from teleprinter.sources.content import ModelRun, message_events

MODES = ("messages", "custom", "tasks")
"""The stream modes :func:`astream_graph` asks for: model output, custom data, node progress."""
_RUN_PREFIX = "lc_run--"


class GraphStreamTranslator:
    """Turns LangGraph stream parts (``(ns, mode, data)`` or ``(mode, data)``) into events."""

    def __init__(self, clock: Any = time.perf_counter, root: UUID | None = None) -> None:
        self.clock = clock
        self.root = root or uuid4()
        self.open: dict[UUID, tuple[ModelRun, str | None, Namespace]] = {}
        self._nodes: dict[str, tuple[str, Namespace, float]] = {}

    def translate(self, part: Any) -> list[Event]:
        if not isinstance(part, tuple) or len(part) not in (2, 3):
            return []
        namespace: Namespace = tuple(part[0]) if len(part) == 3 else ()
        mode, data = part[-2], part[-1]
        if mode == "messages":
            return self._message(namespace, *data)
        if mode == "custom":
            return [Custom(self.root, "", data, self.clock(), None, namespace)]
        if mode == "tasks":
            return self._task(namespace, data)
        return []

    def close(self) -> list[Event]:
        """``RunEnded`` for model runs still open when the stream ended."""
        now = self.clock()
        ended: list[Event] = [RunEnded(run_id, None, None, now) for run_id in self.open]
        self.open.clear()
        return ended

    def _message(self, namespace: Namespace, message: Any, metadata: dict[str, Any]) -> list[Event]:
        if getattr(message, "type", None) == "tool":
            return self._tool_result(namespace, message, metadata)
        run_id = _run_id(getattr(message, "id", None))
        events: list[Event] = []
        entry = self.open.get(run_id)
        node = metadata.get("langgraph_node")
        if entry is None:
            entry = self.open[run_id] = (ModelRun(), node, namespace)
            model = str(metadata.get("ls_model_name") or "")
            tags = tuple(metadata.get("tags") or ())
            events.append(RunStarted(run_id, model, None, tags, self.clock(), node, namespace))
        run = entry[0]
        chunk = type(message).__name__.endswith("Chunk")
        events.extend(message_events(run, run_id, message, self.clock(), final=not chunk))
        if not chunk or getattr(message, "chunk_position", None) == "last":
            del self.open[run_id]
            usage = getattr(message, "usage_metadata", None)
            finish = (getattr(message, "response_metadata", None) or {}).get("finish_reason")
            events.append(RunEnded(run_id, dict(usage) if usage else None, finish, self.clock()))
        return events

    def _tool_result(self, namespace: Namespace, message: Any, metadata: dict[str, Any]) -> list[Event]:
        call_id = str(getattr(message, "tool_call_id", "") or "")
        run_id = uuid5(NAMESPACE_URL, f"tool:{call_id}") if call_id else uuid4()
        now = self.clock()
        node = metadata.get("langgraph_node")
        failed = getattr(message, "status", None) == "error"
        name = str(getattr(message, "name", None) or "tool")
        return [
            ToolStarted(run_id, name, None, None, call_id or None, now, node, namespace),
            ToolEnded(run_id, None if failed else message.content, str(message.content) if failed else None, 0.0, now),
        ]

    def _task(self, namespace: Namespace, data: dict[str, Any]) -> list[Event]:
        task_id = str(data.get("id", ""))
        run_id = _task_run_id(task_id)
        name = str(data.get("name", ""))
        now = self.clock()
        if "input" in data:
            self._nodes[task_id] = (name, namespace, now)
            return [NodeStarted(run_id, name, namespace, None, now)]
        start = self._nodes.pop(task_id, None)
        duration = now - start[2] if start else 0.0
        events: list[Event] = [
            RunEnded(key, None, None, now) for key, entry in self.open.items() if entry[1:] == (name, namespace)
        ]
        for event in events:
            del self.open[event.run_id]
        error = data.get("error")
        message = str(error) if error else None
        events.append(NodeEnded(run_id, name, namespace, data.get("result"), message, duration, now))
        return events


def _run_id(message_id: Any) -> UUID:
    """The model run id in a chunk id (``lc_run--<uuid>``, ``-0`` appended on a finished message)."""
    text = str(message_id or "")
    if text.startswith(_RUN_PREFIX):
        try:
            return UUID(text[len(_RUN_PREFIX) : len(_RUN_PREFIX) + 36])
        except ValueError:
            pass
    return uuid5(NAMESPACE_URL, f"message:{text}") if text else uuid4()


def _task_run_id(task_id: str) -> UUID:
    try:
        return UUID(task_id)
    except ValueError:
        return uuid5(NAMESPACE_URL, f"task:{task_id}")


async def astream_graph(graph: Any, input: Any, config: Any = None, **kwargs: Any) -> AsyncIterator[Event]:
    """Events of one graph run read from LangGraph's stream modes (:data:`MODES`, ``subgraphs=True``)."""
    translator = GraphStreamTranslator()
    async for part in graph.astream(input, config, stream_mode=list(MODES), subgraphs=True, **kwargs):
        for event in translator.translate(part):
            yield event
    for event in translator.close():
        yield event
