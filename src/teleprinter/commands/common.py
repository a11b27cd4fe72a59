"""Arguments and option handling shared by the commands that run a model."""

from __future__ import annotations

import argparse
from typing import Any


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
