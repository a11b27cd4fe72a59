"""``teleprinter worker [URL]``: answer the prompts ``batch --queue`` put on Redis, on any machine."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from teleprinter.commands.common import add_model_arguments, add_redis_arguments, model_options, redis_target, warn


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "worker",
        help="answer prompts from a Redis queue (see batch --queue); run as many as you like",
        description="Read prompts from the Redis queue with a consumer group and answer them. "
        "Without URL, TELEPRINTER_REDIS_URL is used.",
    )
    parser.add_argument("url", nargs="?", metavar="URL", help="the Redis URL, e.g. redis://HOST:6379/0")
    add_model_arguments(parser)
    parser.add_argument(
        "--concurrency", "-j", type=_positive_int, default=1, help="prompts answered at once (default 1)"
    )
    parser.add_argument(
        "--claim-after", type=_positive_float, default=30.0, metavar="S",
        help="take over a prompt whose worker has been silent S seconds (default 30)",
    )
    parser.add_argument("--retry-delay", type=float, default=1.0, help="seconds before the first retry (doubles)")
    parser.add_argument("--idle-exit", type=_positive_float, metavar="S", help="stop after S seconds with no work")
    parser.add_argument("--name", help="this consumer's name in the group (default HOST-PID)")
    add_redis_arguments(parser)
    parser.set_defaults(run=run)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


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
