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

from teleprinter.events import Custom, Event, RunEnded, RunFailed, RunStarted, Token, is_interruption
from teleprinter.sinks import Sink

logger = logging.getLogger("teleprinter")

_new_token = tuple.__new__
"""Builds a Token from a full tuple without the Python-level ``NamedTuple.__new__`` (0.2 µs, not 0.7):
the translator always passes every field, so the defaults that wrapper handles are never needed."""

Clock = Any  # a zero-argument callable returning seconds


def model_name(serialized: dict[str, Any] | None, metadata: dict[str, Any] | None) -> str:
    """Best human name for the model: LangChain's ``ls_model_name``, else the class name."""
    if metadata and metadata.get("ls_model_name"):
        return str(metadata["ls_model_name"])
    if not serialized:
        return ""
    kwargs = serialized.get("kwargs") or {}
    for key in ("model_name", "model", "deployment_name", "azure_deployment"):
        if kwargs.get(key):
            return str(kwargs[key])
    name = serialized.get("name") or (serialized.get("id") or [""])[-1]
    return str(name)


def content_text(content: Any) -> str:
    """Text of a message's content: a string, or the text blocks of a content list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            block if isinstance(block, str) else str(block.get("text", ""))
            for block in content
            if isinstance(block, str) or (isinstance(block, dict) and block.get("type") == "text")
        )
    return ""


def message_parts(message: BaseMessage) -> tuple[Any, ...]:
    """Non-text parts of a message chunk; shared with the ``astream_events`` source."""
    tool_call_chunks = getattr(message, "tool_call_chunks", None)
    if not tool_call_chunks and type(message.content) is str and not message.additional_kwargs:
        return ()  # the per-token common case: plain text only
    parts: list[Any] = list(tool_call_chunks or ())
    if isinstance(message.content, list):
        parts.extend(
            block
            for block in message.content
            if isinstance(block, dict) and block.get("type") in ("reasoning", "thinking")
        )
    reasoning = message.additional_kwargs.get("reasoning_content")
    if reasoning:
        parts.append({"type": "reasoning", "reasoning": reasoning})
    return tuple(parts)


def usage_of(response: LLMResult) -> tuple[dict[str, Any] | None, str | None]:
    """Usage metadata and finish reason from a finished LLM result, when the provider gave them."""
    usage: dict[str, Any] | None = None
    finish: str | None = None
    for generations in response.generations:
        for generation in generations:
            message = getattr(generation, "message", None)
            found = getattr(message, "usage_metadata", None)
            if found:
                usage = dict(found)
            info = generation.generation_info or {}
            metadata = getattr(message, "response_metadata", None) or {}
            finish = info.get("finish_reason") or metadata.get("finish_reason") or finish
    if usage is None and response.llm_output:
        token_usage = response.llm_output.get("token_usage") or response.llm_output.get("usage")
        if isinstance(token_usage, dict) and token_usage:
            usage = {
                "input_tokens": token_usage.get("prompt_tokens", 0),
                "output_tokens": token_usage.get("completion_tokens", 0),
                "total_tokens": token_usage.get("total_tokens", 0),
            }
    return usage, finish


class EventTranslator:
    """The translation itself, shared by the sync and async handler flavours."""

    def __init__(self, sinks: Iterable[Sink] = (), *, clock: Clock = time.perf_counter) -> None:
        self.sinks: list[Sink] = list(sinks)
        self.clock = clock
        self.sink_errors = 0
        self.raise_sink_errors = False
        self._logged: set[int] = set()
        self._indexes: dict[UUID, int] = {}

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
        self._indexes[run_id] = 0
        name = model_name(serialized, metadata)
        self.emit(RunStarted(run_id, name, parent_run_id, tuple(tags or ()), self.clock()))

    def token(self, run_id: UUID, token: str | list[Any], chunk: Any) -> None:
        # core passes list content (text + reasoning blocks) as it is
        text = token if type(token) is str else content_text(token)
        message: BaseMessage | None = getattr(chunk, "message", None)
        parts = () if message is None else message_parts(message)
        if not text and not parts:
            return
        index = self._indexes.get(run_id, 0)
        self._indexes[run_id] = index + 1
        self.emit(_new_token(Token, (run_id, text, index, self.clock(), parts)))

    def ended(self, run_id: UUID, response: LLMResult) -> None:
        self._indexes.pop(run_id, None)
        usage, finish = usage_of(response)
        self.emit(RunEnded(run_id, usage, finish, self.clock()))

    def failed(self, run_id: UUID, error: BaseException) -> None:
        self._indexes.pop(run_id, None)
        self.emit(RunFailed(run_id, error, is_interruption(error), self.clock()))

    def custom(self, run_id: UUID, name: str, data: Any) -> None:
        self.emit(Custom(run_id, name, data, self.clock()))


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

    def on_custom_event(self, name: str, data: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.translator.custom(run_id, name, data)


class AsyncEventCallbackHandler(AsyncCallbackHandler):
    """Async flavour of :class:`EventCallbackHandler` for ``ainvoke``/``astream`` runs."""

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
        self.translator.custom(run_id, name, data)
