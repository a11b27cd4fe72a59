"""Command-line entry point: argument parsing, one-line errors and exit codes, nothing else.

Exit codes: 0 ok, 1 model or runtime error, 2 usage or configuration error, 130 Ctrl-C,
143 SIGTERM. A closed stdout (``| head``) ends quietly.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time
from collections.abc import Sequence
from typing import Any, NoReturn

IMPORTED = time.perf_counter()
"""When this module was imported: the end of Python's start-up in ``--debug``'s timeline."""

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 130, 143
DESCRIPTION = "Stream LangChain chat-model answers to the terminal, token by token."


class Terminated(BaseException):
    """Raised in the main thread on SIGTERM so every ``finally`` restores and flushes."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse whose usage errors are two lines: where the help is, then the error itself (exit 2).

    argparse prints the whole usage block first, which for ``ask`` is a dozen lines above the one
    that matters. Subcommand parsers are made of this class too (``add_subparsers`` uses the
    parent's class), so every command's errors look alike.
    """

    _intermixing = False

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """A command's options may stand anywhere, also between its positionals (``run T --stats IN``).

        Plain argparse fills an optional positional with nothing when an option comes first and
        then rejects the positional as "unrecognized"; ``parse_known_intermixed_args`` does not.
        The top-level parser (it has the subcommands, which intermixing cannot handle) parses as usual.
        """
        if self._subparsers is not None or self._intermixing:
            return super().parse_known_args(args, namespace)
        self._intermixing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._intermixing = False

    def error(self, message: str) -> NoReturn:
        from teleprinter.secrets import redact

        hint = f"{self.prog}: see '{self.prog} --help' for the options and examples"
        self.exit(EXIT_USAGE, f"{hint}\n{self.prog}: error: {redact(message)}\n")


COMMANDS: dict[str, str] = {
    "ask": "teleprinter.commands.ask",
    "batch": "teleprinter.commands.batch",
    "chat": "teleprinter.commands.chat",
    "doctor": "teleprinter.commands.doctor",
    "render": "teleprinter.commands.render",
    "run": "teleprinter.commands.run",
    "watch": "teleprinter.commands.watch",
    "worker": "teleprinter.commands.worker",
    "completion": "teleprinter.commands.completion",
    "model": "teleprinter.commands.local_worker",
}
"""Every command's name and the module whose ``add_parser(subparsers)`` makes its parser, in help order."""


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command-line parser; given ``argv`` naming a command, with only that command's parser.

    Importing every command module and building every parser costs tens of milliseconds, which
    ``ask`` on a warm model worker cannot afford (issue 14: its first token must follow the
    model's prompt evaluation closely). Parsing is the same: the one subparser built is the one
    argparse would pick. Without a command (``--help``, the overview) or with a word that is no
    command (argparse's "invalid choice" lists them all) every command is built.
    """
    from importlib import import_module

    from teleprinter import __version__
    from teleprinter.commands.common import add_help_argument, examples_epilog, group
    from teleprinter.commands.helpformat import HelpFormatter

    parser = ArgumentParser(
        prog="teleprinter",
        description=DESCRIPTION,
        epilog=examples_epilog(*COMMON_COMMANDS),
        formatter_class=HelpFormatter,
        add_help=False,
    )
    add_help_argument(parser)
    general = group(parser, "general")
    general.add_argument("--version", action="version", version=f"teleprinter {__version__}")
    general.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    named = command_named(argv) if argv is not None else None
    for name, module in COMMANDS.items():
        if named is None or name == named:
            import_module(module).add_parser(subparsers)
    return parser


def command_named(argv: Sequence[str]) -> str | None:
    """The command ``argv`` runs, when it is one of :data:`COMMANDS` and only ``--debug`` stands before it."""
    for word in argv:
        if word == "--debug":
            continue
        return word if word in COMMANDS else None
    return None


COMMON_COMMANDS = (
    'teleprinter ask "What is the capital of France?"  # embedded model, no keys',
    "teleprinter chat  # Ctrl-C stops an answer",
    "teleprinter batch prompts.txt --out answers/  # a file of prompts",
    "teleprinter doctor  # check the set-up",
)
"""The overview's examples (``teleprinter`` alone, and the end of ``teleprinter --help``)."""


def overview(parser: argparse.ArgumentParser, width: int) -> str:
    """What ``teleprinter`` alone prints: what it is, the most common commands, where help is."""
    from teleprinter import __version__
    from teleprinter.commands.common import examples_epilog
    from teleprinter.commands.helpformat import fill
    from teleprinter.render.wrap import wrap_text

    common = examples_epilog(*COMMON_COMMANDS).replace("examples:", "Most common:", 1)
    lines = [*wrap_text(f"teleprinter {__version__} - {DESCRIPTION}", width), "", fill(common, width)]
    lines += ["", *wrap_text("Commands: " + ", ".join(subcommands(parser)), width, "", "  ")]
    lines += wrap_text("Run 'teleprinter COMMAND --help' for a command's options and examples.", width)
    return "\n".join(lines) + "\n"


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Every command's parser by name (aliases included), in the order they were added."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated()


def _silence_stdout() -> None:
    """After EPIPE, point stdout at /dev/null so the interpreter's final flush stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _redact(text: str) -> str:
    """Secrets (API keys read from settings) never reach the terminal, whatever raised."""
    from teleprinter.secrets import redact

    return redact(text)


def _traceback() -> int:
    """``--debug``: the full traceback, with secrets masked like every other message."""
    import traceback

    try:
        sys.stderr.write(_redact(traceback.format_exc()))
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    return EXIT_ERROR


def _error(message: str) -> None:
    message = _redact(message)
    try:
        sys.stderr.write(f"teleprinter: error: {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _notice(what: str) -> None:
    """Say on stderr, on a line of its own, why the answer stopped; the partial text stays."""
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(f"\nteleprinter: {what}\n")
        sys.stderr.flush()


def _configure_logging(debug: bool) -> None:
    """Library log records (LangChain's "Error in ... callback" among them) reach stderr only
    under ``--debug``: without it, errors reach the user as the one line ``_run`` prints."""
    import logging

    if debug:
        from teleprinter.secrets import RedactingFilter

        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
        for handler in logging.getLogger().handlers:
            handler.addFilter(RedactingFilter())
    else:
        logging.getLogger().addHandler(logging.NullHandler())


def main(argv: Sequence[str] | None = None) -> int:
    from teleprinter.config import completion_requested

    if argv is None:
        argv = sys.argv[1:]
    parser = build_parser(None if completion_requested() else argv)  # completion needs every command
    _complete(parser)
    args, extra = parser.parse_known_args(argv)
    if extra:
        _parser_of(parser, args).error(f"unrecognized arguments: {' '.join(extra)}")
    if not getattr(args, "run", None):
        import shutil

        sys.stdout.write(overview(parser, min(shutil.get_terminal_size().columns, 100)))
        return EXIT_OK
    signal.signal(signal.SIGTERM, _on_sigterm)
    _configure_logging(args.debug)
    _replace_unencodable()
    if args.debug:
        from teleprinter import timeline

        timeline.start().mark("python start-up", at=IMPORTED)
    return _run(args)


def _replace_unencodable() -> None:
    """On a stream in a legacy encoding (a Windows redirect in cp1252, ``PYTHONIOENCODING=cp1252``),
    write what the encoding holds and ``?`` for the rest, instead of stopping at the first emoji
    with a UnicodeEncodeError. Only the ``strict`` handler is replaced (Python's default, and what
    ``PYTHONIOENCODING=cp1252:strict`` asks for, which cannot be told apart); a chosen ``backslashreplace``
    or ``xmlcharrefreplace`` stays. ``doctor`` says what happens.
    """
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
        if getattr(stream, "errors", None) == "strict" and encoding not in ("utf8", "utf8sig"):
            reconfigure = getattr(stream, "reconfigure", None)
            if reconfigure is not None:
                reconfigure(errors="replace")


def _complete(parser: argparse.ArgumentParser) -> None:
    """Answer a shell's completion request (argcomplete) and exit; nothing happens otherwise."""
    from teleprinter.config import completion_requested

    if completion_requested():
        import argcomplete

        argcomplete.autocomplete(parser)


def _parser_of(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The subcommand's parser when one was given (its errors name it), else the top one."""
    return subcommands(parser).get(getattr(args, "command", None) or "", parser)


def _run(args: argparse.Namespace) -> int:
    from teleprinter.errors import ConfigError, TeleprinterError

    try:
        code: int = args.run(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OK
    except KeyboardInterrupt:
        _notice("interrupted")
        return EXIT_INTERRUPTED
    except Terminated:
        _notice("terminated")
        return EXIT_TERMINATED
    except ConfigError as error:
        _error(str(error))
        return EXIT_USAGE
    except TeleprinterError as error:
        if args.debug:
            return _traceback()
        _error(str(error))
        return EXIT_ERROR
    except Exception as error:  # any model/provider failure: one line, the traceback under --debug
        if args.debug:
            return _traceback()
        _error(_describe(error))
        return EXIT_ERROR


def _describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def entry() -> None:
    sys.exit(main())
