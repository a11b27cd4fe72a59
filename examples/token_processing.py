"""Seed snippet 3: process each new token as it arrives (count it, print it at once).

    python examples/token_processing.py [--replay]
"""

from __future__ import annotations

from typing import Any

from _model import chat_model
from langchain_core.callbacks import BaseCallbackHandler


class TokenPrinter(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens_seen = 0
        self.longest = ""

    def on_llm_new_token(self, token: Any, **kwargs: Any) -> None:
        """Process each new token as it arrives."""
        if not isinstance(token, str) or not token:
            return
        self.tokens_seen += 1
        self.longest = max(self.longest, token.strip(), key=len)
        print(token, end="", flush=True)


def main() -> None:
    printer = TokenPrinter()
    model = chat_model("Tokens arrive one by one, extraordinarily quickly.")
    model.invoke("Describe streaming in one sentence.", config={"callbacks": [printer]}, stream=True)
    print(f"\n[{printer.tokens_seen} tokens, longest {printer.longest!r}]")


if __name__ == "__main__":
    main()
