"""Model output is untrusted: escape sequences in tokens must show, not run."""

from __future__ import annotations

import pytest

from teleprinter.render.sanitize import sanitize
from tests.render.screen import chunked, stream

ATTACK = (
    "safe \x1b]0;pwned title\x07 "  # OSC 0: window title
    "\x1b]52;c;ZXZpbA==\x07 "  # OSC 52: clipboard write
    "\x1b[31;1mred\x1b[0m "  # SGR colour
    "\x1b[2J\x1b[H"  # clear screen, cursor home
    "\x1b[?25l"  # hide cursor
    "\x9b31m"  # C1 CSI
    "back\x08\x08\x08\x08over "  # backspaces
    "car\rriage\x07 end"
)


def test_control_characters_become_visible_pictures() -> None:
    assert sanitize("a\x1b[31mb") == "a␛[31mb"
    assert sanitize("bell\x07") == "bell␇"
    assert sanitize("x\x08y") == "x␈y"
    assert sanitize("c\r\nd") == "c\nd"  # CR dropped: Windows line ends are just line ends
    assert sanitize("\x9b") == "\ufffd"
    assert sanitize("tab\tand\nnewline") == "tab\tand\nnewline"
    assert sanitize("plain text, 日本語") == "plain text, 日本語"


@pytest.mark.parametrize("markdown", [False, True])
@pytest.mark.parametrize("sizes", [[1], [3, 7], [1000]])
def test_escape_sequences_in_tokens_do_not_change_the_terminal(markdown: bool, sizes: list[int]) -> None:
    run = stream(chunked(ATTACK, sizes), 60, 10, markdown=markdown)
    screen = run.screen
    text = "\n".join(run.rows)
    assert screen.title == "" and screen.icon_name == ""
    assert not screen.cursor.hidden
    assert all(
        cell.fg == "default" and cell.bg == "default" and not cell.bold and not cell.reverse
        for row in screen.cells()
        for cell in row
    )
    assert text.startswith("safe ␛]0;pwned title␇")  # nothing cleared the screen or moved the cursor home
    assert "␛[31;1mred␛[0m" in text and "back␈␈␈␈over" in text and "carriage␇ end" in text
    assert (screen.cursor.x, screen.cursor.y) == (0, len(run.rows))
