"""Reasoning deltas from OpenAI-compatible servers and Azure, kept where LangChain can see them.

DeepSeek, vLLM, the llama.cpp server, Ollama and Azure's reasoning deployments stream the
model's thinking as ``choices[0].delta.reasoning_content`` (or ``delta.reasoning``) before the
answer. ``langchain-openai``'s ``ChatOpenAI`` builds each message chunk from ``role``,
``content``, ``function_call`` and ``tool_calls`` only, so the reasoning is dropped and the
terminal shows "waiting" while the model thinks. :class:`ReasoningDeltas` hooks the one method
that turns a streamed chunk into a ``ChatGenerationChunk``
(``BaseChatOpenAI._convert_chunk_to_generation_chunk``) and copies the text into the chunk
message's ``additional_kwargs["reasoning_content"]``, the key the event sources read
(:mod:`teleprinter.sources.content`) and LangChain merges across chunks like any string.
The client and everything else stay ``langchain-openai``'s.
"""

from __future__ import annotations

from typing import Any

REASONING_KEYS = ("reasoning_content", "reasoning")


def delta_reasoning(chunk: dict[str, Any]) -> str:
    """The reasoning text of one streamed chat-completions chunk ("" when it has none)."""
    choices = chunk.get("choices") or (chunk.get("chunk") or {}).get("choices") or []
    if not choices or not isinstance(choices[0], dict):
        return ""
    delta = choices[0].get("delta") or {}
    for key in REASONING_KEYS:
        value = delta.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


class ReasoningDeltas:
    """Mixin for ``ChatOpenAI``/``AzureChatOpenAI`` subclasses: keep ``delta.reasoning_content``."""

    def _convert_chunk_to_generation_chunk(
        self, chunk: dict[str, Any], default_chunk_class: type, base_generation_info: dict[str, Any] | None
    ) -> Any:
        generation = super()._convert_chunk_to_generation_chunk(  # type: ignore[misc]
            chunk, default_chunk_class, base_generation_info
        )
        if generation is not None:
            thought = delta_reasoning(chunk)
            if thought:
                generation.message.additional_kwargs["reasoning_content"] = thought
        return generation
