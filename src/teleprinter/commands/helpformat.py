"""The help formatter of every command: short usage, wrapping at word boundaries, examples kept as written.

argparse's own formatter wraps with :mod:`textwrap`, which splits ``--max-tokens`` at its hyphen
and lists every option in the usage line; this one wraps with the renderer's own wrapper
(:func:`teleprinter.render.wrap.wrap_text`, display cells, word boundaries, a hanging indent),
shows ``[options]`` in the usage line, and keeps indented epilog lines (the examples) as lines.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import Any

EXAMPLE_INDENT = 4
"""Extra indent of the continuation lines of an example too long for the terminal."""


MAX_WIDTH = 100
"""Help is never wider than this, however wide the terminal: long prose lines are hard to read."""


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter with ``[options]`` usage, word-boundary wrapping and examples kept as lines."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 26, width: int | None = None):
        if width is None:
            import shutil

            width = min(shutil.get_terminal_size().columns, MAX_WIDTH) - 2  # argparse's own margin of 2
        super().__init__(prog, indent_increment, max_help_position, width)

    def add_usage(
        self, usage: str | None, actions: Iterable[argparse.Action], groups: Iterable[Any], prefix: str | None = None
    ) -> None:
        if usage is None:
            actions = list(actions)
            words = ["%(prog)s"]
            if any(action.option_strings for action in actions):
                words.append("[options]")
            for action in actions:
                if not action.option_strings and action.help is not argparse.SUPPRESS:
                    words.append(self._format_args(action, self._get_default_metavar_for_positional(action)))
            usage = " ".join(words)
        super().add_usage(usage, actions, groups, prefix)

    def _split_lines(self, text: str, width: int) -> list[str]:
        from teleprinter.render.wrap import wrap_text  # only when help is shown: commands do not pay for it

        return wrap_text(" ".join(text.split()), max(width, 10))

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return fill(text, width, indent)


def fill(text: str, width: int, indent: str = "") -> str:
    """Unindented lines are prose, joined and wrapped; indented lines (examples) stay lines.

    An example too long for ``width`` is wrapped with a hanging indent, and its ``  # comment``
    moves to a line of its own under it.
    """
    from teleprinter.render.wrap import wrap_text

    width = max(width, 20)
    out: list[str] = []
    prose: list[str] = []

    def flush() -> None:
        if prose:
            out.extend(wrap_text(" ".join(" ".join(prose).split()), width, indent, indent))
            prose.clear()

    for line in text.splitlines():
        stripped = line.lstrip()
        if not stripped:
            flush()
            out.append("")
        elif line != stripped or stripped.endswith(":"):
            flush()
            lead = indent + line[: len(line) - len(stripped)]
            hang = lead + " " * EXAMPLE_INDENT
            command, _, comment = stripped.partition("  # ")
            if comment and len(lead) + len(stripped) > width:
                out.extend(wrap_text(command.rstrip(), width, lead, hang))
                out.extend(wrap_text("# " + comment.strip(), width, hang, hang + "  "))
            else:
                out.extend(wrap_text(stripped, width, lead, hang))
        else:
            prose.append(stripped)
    flush()
    return "\n".join(out)
