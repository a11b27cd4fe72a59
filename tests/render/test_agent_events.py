"""The renderers take every event kind of an agent run: only visible answer text is drawn."""

from __future__ import annotations

import io

import teleprinter
from teleprinter.render.plain import PlainRenderer
from tests.agent_graph import INPUT, build
from tests.render.screen import Run, make


def test_terminal_renderer_draws_the_visible_answers_of_an_agent_run() -> None:
    renderer, out, _err, clock = make(60, 16, status=True)
    for event in teleprinter.stream(build(), INPUT):
        clock.now += 0.1
        renderer.handle(event)
    renderer.close()
    screen = "\n".join(Run(out.getvalue(), 60, 16).rows)
    assert "Let me compute." in screen and "17 * 23 = 391." in screen and "Multiplied two numbers." in screen
    assert "ROUTE" not in screen and "multiplication" not in screen


def test_plain_renderer_writes_each_visible_run_on_its_own_line() -> None:
    out = io.StringIO()
    renderer = PlainRenderer(out)
    for event in teleprinter.stream(build(), INPUT):
        renderer.handle(event)
    lines = out.getvalue().split("\n")
    assert lines[0] == "Let me compute. "
    assert sorted(lines[1:]) == ["17 * 23 = 391.", "Multiplied two numbers."]
