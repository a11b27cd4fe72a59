"""Drive any LangChain ``Runnable`` through ``astream_events(version="v2")`` and yield teleprinter events.

A chat model, ``prompt | model | StrOutputParser()``, a chain calling two models or a LangGraph
graph all come out as the same vocabulary as the callback source: ``RunStarted`` / ``Token`` /
``Custom`` / ``RunEnded`` / ``RunFailed``, each model run under its own run id.

``stream`` (sync) runs ``astream`` on a private event loop in a worker thread and hands events
over a queue. That is the one bridge that is safe everywhere: it works when the caller already
runs an event loop (Jupyter, an async app calling sync code), it gives the same events as the
async path (including ``invoke`` calls nested inside lambdas, which stream only under
``astream_events``' streaming tracer), and it never blocks a foreign loop.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import queue
import selectors
import threading
import time
import warnings
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID, uuid4

from langchain_core.messages import BaseMessage

from teleprinter.events import (
    Custom,
    Event,
    NodeEnded,
    NodeStarted,
    RunEnded,
    RunFailed,
    RunStarted,
    Token,
    ToolEnded,
    ToolStarted,
    is_hidden,
    is_interruption,
)
from teleprinter.sources.content import ModelRun, content_text, message_events
from teleprinter.sources.runs import is_graph_node, namespace_of, node_of, tool_output

if TYPE_CHECKING:
    from langchain_core.runnables import Runnable, RunnableConfig

_MODEL_START = frozenset({"on_chat_model_start", "on_llm_start"})
_MODEL_STREAM = frozenset({"on_chat_model_stream", "on_llm_stream"})
_MODEL_END = frozenset({"on_chat_model_end", "on_llm_end"})


class StreamEventTranslator:
    """Turns ``astream_events`` v2 dictionaries into events; keeps per-run state.

    Model runs (with LangGraph node, namespace and ``hidden`` from their metadata and tags),
    tool runs, graph nodes, ``on_custom_event`` and LangGraph ``custom`` stream-mode data
    carried by the root graph's ``on_chain_stream`` (when the graph streams with
    ``stream_mode`` including ``"custom"``). Model runs that produced no stream chunk (a
    provider that does not stream) get their whole answer just before ``RunEnded``, so no
    answer is ever lost.
    """

    def __init__(self, clock: Any = time.perf_counter) -> None:
        self.clock = clock
        self.open: dict[UUID, ModelRun] = {}
        self._ids: dict[str, UUID] = {}
        self._tools: dict[UUID, float] = {}  # tool run -> start
        self._nodes: dict[UUID, tuple[str, tuple[str, ...], float]] = {}  # node run -> (node, namespace, start)
        self._models_seen = False  # any model run in this stream: then the root's output is not the answer

    def _id(self, raw: Any) -> UUID:
        """The run id as a UUID; parsed once per run, not once per token."""
        run_id = self._ids.get(raw)
        if run_id is None:
            run_id = self._ids[raw] = UUID(str(raw))
        return run_id

    def translate(self, raw: dict[str, Any]) -> list[Event]:
        kind = raw.get("event", "")
        if kind in _MODEL_STREAM:
            return self._chunk(raw)
        if kind in _MODEL_START:
            return [self._started(raw)]
        if kind in _MODEL_END:
            return self._ended(raw)
        handler = _OTHER.get(kind)
        return handler(self, raw) if handler is not None else []

    def fail_open(self, error: BaseException) -> list[Event]:
        """A ``RunFailed`` for every model run still open when the stream raised (nodes end with it)."""
        now = self.clock()
        interrupted = is_interruption(error)
        failed: list[Event] = [RunFailed(run_id, error, interrupted, now) for run_id in self.open]
        message = str(error) or type(error).__name__
        failed.extend(
            NodeEnded(run_id, node, namespace, None, message, now - start, now)
            for run_id, (node, namespace, start) in self._nodes.items()
        )
        self.open.clear()
        self._nodes.clear()
        return failed

    def _started(self, raw: dict[str, Any]) -> RunStarted:
        run_id = self._id(raw["run_id"])
        self.open[run_id] = ModelRun()
        self._models_seen = True
        metadata = raw.get("metadata") or {}
        model = str(metadata.get("ls_model_name") or raw.get("name") or "")
        tags = tuple(raw.get("tags") or ())
        return RunStarted(
            run_id, model, _parent(raw), tags, self.clock(), node_of(metadata), namespace_of(metadata), is_hidden(tags)
        )

    def _chunk(self, raw: dict[str, Any]) -> list[Event]:
        run_id = self._id(raw["run_id"])
        run = self.open.get(run_id)
        if run is None:
            run = self.open[run_id] = ModelRun()
        chunk = (raw.get("data") or {}).get("chunk")
        if isinstance(chunk, BaseMessage):
            plain = not getattr(chunk, "tool_call_chunks", None) and not chunk.additional_kwargs
            if plain and type(chunk.content) is str:
                return [run.token(run_id, chunk.content, self.clock())] if chunk.content else []
            return message_events(run, run_id, chunk, self.clock())
        text = getattr(chunk, "text", chunk if isinstance(chunk, str) else "")
        return [run.token(run_id, text, self.clock())] if isinstance(text, str) and text else []

    def _ended(self, raw: dict[str, Any]) -> list[Event]:
        run_id = self._id(raw["run_id"])
        self._ids.pop(raw["run_id"], None)
        run = self.open.pop(run_id, None) or ModelRun()
        output = (raw.get("data") or {}).get("output")
        usage, finish, text = _output_summary(output)
        events: list[Event] = []
        if not run.streamed:
            if isinstance(output, BaseMessage):
                events.extend(message_events(run, run_id, output, self.clock(), final=True))
            elif text:
                events.append(run.token(run_id, text, self.clock()))
        events.append(RunEnded(run_id, usage, finish, self.clock()))
        return events

    def _custom(self, raw: dict[str, Any]) -> list[Event]:
        metadata = raw.get("metadata") or {}
        return [
            Custom(
                self._id(raw["run_id"]), str(raw.get("name", "")), raw.get("data"), self.clock(),
                node_of(metadata), namespace_of(metadata),
            )
        ]

    def _tool_start(self, raw: dict[str, Any]) -> list[Event]:
        run_id = self._id(raw["run_id"])
        metadata = raw.get("metadata") or {}
        name = str(raw.get("name") or "tool")
        namespace = namespace_of(metadata)
        now = self.clock()
        self._tools[run_id] = now
        data = raw.get("data") or {}
        return [ToolStarted(run_id, name, data.get("input"), _parent(raw), None, now, node_of(metadata), namespace)]

    def _tool_end(self, raw: dict[str, Any]) -> list[Event]:
        run_id = self._id(raw["run_id"])
        self._ids.pop(raw["run_id"], None)
        start = self._tools.pop(run_id, None)
        now = self.clock()
        duration = now - start if start is not None else 0.0
        data = raw.get("data") or {}
        if raw.get("event") == "on_tool_error":
            error = data.get("error")
            return [ToolEnded(run_id, None, str(error) or type(error).__name__, duration, now)]
        return [ToolEnded(run_id, tool_output(data.get("output")), None, duration, now)]

    def _chain_start(self, raw: dict[str, Any]) -> list[Event]:
        metadata = raw.get("metadata") or {}
        name = raw.get("name")
        if not is_graph_node(name, raw.get("tags"), metadata):
            return []
        run_id = self._id(raw["run_id"])
        namespace = namespace_of(metadata)
        now = self.clock()
        self._nodes[run_id] = (str(name), namespace, now)
        return [NodeStarted(run_id, str(name), namespace, _parent(raw), now)]

    def _chain_end(self, raw: dict[str, Any]) -> list[Event]:
        if not raw.get("parent_ids") and not self._models_seen:
            return self._root_output(raw)
        run_id = self._ids.get(raw["run_id"])
        span = self._nodes.pop(run_id, None) if run_id is not None else None
        if span is None or run_id is None:
            return []
        self._ids.pop(raw["run_id"], None)
        now = self.clock()
        output = (raw.get("data") or {}).get("output")
        return [NodeEnded(run_id, span[0], span[1], output, None, now - span[2], now)]

    def _root_output(self, raw: dict[str, Any]) -> list[Event]:
        """A run with no model in it (a plain function, a graph of tools): its output is the answer.

        Shown as one run named after the Runnable, its text the output as a string, a message's
        text, or JSON (indented) for anything else, so ``teleprinter run`` never ends silently.
        """
        run_id = self._id(raw["run_id"])
        text = output_text((raw.get("data") or {}).get("output"))
        now = self.clock()
        events: list[Event] = [RunStarted(run_id, str(raw.get("name") or ""), None, tuple(raw.get("tags") or ()), now)]
        if text:
            events.append(Token(run_id, text, 0, now))
        events.append(RunEnded(run_id, None, None, now))
        return events

    def _chain_stream(self, raw: dict[str, Any]) -> list[Event]:
        """LangGraph ``custom`` data: the root graph streams ``(mode, data)`` or ``(ns, mode, data)``."""
        if raw.get("parent_ids"):
            return []
        chunk = (raw.get("data") or {}).get("chunk")
        if not isinstance(chunk, tuple) or len(chunk) not in (2, 3) or chunk[-2] != "custom":
            return []
        namespace = tuple(chunk[0]) if len(chunk) == 3 else ()
        return [Custom(self._id(raw["run_id"]), "", chunk[-1], self.clock(), None, namespace)]


_OTHER = {
    "on_custom_event": StreamEventTranslator._custom,
    "on_tool_start": StreamEventTranslator._tool_start,
    "on_tool_end": StreamEventTranslator._tool_end,
    "on_tool_error": StreamEventTranslator._tool_end,
    "on_chain_start": StreamEventTranslator._chain_start,
    "on_chain_end": StreamEventTranslator._chain_end,
    "on_chain_stream": StreamEventTranslator._chain_stream,
}


def output_text(output: Any) -> str:
    """A Runnable's final output as answer text: strings as they are, a message's text, else JSON."""
    import json

    if output is None:
        return ""
    if isinstance(output, str):
        return output
    if isinstance(output, BaseMessage):
        return content_text(output.content)
    from teleprinter.codec import dumps

    try:
        return json.dumps(json.loads(dumps(output)), ensure_ascii=False, indent=2) + "\n"
    except ValueError:
        return str(output)


def _parent(raw: dict[str, Any]) -> UUID | None:
    parents = raw.get("parent_ids") or ()
    return UUID(str(parents[-1])) if parents else None


def _output_summary(output: Any) -> tuple[dict[str, Any] | None, str | None, str]:
    """Usage, finish reason and text of a finished model run's output (a message, or an LLM's dict)."""
    if isinstance(output, BaseMessage):
        usage = getattr(output, "usage_metadata", None)
        metadata = output.response_metadata or {}
        return (dict(usage) if usage else None), metadata.get("finish_reason"), content_text(output.content)
    if isinstance(output, dict) and output.get("generations"):
        first = (output["generations"][0] or [{}])[0]
        info = first.get("generation_info") or {}
        llm_output = output.get("llm_output") or {}
        token_usage = llm_output.get("token_usage") or llm_output.get("usage")
        usage = None
        if isinstance(token_usage, dict) and token_usage:
            usage = {
                "input_tokens": token_usage.get("prompt_tokens", 0),
                "output_tokens": token_usage.get("completion_tokens", 0),
                "total_tokens": token_usage.get("total_tokens", 0),
            }
        return usage, info.get("finish_reason"), str(first.get("text") or "")
    return None, None, ""


def is_graph(runnable: Any) -> bool:
    """True for a compiled LangGraph graph (checked without importing langgraph)."""
    module = type(runnable).__module__ or ""
    return module.startswith("langgraph.") and hasattr(runnable, "stream_mode") and hasattr(runnable, "get_graph")


async def astream(
    runnable: Runnable[Any, Any],
    input: Any,
    config: RunnableConfig | None = None,
    *,
    version: str = "v2",
    **kwargs: Any,
) -> AsyncIterator[Event]:
    """Teleprinter events of one ``runnable`` run.

    ``version="v2"`` (default) reads ``astream_events(version="v2")``; a compiled LangGraph graph
    is asked for ``stream_mode=["updates", "custom"]`` with ``subgraphs=True`` (unless ``kwargs``
    choose a ``stream_mode``), so ``get_stream_writer()`` data arrives as :class:`Custom` events.
    ``version="v3"`` drives LangChain's v3 protocol (``astream_events(version="v3")``, chat models
    and graphs only; beta in langchain-core 1.8) and reads the run through callbacks.

    If the run fails, every model run still open gets a ``RunFailed`` and then the original
    exception is raised, so ``async for`` ends with the model's error. Raises ``ValueError`` for
    another ``version`` or for v3 on a Runnable that has no v3 protocol.
    """
    if version == "v3":
        async for event in _astream_v3(runnable, input, config, **kwargs):
            yield event
        return
    if version != "v2":
        raise ValueError(f"version must be 'v2' or 'v3', not {version!r}")
    if is_graph(runnable) and "stream_mode" not in kwargs:
        kwargs = {"stream_mode": ["updates", "custom"], "subgraphs": True, **kwargs}
    translator = StreamEventTranslator()
    source = runnable.astream_events(input, config, version="v2", **kwargs)
    try:
        translate = translator.translate
        async for raw in source:
            for event in translate(raw):  # type: ignore[arg-type]  # a StreamEvent is a dict
                yield event
    except Exception as error:
        for event in translator.fail_open(error):
            yield event
        raise
    finally:
        await cast("AsyncGenerator[Any, None]", source).aclose()


async def _astream_v3(
    runnable: Runnable[Any, Any], input: Any, config: RunnableConfig | None, **kwargs: Any
) -> AsyncIterator[Event]:
    """v3: iterate the protocol stream to drive the run; the events come from our callback handler.

    Under v3 core fires ``on_stream_event`` (not ``on_llm_new_token``) for models whose ``_stream``
    does not, so the callback source reads both. A graph's ``custom`` channel (LangGraph's
    ``CustomTransformer``) carries ``get_stream_writer()`` data, which never reaches callbacks.
    """
    from langchain_core._api.beta_decorator import LangChainBetaWarning
    from langchain_core.language_models import BaseChatModel

    from teleprinter.sources.callbacks import EventCallbackHandler

    graph = is_graph(runnable)
    if not graph and not isinstance(runnable, BaseChatModel):
        raise ValueError(
            f"version='v3' needs a chat model or a LangGraph graph (LangChain's v3 protocol), "
            f"not {type(runnable).__name__}; use version='v2'"
        )
    collected: list[Event] = []
    handler = EventCallbackHandler(_Into(collected))
    run_config: dict[str, Any] = dict(config or {})
    run_config["callbacks"] = [*(run_config.get("callbacks") or []), handler]
    root = run_config.setdefault("run_id", uuid4())
    if graph and "transformers" not in kwargs:
        from langgraph.stream.transformers import CustomTransformer

        kwargs["transformers"] = [CustomTransformer]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LangChainBetaWarning)
        run = await runnable.astream_events(input, cast("RunnableConfig", run_config), version="v3", **kwargs)
    try:
        async for item in run:
            while collected:
                yield collected.pop(0)
            if graph and item.get("method") == "custom":
                params = item.get("params") or {}
                namespace = tuple(params.get("namespace") or ())
                yield Custom(root, "", params.get("data"), time.perf_counter(), None, namespace)
        await _finished(run)
    except Exception:
        while collected:  # the failed runs' RunFailed, already translated by the handler
            yield collected.pop(0)
        raise
    while collected:
        yield collected.pop(0)


async def _finished(run: Any) -> None:
    """Wait for a v3 chat model stream's producer: it fires ``on_llm_end`` after the last event.

    langchain-core 1.8 ends the iteration at ``message-finish`` while the producer task still has
    the run's end callback to send; without waiting, ``RunEnded`` (usage, finish reason) is lost.
    """
    producer = getattr(run, "_producer_task", None)
    if isinstance(producer, asyncio.Future):
        with contextlib.suppress(Exception):  # its failure already reached the consumer
            await producer


class _Into:
    """A sink appending to a list (``list.append`` is atomic, so worker threads may feed it)."""

    __slots__ = ("items",)

    def __init__(self, items: list[Event]) -> None:
        self.items = items

    def handle(self, event: Event) -> None:
        self.items.append(event)


_DONE = object()


def stream(
    runnable: Runnable[Any, Any],
    input: Any,
    config: RunnableConfig | None = None,
    *,
    version: str = "v2",
    **kwargs: Any,
) -> Iterator[Event]:
    """Sync flavour of :func:`astream`.

    With no event loop running in the calling thread (a script, the CLI), the run goes on a
    private loop driven from this very generator: it runs until it would wait with events
    ready (or :data:`BATCH` piled up), they are yielded, and it resumes when the consumer asks
    for more. Handing each token to another thread instead cost about half as much again as the
    whole ``astream_events`` loop. When a loop already runs here (Jupyter, an async app calling
    sync code), the run goes on a private loop in a worker thread and events come over a queue.
    Either way, closing the generator early (``break``) or Ctrl-C cancels the run and waits for
    it, so no model call outlives it.
    """
    if asyncio._get_running_loop() is None:
        return _stream_here(runnable, input, config, version=version, **kwargs)
    return _stream_in_thread(runnable, input, config, version=version, **kwargs)


BATCH = 64
"""Most events held back while the run has more work ready: a burst reaches the consumer in
batches of at most this many; an event followed by a wait (network, model) goes out at once."""


class _IdleSelector(selectors.DefaultSelector):
    """Stops the loop when it is about to wait for I/O while events are ready for the consumer."""

    def __init__(self, ready: collections.deque[Event]) -> None:
        super().__init__()
        self.ready = ready
        self.loop: asyncio.AbstractEventLoop | None = None

    def select(self, timeout: float | None = None) -> Any:
        if self.ready and (timeout is None or timeout > 0) and self.loop is not None:
            self.loop.stop()  # run_forever returns after this iteration: the events go out now
            timeout = 0
        return super().select(timeout)


def _stream_here(
    runnable: Runnable[Any, Any], input: Any, config: RunnableConfig | None, *, version: str, **kwargs: Any
) -> Iterator[Event]:
    ready: collections.deque[Event] = collections.deque()
    selector = _IdleSelector(ready)
    loop = selector.loop = asyncio.SelectorEventLoop(selector)

    async def pump() -> None:
        async for event in astream(runnable, input, config, version=version, **kwargs):
            ready.append(event)
            if len(ready) >= BATCH:
                loop.stop()

    task = loop.create_task(pump())
    task.add_done_callback(lambda _: loop.stop())
    try:
        while True:
            while ready:
                yield ready.popleft()
            if task.done():
                break
            loop.run_forever()
        if not task.cancelled():
            task.result()  # the run's error, after every event before it
    finally:
        _close_here(loop, task)


def _close_here(loop: asyncio.AbstractEventLoop, task: asyncio.Task[None]) -> None:
    """Cancel the run if it is still going, let it finish, close the loop (what ``asyncio.run`` does)."""
    try:
        if not task.done():
            task.cancel()
            with contextlib.suppress(BaseException):
                loop.run_until_complete(task)
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()


def _stream_in_thread(
    runnable: Runnable[Any, Any], input: Any, config: RunnableConfig | None, *, version: str, **kwargs: Any
) -> Iterator[Event]:
    handoff: queue.SimpleQueue[Any] = queue.SimpleQueue()
    control: dict[str, Any] = {}
    started = threading.Event()

    async def pump() -> None:
        control["loop"] = asyncio.get_running_loop()
        control["task"] = asyncio.current_task()
        started.set()
        try:
            async for event in astream(runnable, input, config, version=version, **kwargs):
                handoff.put(event)
        except BaseException as error:  # handed to the consumer, raised there
            handoff.put(_Raised(error))
        finally:
            handoff.put(_DONE)

    context = contextvars.copy_context()
    worker = threading.Thread(target=context.run, args=(asyncio.run, pump()), name="teleprinter-stream", daemon=True)
    worker.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, _Raised):
                if isinstance(item.error, asyncio.CancelledError):
                    return
                raise item.error
            yield item
    finally:
        _stop(worker, started, control)


class _Raised:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


def _stop(worker: threading.Thread, started: threading.Event, control: dict[str, Any]) -> None:
    """Cancel the worker's run if it is still going and wait for its loop to close."""
    while worker.is_alive() and not started.wait(0.05):
        pass
    if worker.is_alive():
        loop, task = control.get("loop"), control.get("task")
        if loop is not None and task is not None:
            with contextlib.suppress(RuntimeError):  # the loop already closed
                loop.call_soon_threadsafe(task.cancel)
    worker.join()
