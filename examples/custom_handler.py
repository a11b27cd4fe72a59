"""Seed snippet 1: a custom callback handler with a prefix and state (``tokens_seen``).

The seed's class, completed: the prefix starts every line of the answer, not just the first.
teleprinter ships the same thing ready-made as ``teleprinter.StreamingStdOutCallbackHandler``.

    python examples/custom_handler.py [--replay]
"""

from __future__ import annotations

import sys
from typing import Any

from _model import chat_model
from langchain_core.callbacks import BaseCallbackHandler


class StreamingStdOutCallbackHandler(BaseCallbackHandler):
    """Handler for streaming response tokens."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.tokens_seen = 0
        self._at_line_start = True

    def on_llm_new_token(self, token: Any, **kwargs: Any) -> None:
        if not isinstance(token, str) or not token:
            return
        self.tokens_seen += 1
        lines = token.split("\n")
        for number, line in enumerate(lines):
            if number:
                sys.stdout.write("\n")
                self._at_line_start = True
            if line:
                sys.stdout.write((self.prefix if self._at_line_start else "") + line)
                self._at_line_start = False
        sys.stdout.flush()


def main() -> None:
    handler = StreamingStdOutCallbackHandler(prefix="AI> ")
    model = chat_model("Streaming shows each token\nas soon as it arrives.")
    for _chunk in model.stream("Why stream model output?", config={"callbacks": [handler]}):
        pass
    print(f"\n[{handler.tokens_seen} tokens seen]")


if __name__ == "__main__":
    main()
