"""Shared by the examples: the embedded Gemma 3 270M by default, a replay model with ``--replay``.

Both run offline. ``--replay`` streams the example's scripted answer word by word, so the
output is the same on every run (the tests use it); without it the real embedded model answers.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

Answer = str | Callable[[Sequence[BaseMessage]], str]


def offline() -> bool:
    return "--replay" in sys.argv[1:]


def chat_model(answer: Answer, **kwargs: Any) -> BaseChatModel:
    """A streaming-capable chat model; ``answer`` is what the replay model says (or a function of the messages)."""
    if offline():
        from teleprinter import ReplayChatModel

        delay = float(kwargs.pop("delay", 0.005))
        if callable(answer):
            return ReplayChatModel(responder=answer, delays=[delay], **kwargs)
        return ReplayChatModel.from_text(answer, delay=delay, **kwargs)
    from teleprinter import LocalChatModel

    kwargs.pop("delay", None)
    return LocalChatModel(max_tokens=int(kwargs.pop("max_tokens", 40)), temperature=0.0, **kwargs)
