"""Seed pattern: ``ProgressTracker`` — a dot per token while the answer is generated.

    python examples/progress_tracker.py [--replay]
"""

from __future__ import annotations

from _model import chat_model

from teleprinter import ProgressTracker, TokenAccumulator


def main() -> None:
    tracker = ProgressTracker()
    accumulator = TokenAccumulator()
    model = chat_model("Each token is one dot on the progress line.")
    model.invoke("What is a dot?", config={"callbacks": [tracker, accumulator]}, stream=True)
    print(f" {tracker.tokens_seen} tokens")
    print(accumulator.get_text().strip())


if __name__ == "__main__":
    main()
