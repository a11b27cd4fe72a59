"""Custom data written to the stream (``dispatch_custom_event``) shown as status, not as answer.

A chain reports its steps with custom events; the answer goes to stdout, the steps to stderr
(``CustomStatus``), and ``--record FILE`` keeps both as JSON lines.

    python examples/custom_events.py [--replay] [--record FILE]
"""

from __future__ import annotations

import sys

from _model import chat_model
from langchain_core.callbacks import dispatch_custom_event
from langchain_core.messages import BaseMessage
from langchain_core.runnables import RunnableLambda

import teleprinter
from teleprinter.render.plain import PlainRenderer
from teleprinter.sinks.record import Recorder
from teleprinter.sinks.status import CustomStatus


def look_up(question: str) -> str:
    dispatch_custom_event("step", {"status": "looking up notes"})
    return f"{question} (notes: streams carry status too)"


def finish(message: BaseMessage) -> str:
    dispatch_custom_event("step", {"status": "answer complete"})
    return message.text


def main() -> None:
    chain = RunnableLambda(look_up) | chat_model("Status travels beside the answer.") | RunnableLambda(finish)
    sinks: list[teleprinter.sinks.Sink] = [PlainRenderer(sys.stdout), CustomStatus(sys.stderr)]
    record = sys.argv[sys.argv.index("--record") + 1] if "--record" in sys.argv else None
    with open(record or "/dev/null", "w", encoding="utf-8") as file:
        if record:
            sinks.append(Recorder(file))
        for event in teleprinter.stream(chain, "Where does status go?"):
            for sink in sinks:
                sink.handle(event)
    print()


if __name__ == "__main__":
    main()
