"""``teleprinter batch FILE``: many prompts, a few at a time; answers to files or id-prefixed lines."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import IO, Any

from teleprinter.commands.common import (
    add_model_arguments,
    add_publish_arguments,
    close_publisher,
    command_parser,
    group,
    model_options,
    non_negative_float,
    open_publisher,
    positive_int,
    redis_target,
)


def add_parser(subparsers: Any) -> None:
    parser = command_parser(
        subparsers,
        "batch",
        help="answer every prompt of a file (one per line, or JSON lines with prompt and id)",
        description="Answer every prompt of FILE. Without --out, answers go to stdout as '[id] line' lines. "
        "--retries N also runs a failed prompt again, up to N more times (default: no prompt retry).",
        examples=(
            'teleprinter batch prompts.txt  # "[id] line" rows on stdout',
            "teleprinter batch prompts.jsonl --out answers/  # re-runs skip finished ones",
            "teleprinter batch prompts.jsonl --out answers/ -j 8 --retries 2 --stats",
            "teleprinter batch prompts.jsonl --queue redis://localhost:6379/0  # answered by teleprinter workers",
        ),
    )
    parser.add_argument("file", help='prompts: one per line, or JSON lines {"prompt": "...", "id": "..."}')
    add_model_arguments(parser)
    group(parser, "model").add_argument("--system", metavar="TEXT", help="system prompt for every prompt")
    run_group = group(parser, "run")
    run_group.add_argument(
        "--concurrency", "-j", type=positive_int, default=4, metavar="N", help="prompts run at once (default 4)"
    )
    run_group.add_argument(
        "--retry-delay",
        type=non_negative_float,
        default=1.0,
        metavar="S",
        help="seconds before the first retry (doubles)",
    )
    output = group(parser, "output")
    output.add_argument("--out", metavar="DIR", help="write each answer to DIR/<id>.txt; re-runs skip finished ones")
    output.add_argument("--stats", action="store_true", help="add latency columns to the summary")
    redis = group(parser, "redis")
    redis.add_argument(
        "--queue",
        metavar="URL",
        nargs="?",
        const="",
        help="put the prompts on a Redis queue for `teleprinter worker`s and follow them "
        "(no URL: TELEPRINTER_REDIS_URL); the model options then belong to the workers",
    )
    redis.add_argument("--batch-id", metavar="ID", help="with --queue: the batch's id (default: from the prompts)")
    add_publish_arguments(parser)
    parser.set_defaults(run=run)


def _is_tty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _terminal_size(stream: IO[str]) -> tuple[int, int]:
    try:
        size = os.get_terminal_size(stream.fileno())
        return size.columns, size.lines
    except (OSError, ValueError, AttributeError):
        return 80, 24


def run(args: argparse.Namespace) -> int:
    import asyncio  # here, not at the top: `teleprinter --help` should not pay for it

    from teleprinter.batch import BatchOptions, arun_batch, read_prompts
    from teleprinter.providers import create_model
    from teleprinter.sinks.stats import Stats

    items = read_prompts(args.file)
    if args.queue is not None:
        return run_queued(args, items)
    model = create_model(model_options(args))
    options = BatchOptions(
        concurrency=args.concurrency,
        retries=args.retries or 0,
        retry_delay=max(0.0, args.retry_delay),
        out_dir=Path(args.out) if args.out else None,
        system=args.system,
    )
    monitor, writer = _progress()
    stats = Stats()
    outcomes: list[Any] = []
    publisher = open_publisher(args)
    if publisher is not None:
        options.sinks = (publisher,)
    try:
        outcomes = asyncio.run(arun_batch(items, model, options, writer=writer, monitor=monitor, stats=stats))
    finally:
        monitor.close()
        close_publisher(publisher, None if all(o.succeeded for o in outcomes) and outcomes else "failed")
    return _summary(outcomes, stats, args.stats)


def _progress() -> tuple[Any, Any]:
    """The live view on a terminal (answers printed above it), else one log line per event."""
    from teleprinter.batch import LineWriter
    from teleprinter.batch.view import LiveView, LogMonitor
    from teleprinter.render.sanitize import sanitize

    clean = sanitize if _is_tty(sys.stdout) else None
    if _is_tty(sys.stderr):
        view = LiveView(sys.stderr, *_terminal_size(sys.stderr))
        return view, LineWriter(sys.stdout, lambda text: view.print_above(sys.stdout, text), clean)
    return LogMonitor(sys.stderr), LineWriter(sys.stdout, clean=clean)


def _summary(outcomes: list[Any], stats: Any, detailed: bool) -> int:
    from teleprinter.batch import summary_table

    sys.stdout.flush()
    width = _terminal_size(sys.stderr)[0] if _is_tty(sys.stderr) else None
    sys.stderr.write("\n".join(summary_table(outcomes, stats, detailed=detailed, width=width)) + "\n")
    sys.stderr.flush()
    return 0 if all(outcome.succeeded for outcome in outcomes) else 1


def run_queued(args: argparse.Namespace, items: list[Any]) -> int:
    """``--queue``: the prompts go to Redis, ``teleprinter worker``s answer them, this shows and writes."""
    import asyncio

    from teleprinter.batch.queue import QueueOptions, arun_queued, batch_id
    from teleprinter.sinks.stats import Stats

    target = redis_target(args, args.queue, "--queue")
    batch = args.batch_id or batch_id(items, args.system)
    options = QueueOptions(out_dir=Path(args.out) if args.out else None, system=args.system, batch=batch)
    sys.stderr.write(
        f"teleprinter: batch {batch}: {len(items)} prompts for the workers at {target.shown} "
        f"(start them with: teleprinter worker URL --provider ...)\n"
    )
    monitor, writer = _progress()
    stats = Stats()
    outcomes: list[Any] = []
    try:
        outcomes = asyncio.run(arun_queued(items, target, options, writer=writer, monitor=monitor, stats=stats))
    finally:
        monitor.close()
    return _summary(outcomes, stats, args.stats)
