"""`teleprinter run examples/agent.py:graph` (embedded model) and `ask` on a reasoning server, in tmux.

The graph routes the question to a real calculator tool, then runs two model nodes in
parallel. The screen must show the node lines, the tool line and its result, and both
answers, each as one labelled, contiguous block; Ctrl-C mid-run keeps what was shown and
gives back a usable terminal.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e import test_ask_tmux
from tests.e2e.test_ask_tmux import ROOT, TELEPRINTER, Pane, shell_still_works
from tests.servers.sse import Reply, SSEServer

pytestmark = [pytest.mark.e2e, *test_ask_tmux.pytestmark[1:]]  # the same tmux and venv checks

AGENT = ROOT / "examples" / "agent.py"


@pytest.fixture
def pane(tmp_path: Path) -> Iterator[Pane]:
    terminal = Pane(tmp_path, width=80, height=16)
    try:
        terminal.wait_for(terminal.prompt_back, timeout=20)
        yield terminal
    finally:
        terminal.kill()


def command(*extra: str) -> str:
    args = [str(TELEPRINTER), "run", f"{AGENT}:graph", "What is 17 * 23?", *extra]
    return " ".join(shlex.quote(arg) for arg in args) + "; echo exit=$?"


def block(lines: list[str], label: str) -> list[str]:
    """The rows of the run labelled ``label``: from its label to the next blank or progress row."""
    start = lines.index(f"── {label}")
    rows = []
    for line in lines[start + 1 :]:
        if not line.strip() or line.startswith(("▸ ", "── ", "exit=")) or re.match(r"^\d+ tokens", line):
            break
        rows.append(line)
    return rows


@pytest.mark.model
def test_agent_run_shows_progress_the_tool_and_both_answers_apart(pane: Pane) -> None:
    pane.type(command())
    text = pane.wait_for(lambda text: "exit=" in text and pane.prompt_back(text), timeout=240, history=True)
    assert "exit=0" in text
    lines = [line.rstrip() for line in text.splitlines()]
    assert any(re.fullmatch(r"▸ router · \d+\.\d s", line) for line in lines)
    assert '⚙ calculator(expression="17 * 23")' in lines
    assert any(line.startswith("  ↳ 391 · 3 B · ") for line in lines)
    answer, summary = block(lines, "answer"), block(lines, "summary")
    assert answer and summary  # both model answers, each under its label
    assert "391" in " ".join(answer)
    for label in ("answer", "summary"):
        assert sum(line == f"── {label}" for line in lines) == 1  # drawn once: no duplicate in scrollback
        assert any(re.fullmatch(rf"▸ {label} · \d+\.\d s", line) for line in lines)
    assert pane.cursor_visible()
    assert "waiting for" not in text and "␛" not in text
    shell_still_works(pane)


@pytest.mark.model
def test_ctrl_c_mid_run_keeps_what_was_shown_and_restores_the_terminal(pane: Pane) -> None:
    pane.type(command())
    pane.wait_for(lambda text: "↳ 391" in text, timeout=240)
    pane.keys("C-c")
    text = pane.wait_for(lambda text: "exit=" in text and pane.prompt_back(text), timeout=60, history=True)
    assert "exit=130" in text and "interrupted" in text
    assert '⚙ calculator(expression="17 * 23")' in text and "↳ 391" in text and "▸ router" in text
    assert pane.cursor_visible()
    shell_still_works(pane)


def test_ask_shows_the_reasoning_box_then_collapses_it_above_the_answer(tmp_path: Path) -> None:
    thoughts = [f"Step {n}: weighing the next part of the sum.\n" for n in range(12)]
    terminal = Pane(tmp_path, width=60, height=14)
    try:
        with SSEServer(api_key=None) as server:
            server.script(Reply(tokens=["17 × 23 ", "= 391."], reasoning=thoughts, delay=0.15))
            terminal.wait_for(terminal.prompt_back, timeout=20)
            base = [str(TELEPRINTER), "ask", "--provider", "openai-compatible", "--base-url", server.url + "/v1"]
            terminal.type(" ".join(shlex.quote(arg) for arg in [*base, "--model", "r1", "17 * 23?"]))
            boxed = terminal.wait_for(lambda text: "│ Step 6" in text, timeout=60)
            text = terminal.wait_for(lambda text: "tokens ·" in text and terminal.prompt_back(text), timeout=60)
    finally:
        terminal.kill()
    assert "thinking" in boxed and "reasoning tokens" in boxed and "waiting" not in boxed
    assert len([line for line in boxed.splitlines() if line.startswith("│ ")]) <= 4
    lines = [line.rstrip() for line in text.splitlines()]
    start = next(n for n, line in enumerate(lines) if line.startswith("thought for"))
    assert re.fullmatch(r"thought for \d+\.\d s · 12 tokens", lines[start])
    assert lines[start + 1] == "17 × 23 = 391."
    assert "│ Step" not in text


@pytest.mark.model
def test_on_a_pipe_stdout_gets_both_answers_as_blocks_and_progress_goes_to_stderr_when_asked() -> None:
    from tests.conftest import run_cli

    args = ["run", "examples/agent.py:graph", "What is 17 * 23?", "--tools", "summary", "--progress", "nodes"]
    result = run_cli(args, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    blocks = result.stdout.split("\n\n")
    assert len(blocks) == 2 and all(block.strip() for block in blocks)  # two runs, one block each
    assert "391" in result.stdout and "⚙" not in result.stdout and "▸" not in result.stdout
    assert '⚙ calculator(expression="17 * 23")' in result.stderr and "  ↳ 391 · 3 B · " in result.stderr
    assert re.search(r"^▸ router · \d+\.\d s$", result.stderr, re.MULTILINE)
