"""``teleprinter ask PROMPT``: stream one answer to stdout, statistics to stderr."""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from typing import IO, Any

from teleprinter.errors import ConfigError


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("ask", help="stream one answer to stdout")
    parser.add_argument("prompt", nargs="?", help="the question; '-' or omitted with piped stdin reads stdin")
    add_model_arguments(parser)
    parser.add_argument("--system", help="system prompt")
    parser.add_argument("--prefix", default="", help="text put before each line of the answer")
    parser.add_argument("--stats", action="store_true", help="print statistics on stderr even when it is not a terminal")
    parser.add_argument("--record", metavar="FILE", help="write every stream event to FILE as JSON lines")
    add_display_arguments(parser)
    parser.set_defaults(run=run)


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """Options that choose and tune the model; shared by every command that runs one."""
    from teleprinter.providers import provider_names

    parser.add_argument("--provider", choices=provider_names(), help="model provider (default: local)")
    parser.add_argument("--model", help="model name or path, where the provider takes one")
    parser.add_argument("--max-tokens", type=_positive_int, help="longest answer in tokens")
    parser.add_argument("--temperature", type=float, help="sampling temperature")
    parser.add_argument("--replay", metavar="FILE", help="recorded JSONL or text file for --provider replay")
    parser.add_argument("--chunk-size", type=_positive_int, help="replay plain text in pieces of N characters")
    parser.add_argument("--speed", type=_speed, help="replay rate multiplier, or 'max' for no delays")
    parser.add_argument("--delay", type=_non_negative_float, help="fixed replay delay between chunks, seconds")


def add_display_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-color", action="store_true", help="no colours")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def _speed(text: str) -> float:
    if text == "max":
        return float("inf")
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be positive or 'max'")
    return value


def read_prompt(args: argparse.Namespace, stdin: IO[str]) -> str:
    if args.prompt not in (None, "-"):
        return str(args.prompt)
    if args.prompt is None and stdin.isatty():
        raise ConfigError("no prompt given", 'pass one: teleprinter ask "your question", or pipe it on stdin')
    prompt = stdin.read().strip()
    if not prompt:
        raise ConfigError("the prompt on stdin is empty")
    return prompt


def model_options(args: argparse.Namespace) -> Any:
    from teleprinter.providers import ModelOptions

    provider = args.provider or ("replay" if args.replay else "local")
    return ModelOptions(
        provider=provider,
        model=args.model,
        max_tokens=args.max_tokens,
        temperature=args.temperature,
        model_path=args.model if provider == "local" else None,
        replay_path=args.replay,
        chunk_size=args.chunk_size,
        speed=args.speed,
        delay=args.delay,
    )


def run(args: argparse.Namespace) -> int:
    from teleprinter.answer import build_messages, stream_answer
    from teleprinter.providers import create_model
    from teleprinter.render.plain import PlainRenderer
    from teleprinter.sinks.record import Recorder
    from teleprinter.sinks.stats import Stats, summary_line

    prompt = read_prompt(args, sys.stdin)
    model = create_model(model_options(args))
    renderer = PlainRenderer(sys.stdout, args.prefix)
    stats = Stats()
    with ExitStack() as stack:
        sinks: list[Any] = [renderer]
        if args.record:
            sinks.append(Recorder(stack.enter_context(open(args.record, "w", encoding="utf-8"))))
        try:
            stream_answer(model, build_messages(prompt, args.system), sinks, stats=stats)
        finally:
            renderer.close()
            if args.stats or sys.stderr.isatty():
                sys.stderr.write(("\n" if sys.stdout.isatty() else "") + summary_line(stats.last) + "\n")
    if sys.stdout.isatty():
        sys.stdout.write("\n")
    return 0
