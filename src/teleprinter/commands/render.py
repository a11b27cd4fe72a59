"""``teleprinter render [FILE]``: draw Markdown as it arrives (another tool's answer on a pipe, a file)."""

from __future__ import annotations

import argparse
import os
import stat
import sys
from typing import Any

from teleprinter.commands.common import add_display_arguments, answer_renderer, command_parser, group
from teleprinter.errors import ConfigError


def add_parser(subparsers: Any) -> None:
    parser = command_parser(
        subparsers,
        "render",
        help="draw Markdown from stdin or a file as it arrives, like an answer",
        description="Draw Markdown read from FILE or stdin as it arrives, with the renderer ask uses: "
        "the line being written shows at once, finished blocks go to scrollback. Into a pipe the text "
        "comes out exactly as read. No model is involved. On a terminal the text is read at most once a frame, so the "
        "status line counts reads, not the producer's tokens.",
        examples=(
            'llm "Explain TCP" | teleprinter render  # another tool\'s streamed answer',
            "teleprinter render answer.md  # a file",
            "cat answer.md | teleprinter render --raw  # as it arrives, no Markdown",
        ),
    )
    parser.add_argument("file", nargs="?", metavar="FILE", help="the Markdown to draw; '-' or omitted reads stdin")
    add_display_arguments(parser, agent=False)
    group(parser, "display").add_argument(
        "--prefix", default="", metavar="TEXT", help="text put before each line of the text"
    )
    group(parser, "output").add_argument(
        "--stats", action="store_true", help="print statistics on stderr even when it is not a terminal"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from teleprinter.render.console import TerminalRenderer
    from teleprinter.render.plain import PlainRenderer
    from teleprinter.sinks.stats import Stats, summary_line
    from teleprinter.sources.text import stream_fd

    fd, what, opened = _open_input(args.file)
    # the terminal on stdin is asked about synchronized output only when stdin is not the input
    renderer = answer_renderer(args, stdin=sys.stdin if opened else None)
    plain_on_tty = isinstance(renderer, PlainRenderer) and sys.stdout.isatty()
    summary = args.stats or sys.stderr.isatty()
    stats = Stats()
    try:
        streamed = not stat.S_ISREG(os.fstat(fd).st_mode)  # a pipe or terminal; a file is all there already
        paced = renderer.writer.next_frame if streamed and isinstance(renderer, TerminalRenderer) else None
        stream_fd(fd, [renderer, stats] if summary else [renderer], what=what, model=what, not_before=paced)
    finally:
        if opened:
            os.close(fd)
        renderer.close()  # draws what arrived and restores the terminal, whatever stopped the input
        if summary and not getattr(renderer, "summary_written", False):
            sys.stderr.write(("\n" if plain_on_tty else "") + summary_line(stats.last, detailed=args.stats) + "\n")
    if plain_on_tty:
        sys.stdout.write("\n")
    return 0


def _open_input(name: str | None) -> tuple[int, str, bool]:
    """(descriptor, how errors name it, whether it was opened here): FILE, else stdin."""
    if name not in (None, "-"):
        path = os.path.expanduser(str(name))
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            raise ConfigError(f"file not found: {name}") from None
        except OSError as failure:
            raise ConfigError(f"cannot read {name}: {failure.strerror}") from None
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            os.close(fd)
            raise ConfigError(f"{name} is a directory", "pass a file")
        return fd, str(name), True
    if sys.stdin is None:  # started with stdin closed (``<&-``)
        raise ConfigError("stdin is closed", "pass FILE")
    if name is None and sys.stdin.isatty():
        raise ConfigError("nothing to render", "pass FILE, or pipe the text: llm 'question' | teleprinter render")
    return sys.stdin.fileno(), "stdin", False
