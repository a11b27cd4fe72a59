"""Any Runnable as teleprinter events: ``prompt | model | StrOutputParser()`` via ``astream_events``.

``teleprinter.astream`` turns LangChain's ``astream_events(version="v2")`` into the same events
the callback handlers produce (``teleprinter.stream`` is the sync flavour).

    python examples/astream_events.py [--replay]
"""

from __future__ import annotations

import asyncio

from _model import chat_model
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

import teleprinter
from teleprinter.events import RunEnded, RunStarted, Token


async def main() -> None:
    prompt = ChatPromptTemplate.from_template("Answer in one sentence: {question}")
    chain = prompt | chat_model("Events carry every token of every model run.") | StrOutputParser()
    tokens = 0
    async for event in teleprinter.astream(chain, {"question": "What do events carry?"}):
        if isinstance(event, RunStarted):
            print(f"[model run started: {event.model}]")
        elif isinstance(event, Token):
            tokens += 1
            print(event.text, end="", flush=True)
        elif isinstance(event, RunEnded):
            print(f"\n[model run ended: {tokens} tokens, finish reason {event.finish_reason}]")


if __name__ == "__main__":
    asyncio.run(main())
