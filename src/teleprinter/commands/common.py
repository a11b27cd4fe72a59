"""Arguments and option handling shared by the commands; the option groups every help shows.

Every option of every command sits in a named group (:data:`GROUPS`) and every command's help
ends with real examples: :func:`command_parser` makes the subcommand parser (help formatter,
examples epilog) and :func:`group` gives the named group to add an option to. The
``add_*_arguments`` helpers put their options in their group themselves.
``tests/test_cli_help.py`` walks every subcommand and fails on an option outside a group or a
command without examples, so a new option or command cannot skip this.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from typing import Any

GROUPS: dict[str, str] = {
    "model": "which model answers and how it samples",
    "network": "remote providers: where, how long to wait, how often to retry",
    "replay": "playing back a recording or a text file (--provider replay)",
    "display": "how the answer looks on a terminal (a pipe always gets the plain text)",
    "output": "what is written besides the answer, and where",
    "input": "where prompts and conversations come from",
    "run": "how the command runs",
    "checks": "what is checked",
    "redis": "the Redis relay: where, TLS, key names (URL and credentials best in TELEPRINTER_REDIS_URL)",
    "general": "",
}
"""The named option groups, in the order help shows them; ``group(parser, name)`` takes one of these.

A command may add a name of its own (e.g. ``agent``), but one of these is usually right."""


def group(parser: argparse.ArgumentParser, name: str) -> Any:
    """The option group ``name`` of ``parser``, created on first use and shown under the title ``name:``."""
    for existing in parser._action_groups:
        if existing.title == name:
            return existing
    return parser.add_argument_group(name)


def examples_epilog(*lines: str) -> str:
    """The help epilog: ``examples:`` and the command lines, each may end in ``  # what it does``.

    The comments are aligned here; the help formatter moves a comment under its command when
    the terminal is too narrow for both on one line.
    """
    split = [(command.rstrip(), comment.strip()) for command, _, comment in (line.partition("  # ") for line in lines)]
    width = max((len(command) for command, comment in split if comment), default=0)
    return "examples:\n" + "\n".join(
        f"  {command.ljust(width)}  # {comment}" if comment else f"  {command}" for command, comment in split
    )


def command_parser(
    subparsers: Any,
    name: str,
    *,
    help: str,
    examples: Sequence[str],
    description: str | None = None,
    aliases: Sequence[str] = (),
) -> argparse.ArgumentParser:
    """A subcommand parser with the house help format and ``examples`` (two or three real commands) as epilog."""
    from teleprinter.commands.helpformat import HelpFormatter

    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help=help,
        description=description or help[:1].upper() + help[1:] + ".",
        epilog=examples_epilog(*examples),
        formatter_class=HelpFormatter,
        aliases=list(aliases),
        add_help=False,
    )
    add_help_argument(parser)
    group(parser, "general").add_argument(  # also after the command; SUPPRESS keeps the top-level value
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="tracebacks for errors (ask: also a per-phase timeline: imports, model load, prompt evaluation, "
        "first token)",
    )
    return parser


def add_help_argument(parser: argparse.ArgumentParser) -> None:
    """``-h/--help`` in the ``general`` group, which help shows first, rather than a group of its own."""
    group(parser, "general").add_argument("-h", "--help", action="help", help="show this help and exit")



def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """Options that choose and tune the model (groups model, network, replay); every command that runs one."""
    from teleprinter.providers import provider_names

    model = group(parser, "model")
    names = provider_names()
    model.add_argument(
        "--provider",
        choices=names,
        metavar="NAME",
        help=f"model provider: {', '.join(names)} (default: TELEPRINTER_PROVIDER, else azure/openai when "
        "configured, else local)",
    )
    model.add_argument("--model", metavar="NAME", help="model name or path, where the provider takes one")
    model.add_argument("--deployment", metavar="NAME", help="Azure deployment (overrides AZURE_OPENAI_DEPLOYMENT_NAME)")
    model.add_argument("--max-tokens", type=positive_int, metavar="N", help="longest answer in tokens")
    model.add_argument("--temperature", type=temperature, metavar="T", help="sampling temperature")
    model.add_argument("--env-file", metavar="FILE", help="read settings from FILE instead of ./.env")
    network = group(parser, "network")
    network.add_argument("--base-url", metavar="URL", help="OpenAI-compatible server URL, e.g. http://127.0.0.1:11434/v1")
    network.add_argument(
        "--timeout", type=positive_float, metavar="S", help="seconds to wait for data before failing (default 60)"
    )
    network.add_argument(
        "--retries",
        type=retries,
        metavar="N",
        help="retries of a request that failed before the first token (default 2)",
    )
    replay = group(parser, "replay")
    replay.add_argument("--replay", metavar="FILE", help="recorded JSONL or text file for --provider replay")
    replay.add_argument(
        "--chunk-size", type=positive_int, metavar="N", help="replay plain text in pieces of N characters"
    )
    replay.add_argument("--speed", type=speed, metavar="X", help="replay rate multiplier, or 'max' for no delays")
    replay.add_argument(
        "--delay", type=non_negative_float, metavar="S", help="fixed replay delay between chunks, seconds"
    )


def add_display_arguments(parser: argparse.ArgumentParser, *, agent: bool = True) -> None:
    """How the answer is shown on a terminal (group display; a pipe always gets the plain text).

    ``agent=False`` leaves out what only a model or agent run has (reasoning, tool calls, graph
    progress): ``render`` draws text alone.
    """
    display = group(parser, "display")
    display.add_argument(
        "--markdown", dest="markdown", action="store_true", default=None, help="render Markdown (default on a terminal)"
    )
    display.add_argument(
        "--raw", dest="markdown", action="store_false", help="show the text as it arrives, no Markdown"
    )
    display.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colours on a terminal (default: auto)"
    )
    display.add_argument("--no-color", dest="color", action="store_const", const="never", help="same as --color never")
    if not agent:
        return
    display.add_argument(
        "--reasoning",
        choices=("summary", "show", "hide"),
        help="the model's reasoning: a bounded box collapsed to one line (summary, default), all of it (show; "
        "on a pipe it goes to stderr), or nothing (hide)",
    )
    display.add_argument(
        "--tools",
        choices=("summary", "full", "hide"),
        help="tool calls: one line per call and result (summary, default), full arguments and output, or hide",
    )
    display.add_argument(
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


def _number(text: str, kind: type[int] | type[float]) -> Any:
    """``text`` as an int or a finite float (``nan`` and ``inf`` are no setting), else a usage error."""
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a {'whole ' if kind is int else ''}number: {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return value


def temperature(text: str) -> float:
    """An argparse type: a sampling temperature, 0 or more (0: always the likeliest token)."""
    value: float = _number(text, float)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    value: int = _number(text, int)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def positive_float(text: str) -> float:
    """An argparse type: a number above 0 (seconds, rates)."""
    value: float = _number(text, float)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def retries(text: str) -> int:
    """An argparse type: a retry count from 0 to 10."""
    value: int = _number(text, int)
    if not 0 <= value <= 10:
        raise argparse.ArgumentTypeError("must be from 0 to 10")
    return value


def non_negative_float(text: str) -> float:
    """An argparse type: a number of at least 0 (delays)."""
    value: float = _number(text, float)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def speed(text: str) -> float:
    """An argparse type: a positive rate multiplier, or ``max`` (infinity: no delays)."""
    if text == "max":
        return float("inf")
    value: float = _number(text, float)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be positive or 'max'")
    return value


def answer_renderer(args: argparse.Namespace, *, stdin: Any = None) -> Any:
    """The renderer for stdout from the display options (``--markdown``, ``--color``, ``--prefix``...),
    statistics on stderr: what ``ask``, ``run``, ``render`` and ``watch`` draw with.

    ``stdin``, when it is the terminal, lets detection ask whether synchronized output is supported;
    leave it out when stdin carries the input (the terminal's reply would land in it).
    """
    import sys

    from teleprinter.config import terminal_environment
    from teleprinter.render.factory import make_renderer

    return make_renderer(
        sys.stdout,
        prefix=args.prefix,
        markdown=args.markdown,
        color=args.color,
        status_stream=sys.stderr,
        environ=terminal_environment(),
        stdin=stdin,
        display=display_options(args),
    )


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
    """TLS and key prefix options (group redis) of every command that talks to Redis."""
    redis = group(parser, "redis")
    redis.add_argument(
        "--redis-ca", metavar="FILE", help="CA certificate(s) to trust for rediss:// (default: the system's)"
    )
    redis.add_argument(
        "--key-prefix",
        metavar="PREFIX",
        help="prefix of every Redis key (default TELEPRINTER_REDIS_PREFIX or 'teleprinter:')",
    )


def add_publish_arguments(parser: argparse.ArgumentParser) -> None:
    """``--publish [URL] --stream-key KEY`` (group redis): every event of the run also goes to a Redis stream.

    Shared by ``ask``, ``chat`` and ``batch`` (and any command that runs a model).
    """
    redis = group(parser, "redis")
    redis.add_argument(
        "--publish",
        metavar="URL",
        nargs="?",
        const="",
        help="also publish every event to a Redis stream, e.g. redis://HOST:6379/0 "
        "(no URL: TELEPRINTER_REDIS_URL, so a password stays off the command line)",
    )
    redis.add_argument(
        "--stream-key", metavar="KEY", help="the stream's name under the key prefix (default: a new id)"
    )
    redis.add_argument(
        "--stream-ttl", metavar="S", type=positive_int, default=24 * 3600,
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

    Raises ``ConfigError`` for a bad URL or a ``--stream-key`` a live run is publishing to
    (:func:`~teleprinter.relay.claim_stream`: a finished run there is replaced, with one line
    saying so) and ``RelayError`` when Redis cannot be reached at the start; later outages are
    warnings (the answer goes on here).
    """
    from teleprinter.errors import ConfigError

    if args.publish is None:
        if args.stream_key is not None:
            raise ConfigError("--stream-key names the stream --publish writes to", "add --publish [URL]")
        return None
    if args.stream_key is not None and not args.stream_key.strip():
        raise ConfigError("--stream-key is empty", "name the stream, or leave --stream-key out for a new one")
    import sys
    import uuid

    from teleprinter.relay import RedisPublisher, claim_stream

    target = redis_target(args, args.publish, "--publish")
    key = args.stream_key or f"run-{uuid.uuid4().hex[:12]}"
    if args.stream_key:  # a named key may hold an earlier run: replace a finished one, refuse a live one
        note = claim_stream(target, target.key(key), ttl=args.stream_ttl)
        if note:
            sys.stderr.write(f"teleprinter: {note}\n")
    publisher = RedisPublisher(target, key, on_warning=warn, ttl=args.stream_ttl)
    if not args.stream_key:  # a new key: say how to watch it, as watch takes it (the prefix is added there)
        where = f" {target.shown}" if args.publish else ""  # no URL given: watch reads TELEPRINTER_REDIS_URL too
        prefix = f" --key-prefix {args.key_prefix}" if getattr(args, "key_prefix", None) else ""
        watch = f"teleprinter watch{where} {key}{prefix}"
        sys.stderr.write(f"teleprinter: publishing to stream {key}; watch it with: {watch}\n")
    return publisher


def close_publisher(publisher: Any, outcome: str | None = None) -> None:
    """Mark the stream's end; warn when Redis stayed away and the stream is incomplete."""
    if publisher is None:
        return
    unsent = publisher.close(outcome)
    if unsent:
        warn(f"Redis stayed unreachable: {unsent} events were not published; stream {publisher.key} is incomplete")
