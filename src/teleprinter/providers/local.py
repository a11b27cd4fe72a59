"""The embedded default model: Gemma 3 270M through llama-cpp-python, as a real LangChain chat model.

Gemma 3 270M is a base model, so it is prompted as a plain conversation ("User:" /
"Assistant:" turns after a short preamble) and stopped at the next "User:". Tokens are
yielded as llama.cpp produces them; ``_astream`` runs generation on a worker thread and
hands tokens to the event loop one by one, so async consumers see them live.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.chat_models import generate_from_stream
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import Field

from teleprinter.providers import llama_stream
from teleprinter.providers.llama_loader import (
    DEFAULT_N_CTX,
    LoadedModel,
    default_threads,
    load_llama,
    resolve_model_path,
)
from teleprinter.providers.llama_stream import MODEL_NAME, Completion, stream_pieces
from teleprinter.providers.prompt import DEFAULT_PREAMBLE, conversation_prompt


class LocalChatModel(BaseChatModel):
    """Gemma 3 270M, embedded: no keys, no network.

    Tokens reach callback handlers exactly once under ``invoke``/``stream``/v2/v3: core fires
    ``on_llm_new_token`` itself except under the v3 protocol, the only caller that hands
    ``_stream`` a run manager, so ``_stream`` fires them then.
    """

    streaming: bool = False
    """Stream through callbacks under ``invoke`` too (LangChain's switch, as in the seed)."""
    model_path: str | None = None
    """GGUF file to run; ``None`` means the embedded Gemma 3 270M."""
    max_tokens: int = llama_stream.DEFAULT_MAX_TOKENS
    temperature: float = llama_stream.DEFAULT_TEMPERATURE
    top_p: float = llama_stream.DEFAULT_TOP_P
    top_k: int = llama_stream.DEFAULT_TOP_K
    repeat_penalty: float = llama_stream.DEFAULT_REPEAT_PENALTY
    seed: int = llama_stream.DEFAULT_SEED
    stop: list[str] | None = None
    system_prompt: str = DEFAULT_PREAMBLE
    n_ctx: int = DEFAULT_N_CTX
    n_threads: int = Field(default_factory=default_threads)
    """Generation threads: half the cores, as llama-cpp-python does; more only spin against each other."""

    @property
    def _llm_type(self) -> str:
        return "teleprinter-local"

    @property
    def model_name(self) -> str:
        return MODEL_NAME if self.model_path is None else os.path.basename(self.model_path)

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name, "max_tokens": self.max_tokens, "temperature": self.temperature}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> Any:
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_provider"] = "teleprinter-local"
        params["ls_model_name"] = kwargs.get("model") or self.model_name
        return params

    def _llama(self) -> LoadedModel:
        return load_llama(resolve_model_path(self.model_path), self.n_ctx, self.n_threads)

    def _completion_args(
        self, messages: Sequence[BaseMessage], stop: list[str] | None, **kwargs: Any
    ) -> dict[str, Any]:
        return llama_stream.completion_args(
            conversation_prompt(messages, self.system_prompt),
            max_tokens=int(kwargs.get("max_tokens", self.max_tokens)),
            temperature=float(kwargs.get("temperature", self.temperature)),
            top_p=self.top_p,
            top_k=self.top_k,
            repeat_penalty=self.repeat_penalty,
            seed=int(kwargs.get("seed", self.seed)),
            stop=[*(self.stop or ()), *(stop or ())],
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return generate_from_stream(self._stream(messages, stop, None, **kwargs))  # see _stream

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        loaded = self._llama()
        args = self._completion_args(messages, stop, **kwargs)
        with loaded.lock:
            for chunk in _generate_chunks(loaded.llama, args, threading.Event()):
                if run_manager is not None:  # only the v3 protocol passes one; core fires tokens otherwise
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        loop = asyncio.get_running_loop()
        loaded = await loop.run_in_executor(None, self._llama)
        args = self._completion_args(messages, stop, **kwargs)
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        cancelled = threading.Event()

        def produce() -> None:
            try:
                with loaded.lock:
                    for chunk in _generate_chunks(loaded.llama, args, cancelled):
                        loop.call_soon_threadsafe(queue.put_nowait, ("chunk", chunk))
            except BaseException as error:  # handed to the consumer, raised there
                loop.call_soon_threadsafe(queue.put_nowait, ("error", error))
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, ("done", None))

        worker = loop.run_in_executor(None, produce)
        try:
            while True:
                kind, item = await queue.get()
                if kind == "chunk":
                    if run_manager is not None:  # only the v3 protocol passes one; core fires tokens otherwise
                        await run_manager.on_llm_new_token(item.text, chunk=item)
                    yield item
                elif kind == "error":
                    raise item
                else:
                    break
        finally:
            cancelled.set()
            await asyncio.shield(worker) if not worker.done() else None


def _generate_chunks(llama: Any, args: dict[str, Any], cancelled: threading.Event) -> Iterator[ChatGenerationChunk]:
    """Run one completion (:func:`llama_stream.stream_pieces`) as LangChain chunks, the last with usage."""
    completion = Completion()
    for text in stream_pieces(llama, args, cancelled, completion):
        yield ChatGenerationChunk(message=AIMessageChunk(content=text))
    usage = UsageMetadata(**completion.usage())  # type: ignore[typeddict-item]
    metadata = {"finish_reason": completion.finish_reason, "model_name": MODEL_NAME}
    yield ChatGenerationChunk(
        message=AIMessageChunk(
            content="", usage_metadata=usage, chunk_position="last", response_metadata=metadata
        ),
        generation_info={"finish_reason": completion.finish_reason},
    )


def create(options: Any) -> BaseChatModel:
    """Registry entry: the embedded model, with the run's options applied."""
    kwargs: dict[str, Any] = {}
    if options.max_tokens is not None:
        kwargs["max_tokens"] = options.max_tokens
    if options.temperature is not None:
        kwargs["temperature"] = options.temperature
    if options.model_path:
        kwargs["model_path"] = options.model_path
    return LocalChatModel(**kwargs)
