"""Seed pattern: ``TokenAccumulator`` — collect tokens for post-processing.

teleprinter's ``TokenAccumulator`` keeps ``tokens`` and ``get_text()`` as in the seed, and keeps
concurrent runs apart by run id, so one accumulator can serve a whole ``abatch``.

    python examples/token_accumulator.py [--replay]
"""

from __future__ import annotations

import asyncio

from _model import chat_model

from teleprinter import TokenAccumulator


def main() -> None:
    accumulator = TokenAccumulator()
    model = chat_model("Accumulated tokens make the whole answer.")
    model.invoke("What do accumulated tokens make?", config={"callbacks": [accumulator]}, stream=True)
    text = accumulator.get_text()
    print(f"{len(accumulator.tokens)} tokens -> {text.strip()!r}")
    print(f"post-processed: {text.strip().upper()!r}")

    accumulator.reset()
    model = chat_model(lambda messages: f"You asked: {messages[-1].text}")
    questions = ["Name a colour.", "Name a sound."]
    asyncio.run(model.abatch(questions, config={"callbacks": [accumulator]}, stream=True))  # type: ignore[call-arg]
    print(f"{len(accumulator.run_ids)} concurrent runs kept apart:")
    for run_id in accumulator.run_ids:
        print(f"  {accumulator.get_text(run_id).strip()!r}")


if __name__ == "__main__":
    main()
