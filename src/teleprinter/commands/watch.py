"""``teleprinter watch [URL] KEY``: show a run published elsewhere, live, as if it ran here.

Exit code: the run's outcome at the source (0 done, 1 failed, 130 interrupted), 1 when Redis
cannot be reached, 2 for a bad URL.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from teleprinter.commands.common import add_display_arguments, add_redis_arguments, redis_target
from teleprinter.errors import ConfigError

EXIT_CODES = {"done": 0, "failed": 1, "interrupted": 130}


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "watch",
        help="follow a run published to Redis (--publish) live from any machine",
        description="Render the run published to the Redis stream KEY. Without URL, TELEPRINTER_REDIS_URL is used.",
    )
    parser.add_argument("where", nargs="+", metavar="[URL] KEY", help="the Redis URL (optional) and the stream key")
    parser.add_argument("--from-now", action="store_true", help="skip what was published before now")
    parser.add_argument(
        "--events", choices=("jsonl",), help="print the raw events as JSON lines instead of rendering them"
    )
    parser.add_argument(
        "--reconnect-timeout", type=float, default=30.0, help="seconds to keep retrying a lost Redis (default 30)"
    )
    parser.add_argument("--env-file", metavar="FILE", help="read settings from FILE instead of ./.env")
    parser.add_argument("--prefix", default="", help="text put before each line of the answer")
    add_display_arguments(parser)
    add_redis_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    if len(args.where) > 2:
        raise ConfigError("watch takes [URL] KEY", "e.g. teleprinter watch redis://localhost:6379/0 my-run")
    url, key = (args.where[0], args.where[1]) if len(args.where) == 2 else (None, args.where[0])
    target = redis_target(args, url, "watch URL")
    from teleprinter.relay import watch

    stream = watch(target, key, from_now=args.from_now, reconnect_timeout=args.reconnect_timeout)
    outcome = asyncio.run(_jsonl(stream) if args.events else _render(stream, args))
    return EXIT_CODES.get(outcome or "failed", 1)


async def _jsonl(stream: Any) -> str | None:
    from teleprinter.codec import dumps

    async for entry in stream.entries():
        record = entry.record if entry.record is not None else {"event": f"relay.{entry.kind}", "value": entry.value}
        sys.stdout.write(dumps(record) + "\n")
        sys.stdout.flush()
    outcome: str | None = stream.outcome
    return outcome


async def _render(stream: Any, args: argparse.Namespace) -> str | None:
    from teleprinter.config import terminal_environment
    from teleprinter.events import Custom
    from teleprinter.relay import GAPPED, RESTARTED
    from teleprinter.render.console import make_renderer

    def renderer() -> Any:
        return make_renderer(
            sys.stdout, prefix=args.prefix, markdown=args.markdown, color=args.color,
            status_stream=sys.stderr, environ=terminal_environment(), stdin=sys.stdin,
        )

    current = renderer()
    try:
        async for event in stream:
            if type(event) is Custom and event.name == RESTARTED:
                current.close()
                sys.stderr.write("\nteleprinter: the answer was restarted by another worker\n")
                current = renderer()
            elif type(event) is Custom and event.name == GAPPED:
                sys.stderr.write(f"\nteleprinter: warning: {event.data['missing']} events were lost at the source\n")
            else:
                current.handle(event)
    finally:
        current.close()
    outcome: str | None = stream.outcome
    return outcome
