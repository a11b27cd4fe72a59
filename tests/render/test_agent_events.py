"""The renderers take every event kind of an agent run: only visible answer text is drawn.

The graph runs under ``invoke`` with a handler, so each model run's answer arrives whole at its
end (no streaming tracer): the parallel runs cannot interleave, and the text checks stay exact.
"""

from __future__ import annotations

import io

from teleprinter import EventCallbackHandler
from teleprinter.render.plain import PlainRenderer
from teleprinter.sinks import Sink
from tests.agent_graph import INPUT, build
from tests.render.screen import Run, make


def run_into(sink: Sink) -> None:
    build().invoke(INPUT, {"callbacks": [EventCallbackHandler(sink, raise_error=True)]})


def test_terminal_renderer_draws_the_visible_answers_of_an_agent_run() -> None:
    renderer, out, _err, _clock = make(60, 16, status=True)
    run_into(renderer)
    renderer.close()
    screen = "\n".join(Run(out.getvalue(), 60, 16).rows)
    assert "Let me compute." in screen and "17 * 23 = 391." in screen and "Multiplied two numbers." in screen
    assert "ROUTE" not in screen and "multiplication" not in screen


def test_plain_renderer_writes_each_visible_run_on_its_own_line() -> None:
    out = io.StringIO()
    run_into(PlainRenderer(out))
    lines = out.getvalue().split("\n")
    assert lines[0] == "Let me compute. "
    assert sorted(lines[1:]) == ["17 * 23 = 391.", "Multiplied two numbers."]
