"""Turn chat messages into a plain conversation prompt for base (non-instruction) models.

The Gemma chat template makes the 270M base model ramble; a "User:/Assistant:" transcript
after a one-line preamble makes it answer briefly and sensibly.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

DEFAULT_PREAMBLE = "A conversation between a curious user and a helpful, knowledgeable assistant."
STOP_SEQUENCES = ("\nUser:", "User:", "\n\n\n")


def _text(message: BaseMessage) -> str:
    return message.text.strip()


def conversation_prompt(messages: Sequence[BaseMessage], preamble: str = DEFAULT_PREAMBLE) -> str:
    """``preamble`` (or the system message), then alternating turns, ending with ``Assistant:``."""
    system = [_text(m) for m in messages if isinstance(m, SystemMessage)]
    lines = [" ".join(system) if system else preamble, ""]
    for message in messages:
        if isinstance(message, HumanMessage):
            lines.append(f"User: {_text(message)}")
        elif isinstance(message, AIMessage):
            lines.append(f"Assistant: {_text(message)}")
        elif not isinstance(message, SystemMessage):
            lines.append(f"{message.type.capitalize()}: {_text(message)}")
    lines.append("Assistant:")
    return "\n".join(lines)
