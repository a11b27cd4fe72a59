"""Seed best practice: ``write_output`` — write, then flush, so each token shows at once.

    python examples/write_output.py [--replay]
"""

from __future__ import annotations

import sys
from typing import Any

from _model import chat_model
from langchain_core.callbacks import BaseCallbackHandler


def write_output(text: str) -> None:
    """Write output with proper buffer management."""
    sys.stdout.write(text)
    sys.stdout.flush()


class WriteOutputHandler(BaseCallbackHandler):
    def on_llm_new_token(self, token: Any, **kwargs: Any) -> None:
        if isinstance(token, str):
            write_output(token)


def main() -> None:
    model = chat_model("Flushed output appears immediately, even through a pipe.")
    model.invoke("Why flush?", config={"callbacks": [WriteOutputHandler()]}, stream=True)
    write_output("\n")


if __name__ == "__main__":
    main()
