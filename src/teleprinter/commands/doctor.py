"""``teleprinter doctor``: check Python, packages, terminal, provider settings and the embedded model."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from teleprinter.commands.common import add_model_arguments, command_parser, group


def add_parser(subparsers: Any) -> None:
    parser = command_parser(
        subparsers,
        "doctor",
        help="check the setup: terminal, provider settings, embedded model",
        description="Check Python, packages, the terminal, which provider is chosen and why, every setting it "
        "reads (keys masked), the embedded model, and that the chat history (and each --transcript FILE) "
        "is readable by you alone. Exit code 1 when a check fails.",
        examples=(
            "teleprinter doctor  # every check, with a fix for each problem",
            "teleprinter doctor --online  # ...and a 1-token streamed request, timed",
            "teleprinter doctor --provider openai --json --skip-model",
            "teleprinter doctor --transcript talk.jsonl  # is this transcript private too?",
        ),
    )
    add_model_arguments(parser)
    checks = group(parser, "checks")
    checks.add_argument(
        "--online", action="store_true",
        help="also stream a 1-token answer and time it, and PING the relay's Redis when one is set",
    )
    checks.add_argument("--skip-model", action="store_true", help="do not load the embedded model")
    checks.add_argument(
        "--transcript", metavar="FILE", action="append", default=[],
        help="also check that FILE (a chat transcript or /save file) is private; repeatable",
    )
    group(parser, "output").add_argument("--json", action="store_true", help="print the checks as JSON")
    parser.set_defaults(run=run)


def terminal_facts() -> Any:
    """What stdout is, observed here (with the renderer's own detection) so the library never looks.

    Synchronized output is asked of the terminal itself when stdin is the terminal too.
    """
    from teleprinter.config import terminal_environment
    from teleprinter.doctor import TerminalFacts
    from teleprinter.render.terminal import detect

    stream, environ = sys.stdout, terminal_environment()
    stdin = sys.stdin if sys.stdin is not None and sys.stdin.isatty() else None
    capabilities = detect(stream, environ, stdin=stdin)
    width = capabilities.width if capabilities.is_tty else None
    synchronized = capabilities.synchronized if stdin is not None and capabilities.cursor else None
    encoding = getattr(stream, "encoding", None) or "unknown"
    errors = getattr(stream, "errors", None) or "replace"
    return TerminalFacts(capabilities.is_tty, width, encoding, environ, synchronized, capabilities.color, errors)


def gather(args: argparse.Namespace, facts: Any) -> list[Any]:
    from teleprinter import doctor
    from teleprinter.commands.common import model_options
    from teleprinter.config import AZURE_VARIABLES, Settings, settings_for
    from teleprinter.errors import ConfigError
    from teleprinter.providers.detect import choose_provider

    checks = [doctor.check_python(), doctor.check_packages(), *doctor.check_terminal(facts), *privacy_checks(args)]
    try:
        options = model_options(args)
    except ConfigError as error:
        checks.append(doctor.Check("settings", doctor.FAIL, error.message, error.hint))
        return checks
    settings: Settings = options.settings
    detection = choose_provider(settings, flag=args.provider, replay=args.replay, base_url=args.base_url)
    checks += doctor.check_provider(detection.name, detection.reason, detection.warning)
    checks.append(doctor.check_env_file(settings))
    checks += doctor.check_settings(settings_for(options, options.provider), options.provider)
    if options.provider != "azure" and any(settings.get(name) for name in AZURE_VARIABLES):
        checks += doctor.check_settings(settings, "azure", in_use=False)
    redis_checks = doctor.check_redis(settings)
    checks += redis_checks
    if not args.skip_model:
        checks.append(doctor.check_embedded_model(required=options.provider == "local"))
    if args.online and not doctor.failed(checks):
        checks.append(doctor.check_online(options, options.provider))
    elif args.online:
        checks.append(doctor.Check("online", doctor.SKIP, "skipped: fix the failures above first"))
    if args.online and redis_checks and not doctor.failed(redis_checks):
        checks.append(doctor.check_redis_online(settings))
    return checks


def privacy_checks(args: argparse.Namespace) -> list[Any]:
    """The chat history (where ``teleprinter chat`` keeps it) and each ``--transcript``: readable by others?"""
    from pathlib import Path

    from teleprinter import doctor
    from teleprinter.chat.repl import history_path
    from teleprinter.commands.chat import user_data_dir

    checks = [doctor.check_private_file("history", history_path(Path(user_data_dir())))]
    checks += [doctor.check_private_file("transcript", Path(name).expanduser(), named=True) for name in args.transcript]
    return checks


def run(args: argparse.Namespace) -> int:
    from teleprinter import doctor
    from teleprinter.secrets import redact

    facts = terminal_facts()
    checks = gather(args, facts)
    if args.json:
        sys.stdout.write(redact(json.dumps(doctor.as_json(checks), indent=2)) + "\n")
    else:
        sys.stdout.write(doctor.format_report(checks, color=facts.color, width=facts.width))
    return 1 if doctor.failed(checks) else 0
