"""Seed best practice: error handling around a streaming call, Ctrl-C included.

Partial output stays on screen; Ctrl-C prints the seed's message instead of a traceback.
``--fail`` makes the replay model fail mid-answer; ``--slow`` streams slowly (try Ctrl-C).

    python examples/error_handling.py [--replay] [--fail] [--slow]
"""

from __future__ import annotations

import sys

from _model import chat_model
from langchain_core.messages import HumanMessage

from teleprinter import StreamingStdOutCallbackHandler


def main() -> int:
    fail = "--fail" in sys.argv
    slow = "--slow" in sys.argv
    answer = " ".join(["Streaming"] + ["on"] * (400 if slow else 8) + ["and done."])
    options = {"fail_after": 3} if fail else {}
    chat_model_ = chat_model(answer, streaming=True, delay=0.05 if slow else 0.005, **options)
    chat_model_.callbacks = [StreamingStdOutCallbackHandler()]
    messages = [HumanMessage("Tell me about streaming.")]
    try:
        # Stream response
        chat_model_.invoke(messages)
    except KeyboardInterrupt:
        print("\nStreaming interrupted by user")
        return 130
    except Exception as e:
        print(f"\nError during streaming: {e!s}")
        return 1
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
