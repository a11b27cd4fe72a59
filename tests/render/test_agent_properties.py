"""Properties of the agent display: however runs interleave and end, every word of every run shows once.

Several runs (some in graph nodes, some hidden) stream numbered words in any interleaving, at
any terminal size, with reasoning and tool calls in between, and end in any order (or are cut
by close()). On the terminal (screen + scrollback) each visible run's words appear exactly
once, in order and contiguous; hidden runs never appear. On a pipe each run is one block.
"""

from __future__ import annotations

import io
import re
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teleprinter.events import Event, Reasoning, RunEnded, RunStarted, Token, ToolCallDelta
from teleprinter.render.pipe import PipeRenderer
from tests.render.agent_screen import Agent

LETTERS = "abcdefg"

steps = st.lists(
    st.tuples(st.integers(0, 3), st.sampled_from(["word", "word", "word", "line", "think", "call", "end"])),
    min_size=1,
    max_size=120,
)


def script(plan: list[tuple[int, str]], hidden: int) -> tuple[list[Event], dict[int, list[str]]]:
    """Events for up to 4 runs following ``plan``; the words each run says, in order."""
    runs = [uuid.uuid4() for _ in range(4)]
    words: dict[int, list[str]] = {n: [] for n in range(4)}
    events: list[Event] = []
    started: set[int] = set()
    ended: set[int] = set()
    for number, (run, action) in enumerate(plan):
        if run in ended:
            continue
        if run not in started:
            started.add(run)
            node = None if run == 0 else f"node{LETTERS[run]}"
            events.append(RunStarted(runs[run], "m", node=node, hidden=run == hidden))
        if action in ("word", "line"):
            word = f"{LETTERS[run]}{len(words[run]):03d}"
            words[run].append(word)
            events.append(Token(runs[run], word + ("\n\n" if action == "line" else " ")))
        elif action == "think":
            events.append(Reasoning(runs[run], f"thought{number} "))
        elif action == "call":
            events.append(ToolCallDelta(runs[run], f"c{run}-{number}", "tool", '{"x": 1}'))
        else:
            ended.add(run)
            events.append(RunEnded(runs[run]))
    return events, words


def check(text: str, words: dict[int, list[str]], hidden: int) -> None:
    for run, said in words.items():
        found = re.findall(rf"\b{LETTERS[run]}\d{{3}}\b", text)
        assert found == ([] if run == hidden else said), (run, found, said)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=steps, width=st.integers(12, 70), height=st.integers(4, 20), hidden=st.integers(-1, 3))
def test_every_word_of_every_visible_run_shows_once_on_the_terminal(
    plan: list[tuple[int, str]], width: int, height: int, hidden: int
) -> None:
    events, words = script(plan, hidden)
    agent = Agent(width, height, status=True, markdown=True)
    agent.send(*events)
    rows = agent.close().rows()
    check("\n".join(rows), words, hidden)
    for run, said in words.items():  # each run's words sit together: no other run's word between them
        if run == hidden or not said:
            continue
        indexes = [i for i, row in enumerate(rows) if re.search(rf"\b{LETTERS[run]}\d{{3}}\b", row)]
        between = "\n".join(rows[indexes[0] : indexes[-1] + 1])
        assert not re.search(rf"\b[{LETTERS.replace(LETTERS[run], '')}]\d{{3}}\b", between), between


@settings(max_examples=60, deadline=None)
@given(plan=steps, hidden=st.integers(-1, 3))
def test_every_word_of_every_visible_run_is_one_block_on_a_pipe(plan: list[tuple[int, str]], hidden: int) -> None:
    events, words = script(plan, hidden)
    out = io.StringIO()
    renderer = PipeRenderer(out)
    for event in events:
        renderer.handle(event)
    renderer.close()
    check(out.getvalue(), words, hidden)
    blocks = [block for block in re.split(r"\n\n(?=[a-g]\d{3})", out.getvalue()) if block.strip()]
    for block in blocks:
        assert len(set(re.findall(r"\b([a-g])\d{3}\b", block))) == 1, block
