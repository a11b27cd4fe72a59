"""Turn chat messages into a plain conversation prompt for base (non-instruction) models.

The Gemma chat template makes the 270M base model ramble; a "User:/Assistant:" transcript
after a one-line preamble makes it answer briefly and sensibly. The transcript itself is
built by :func:`teleprinter.providers.llama_stream.conversation_text` from ``(role, text)``
turns, so the model worker's LangChain-free client builds the very same prompt.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from teleprinter.providers.llama_stream import DEFAULT_PREAMBLE, STOP_SEQUENCES, conversation_text

__all__ = ["DEFAULT_PREAMBLE", "STOP_SEQUENCES", "conversation_prompt", "message_turns"]


def message_turns(messages: Sequence[BaseMessage]) -> list[tuple[str, str]]:
    """``(role, text)`` per message: ``system``, ``human``, ``ai`` (chunks included), else ``message.type``."""
    return [(_role(message), message.text) for message in messages]


def _role(message: BaseMessage) -> str:
    if isinstance(message, SystemMessage):
        return "system"
    if isinstance(message, HumanMessage):
        return "human"
    if isinstance(message, AIMessage):
        return "ai"
    return message.type


def conversation_prompt(messages: Sequence[BaseMessage], preamble: str = DEFAULT_PREAMBLE) -> str:
    """``preamble`` (or the system message), then alternating turns, ending with ``Assistant:``."""
    return conversation_text(message_turns(messages), preamble)
