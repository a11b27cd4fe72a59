"""One llama.cpp completion as a stream of text pieces, without LangChain.

Shared by :class:`teleprinter.providers.local.LocalChatModel` (which wraps each piece in a
LangChain chunk) and the model worker (:mod:`teleprinter.worker`, which sends each piece over
its socket), so an answer through the worker is the same text, piece for piece, as one made
in-process. The sampling defaults live here for the same reason.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

from teleprinter import timeline
from teleprinter.errors import ProviderError

DEFAULT_PREAMBLE = "A conversation between a curious user and a helpful, knowledgeable assistant."
STOP_SEQUENCES = ("\nUser:", "User:", "\n\n\n")
MODEL_NAME = "gemma-3-270m"

DEFAULT_MAX_TOKENS = 256
DEFAULT_TEMPERATURE = 0.2
DEFAULT_TOP_P = 0.95
DEFAULT_TOP_K = 40
DEFAULT_REPEAT_PENALTY = 1.1
DEFAULT_SEED = 0


def conversation_text(turns: Sequence[tuple[str, str]], preamble: str = DEFAULT_PREAMBLE) -> str:
    """A plain "User:/Assistant:" transcript ending with ``Assistant:`` from ``(role, text)`` turns.

    Roles are LangChain message types (``system``, ``human``, ``ai``, or any other, shown
    capitalised). System turns replace ``preamble``; texts are stripped.
    """
    system = [text.strip() for role, text in turns if role == "system"]
    lines = [" ".join(system) if system else preamble, ""]
    for role, text in turns:
        if role == "human":
            lines.append(f"User: {text.strip()}")
        elif role == "ai":
            lines.append(f"Assistant: {text.strip()}")
        elif role != "system":
            lines.append(f"{role.capitalize()}: {text.strip()}")
    lines.append("Assistant:")
    return "\n".join(lines)


def completion_args(
    prompt: str,
    *,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    temperature: float = DEFAULT_TEMPERATURE,
    top_p: float = DEFAULT_TOP_P,
    top_k: int = DEFAULT_TOP_K,
    repeat_penalty: float = DEFAULT_REPEAT_PENALTY,
    seed: int = DEFAULT_SEED,
    stop: Sequence[str] = (),
) -> dict[str, Any]:
    """Keyword arguments of ``Llama.create_completion(stream=True)``: a JSON-safe dict."""
    return {
        "prompt": prompt,
        "stream": True,
        "max_tokens": int(max_tokens),
        "temperature": float(temperature),
        "top_p": top_p,
        "top_k": top_k,
        "repeat_penalty": repeat_penalty,
        "seed": int(seed),
        "stop": [*STOP_SEQUENCES, *stop],
    }


@dataclass(slots=True)
class Completion:
    """What a finished completion reports: token counts (llama's tokenizer) and why it stopped."""

    prompt_tokens: int = 0
    output_tokens: int = 0
    finish_reason: str = "stop"

    def usage(self) -> dict[str, int]:
        """LangChain ``usage_metadata`` keys."""
        return {
            "input_tokens": self.prompt_tokens,
            "output_tokens": self.output_tokens,
            "total_tokens": self.prompt_tokens + self.output_tokens,
        }


def stream_pieces(
    llama: Any, args: dict[str, Any], cancelled: threading.Event, completion: Completion
) -> Generator[str, None, None]:
    """Run one completion; yield its text pieces; fill ``completion`` when the stream ends.

    The leading space llama.cpp puts before the first word (the prompt ends in
    ``Assistant:``) is dropped. Setting ``cancelled`` stops before the next piece.
    Raises :class:`ProviderError` when the prompt does not fit the context.
    """
    prompt_tokens = len(llama.tokenize(args["prompt"].encode("utf-8"), add_bos=True))
    if prompt_tokens + 1 >= llama.n_ctx():
        raise ProviderError(
            f"the conversation is too long for the model ({prompt_tokens} tokens, context {llama.n_ctx()})",
            "start a new conversation or shorten the prompt",
        )
    completion.prompt_tokens = prompt_tokens
    from teleprinter.providers.llama_loader import tune_threads  # not on the worker client's path

    tune_threads(llama)
    stream = llama.create_completion(**args)
    pieces: list[str] = []
    finish: str | None = None
    try:
        for part in stream:
            if cancelled.is_set():
                break
            choice = part["choices"][0]
            finish = choice.get("finish_reason") or finish
            text = choice.get("text") or ""
            if not pieces:
                text = text.lstrip()
                if text:
                    timeline.mark("prompt evaluation", "first piece out of llama.cpp")
            if text:
                pieces.append(text)
                yield text
    finally:
        stream.close()
    if pieces:
        completion.output_tokens = len(llama.tokenize("".join(pieces).encode("utf-8"), add_bos=False))
    completion.finish_reason = finish or "stop"
