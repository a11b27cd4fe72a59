"""Agent runs on a pipe: answer text only on stdout, one contiguous block per run, extras on stderr when asked."""

from __future__ import annotations

import io
import uuid

from teleprinter.events import (
    NodeEnded,
    Reasoning,
    RunEnded,
    RunFailed,
    RunStarted,
    Token,
    ToolCallDelta,
    ToolEnded,
    ToolStarted,
)
from teleprinter.render.options import DisplayOptions
from teleprinter.render.pipe import PipeRenderer


def pipe(options: DisplayOptions | None = None) -> tuple[PipeRenderer, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return PipeRenderer(out, options=options, side=err), out, err


def test_a_single_run_is_written_live_and_exactly() -> None:
    renderer, out, err = pipe()
    run = uuid.uuid4()
    renderer.handle(RunStarted(run, "m"))
    renderer.handle(Reasoning(run, "thinking hard"))
    for piece in ["Hello", ",", " world", "!"]:
        renderer.handle(Token(run, piece))
        assert out.getvalue().endswith(piece)  # live, not held
    renderer.handle(RunEnded(run))
    renderer.close()
    assert out.getvalue() == "Hello, world!" and err.getvalue() == ""


def test_overlapping_runs_are_blocks_in_finish_order_separated_by_a_blank_line() -> None:
    renderer, out, _ = pipe()
    a, b, c, hidden = (uuid.uuid4() for _ in range(4))
    renderer.handle(RunStarted(hidden, "classifier", hidden=True))
    for run in (a, b, c):
        renderer.handle(RunStarted(run, "m"))
    for n in range(3):
        for run, name in ((a, "a"), (b, "b"), (c, "c"), (hidden, "h")):
            renderer.handle(Token(run, f"{name}{n} "))
    assert out.getvalue() == "a0 a1 a2 "  # the first run streams live; the others are held
    renderer.handle(RunEnded(c))
    renderer.handle(RunEnded(hidden))
    renderer.handle(Token(b, "b3"))
    renderer.handle(RunEnded(a))
    assert out.getvalue() == "a0 a1 a2 \n\nc0 c1 c2 \n\nb0 b1 b2 b3"  # b goes on live after the blocks
    renderer.handle(Token(b, " b4\n"))
    renderer.handle(RunEnded(b))
    renderer.close()
    assert out.getvalue() == "a0 a1 a2 \n\nc0 c1 c2 \n\nb0 b1 b2 b3 b4\n"


def test_runs_held_when_the_stream_stops_are_written_on_close() -> None:
    renderer, out, _ = pipe()
    a, b = uuid.uuid4(), uuid.uuid4()
    renderer.handle(Token(a, "first"))
    renderer.handle(Token(b, "second"))
    renderer.handle(RunFailed(a, KeyboardInterrupt(), interrupted=True))
    renderer.close()
    assert out.getvalue() == "first\n\nsecond"


def test_reasoning_goes_to_stderr_only_with_show() -> None:
    renderer, out, err = pipe(DisplayOptions(reasoning="show", explicit=frozenset({"reasoning"})))
    run = uuid.uuid4()
    renderer.handle(RunStarted(run, "m"))
    renderer.handle(Reasoning(run, "Let me think."))
    renderer.handle(Token(run, "391"))
    renderer.handle(RunEnded(run))
    renderer.close()
    assert out.getvalue() == "391" and err.getvalue() == "Let me think.\n"


def test_tool_and_node_lines_go_to_stderr_only_when_asked() -> None:
    def drive(renderer: PipeRenderer) -> None:
        model, tool = uuid.uuid4(), uuid.uuid4()
        renderer.handle(RunStarted(model, "m"))
        renderer.handle(ToolCallDelta(model, "c1", "calculator", '{"expression": "17 * 23"}'))
        renderer.handle(RunEnded(model))
        renderer.handle(ToolStarted(tool, "calculator", {"expression": "17 * 23"}, call_id="c1"))
        renderer.handle(ToolEnded(tool, "391", duration=0.002))
        renderer.handle(NodeEnded(uuid.uuid4(), "router", duration=0.4))
        renderer.close()

    quiet, out, err = pipe()
    drive(quiet)
    assert out.getvalue() == "" and err.getvalue() == ""  # a turn of tool calls only is no empty answer
    asked, out, err = pipe(DisplayOptions(explicit=frozenset({"tools", "progress"})))
    drive(asked)
    assert out.getvalue() == ""
    assert err.getvalue() == '⚙ calculator(expression="17 * 23")\n  ↳ 391 · 3 B · 2 ms\n▸ router · 0.4 s\n'


def test_tools_full_on_a_pipe_writes_arguments_and_output_whole_and_neutralised() -> None:
    renderer, out, err = pipe(DisplayOptions(tools="full", explicit=frozenset({"tools"})))
    tool = uuid.uuid4()
    renderer.handle(ToolStarted(tool, "read", {"path": "a.txt"}))
    renderer.handle(ToolEnded(tool, "one\n\x1b[31mtwo", duration=0.002))
    renderer.close()
    assert err.getvalue() == '⚙ read\n    {\n      "path": "a.txt"\n    }\n  ↳ 2 ms\n    one\n    ␛[31mtwo\n'
    assert out.getvalue() == ""
