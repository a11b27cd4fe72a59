"""Agent runs on a pyte screen: reasoning box, tool lines, node lines, parallel runs, hidden runs."""

from __future__ import annotations

import re

import pytest

from teleprinter.events import (
    Custom,
    NodeEnded,
    NodeStarted,
    Reasoning,
    RunEnded,
    RunFailed,
    RunStarted,
    Token,
    ToolCallDelta,
)
from teleprinter.render.options import DisplayOptions
from tests.render.agent_screen import Agent, call, run_id, thinking, tokens, tool

SIZES = [(30, 10), (50, 14), (100, 30)]
THOUGHTS = [f"step {n:02d} weighs option {n} against the rest.\n" for n in range(30)]


def reasoning_rows(display: list[str]) -> list[str]:
    return [row for row in display if row.startswith("│ ")]


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_reasoning_box_is_bounded_while_streaming_and_collapses_when_the_answer_starts(width: int, height: int) -> None:
    agent = Agent(width, height, status=True)
    run = run_id()
    agent.send(RunStarted(run, "gemma", time=0.0))
    for number, event in enumerate(thinking(run, THOUGHTS)):
        agent.send(event)
        screen = agent.screen()
        box = reasoning_rows(screen.rows())
        assert 1 <= len(box) <= 4  # bounded, and older rows leave the box: not the scrollback, not the answer
        assert f"step {number:02d}" in " ".join(row.strip() for row in box)
        assert "waiting" not in "\n".join(screen.display)
    assert "thinking" in "\n".join(agent.screen().display)  # the status counts reasoning, not "waiting"
    agent.send(*tokens(run, ["The answer ", "is 391."], t=4.2))
    screen = agent.screen()
    assert reasoning_rows(screen.rows()) == []
    assert screen.rows()[:2] == ["thought for 4.2 s · 30 tokens", "The answer is 391."]
    agent.send(RunEnded(run, time=4.3))
    final = agent.close()
    assert final.rows() == ["thought for 4.2 s · 30 tokens", "The answer is 391."]
    assert not final.cursor.hidden


def test_reasoning_show_prints_it_whole_and_hide_prints_nothing() -> None:
    for mode in ("show", "hide"):
        agent = Agent(60, 8, options=DisplayOptions(reasoning=mode))
        run = run_id()
        agent.send(RunStarted(run, "gemma", time=0.0), *thinking(run, THOUGHTS), *tokens(run, ["Done."], t=2.0))
        agent.send(RunEnded(run, time=2.0))
        rows = agent.close().rows()
        steps = re.findall(r"step (\d\d)", "\n".join(rows))
        if mode == "show":
            assert steps == [f"{n:02d}" for n in range(30)]
            assert rows[-2:] == ["thought for 2.0 s · 30 tokens", "Done."]
        else:
            assert rows == ["Done."]


def test_reasoning_after_a_tool_call_opens_a_new_box() -> None:
    agent = Agent(60, 12)
    run = run_id()
    agent.send(RunStarted(run, "gemma", time=0.0), Reasoning(run, "first thought", 0, 1.0))
    agent.send(*call(run, "c1", "lookup", ['{"key": "a"}']))
    agent.send(Reasoning(run, "second thought", 1, 2.5), Token(run, "Answer.", 0, 3.0), RunEnded(run))
    rows = agent.close().rows()
    assert rows == ["thought for 1.0 s · 1 token", '⚙ lookup(key="a")', "thought for 0.5 s · 1 token", "Answer."]


@pytest.mark.parametrize("width", [24, 40, 80])
def test_tool_call_line_updates_while_its_arguments_stream(width: int) -> None:
    agent = Agent(width, 10)
    run = run_id()
    agent.send(RunStarted(run, "gemma"))
    seen = []
    for event in call(run, "call_1", "search", ['{"que', 'ry": "weather ', "in Paris and the ", 'rest of France"}']):
        agent.send(event)
        line = next(row for row in agent.screen().display if row.startswith("⚙"))
        assert len(line.rstrip()) <= width - 1
        seen.append(line.rstrip())
    assert seen[0] in ("⚙ search()", "⚙ search(query=\"\")")
    assert seen[1].startswith('⚙ search(query="weather'[: width - 2])
    full = '⚙ search(query="weather in Paris and the rest of France")'
    assert seen[-1] == (full if len(full) <= width - 1 else full[: width - 2] + "…")
    if width >= 80:
        assert len(set(seen)) == len(seen)  # the line changed with every piece
    agent.send(RunEnded(run, finish_reason="tool_calls"))
    agent.send(*tool(run_id(), "search", "call_1", {"query": "weather"}, "sunny, 24 °C\nlight wind"))
    rows = agent.close().rows()
    assert rows[0] == seen[-1]
    assert rows[1].startswith("  ↳ sunny, 24 °C"[: width - 2])
    assert "(+1 lines)" in rows[1] or len(rows[1]) == width - 1
    assert len(rows) == 2  # the run was only a tool call: no empty answer, no second call line


def test_tool_errors_and_calls_without_a_streamed_call_get_their_own_line() -> None:
    agent = Agent(60, 10)
    failure = "ZeroDivisionError: division by zero"
    agent.send(*tool(run_id(), "calculator", None, {"expression": "1/0"}, None, error=failure))
    rows = agent.close().rows()
    assert rows == ['⚙ calculator(expression="1/0")', "  ✗ ZeroDivisionError: division by zero · 12 ms"]


def test_tools_full_shows_arguments_and_output_whole_and_hide_shows_none() -> None:
    full = Agent(60, 12, options=DisplayOptions(tools="full"))
    run = run_id()
    full.send(RunStarted(run, "gemma"), *call(run, "c", "read", ['{"path": "a.txt", "lines": 2}']), RunEnded(run))
    full.send(*tool(run_id(), "read", "c", {}, "one\ntwo"))
    assert full.close().rows() == [
        "⚙ read",
        "    {",
        '      "path": "a.txt",',
        '      "lines": 2',
        "    }",
        "  ↳ 12 ms",
        "    one",
        "    two",
    ]
    hidden = Agent(60, 12, options=DisplayOptions(tools="hide"))
    run = run_id()
    hidden.send(RunStarted(run, "gemma"), *call(run, "c", "read", ['{"path": "a.txt"}']), RunEnded(run))
    hidden.send(*tool(run_id(), "read", "c", {}, "one"))
    assert hidden.close().rows() == []


def test_nodes_leave_one_dim_line_and_show_on_the_status_line() -> None:
    agent = Agent(60, 10, status=True)
    retrieve = run_id()
    agent.send(NodeStarted(retrieve, "retrieve"), Custom(retrieve, "", {"status": "fetching 3 documents"}))
    assert "▸ retrieve" in agent.screen().display[0] and "· fetching 3 documents" in agent.screen().display[0]
    agent.send(NodeEnded(retrieve, "retrieve", duration=0.42))
    agent.send(NodeStarted(run_id(), "__start__"), NodeEnded(run_id(), "__start__"))
    rows = agent.close().rows()
    assert rows == ["▸ retrieve · 0.4 s"]
    assert "\x1b[0;2m▸ retrieve" in agent.out.getvalue()  # dim
    quiet = Agent(60, 10, options=DisplayOptions(progress="none"))
    quiet.send(NodeStarted(retrieve, "retrieve"), NodeEnded(retrieve, "retrieve", duration=0.42))
    assert quiet.close().rows() == []


def _parallel(agent: Agent, lines: int, finish_second_first: bool = True) -> tuple[list[str], list[list[str]]]:
    """Two runs in parallel nodes, one line each per step; the frames' screens along the way."""
    answer, summary = run_id(), run_id()
    agent.send(RunStarted(answer, "gemma", node="answer"), RunStarted(summary, "gemma", node="summary"))
    frames = []
    for n in range(lines):
        agent.send(Token(answer, f"alpha{n:03d} words\n"), Token(summary, f"sigma{n:03d} words\n"))
        frames.append(list(agent.screen().display))
    first, second = (summary, answer) if finish_second_first else (answer, summary)
    agent.send(RunEnded(first))
    frames.append(list(agent.screen().display))
    agent.send(RunEnded(second))
    return agent.close().rows(), frames


@pytest.mark.parametrize(("width", "height"), SIZES)
@pytest.mark.parametrize("summary_first", [True, False])
def test_parallel_runs_get_labelled_regions_and_contiguous_blocks(width: int, height: int, summary_first: bool) -> None:
    rows, frames = _parallel(Agent(width, height, status=True), 12, summary_first)
    both = [frame for frame in frames if "── answer" in "\n".join(frame) and "── summary" in "\n".join(frame)]
    assert both, "the two runs were never drawn in the same frame"
    frame = frames[3]
    assert any("sigma003" in row for row in frame) and any("alpha003" in row for row in frame)
    text = "\n".join(rows)
    alphas = [int(n) for n in re.findall(r"alpha(\d{3})", text)]
    sigmas = [int(n) for n in re.findall(r"sigma(\d{3})", text)]
    assert alphas == list(range(12)) and sigmas == list(range(12))  # each word once, in order
    a_rows = [i for i, row in enumerate(rows) if "alpha" in row]
    s_rows = [i for i, row in enumerate(rows) if "sigma" in row]
    assert a_rows == list(range(a_rows[0], a_rows[0] + len(a_rows)))  # contiguous
    assert s_rows == list(range(s_rows[0], s_rows[0] + len(s_rows)))
    assert rows[a_rows[0] - 1] == "── answer" and rows[s_rows[0] - 1] == "── summary"


def test_hidden_runs_are_not_drawn() -> None:
    agent = Agent(50, 10, status=True)
    shown, hidden = run_id(), run_id()
    agent.send(RunStarted(hidden, "classifier", tags=("nostream",), hidden=True), RunStarted(shown, "gemma"))
    for n in range(5):
        agent.send(Token(hidden, f"SECRET{n} "), Reasoning(hidden, "HIDDENTHOUGHT "), Token(shown, f"visible{n} "))
        agent.send(ToolCallDelta(hidden, "h", "classify", '{"x": 1}'))
        assert "SECRET" not in "\n".join(agent.screen().display)
    agent.send(RunEnded(hidden), RunEnded(shown))
    rows = agent.close().rows()
    assert rows == ["visible0 visible1 visible2 visible3 visible4"]
    assert "5 tokens" in agent.err.getvalue() or "SECRET" not in agent.out.getvalue()
    assert "SECRET" not in agent.out.getvalue() and "classify" not in agent.out.getvalue()


@pytest.mark.parametrize(("width", "height"), [(32, 8), (60, 12)])
def test_agent_run_taller_than_the_screen_loses_and_duplicates_nothing(width: int, height: int) -> None:
    agent = Agent(width, height, status=True, markdown=True)
    router, answer, summary, calc = run_id(), run_id(), run_id(), run_id()
    agent.send(NodeStarted(router, "router"), RunStarted(router, "gemma", node="router", time=0.0))
    agent.send(*thinking(router, THOUGHTS))
    agent.send(*call(router, "c1", "calculator", ['{"expression": ', '"17 * 23"}']), RunEnded(router))
    agent.send(*tool(calc, "calculator", "c1", {"expression": "17 * 23"}, "391"))
    agent.send(NodeEnded(router, "router", duration=0.4))
    agent.send(RunStarted(answer, "gemma", node="answer"), RunStarted(summary, "gemma", node="summary"))
    for n in range(60):
        agent.send(Token(answer, f"ans{n:03d} "), Token(answer, "and more words.\n\n" if n % 7 == 6 else ""))
        if n % 2:
            agent.send(Token(summary, f"sum{n:03d} "))
    agent.send(RunEnded(summary), NodeEnded(summary, "summary", duration=1.5))
    agent.send(RunEnded(answer), NodeEnded(answer, "answer", duration=2.0))
    rows = agent.close().rows()
    text = "\n".join(rows)
    assert [int(n) for n in re.findall(r"ans(\d{3})", text)] == list(range(60))
    assert [int(n) for n in re.findall(r"sum(\d{3})", text)] == list(range(1, 60, 2))
    assert "step" not in text  # the reasoning box collapsed; nothing of it went to scrollback
    assert text.count("thought for") == 1 and text.count("⚙ calculator") == 1 and text.count("↳ 391") == 1
    order = [rows.index(line) for line in ("── router", "▸ router · 0.4 s", "── answer", "── summary")]
    assert order == sorted(order)
    assert text.count("▸ summary · 1.5 s") == 1 and text.count("▸ answer · 2.0 s") == 1


def test_ctrl_c_mid_run_keeps_every_run_and_restores_the_terminal() -> None:
    agent = Agent(40, 8, status=True)
    one, two = run_id(), run_id()
    agent.send(RunStarted(one, "gemma", node="answer"), RunStarted(two, "gemma", node="summary"))
    agent.send(Reasoning(two, "pondering"))
    for n in range(20):
        agent.send(Token(one, f"one{n:02d} "), Token(two, f"two{n:02d} "))
    agent.send(RunFailed(one, KeyboardInterrupt(), interrupted=True))
    screen = agent.close()
    text = "\n".join(screen.rows())
    assert re.findall(r"one(\d\d)", text) == [f"{n:02d}" for n in range(20)]
    assert re.findall(r"two(\d\d)", text) == [f"{n:02d}" for n in range(20)]
    assert not screen.cursor.hidden and agent.out.getvalue().endswith("\x1b[?25h")


def test_a_plain_single_answer_looks_as_before() -> None:
    agent = Agent(30, 8)
    run = run_id()
    agent.send(RunStarted(run, "gemma"), *tokens(run, ["hello ", "world"]), RunEnded(run))
    assert agent.close().rows() == ["hello world"]


def test_rows_held_while_another_run_streamed_are_recut_when_the_terminal_shrank() -> None:
    from teleprinter.render.agent import AgentLayout
    from teleprinter.render.wrap import cell_width

    layout = AgentLayout(color=False, markdown=False)
    one, two = run_id(), run_id()
    layout.handle(RunStarted(one, "m", node="answer"))
    layout.handle(RunStarted(two, "m", node="summary"))
    rows: list[str] = []
    for n in range(40):
        layout.handle(Token(one, f"one{n:02d} "))
        layout.handle(Token(two, f"two{n:02d} "))
        if n % 3 == 0:
            rows += layout.update(60, 12)[0]
    layout.handle(RunEnded(two))
    rows += layout.update(60, 12)[0]
    rows += layout.update(24, 12)[0]  # the terminal shrank before the held run went to scrollback
    layout.handle(RunEnded(one))
    rows = [re.sub(r"\x1b\[[0-9;]*m", "", row) for row in [*rows, *layout.finish(24)]]
    late = rows[rows.index("── summary") :]
    assert all(cell_width(row) <= 24 for row in late)
    assert re.findall(r"two(\d\d)", "".join(late).replace(" ", "")) == [f"{n:02d}" for n in range(40)]


def test_runs_of_one_node_fanned_out_are_numbered() -> None:
    agent = Agent(40, 12)
    runs = [run_id() for _ in range(3)]
    for number, run in enumerate(runs):
        agent.send(RunStarted(run, "gemma", node="grade"), Token(run, f"grade{number}"))
    agent.send(*(RunEnded(run) for run in runs))
    rows = agent.close().rows()
    assert [row for row in rows if row.startswith("──")] == ["── grade", "── grade #2", "── grade #3"]
    assert [row for row in rows if row.startswith("grade")] == ["grade0", "grade1", "grade2"]


def test_a_failed_run_among_several_says_so_under_its_block() -> None:
    agent = Agent(50, 10)
    good, bad = run_id(), run_id()
    agent.send(RunStarted(good, "gemma", node="answer"), RunStarted(bad, "gemma", node="summary"))
    agent.send(Token(good, "fine"), Token(bad, "partial"))
    agent.send(RunFailed(bad, ConnectionError("connection dropped\nmore")), RunEnded(good))
    rows = agent.close().rows()
    assert rows == ["── answer", "fine", "", "── summary", "partial", "✗ connection dropped"]
