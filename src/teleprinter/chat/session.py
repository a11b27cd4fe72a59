"""The conversation: turns in order, the system prompt, and the LangChain messages they make.

Turns are the single source of truth; the messages sent to the model are derived from them,
so /reset, /retry and --resume only ever edit one list. (Plain message lists, not
``InMemoryChatMessageHistory``: langchain-core 1.6.4 deprecated it.) A turn that failed stays *pending*
(outside the conversation) until it is retried or replaced by the next question.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

Status = Literal["complete", "interrupted", "failed"]
INTERRUPTED_MARK = "[interrupted]"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(slots=True)
class Turn:
    """One question and what the model answered to it (maybe partial)."""

    user: str
    assistant: str = ""
    status: Status = "complete"
    error: str | None = None
    model: str = ""
    time: str = field(default_factory=now_iso)
    tokens: int | None = None
    finish_reason: str | None = None  # kept when the provider cut the answer ("length", "content_filter")
    reasoning: str = ""
    """The model's reasoning for this answer: shown by /thinking and saved, never sent back to the model."""
    tools: list[dict[str, Any]] = field(default_factory=list)
    """Tool calls of the turn: ``{"name", "args", "output"}`` or ``{..., "error"}``."""

    @property
    def in_conversation(self) -> bool:
        """Complete and interrupted answers are remembered; a failed one is not (it never happened)."""
        return self.status != "failed"


class ChatSession:
    """What the model is told each turn: the system prompt, then every remembered turn."""

    def __init__(self, system: str | None = None) -> None:
        self.system = system or None
        self.turns: list[Turn] = []
        self.pending: Turn | None = None

    def messages(self, question: str | None = None) -> list[BaseMessage]:
        """The conversation as LangChain messages, ending with ``question`` when one is given."""
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        messages: list[BaseMessage] = [SystemMessage(self.system)] if self.system else []
        for turn in self.turns:
            messages.append(HumanMessage(turn.user))
            metadata: dict[str, Any] = {"status": turn.status} if turn.status != "complete" else {}
            messages.append(AIMessage(turn.assistant, response_metadata=metadata))
        if question is not None:
            messages.append(HumanMessage(question))
        return messages

    def record(self, turn: Turn) -> int:
        """Add a finished turn; returns its index, or -1 for a failed turn kept aside for /retry."""
        if not turn.in_conversation:
            self.pending = turn
            return -1
        self.pending = None
        self.turns.append(turn)
        return len(self.turns) - 1

    def retry_question(self) -> str | None:
        """The question /retry asks again: the failed one, else the last answered one (then forgotten)."""
        if self.pending is not None:
            question = self.pending.user
            self.pending = None
            return question
        if self.turns:
            return self.turns.pop().user
        return None

    def reset(self) -> None:
        """Forget every turn; the system prompt stays, as a new conversation with the same setup."""
        self.turns.clear()
        self.pending = None

    def place(self, index: int, turn: Turn) -> None:
        """Put ``turn`` at ``index``, dropping what came after (a retried turn replaces the old one)."""
        del self.turns[index:]
        self.turns.append(turn)
