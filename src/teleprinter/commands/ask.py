"""``teleprinter ask PROMPT``: stream one answer to stdout, statistics to stderr."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from contextlib import ExitStack
from typing import IO, Any

from teleprinter.commands.common import (
    add_display_arguments,
    add_model_arguments,
    add_publish_arguments,
    answer_renderer,
    close_publisher,
    command_parser,
    group,
    model_options,
    open_publisher,
)
from teleprinter.commands.local_worker import add_keep_alive_argument
from teleprinter.errors import ConfigError


def add_parser(subparsers: Any) -> None:
    parser = command_parser(
        subparsers,
        "ask",
        help="stream one answer to stdout",
        description="Stream one answer to stdout as it is generated; statistics go to stderr. "
        "On a terminal the answer is drawn as Markdown with a status line; into a pipe it is the exact text.",
        examples=(
            'teleprinter ask "Why is the sky blue?"  # embedded model, no keys needed',
            'echo "Name a prime" | teleprinter ask -  # the prompt from stdin',
            'teleprinter ask --record run.jsonl "Hi"  # keep the stream events to replay',
        ),
    )
    parser.add_argument("prompt", nargs="?", help="the question; '-' or omitted with piped stdin reads stdin")
    add_model_arguments(parser)
    group(parser, "model").add_argument("--system", metavar="TEXT", help="system prompt")
    add_display_arguments(parser)
    group(parser, "display").add_argument(
        "--prefix", default="", metavar="TEXT", help="text put before each line of the answer"
    )
    output = group(parser, "output")
    output.add_argument(
        "--stats", action="store_true", help="print statistics on stderr even when it is not a terminal"
    )
    output.add_argument("--record", metavar="FILE", help="write every stream event to FILE as JSON lines")
    output.add_argument(
        "--strict", action="store_true", help="exit 1 when the answer was cut (token limit, content filter)"
    )
    add_publish_arguments(parser)
    add_keep_alive_argument(parser)
    parser.set_defaults(run=run)


def read_prompt(args: argparse.Namespace, stdin: IO[str], *, optional: bool = False) -> str:
    """The question: the argument, else stdin. ``optional`` (a replay, which answers from its file
    whatever is asked): no prompt at all is fine and gives ``""``. An empty question is a usage error."""
    if args.prompt not in (None, "-"):
        if not str(args.prompt).strip() and not optional:
            raise ConfigError("the prompt is empty", 'pass a question: teleprinter ask "your question"')
        return str(args.prompt)
    if args.prompt is None and stdin.isatty():
        if optional:
            return ""
        raise ConfigError("no prompt given", 'pass one: teleprinter ask "your question", or pipe it on stdin')
    prompt = read_stdin(stdin).strip()
    if not prompt and not optional:
        raise ConfigError("the prompt on stdin is empty")
    return prompt


def read_stdin(stdin: IO[str]) -> str:
    """All of stdin as UTF-8, read as bytes so a legacy encoding is a clear usage error, not a surrogate
    that fails later inside the HTTP client."""
    from teleprinter.textfile import decode_user_bytes

    buffer = getattr(stdin, "buffer", None)
    if buffer is None:  # a text stream handed in by a test or an embedding program
        return stdin.read()
    return decode_user_bytes(buffer.read(), "the prompt on stdin")


def run(args: argparse.Namespace) -> int:
    options = model_options(args)
    from teleprinter.config import keep_alive

    prompt = read_prompt(args, sys.stdin, optional=options.provider == "replay")
    with ExitStack() as early:
        # The warm model worker starts evaluating the prompt now; the rest of this command's
        # imports and set-up run meanwhile, off the path to the first token (issue 14).
        answer = _answer_function(args, options, prompt, keep_alive(options.settings, args.keep_alive), early)
        return _answer(args, answer)


def _answer(args: argparse.Namespace, answer: Callable[[list[Any], Any], None]) -> int:
    from teleprinter.render.plain import PlainRenderer
    from teleprinter.secrets import redact, registered
    from teleprinter.sinks.record import Recorder
    from teleprinter.sinks.stats import Stats, summary_line
    from teleprinter.textfile import open_user_output
    from teleprinter.truncation import cut_notice

    publisher = open_publisher(args)  # before the renderer: an unreachable Redis is one line, nothing drawn
    renderer = answer_renderer(args, stdin=sys.stdin)
    plain_on_tty = isinstance(renderer, PlainRenderer) and sys.stdout.isatty()
    stats = Stats()
    with ExitStack() as stack:
        sinks: list[Any] = [renderer]
        if publisher is not None:
            sinks.append(publisher)
            stack.callback(close_publisher, publisher)
        if args.record:
            record_file = stack.enter_context(open_user_output(args.record, "the recording"))  # 0600 when new
            sinks.append(Recorder(record_file, redact=redact, secrets=registered()))
        if getattr(args, "debug", False):
            from teleprinter.timeline import FirstToken

            sinks.append(FirstToken())
        try:
            answer(sinks, stats)
        finally:
            renderer.close()  # draws what arrived and restores the terminal, whatever stopped the stream
            summarised = getattr(renderer, "summary_written", False)  # the terminal renderer's status line did
            if not summarised and (args.stats or sys.stderr.isatty()):
                sys.stderr.write(("\n" if plain_on_tty else "") + summary_line(stats.last, detailed=args.stats) + "\n")
            _print_timeline()
    if plain_on_tty:
        sys.stdout.write("\n")
    notice = cut_notice(stats.last.finish_reason, answered=stats.last.chunks > 0)
    if notice is None:
        return 0
    sys.stdout.flush()
    sys.stderr.write(f"teleprinter: {notice}\n")
    return 1 if args.strict else 0


def _answer_function(
    args: argparse.Namespace, options: Any, prompt: str, keep: float, stack: ExitStack
) -> Callable[[list[Any], Any], None]:
    """Streams the answer into the sinks: through the warm worker (local model), else in-process.

    The worker gets the request at once (its connection is closed by ``stack``, which stops the
    generation if the command ends before reading the answer); the returned function relays it.
    """
    from teleprinter.commands import local_worker as worker

    if worker.uses_worker(options, keep):
        from teleprinter.worker.source import send_to_worker

        request = worker.worker_request(options, prompt, args.system)
        pending = stack.enter_context(
            send_to_worker(request, paths=worker.worker_paths(), keep_alive=keep, notice=worker.notice)
        )

        def through_worker(sinks: list[Any], stats: Any) -> None:
            pending.relay([*sinks, stats])

        return through_worker
    from teleprinter.answer import build_messages, stream_answer
    from teleprinter.providers import create_model

    model = create_model(options)

    def in_process(sinks: list[Any], stats: Any) -> None:
        stream_answer(model, build_messages(prompt, args.system), sinks, stats=stats)

    return in_process


def _print_timeline() -> None:
    """``--debug``: the per-phase timeline on stderr."""
    from teleprinter import timeline

    if timeline.current is None:
        return
    timeline.mark("answer end")
    lines = ["teleprinter: timeline (ms since the process started):", *timeline.current.lines()]
    sys.stderr.write("\n".join(lines) + "\n")
