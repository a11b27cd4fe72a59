"""``teleprinter watch [URL] KEY``: show a run published elsewhere, live, as if it ran here.

Exit code: the run's outcome at the source (0 done, 1 failed, 130 interrupted), 1 when Redis
cannot be reached, 2 for a bad URL.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from teleprinter.commands.common import (
    add_display_arguments,
    add_redis_arguments,
    answer_renderer,
    command_parser,
    group,
    positive_float,
    redis_target,
)

EXIT_CODES = {"done": 0, "failed": 1, "interrupted": 130}


def add_parser(subparsers: Any) -> None:
    parser = command_parser(
        subparsers,
        "watch",
        help="follow a run published to Redis (--publish) live, from any machine",
        description="Render the run published to the Redis stream KEY, from its first event, as ask drew it. "
        "Without URL, TELEPRINTER_REDIS_URL is used. Exit code: 0 done, 1 failed, 130 interrupted at the source.",
        examples=(
            "teleprinter watch redis://localhost:6379/0 demo  # what ask --publish --stream-key demo sends",
            "teleprinter watch demo --from-now  # TELEPRINTER_REDIS_URL; only what comes next",
            "teleprinter watch demo --events jsonl  # the raw events, for other programs",
        ),
    )
    parser.add_argument("url", nargs="?", metavar="URL", help="the Redis URL (default TELEPRINTER_REDIS_URL)")
    parser.add_argument("key", metavar="KEY", help="the stream's name under the key prefix (--stream-key of ask)")
    inputs = group(parser, "input")
    inputs.add_argument("--from-now", action="store_true", help="skip what was published before now")
    inputs.add_argument(
        "--reconnect-timeout", type=positive_float, default=30.0, metavar="S",
        help="seconds to keep retrying a lost Redis (default 30)",
    )
    inputs.add_argument("--env-file", metavar="FILE", help="read settings from FILE instead of ./.env")
    group(parser, "output").add_argument(
        "--events", choices=("jsonl",), help="print the raw events as JSON lines instead of rendering them"
    )
    add_display_arguments(parser)
    group(parser, "display").add_argument(
        "--prefix", default="", metavar="TEXT", help="text put before each line of the answer"
    )
    add_redis_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    target = redis_target(args, args.url, "watch URL")
    from teleprinter.relay import watch

    stream = watch(
        target, args.key, from_now=args.from_now, reconnect_timeout=args.reconnect_timeout, on_status=_status
    )
    outcome = asyncio.run(_jsonl(stream) if args.events else _render(stream, args))
    return EXIT_CODES.get(outcome or "failed", 1)


def _status(text: str) -> None:
    """A waiting status on a terminal's stderr, erased (``text`` empty) when the run starts; silent on a pipe."""
    if not sys.stderr.isatty():
        return
    sys.stderr.write("\r\x1b[2K" + (f"teleprinter: {text}" if text else ""))
    sys.stderr.flush()


async def _jsonl(stream: Any) -> str | None:
    from teleprinter.codec import dumps
    from teleprinter.relay.wire import CLAIM

    async for entry in stream.entries():
        if entry.kind == CLAIM:  # the relay's own bookkeeping, not part of the run
            continue
        record = entry.record if entry.record is not None else {"event": f"relay.{entry.kind}", "value": entry.value}
        sys.stdout.write(dumps(record) + "\n")
        sys.stdout.flush()
    outcome: str | None = stream.outcome
    return outcome


async def _render(stream: Any, args: argparse.Namespace) -> str | None:
    from teleprinter.events import Custom, RunEnded, RunFailed, Token
    from teleprinter.relay import GAPPED, RESTARTED
    from teleprinter.truncation import cut_notice

    def renderer() -> Any:
        return answer_renderer(args, stdin=sys.stdin)

    current = renderer()
    failure: str | None = None  # what the source said when its run failed
    cut: str | None = None  # the finish reason of a run cut at the source (token limit, content filter)
    answered = False
    try:
        async for event in stream:
            if isinstance(event, Token):
                answered = True
            elif isinstance(event, RunFailed) and not event.interrupted:
                failure = str(event.error).strip().split("\n")[0] or None
            elif isinstance(event, RunEnded) and cut_notice(event.finish_reason) is not None:
                cut = event.finish_reason
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
    notice = cut_notice(cut, answered=answered)  # the same lines the source printed: the watcher is told too
    if notice is not None:
        sys.stderr.write(f"teleprinter: {notice}\n")
    if outcome == "failed":
        sys.stderr.write(f"teleprinter: error: the run failed at the source: {failure or 'no reason given'}\n")
    return outcome
