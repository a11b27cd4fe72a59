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
