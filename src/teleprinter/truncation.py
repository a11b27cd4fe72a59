"""Answers the provider cut short: which finish reasons mean "cut", and the one line that says so.

OpenAI-compatible services end a stream with ``finish_reason``: ``stop`` (the model finished),
``length`` (the token limit: ``max_tokens`` or the context window) or ``content_filter`` (the
provider's filter withheld the rest); LangChain carries it in the last chunk's
``response_metadata`` / ``generation_info`` and our sources put it on ``RunEnded``. A cut
answer must never pass for a whole one: the CLI says so on stderr, ``ask --strict`` exits
non-zero, and chat marks the turn and offers ``/continue``.
"""

from __future__ import annotations

CUT_REASONS = {
    "length": "cut at the token limit",
    "max_tokens": "cut at the token limit",  # Anthropic's name for the same end
    "content_filter": "cut by the provider's content filter",
}


def is_cut(finish_reason: str | None) -> bool:
    """True when ``finish_reason`` says the answer did not end where the model meant it to."""
    return finish_reason in CUT_REASONS


def cut_notice(finish_reason: str | None, *, answered: bool = True) -> str | None:
    """The one line telling the user an answer was cut (no trailing newline), or None when it was not.

    ``answered`` is False when no answer text arrived at all (a model that spent its whole
    budget reasoning), which the line says too, as the screen shows nothing.
    """
    if not is_cut(finish_reason):
        return None
    what = CUT_REASONS[str(finish_reason)]
    if not answered:
        return f"no answer: {what} before any answer text (finish_reason={finish_reason})"
    hint = "; raise --max-tokens, or /continue in chat" if what.endswith("token limit") else ""
    return f"answer {what} (finish_reason={finish_reason}){hint}"
