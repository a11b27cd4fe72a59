"""``teleprinter run TARGET [INPUT]``: stream any Runnable or LangGraph graph from the command line."""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from typing import IO, Any

from teleprinter.commands.common import (
    add_display_arguments,
    add_publish_arguments,
    answer_renderer,
    close_publisher,
    command_parser,
    group,
    open_publisher,
)
from teleprinter.errors import ConfigError


def add_parser(subparsers: Any) -> None:
    parser = command_parser(
        subparsers,
        "run",
        help="stream a Runnable or LangGraph graph: TARGET is FILE.py:NAME or package.module:NAME",
        description="Stream any LangChain Runnable or LangGraph graph (NAME is one, or a zero-argument "
        "function returning one). On a pipe stdout carries only the answer text of visible runs.",
        examples=(
            'teleprinter run examples/agent.py:graph "What is 17 * 23?"  # an agent graph, offline',
            "teleprinter run examples/agent.py:graph 'What is 2 + 2?' --events jsonl  # every event",
            'echo "What is 2 + 2?" | teleprinter run mypkg.agents:build -  # INPUT from stdin',
        ),
    )
    parser.add_argument("target", help="FILE.py:NAME or package.module:NAME")
    parser.add_argument("input", nargs="?", help="a JSON value or plain text; '-' (or none, piped) reads stdin")
    source = group(parser, "source")
    source.add_argument("--protocol", choices=("v2", "v3"), default="v2", help="LangChain event protocol (default v2)")
    add_display_arguments(parser)
    group(parser, "display").add_argument(
        "--prefix", default="", metavar="TEXT", help="text put before each line of the answer"
    )
    output = group(parser, "output")
    output.add_argument("--events", choices=("jsonl",), help="print every event as a JSON line to stdout instead")
    output.add_argument("--stats", action="store_true", help="print statistics on stderr even when not a terminal")
    output.add_argument("--record", metavar="FILE", help="write every stream event to FILE as JSON lines")
    add_publish_arguments(parser)
    parser.set_defaults(run=run)


def read_input(value: str | None, stdin: IO[str]) -> str:
    if value not in (None, "-"):
        return str(value)
    if value is None and stdin.isatty():
        raise ConfigError("no INPUT given", "pass one: teleprinter run TARGET 'your question', or pipe it on stdin")
    text = stdin.read().strip()
    if not text:
        raise ConfigError("the INPUT on stdin is empty")
    return text


def run(args: argparse.Namespace) -> int:
    from teleprinter.answer import stream_run
    from teleprinter.config import load_settings
    from teleprinter.secrets import redact, registered
    from teleprinter.sinks.record import Recorder
    from teleprinter.sinks.stats import Stats
    from teleprinter.targets import load_target, parse_input
    from teleprinter.textfile import open_user_output

    runnable = load_target(args.target)
    value = parse_input(read_input(args.input, sys.stdin), runnable)
    stats = Stats()
    with ExitStack() as stack:
        sinks: list[Any] = [stats]
        publisher = open_publisher(args)
        if publisher is not None:
            sinks.append(publisher)
            stack.callback(close_publisher, publisher)
        if args.record:  # 0600 when new; keys from the environment or .env masked, even in the text
            load_settings()
            record_file = stack.enter_context(open_user_output(args.record, "the recording"))
            sinks.append(Recorder(record_file, redact=redact, secrets=registered()))
        if args.events:
            stream_run(runnable, value, [Recorder(sys.stdout, redact=redact), *sinks], version=args.protocol)
            return 0
        return _render(args, runnable, value, sinks, stats)


def _render(args: argparse.Namespace, runnable: Any, value: Any, sinks: list[Any], stats: Any) -> int:
    from teleprinter.answer import stream_run
    from teleprinter.render.plain import PlainRenderer
    from teleprinter.sinks.stats import summary_line

    renderer = answer_renderer(args, stdin=sys.stdin)
    plain_on_tty = isinstance(renderer, PlainRenderer) and sys.stdout.isatty()
    try:
        stream_run(runnable, value, [renderer, *sinks], version=args.protocol)
    finally:
        renderer.close()  # draws what arrived and restores the terminal, whatever stopped the stream
        summarised = getattr(renderer, "summary_written", False)
        if not summarised and (args.stats or sys.stderr.isatty()):
            line = summary_line(stats.total(), detailed=args.stats)
            sys.stderr.write(("\n" if plain_on_tty else "") + line + "\n")
    if plain_on_tty:
        sys.stdout.write("\n")
    return 0
