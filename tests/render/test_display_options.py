"""The shared display options: --markdown/--raw, --color (and --no-color as its alias)."""

from __future__ import annotations

import pytest

from teleprinter.cli import build_parser


@pytest.mark.parametrize(
    ("argv", "markdown", "color"),
    [
        ([], None, "auto"),
        (["--raw"], False, "auto"),
        (["--markdown"], True, "auto"),
        (["--color", "always"], None, "always"),
        (["--no-color"], None, "never"),
        (["--raw", "--color", "never"], False, "never"),
    ],
)
def test_ask_display_options(argv: list[str], markdown: bool | None, color: str) -> None:
    args = build_parser().parse_args(["ask", *argv, "question"])
    assert (args.markdown, args.color) == (markdown, color)


def test_an_unknown_colour_mode_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["ask", "--color", "sometimes", "q"])
    assert stop.value.code == 2
    assert "--color" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["ask", "q"], ["chat"], ["run", "x.py:graph"]])
def test_agent_display_options_on_every_command_that_streams(command: list[str]) -> None:
    from teleprinter.commands.common import display_options

    args = build_parser().parse_args([command[0], "--reasoning", "show", "--tools", "full", *command[1:]])
    options = display_options(args)
    assert (options.reasoning, options.tools, options.progress) == ("show", "full", "nodes")
    assert options.explicit == {"reasoning", "tools"}
    assert options.on_pipe("reasoning") and options.on_pipe("tools") and not options.on_pipe("progress")
    defaults = display_options(build_parser().parse_args(command))
    assert (defaults.reasoning, defaults.tools, defaults.progress, defaults.explicit) == (
        "summary", "summary", "nodes", frozenset()
    )


def test_an_unknown_reasoning_mode_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["ask", "--reasoning", "loud", "q"])
    assert stop.value.code == 2
    assert "--reasoning" in capsys.readouterr().err
