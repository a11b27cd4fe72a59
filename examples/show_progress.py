"""Seed best practice: ``show_progress(current, total)`` without disrupting the output.

Answers go to stdout; the "Processing: n/total" counter goes to stderr and only when stderr
is a terminal (``teleprinter.show_progress``), so a pipe or a file never gets carriage returns.

    python examples/show_progress.py [--replay]
"""

from __future__ import annotations

import sys

from _model import chat_model

from teleprinter import show_progress

QUESTIONS = ["Name a colour.", "Name a fruit.", "Name a planet."]


def clear_progress() -> None:
    """Take the counter off the line before an answer is printed there."""
    if sys.stderr.isatty():
        sys.stderr.write("\r\x1b[2K")
        sys.stderr.flush()


def main() -> None:
    model = chat_model("A short answer.")
    total = len(QUESTIONS)
    for done, question in enumerate(QUESTIONS):
        show_progress(done, total)  # "Processing: 0/3" while the model works
        answer = " ".join(model.invoke(question).text.split())
        clear_progress()
        print(f"{question} -> {answer}", flush=True)
    show_progress(total, total)  # the final count stays, on its own line


if __name__ == "__main__":
    main()
