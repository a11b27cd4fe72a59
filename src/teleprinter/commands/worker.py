"""``teleprinter worker [URL]``: answer the prompts ``batch --queue`` put on Redis, on any machine."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from teleprinter.commands.common import (
    add_model_arguments,
    add_redis_arguments,
    command_parser,
    group,
    model_options,
    non_negative_float,
    positive_float,
    positive_int,
    redis_target,
    warn,
)


def add_parser(subparsers: Any) -> None:
    parser = command_parser(
        subparsers,
        "worker",
        help="answer prompts from a Redis queue (batch --queue); run as many as you like",
        description="Read prompts from the Redis queue with a consumer group and answer them, publishing each "
        "answer's events. Without URL, TELEPRINTER_REDIS_URL is used. Runs until stopped (or --idle-exit).",
        examples=(
            "teleprinter worker redis://localhost:6379/0 --provider openai -j 4  # four answers at a time",
            "teleprinter worker --claim-after 60  # TELEPRINTER_REDIS_URL; slow models need longer",
        ),
    )
    parser.add_argument("url", nargs="?", metavar="URL", help="the Redis URL, e.g. redis://HOST:6379/0")
    add_model_arguments(parser)
    run_group = group(parser, "run")
    run_group.add_argument(
        "--concurrency", "-j", type=positive_int, default=1, metavar="N", help="prompts answered at once (default 1)"
    )
    run_group.add_argument(
        "--claim-after", type=positive_float, default=30.0, metavar="S",
        help="take over a prompt whose worker has been silent S seconds (default 30)",
    )
    run_group.add_argument(
        "--retry-delay", type=non_negative_float, default=1.0, metavar="S",
        help="seconds before the first retry (doubles)",
    )
    run_group.add_argument("--idle-exit", type=positive_float, metavar="S", help="stop after S seconds with no work")
    run_group.add_argument("--name", metavar="NAME", help="this consumer's name in the group (default HOST-PID)")
    add_redis_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from teleprinter.batch.worker import Finished, Worker, WorkerOptions
    from teleprinter.providers import create_model

    target = redis_target(args, args.url, "worker URL")
    model = create_model(model_options(args))
    options = WorkerOptions(
        concurrency=args.concurrency,
        claim_after=args.claim_after,
        retries=args.retries or 0,
        retry_delay=max(0.0, args.retry_delay),
        idle_exit=args.idle_exit,
    )
    if args.name:
        options.name = args.name

    def report(finished: Finished) -> None:
        detail = f": {finished.error}" if finished.error else ""
        sys.stderr.write(f"teleprinter: [{finished.item_id}] {finished.status}{detail}\n")
        sys.stderr.flush()

    worker = Worker(target, model, options, report=report, on_warning=warn)
    asyncio.run(worker.run())
    return 0
