"""``async for`` over callbacks with ``AsyncIteratorHandler``: concurrent runs apart, errors raised.

Unlike LangChain's ``AsyncIteratorCallbackHandler``, the iteration ends with the model's
exception when the model fails, and one handler serves several concurrent runs.

    python examples/async_iterator.py [--replay]
"""

from __future__ import annotations

import asyncio

from _model import chat_model, offline

from teleprinter import AsyncIteratorHandler, ReplayChatModel


async def answer(handler: AsyncIteratorHandler, question: str) -> str:
    model = chat_model(f"An answer to {question.lower()}")
    return "".join([text async for text in handler.tokens(model, question)])


async def main() -> None:
    handler = AsyncIteratorHandler()
    questions = ["Name a colour.", "Name a river."]
    answers = await asyncio.gather(*(answer(handler, q) for q in questions))
    for question, text in zip(questions, answers, strict=True):
        print(f"{question} -> {' '.join(text.split())}")

    failing = ReplayChatModel.from_text("this answer breaks off", fail_after=2)
    received = []
    try:
        async for text in handler.tokens(failing, "Fail, please."):
            received.append(text)
    except Exception as error:
        print(f"failed after {''.join(received)!r}: {error}")
    if not offline():
        print("(the failing run always uses the replay model)")


if __name__ == "__main__":
    asyncio.run(main())
