"""LangChain callback handlers that only translate callbacks into events and fan them out.

A failing sink never stops the stream or the other sinks: the error is logged once per
sink, counted in :attr:`EventCallbackHandler.sink_errors`, and re-raised only when the
handler was built with ``raise_error=True`` (LangChain's own switch for the same thing).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk, GenerationChunk, LLMResult

from teleprinter.events import (
    Custom,
    Event,
    Namespace,
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
from teleprinter.sinks import Sink
from teleprinter.sources.content import ModelRun, content_text, message_events, protocol_events
from teleprinter.sources.runs import (
    is_graph_node,
    model_name,
    namespace_of,
    node_of,
    tool_output,
    usage_of,
)

__all__ = [
    "AsyncEventCallbackHandler",
    "EventCallbackHandler",
    "EventTranslator",
    "content_text",
    "is_graph_node",
    "model_name",
    "namespace_of",
    "node_of",
    "tool_output",
    "usage_of",
]

logger = logging.getLogger("teleprinter")

_new_token = tuple.__new__
"""Builds a Token from a full tuple without the Python-level ``NamedTuple.__new__`` (0.2 µs, not 0.7):
the translator always passes every field, so the defaults that wrapper handles are never needed."""

Clock = Any  # a zero-argument callable returning seconds


class EventTranslator:
    """The translation itself, shared by the sync and async handler flavours.

    Model runs: start (with LangGraph node, namespace and ``hidden``), answer events per chunk
    (``on_llm_new_token``) or per v3 protocol event (``on_stream_event``), and at the end the
    final message when nothing streamed. Tool runs, graph nodes and custom events as they come.
    """

    def __init__(self, sinks: Iterable[Sink] = (), *, clock: Clock = time.perf_counter) -> None:
        self.sinks: list[Sink] = list(sinks)
        self.clock = clock
        self.sink_errors = 0
        self.raise_sink_errors = False
        self._logged: set[int] = set()
        self._runs: dict[UUID, ModelRun] = {}
        self._plain_id: UUID | None = None
        self._plain_run = ModelRun()
        self._protocol: set[UUID] = set()
        self._spans: dict[UUID, tuple[str, Namespace, float]] = {}  # tool/node run -> (name, namespace, start)

    def emit(self, event: Event) -> None:
        for sink in self.sinks:
            try:
                sink.handle(event)
            except Exception:
                self.sink_failed(sink)

    def sink_failed(self, sink: Sink) -> None:
        """Count a sink's failure (inside ``except``): re-raise it or log it once per sink."""
        self.sink_errors += 1
        if self.raise_sink_errors:
            raise  # always called from an except block: re-raises the sink's error
        if id(sink) not in self._logged:
            self._logged.add(id(sink))
            logger.exception("teleprinter: sink %r failed; the stream goes on", sink)

    def started(
        self,
        run_id: UUID,
        parent_run_id: UUID | None,
        serialized: dict[str, Any] | None,
        tags: Sequence[str] | None,
        metadata: dict[str, Any] | None,
    ) -> None:
        self._runs[run_id] = ModelRun()
        self._plain_id = None
        name = model_name(serialized, metadata)
        tags = tuple(tags or ())
        self.emit(
            RunStarted(
                run_id, name, parent_run_id, tags, self.clock(), node_of(metadata), namespace_of(metadata),
                is_hidden(tags),
            )
        )

    def _run(self, run_id: UUID) -> ModelRun:
        run = self._runs.get(run_id)
        if run is None:  # a run whose start this handler did not see
            run = self._runs[run_id] = ModelRun()
        return run

    def token(self, run_id: UUID, token: str | list[Any], chunk: Any) -> None:
        if self._protocol and run_id in self._protocol:
            return  # v3 protocol events feed this run
        run = self._runs.get(run_id) or self._run(run_id)
        run.tokened = True
        message = getattr(chunk, "message", None)
        if message is None or (
            type(message.content) is str
            and not getattr(message, "tool_call_chunks", None)
            and not message.additional_kwargs
        ):  # the per-token common case: plain text only
            text = token if type(token) is str else content_text(token)
            if text:
                index = run.tokens
                run.tokens = index + 1
                run.streamed = True
                self.emit(_new_token(Token, (run_id, text, index, self.clock(), ())))
            return
        for event in message_events(run, run_id, message, self.clock()):
            self.emit(event)

    def plain_text(self, run_id: UUID, token: str, chunk: Any) -> str | None:
        """:meth:`token` for a caller that only writes text (the seed's stdout handler).

        When the chunk is plain text, does the run's bookkeeping and returns the text to write
        without building a ``Token`` (``""``: nothing to write); otherwise handles the chunk
        like :meth:`token` (events to the sinks) and returns ``None``.
        """
        if self._protocol and run_id in self._protocol:
            return ""
        message = getattr(chunk, "message", None)
        if message is not None and (
            type(message.content) is not str
            or getattr(message, "tool_call_chunks", None)
            or message.additional_kwargs
        ):
            self.token(run_id, token, chunk)
            return None
        if run_id is self._plain_id:  # LangChain passes the run's same UUID object for every token
            run = self._plain_run
        else:  # hashing a UUID runs Python code: once per run, not once per token
            run = self._runs.get(run_id) or self._run(run_id)
            self._plain_id, self._plain_run = run_id, run
        run.tokened = True
        if token:
            run.tokens += 1
            run.streamed = True
        return token

    def stream_event(self, run_id: UUID, event: Any) -> int:
        """One v3 protocol event (``on_stream_event``); returns how many answer tokens it gave."""
        run = self._run(run_id)
        if run.tokened and not run.protocol:
            return 0  # the model fires ``on_llm_new_token`` too: its tokens already came that way
        run.protocol = True
        self._protocol.add(run_id)
        events = protocol_events(run, run_id, event, self.clock())
        for item in events:
            self.emit(item)
        return sum(1 for item in events if type(item) is Token)

    def ended(self, run_id: UUID, response: LLMResult) -> int:
        """End of a model run; returns how many answer tokens the end-of-run fallback gave."""
        run = self._runs.pop(run_id, None) or ModelRun()
        self._plain_id = None
        self._protocol.discard(run_id)
        given = 0
        if not run.streamed:
            for event in self._final(run, run_id, response):
                given += type(event) is Token
                self.emit(event)
        usage, finish = usage_of(response)
        self.emit(RunEnded(run_id, usage, finish, self.clock()))
        return given

    def _final(self, run: ModelRun, run_id: UUID, response: LLMResult) -> list[Event]:
        """The answer of a run that did not stream: its first generation, as if streamed at once."""
        generation = next((g for gs in response.generations for g in gs), None)
        if generation is None:
            return []
        message = getattr(generation, "message", None)
        now = self.clock()
        if message is None:
            return [run.token(run_id, generation.text, now)] if generation.text else []
        return message_events(run, run_id, message, now, final=True)

    def failed(self, run_id: UUID, error: BaseException) -> None:
        self._runs.pop(run_id, None)
        self._protocol.discard(run_id)
        self.emit(RunFailed(run_id, error, is_interruption(error), self.clock()))

    def custom(self, run_id: UUID, name: str, data: Any, metadata: dict[str, Any] | None = None) -> None:
        self.emit(Custom(run_id, name, data, self.clock(), node_of(metadata), namespace_of(metadata)))

    def tool_started(
        self,
        run_id: UUID,
        parent_run_id: UUID | None,
        serialized: dict[str, Any] | None,
        input: Any,
        metadata: dict[str, Any] | None,
        kwargs: dict[str, Any],
    ) -> None:
        name = str(kwargs.get("name") or (serialized or {}).get("name") or "tool")
        namespace = namespace_of(metadata)
        now = self.clock()
        self._spans[run_id] = (name, namespace, now)
        call_id = kwargs.get("tool_call_id")
        self.emit(ToolStarted(run_id, name, input, parent_run_id, call_id, now, node_of(metadata), namespace))

    def tool_ended(self, run_id: UUID, output: Any = None, error: BaseException | None = None) -> None:
        span = self._spans.pop(run_id, None)
        now = self.clock()
        duration = now - span[2] if span else 0.0
        message = None if error is None else (str(error) or type(error).__name__)
        self.emit(ToolEnded(run_id, None if error is not None else tool_output(output), message, duration, now))

    def chain_started(
        self,
        run_id: UUID,
        parent_run_id: UUID | None,
        tags: Sequence[str] | None,
        metadata: dict[str, Any] | None,
        name: str | None,
    ) -> None:
        if not is_graph_node(name, tags, metadata):
            return
        node = str(name)
        namespace = namespace_of(metadata)
        now = self.clock()
        self._spans[run_id] = (node, namespace, now)
        self.emit(NodeStarted(run_id, node, namespace, parent_run_id, now))

    def chain_ended(self, run_id: UUID, outputs: Any = None, error: BaseException | None = None) -> None:
        span = self._spans.pop(run_id, None) if self._spans else None
        if span is None:
            return
        now = self.clock()
        message = None if error is None else (str(error) or type(error).__name__)
        self.emit(NodeEnded(run_id, span[0], span[1], outputs if error is None else None, message, now - span[2], now))


class EventCallbackHandler(BaseCallbackHandler):
    """Sync LangChain handler: callbacks in, :mod:`teleprinter.events` out to its sinks.

    ``run_inline`` keeps LangChain from hopping to a thread pool per token under async
    runs; the sinks only buffer, so running inline does not block the event loop.
    """

    run_inline = True

    def __init__(self, *sinks: Sink, raise_error: bool = False, clock: Clock = time.perf_counter) -> None:
        self.translator = EventTranslator(sinks, clock=clock)
        self.raise_error = raise_error
        self.translator.raise_sink_errors = raise_error

    @property
    def sinks(self) -> list[Sink]:
        return self.translator.sinks

    @property
    def sink_errors(self) -> int:
        return self.translator.sink_errors

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.translator.started(run_id, parent_run_id, serialized, tags, metadata)

    def on_llm_start(
        self,
        serialized: dict[str, Any],
        prompts: list[str],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.translator.started(run_id, parent_run_id, serialized, tags, metadata)

    def on_llm_new_token(
        self,
        token: str | list[str | dict[str, Any]],
        *,
        chunk: GenerationChunk | ChatGenerationChunk | None = None,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        self.translator.token(run_id, token, chunk)

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        self.translator.ended(run_id, response)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self.translator.failed(run_id, error)

    def on_stream_event(self, event: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """v3 protocol: ``content-block-*`` events of a model run (core fires no tokens then)."""
        self.translator.stream_event(run_id, event)

    def on_custom_event(
        self, name: str, data: Any, *, run_id: UUID, metadata: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        self.translator.custom(run_id, name, data, metadata)

    def on_tool_start(
        self,
        serialized: dict[str, Any],
        input_str: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        metadata: dict[str, Any] | None = None,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.translator.tool_started(
            run_id, parent_run_id, serialized, input_str if inputs is None else inputs, metadata, kwargs
        )

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.translator.tool_ended(run_id, output)

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self.translator.tool_ended(run_id, error=error)

    def on_chain_start(
        self,
        serialized: dict[str, Any] | None,
        inputs: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.translator.chain_started(run_id, parent_run_id, tags, metadata, kwargs.get("name"))

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.translator.chain_ended(run_id, outputs)

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self.translator.chain_ended(run_id, error=error)


class AsyncEventCallbackHandler(AsyncCallbackHandler):
    """Async flavour of :class:`EventCallbackHandler` for ``ainvoke``/``astream`` runs."""

    run_inline = True

    def __init__(self, *sinks: Sink, raise_error: bool = False, clock: Clock = time.perf_counter) -> None:
        self.translator = EventTranslator(sinks, clock=clock)
        self.raise_error = raise_error
        self.translator.raise_sink_errors = raise_error

    @property
    def sinks(self) -> list[Sink]:
        return self.translator.sinks

    async def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.translator.started(run_id, parent_run_id, serialized, tags, metadata)

    async def on_llm_start(
        self,
        serialized: dict[str, Any],
        prompts: list[str],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.translator.started(run_id, parent_run_id, serialized, tags, metadata)

    async def on_llm_new_token(
        self,
        token: str | list[str | dict[str, Any]],
        *,
        chunk: GenerationChunk | ChatGenerationChunk | None = None,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.translator.token(run_id, token, chunk)

    async def on_llm_end(
        self,
        response: LLMResult,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.translator.ended(run_id, response)

    async def on_llm_error(
        self,
        error: BaseException,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.translator.failed(run_id, error)

    async def on_custom_event(
        self,
        name: str,
        data: Any,
        *,
        run_id: UUID,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.translator.custom(run_id, name, data, metadata)

    async def on_stream_event(self, event: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.translator.stream_event(run_id, event)

    async def on_tool_start(
        self,
        serialized: dict[str, Any],
        input_str: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.translator.tool_started(
            run_id, parent_run_id, serialized, input_str if inputs is None else inputs, metadata, kwargs
        )

    async def on_tool_end(
        self, output: Any, *, run_id: UUID, parent_run_id: UUID | None = None, tags: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.translator.tool_ended(run_id, output)

    async def on_tool_error(
        self, error: BaseException, *, run_id: UUID, parent_run_id: UUID | None = None,
        tags: list[str] | None = None, **kwargs: Any,
    ) -> None:
        self.translator.tool_ended(run_id, error=error)

    async def on_chain_start(
        self,
        serialized: dict[str, Any],
        inputs: dict[str, Any],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.translator.chain_started(run_id, parent_run_id, tags, metadata, kwargs.get("name"))

    async def on_chain_end(
        self, outputs: dict[str, Any], *, run_id: UUID, parent_run_id: UUID | None = None,
        tags: list[str] | None = None, **kwargs: Any,
    ) -> None:
        self.translator.chain_ended(run_id, outputs)

    async def on_chain_error(
        self, error: BaseException, *, run_id: UUID, parent_run_id: UUID | None = None,
        tags: list[str] | None = None, **kwargs: Any,
    ) -> None:
        self.translator.chain_ended(run_id, error=error)
