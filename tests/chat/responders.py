"""Scripted replies for chat tests (``--replay-script tests/chat/responders.py:answer``).

Each answer depends on the prompt the model received, so a test can see memory at work:
"remember N" -> acknowledged; "what number?" -> the number found in *earlier* turns, if any;
"fail" -> the turn fails like a model error; "long" -> a long answer to interrupt.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

LONG_ANSWER = " ".join(f"word{n}" for n in range(1, 400)) + " THE-END"


def answer(messages: Sequence[BaseMessage]) -> str:
    question = messages[-1].text.strip()
    earlier = [m.text for m in messages[:-1] if isinstance(m, HumanMessage)]
    system = [m.text for m in messages if isinstance(m, SystemMessage)]
    if question.startswith("remember "):
        return f"OK, I will remember {question.removeprefix('remember ')}."
    if question == "what number?":
        for text in reversed(earlier):
            found = re.search(r"remember (\d+)", text)
            if found:
                return f"You told me {found.group(1)}."
        return "You have not told me a number."
    if question == "fail":
        raise ConnectionError("injected network failure")
    if question == "long":
        return LONG_ANSWER
    if question == "system?":
        return f"System says: {system[0]}" if system else "No system prompt."
    return f"echo: {question} (turn {len(earlier) + 1})"
