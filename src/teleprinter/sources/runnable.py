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
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from langchain_core.messages import BaseMessage

from teleprinter.events import Custom, Event, RunEnded, RunFailed, RunStarted, Token, is_interruption
from teleprinter.sources.callbacks import _new_token, content_text, message_parts

if TYPE_CHECKING:
    from langchain_core.runnables import Runnable, RunnableConfig

_MODEL_START = frozenset({"on_chat_model_start", "on_llm_start"})
_MODEL_STREAM = frozenset({"on_chat_model_stream", "on_llm_stream"})
_MODEL_END = frozenset({"on_chat_model_end", "on_llm_end"})


class StreamEventTranslator:
    """Turns ``astream_events`` v2 dictionaries into events; keeps per-run token counts.

    Model runs that produced no stream chunk (a provider that does not stream) get their
    whole answer as one ``Token`` just before ``RunEnded``, so no answer is ever lost.
    """

    def __init__(self, clock: Any = time.perf_counter) -> None:
        self.clock = clock
        self.open: dict[UUID, int] = {}
        self._ids: dict[str, UUID] = {}

    def _id(self, raw: Any) -> UUID:
        """The run id as a UUID; parsed once per run, not once per token."""
        run_id = self._ids.get(raw)
        if run_id is None:
            run_id = self._ids[raw] = UUID(str(raw))
        return run_id

    def translate(self, raw: dict[str, Any]) -> list[Event]:
        kind = raw.get("event", "")
        if kind in _MODEL_STREAM:
            token = self._token(raw)
            return [token] if token is not None else []
        if kind in _MODEL_START:
            return [self._started(raw)]
        if kind in _MODEL_END:
            return self._ended(raw)
        if kind == "on_custom_event":
            return [Custom(self._id(raw["run_id"]), str(raw.get("name", "")), raw.get("data"), self.clock())]
        return []

    def fail_open(self, error: BaseException) -> list[Event]:
        """A ``RunFailed`` for every model run still open when the stream raised."""
        now = self.clock()
        failed: list[Event] = [RunFailed(run_id, error, is_interruption(error), now) for run_id in self.open]
        self.open.clear()
        return failed

    def _started(self, raw: dict[str, Any]) -> RunStarted:
        run_id = self._id(raw["run_id"])
        self.open[run_id] = 0
        parents = raw.get("parent_ids") or ()
        parent = UUID(str(parents[-1])) if parents else None
        metadata = raw.get("metadata") or {}
        model = str(metadata.get("ls_model_name") or raw.get("name") or "")
        return RunStarted(run_id, model, parent, tuple(raw.get("tags") or ()), self.clock())

    def _token(self, raw: dict[str, Any]) -> Token | None:
        run_id = self._ids.get(raw["run_id"]) or self._id(raw["run_id"])
        chunk = (raw.get("data") or {}).get("chunk")
        text, parts = _chunk_text_parts(chunk)
        if not text and not parts:
            return None
        index = self.open.get(run_id, 0)
        self.open[run_id] = index + 1
        return _new_token(Token, (run_id, text, index, self.clock(), parts))

    def _ended(self, raw: dict[str, Any]) -> list[Event]:
        run_id = self._id(raw["run_id"])
        self._ids.pop(raw["run_id"], None)
        seen = self.open.pop(run_id, 0)
        output = (raw.get("data") or {}).get("output")
        usage, finish, text = _output_summary(output)
        events: list[Event] = []
        if not seen and text:
            events.append(Token(run_id, text, 0, self.clock()))
        events.append(RunEnded(run_id, usage, finish, self.clock()))
        return events


def _chunk_text_parts(chunk: Any) -> tuple[str, tuple[Any, ...]]:
    if isinstance(chunk, BaseMessage):
        content = chunk.content
        if type(content) is str and not chunk.additional_kwargs and not getattr(chunk, "tool_call_chunks", None):
            return content, ()  # the per-token common case: plain text only
        return content_text(chunk.content), message_parts(chunk)
    text = getattr(chunk, "text", chunk if isinstance(chunk, str) else "")
    return (text if isinstance(text, str) else ""), ()


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


async def astream(
    runnable: Runnable[Any, Any],
    input: Any,
    config: RunnableConfig | None = None,
    **kwargs: Any,
) -> AsyncIterator[Event]:
    """Teleprinter events of one ``runnable`` run, via ``astream_events(version="v2")``.

    If the run fails, every model run still open gets a ``RunFailed`` and then the original
    exception is raised, so ``async for`` ends with the model's error.
    """
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


_DONE = object()


def stream(
    runnable: Runnable[Any, Any],
    input: Any,
    config: RunnableConfig | None = None,
    **kwargs: Any,
) -> Iterator[Event]:
    """Sync flavour of :func:`astream`.

    With no event loop running in the calling thread (a script, the CLI), the run goes on a
    private loop driven from this very generator: it runs until it would wait with events
    ready (or :data:`BATCH` piled up), they are yielded, and it resumes when the consumer asks
    for more. Handing each token to another
    thread instead cost about half as much again as the whole ``astream_events`` loop. When a
    loop already runs here (Jupyter, an async app calling sync code), the run goes on a private
    loop in a worker thread and events come over a queue. Either way, closing the generator
    early (``break``) or Ctrl-C cancels the run and waits for it, so no model call outlives it.
    """
    if asyncio._get_running_loop() is None:
        return _stream_here(runnable, input, config, **kwargs)
    return _stream_in_thread(runnable, input, config, **kwargs)


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
    runnable: Runnable[Any, Any], input: Any, config: RunnableConfig | None, **kwargs: Any
) -> Iterator[Event]:
    ready: collections.deque[Event] = collections.deque()
    selector = _IdleSelector(ready)
    loop = selector.loop = asyncio.SelectorEventLoop(selector)

    async def pump() -> None:
        async for event in astream(runnable, input, config, **kwargs):
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
    runnable: Runnable[Any, Any], input: Any, config: RunnableConfig | None, **kwargs: Any
) -> Iterator[Event]:
    handoff: queue.SimpleQueue[Any] = queue.SimpleQueue()
    control: dict[str, Any] = {}
    started = threading.Event()

    async def pump() -> None:
        control["loop"] = asyncio.get_running_loop()
        control["task"] = asyncio.current_task()
        started.set()
        try:
            async for event in astream(runnable, input, config, **kwargs):
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
