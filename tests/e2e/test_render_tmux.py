"""The renderer in a real terminal (tmux, its defaults): after ``clear`` the answer is in history
once, a resize mid-answer loses nothing, and the cases in ``tests/render/cases`` look right.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.e2e.test_ask_tmux import TELEPRINTER, Pane, pytestmark  # noqa: F401  (same skips and marks)

CASES = Path(__file__).resolve().parents[1] / "render" / "cases"


@pytest.fixture
def pane(tmp_path: Path) -> Pane:
    terminal = Pane(tmp_path)
    terminal.wait_for(terminal.prompt_back, timeout=20)
    yield terminal  # type: ignore[misc]
    terminal.kill()


def ask(path: Path, *extra: str) -> str:
    args = [str(TELEPRINTER), "ask", "--provider", "replay", "--replay", str(path), *extra, "x"]
    return " ".join(shlex.quote(a) for a in args)


def finished(pane: Pane, text: str) -> bool:
    return "tokens" in text and pane.prompt_back(text)


def test_after_clear_the_answer_is_in_history_once(pane: Pane) -> None:
    """tmux copies the screen to history on "erase below" from the top-left corner (scroll-on-clear)."""
    pane.type("clear; " + ask(CASES / "tmux-top-row.md", "--delay", "0.05"))
    text = pane.wait_for(lambda text: finished(pane, text), timeout=90, history=True)
    assert text.count("The first paragraph is one long source line") == 1, text
    assert text.count("Title") == 1


def test_a_shrink_mid_answer_loses_no_word(pane: Pane, tmp_path: Path) -> None:
    words = [f"w{n:03d}" for n in range(240)]
    path = tmp_path / "answer.md"
    path.write_text(" ".join(words) + "\n", encoding="utf-8")
    pane.type(ask(path, "--delay", "0.02"))
    pane.wait_for(lambda text: "w060" in text, timeout=90)
    pane.tmux("resize-window", "-t", "ask", "-x", "50", "-y", "24")
    text = pane.wait_for(lambda text: finished(pane, text), timeout=90, history=True)
    shown = re.findall(r"w\d{3}", text)
    assert sorted(set(shown)) == words, "a word was lost"


def test_the_ordered_list_case_keeps_day_and_every_item(pane: Pane) -> None:
    source = (CASES / "ordered-list-tall.md").read_text(encoding="utf-8")
    pane.type(ask(CASES / "ordered-list-tall.md", "--speed", "4"))
    text = pane.wait_for(lambda text: finished(pane, text), timeout=90, history=True)
    joined = " ".join(text.split())
    assert "at the same time every day, weekends included" in joined
    for line in source.splitlines():
        if line[:3].rstrip(" ").rstrip(".").isdigit():
            assert joined.count(line.split("**")[1]) == 1, line


def test_the_citations_case_shows_references_as_written(pane: Pane) -> None:
    pane.type(ask(CASES / "citations.md", "--chunk-size", "1", "--delay", "0.002"))
    text = pane.wait_for(lambda text: finished(pane, text), timeout=90, history=True)
    assert "Swiss Alps [1] and reaches" in text
    assert "[1]: https://example.org/rhine/source" in text and "(https://)" not in text


def test_a_code_block_copies_from_the_terminal_as_written(pane: Pane, tmp_path: Path) -> None:
    """``capture-pane -J`` is what a copy of the pane gives: the code, without indent or decoration."""
    code = ['def greet(name: str) -> str:', '    """Say hello."""', '    return f"hello {name}"  # done']
    path = tmp_path / "answer.md"
    path.write_text("Here is the code:\n\n```python\n" + "\n".join(code) + "\n```\n\nThat is all.\n", encoding="utf-8")
    pane.type(ask(path, "--delay", "0.01"))
    pane.wait_for(lambda text: finished(pane, text), timeout=90)
    copied = pane.tmux("capture-pane", "-p", "-J", "-t", "ask").splitlines()
    start = copied.index(code[0])
    assert copied[start : start + 3] == code
