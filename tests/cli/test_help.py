"""The first five minutes of the CLI: --version, the overview, help that teaches, usage errors of one line.

The grouping test walks every subcommand of the real parser, so a command or an option added
later without a group or without examples fails here, not in a user's terminal.
"""

from __future__ import annotations

import argparse
import io
import re
import shlex
from contextlib import redirect_stderr, redirect_stdout

import pytest

from teleprinter import __version__
from teleprinter.cli import build_parser, main, subcommands
from teleprinter.commands.common import GROUPS
from tests.conftest import run_cli

PARSER = build_parser()
COMMANDS = sorted(subcommands(PARSER))
DEFAULT_GROUPS = ("options", "optional arguments", "positional arguments")
EXAMPLE = re.compile(r"^ {2}(teleprinter |eval |\S.* \| teleprinter )")  # also a pipe into teleprinter


def call(*argv: str) -> tuple[int, str, str]:
    """``main`` in process, with its exit code (argparse's SystemExit included), stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 1
    return code, out.getvalue(), err.getvalue()


def group_of(parser: argparse.ArgumentParser, action: argparse.Action) -> str | None:
    for group in parser._action_groups:
        if action in group._group_actions:
            return group.title
    return None


def test_version() -> None:
    code, out, err = call("--version")
    assert (code, out, err) == (0, f"teleprinter {__version__}\n", "")


def test_teleprinter_alone_prints_the_overview_and_exits_0() -> None:
    result = run_cli([])
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"teleprinter {__version__} - ")
    assert 'teleprinter ask "What is the capital of France?"' in result.stdout
    assert "teleprinter chat" in result.stdout and "teleprinter doctor" in result.stdout
    assert all(name in result.stdout for name in COMMANDS)  # every command is named
    assert "--help" in lines[-1]
    assert len(lines) < 25  # an overview, not the manual


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_sits_in_a_named_group(command: str) -> None:
    parser = subcommands(PARSER)[command]
    for action in parser._actions:
        if not action.option_strings or isinstance(action, argparse._HelpAction):
            continue
        title = group_of(parser, action)
        assert title not in (None, *DEFAULT_GROUPS), (
            f"{command} {action.option_strings[0]} is in no named group: add it with "
            f"teleprinter.commands.common.group(parser, NAME).add_argument(...), NAME one of {sorted(GROUPS)}"
        )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_shows_its_groups_and_examples(command: str) -> None:
    code, out, err = call(command, "--help")
    assert code == 0 and err == ""
    parser = subcommands(PARSER)[command]
    named = [
        group.title for group in parser._action_groups if group._group_actions and group.title not in DEFAULT_GROUPS
    ]
    for title in named:
        assert f"\n{title}:\n" in out, f"{command} --help lacks the {title} group"
    assert "\nexamples:\n" in out, (
        f"{command} --help has no examples: make its parser with "
        "teleprinter.commands.common.command_parser(subparsers, NAME, help=..., examples=(...))"
    )
    epilog = out[out.index("\nexamples:\n") :]
    examples = [line for line in epilog.splitlines() if EXAMPLE.match(line)]
    assert 2 <= len(examples) <= 4, examples
    assert out.splitlines()[0].startswith(f"usage: teleprinter {command} ")
    assert len(out.splitlines()[0]) < 80  # the short usage line, not every option


def test_commands_that_run_a_model_group_model_network_and_replay_options() -> None:
    for command in ("ask", "chat", "batch", "doctor"):
        out = call(command, "--help")[1]
        for title in ("model", "network", "replay"):
            assert f"\n{title}:\n" in out


@pytest.mark.parametrize("command", COMMANDS)
def test_help_wraps_at_word_boundaries_at_60_columns(command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    wide = call(command, "--help")[1]
    monkeypatch.setenv("COLUMNS", "60")
    narrow = call(command, "--help")[1]
    assert max(len(line) for line in narrow.splitlines()) <= 60
    assert sorted(narrow.split()) == sorted(wide.split())  # the same words: none cut, none split at a hyphen


USAGE_ERRORS = {
    "ask": ["ask", "--speed", "-3", "x"],
    "batch": ["batch", "prompts.txt", "--concurrency", "0"],
    "chat": ["chat", "--timeout", "soon"],
    "doctor": ["doctor", "--provider", "nope"],
    "completion": ["completion", "powershell"],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_a_usage_error_is_two_lines_ending_in_the_error(command: str) -> None:
    argv = USAGE_ERRORS.get(command, [command, "--no-such-option"])
    code, out, err = call(*argv)
    lines = err.splitlines()
    assert code == 2 and out == ""
    assert 1 <= len(lines) <= 2, err
    assert lines[-1].startswith(f"teleprinter {command}: error: ")
    assert f"teleprinter {command} --help" in err


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["ask", "--speed", "-3", "x"], "argument --speed: must be positive or 'max'"),
        (["ask", "--max-tokens", "many", "x"], "argument --max-tokens: not a whole number: 'many'"),
        (["ask", "--bogus", "x"], "unrecognized arguments: --bogus"),
        (["ask", "one", "two"], "unrecognized arguments: two"),
        (["ask", "--temperature", "-5", "x"], "argument --temperature: must be 0 or more"),
        (["ask", "--speed", "nan", "x"], "argument --speed: not a finite number: 'nan'"),
        (["ask", "--timeout", "inf", "x"], "argument --timeout: not a finite number: 'inf'"),
    ],
)
def test_usage_errors_say_what_is_wrong(argv: list[str], error: str) -> None:
    code, _, err = call(*argv)
    assert code == 2
    assert err.splitlines()[-1] == f"teleprinter ask: error: {error}"


def test_an_unknown_command_is_a_usage_error_of_the_top_parser() -> None:
    result = run_cli(["aks", "hello"])
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and lines[-1].startswith("teleprinter: error: argument COMMAND: invalid choice: 'aks'")
    assert "teleprinter --help" in lines[0]


def example_commands(help_text: str) -> list[list[str]]:
    """The teleprinter command lines of a help's examples, as argv (comments, pipes and redirects left out)."""
    commands = []
    for line in help_text[help_text.index("\nexamples:\n") :].splitlines()[1:]:
        line = line.split("  # ")[0]
        start = line.find("teleprinter ")
        if start < 0:
            continue
        text = line[start:].split(" > ")[0].split(")")[0].split(" | ")[0]
        commands.append(shlex.split(text)[1:])
    return commands


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_every_example_parses_with_todays_options(command: str) -> None:
    """An option renamed or removed later breaks its examples here, not in a user's terminal."""
    help_text = call(*([command] if command else []), "--help")[1]
    examples = example_commands(help_text)
    assert len(examples) >= 2
    for argv in examples:
        parser = build_parser()
        with redirect_stderr(io.StringIO()) as err:
            try:
                args, extra = parser.parse_known_args(argv)
            except SystemExit:
                pytest.fail(f"example {argv} does not parse: {err.getvalue().strip()}")
        assert extra == [] and args.command == argv[0], argv


@pytest.mark.parametrize("command", COMMANDS)
def test_the_parser_built_for_one_command_parses_like_the_whole_one(command: str) -> None:
    """``main`` builds only the named command's parser (issue 14: start-up of ``ask`` on a warm
    worker); every example, with ``--debug`` before or after the command, must parse the same."""
    examples = example_commands(call(command, "--help")[1])
    for argv in [*examples, *(["--debug", *argv] for argv in examples), [command, "--debug", *examples[0][1:]]]:
        lean = build_parser(argv)
        assert set(subcommands(lean)) == {command}
        with redirect_stderr(io.StringIO()):
            lean_args, full_args = lean.parse_known_args(argv)[0], build_parser().parse_known_args(argv)[0]
        assert vars(lean_args) == vars(full_args), argv  # `run` is the same function object in both


@pytest.mark.parametrize("argv", [[], ["--help"], ["--version"], ["aks", "hello"], ["--debug"], ["-h", "ask"]])
def test_without_a_command_first_every_command_is_built(argv: list[str]) -> None:
    assert set(subcommands(build_parser(argv))) == set(COMMANDS)
