"""Arguments and option handling shared by the commands that run a model."""

from __future__ import annotations

import argparse
import logging
from typing import Any


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """Options that choose and tune the model; shared by every command that runs one."""
    from teleprinter.providers import provider_names

    parser.add_argument(
        "--provider",
        choices=provider_names(),
        help="model provider (default: TELEPRINTER_PROVIDER, else azure/openai when configured, else local)",
    )
    parser.add_argument("--model", help="model name or path, where the provider takes one")
    parser.add_argument("--deployment", help="Azure deployment (overrides AZURE_OPENAI_DEPLOYMENT_NAME)")
    parser.add_argument("--base-url", help="OpenAI-compatible server URL, e.g. http://127.0.0.1:11434/v1")
    parser.add_argument("--env-file", metavar="FILE", help="read settings from FILE instead of ./.env")
    parser.add_argument("--timeout", type=_positive_float, help="seconds to wait for data before failing (default 60)")
    parser.add_argument(
        "--retries", type=_retries, help="retries of a request that failed before the first token (default 2)"
    )
    parser.add_argument("--max-tokens", type=_positive_int, help="longest answer in tokens")
    parser.add_argument("--temperature", type=float, help="sampling temperature")
    parser.add_argument("--replay", metavar="FILE", help="recorded JSONL or text file for --provider replay")
    parser.add_argument("--chunk-size", type=_positive_int, help="replay plain text in pieces of N characters")
    parser.add_argument("--speed", type=_speed, help="replay rate multiplier, or 'max' for no delays")
    parser.add_argument("--delay", type=_non_negative_float, help="fixed replay delay between chunks, seconds")


def add_display_arguments(parser: argparse.ArgumentParser) -> None:
    """How the answer is shown on a terminal (a pipe always gets the plain text)."""
    parser.add_argument(
        "--markdown", dest="markdown", action="store_true", default=None, help="render Markdown (default on a terminal)"
    )
    parser.add_argument("--raw", dest="markdown", action="store_false", help="show the text as it arrives, no Markdown")
    parser.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colours on a terminal (default: auto)"
    )
    parser.add_argument("--no-color", dest="color", action="store_const", const="never", help="same as --color never")


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


def _retries(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 10:
        raise argparse.ArgumentTypeError("must be from 0 to 10")
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


def model_options(args: argparse.Namespace) -> Any:
    from teleprinter.config import load_settings
    from teleprinter.providers import ModelOptions, provider_names
    from teleprinter.providers.detect import choose_provider

    settings = load_settings(getattr(args, "env_file", None))
    detection = choose_provider(
        settings,
        flag=args.provider,
        replay=args.replay,
        base_url=getattr(args, "base_url", None),
        known=tuple(provider_names()),
    )
    provider = detection.name
    logging.getLogger("teleprinter").debug("provider %s: %s", provider, detection.reason)
    if detection.warning:
        logging.getLogger("teleprinter").warning("%s", detection.warning)
    return ModelOptions(
        settings=settings,
        deployment=getattr(args, "deployment", None),
        base_url=getattr(args, "base_url", None),
        timeout=getattr(args, "timeout", None),
        retries=getattr(args, "retries", None),
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


# -- the Redis relay ------------------------------------------------------------------------------


def add_redis_arguments(parser: argparse.ArgumentParser) -> None:
    """TLS and key prefix options of every command that talks to Redis."""
    parser.add_argument(
        "--redis-ca", metavar="FILE", help="CA certificate(s) to trust for rediss:// (default: the system's)"
    )
    parser.add_argument(
        "--key-prefix",
        metavar="PREFIX",
        help="prefix of every Redis key (default TELEPRINTER_REDIS_PREFIX or 'teleprinter:')",
    )


def add_publish_arguments(parser: argparse.ArgumentParser) -> None:
    """``--publish [URL] --stream-key KEY``: every event of the run also goes to a Redis stream.

    Shared by ``ask``, ``chat`` and ``batch`` (and any command that runs a model).
    """
    parser.add_argument(
        "--publish",
        metavar="URL",
        nargs="?",
        const="",
        help="also publish every event to a Redis stream, e.g. redis://HOST:6379/0 "
        "(no URL: TELEPRINTER_REDIS_URL, so a password stays off the command line)",
    )
    parser.add_argument(
        "--stream-key", metavar="KEY", help="the stream's name under the key prefix (default: a new id)"
    )
    parser.add_argument(
        "--stream-ttl", metavar="S", type=_positive_int, default=24 * 3600,
        help="seconds the stream stays in Redis after the run ends (default 86400)",
    )
    add_redis_arguments(parser)


def warn(text: str) -> None:
    """One warning line on stderr (from any thread)."""
    import contextlib
    import sys

    from teleprinter.secrets import redact

    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(f"teleprinter: warning: {redact(text)}\n")
        sys.stderr.flush()


def redis_target(args: argparse.Namespace, url: str | None, flag: str) -> Any:
    """The checked :class:`~teleprinter.relay.RedisTarget` for ``url`` (or TELEPRINTER_REDIS_URL).

    Warns once when the URL on the command line carries a password (other users see it in ``ps``).
    """
    from teleprinter.config import load_settings, redis_config
    from teleprinter.relay.target import target_from_config

    settings = load_settings(getattr(args, "env_file", None))
    config = redis_config(
        settings, url=url or None, url_flag=flag, ca_file=args.redis_ca, prefix=args.key_prefix
    )
    target = target_from_config(config)
    if config.password_on_command_line:
        warn(
            f"the password in {target.shown} is visible to other users in the process list; "
            "set TELEPRINTER_REDIS_URL in the environment or .env and leave the URL off the command line"
        )
    return target


def open_publisher(args: argparse.Namespace) -> Any:
    """The :class:`~teleprinter.relay.RedisPublisher` ``--publish`` asks for, or ``None``.

    Raises ``ConfigError`` for a bad URL and ``RelayError`` when Redis cannot be reached at the
    start; later outages are warnings (the answer goes on here).
    """
    if args.publish is None:
        return None
    import sys
    import uuid

    from teleprinter.relay import RedisPublisher

    target = redis_target(args, args.publish, "--publish")
    key = args.stream_key or f"run-{uuid.uuid4().hex[:12]}"
    publisher = RedisPublisher(target, key, on_warning=warn, ttl=args.stream_ttl)
    if not args.stream_key:
        sys.stderr.write(f"teleprinter: publishing to stream {publisher.key} at {target.shown}\n")
    return publisher


def close_publisher(publisher: Any, outcome: str | None = None) -> None:
    """Mark the stream's end; warn when Redis stayed away and the stream is incomplete."""
    if publisher is None:
        return
    unsent = publisher.close(outcome)
    if unsent:
        warn(f"Redis stayed unreachable: {unsent} events were not published; stream {publisher.key} is incomplete")
