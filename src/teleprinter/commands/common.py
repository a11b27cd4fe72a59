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
    parser.add_argument(
        "--reasoning",
        choices=("summary", "show", "hide"),
        help="the model's reasoning: a bounded box collapsed to one line (summary, default), all of it (show; "
        "on a pipe it goes to stderr), or nothing (hide)",
    )
    parser.add_argument(
        "--tools",
        choices=("summary", "full", "hide"),
        help="tool calls: one line per call and result (summary, default), full arguments and output, or hide",
    )
    parser.add_argument(
        "--progress",
        choices=("nodes", "none"),
        help="graph progress: running nodes on the status line and one line per finished node (nodes, default)",
    )


def display_options(args: argparse.Namespace) -> Any:
    """The :class:`teleprinter.render.options.DisplayOptions` the display flags ask for."""
    from teleprinter.render.options import DisplayOptions

    given = {name: getattr(args, name, None) for name in ("reasoning", "tools", "progress")}
    explicit = frozenset(name for name, value in given.items() if value is not None)
    values = {name: value for name, value in given.items() if value is not None}
    return DisplayOptions(**values, explicit=explicit)


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
