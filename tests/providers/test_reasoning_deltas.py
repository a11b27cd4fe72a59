"""Reasoning deltas (``delta.reasoning_content`` / ``delta.reasoning``) through the real langchain-openai client.

The SSE test server streams reasoning before the answer, as DeepSeek, vLLM, llama.cpp's
server and Ollama do; the openai-compatible and azure providers must turn it into
``Reasoning`` events, the terminal must show it in the reasoning box and then the answer,
and pipes and recordings must stay exact.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel

from teleprinter.answer import build_messages, stream_answer
from teleprinter.config import load_settings
from teleprinter.events import Event, Reasoning, Token
from teleprinter.providers import ModelOptions, create_model
from teleprinter.render.agent import AgentRenderer
from teleprinter.render.options import DisplayOptions
from teleprinter.sources.replay import read_recording, replay
from tests.conftest import cli_env, run_cli
from tests.render.screen import FakeTTY, capabilities, emulate
from tests.servers.sse import Reply, SSEServer

THOUGHTS = ["The user ", "multiplies 17 by 23.\n", "17 * 20 = 340, ", "17 * 3 = 51.\n", "340 + 51 = 391.\n"]
ANSWER = ["17 × 23 ", "= **391**."]


@pytest.fixture
def server() -> Iterator[SSEServer]:
    with SSEServer(api_key=None) as running:  # a local server: no key needed
        yield running


class Frames(FakeTTY):
    """A terminal that keeps what it had after every write, to look at each frame."""

    def __init__(self) -> None:
        super().__init__()
        self.snapshots: list[str] = []

    def write(self, text: str) -> int:
        written = super().write(text)
        self.snapshots.append(self.getvalue())
        return written


class Events:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def handle(self, event: Event) -> None:
        self.events.append(event)


def compatible(server: SSEServer) -> BaseChatModel:
    settings = load_settings(environ={"OPENAI_BASE_URL": server.url + "/v1", "TELEPRINTER_MODEL": "deepseek-r1"})
    return create_model(ModelOptions(provider="openai-compatible", settings=settings))


def azure(server: SSEServer) -> BaseChatModel:
    return create_model(ModelOptions(provider="azure", settings=load_settings(environ=server.azure_env())))


def show(model: BaseChatModel, mode: str) -> tuple[list[list[str]], list[str], Events]:
    """Stream through the terminal renderer; the screen after every frame, the final rows, the events."""
    out = Frames()
    renderer = AgentRenderer(
        out, capabilities(60, 12), display=DisplayOptions(reasoning=mode), markdown=True, interval=0.0, watch=False
    )
    events = Events()
    try:
        stream_answer(model, build_messages("What is 17 * 23?"), [renderer, events])
    finally:
        renderer.close()
    screens = [emulate(snapshot, 60, 12).rows() for snapshot in out.snapshots]
    return screens, emulate(out.getvalue(), 60, 12).rows(), events


@pytest.mark.parametrize(("field", "build"), [("reasoning_content", compatible), ("reasoning", compatible),
                                              ("reasoning_content", azure)])
def test_reasoning_box_then_the_answer(server: SSEServer, field: str, build: Any) -> None:
    server.script(Reply(tokens=ANSWER, reasoning=THOUGHTS, reasoning_field=field))
    screens, final, events = show(build(server), "summary")
    thoughts = [event.text for event in events.events if isinstance(event, Reasoning)]
    assert "".join(thoughts) == "".join(THOUGHTS)
    assert "".join(event.text for event in events.events if isinstance(event, Token)) == "".join(ANSWER)
    boxed = [rows for rows in screens if any(row.startswith("│ 340 + 51") for row in rows)]
    assert boxed and not any("391." in row for row in boxed[0] if not row.startswith("│"))  # the box, before the answer
    assert final == [f"thought for {final[0].split()[2]} s · 5 tokens", "17 × 23 = 391."]


def test_reasoning_hide_shows_only_the_answer(server: SSEServer) -> None:
    server.script(Reply(tokens=ANSWER, reasoning=THOUGHTS))
    screens, final, _ = show(compatible(server), "hide")
    assert final == ["17 × 23 = 391."]
    assert not any("│" in row or "340" in row for rows in screens for row in rows)


@pytest.mark.e2e
def test_pipe_gets_the_exact_answer_and_the_recording_keeps_the_reasoning(server: SSEServer, tmp_path: Path) -> None:
    record = tmp_path / "run.jsonl"
    server.script(Reply(tokens=ANSWER, reasoning=THOUGHTS), Reply(tokens=ANSWER, reasoning=THOUGHTS))
    base = ["ask", "--provider", "openai-compatible", "--base-url", server.url + "/v1", "--model", "r1"]
    result = run_cli([*base, "--record", str(record), "q"], cwd=tmp_path, env=cli_env())
    assert (result.returncode, result.stdout) == (0, "".join(ANSWER))
    assert "340" not in result.stderr
    recorded = [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()]
    assert "".join(item["text"] for item in recorded if item["event"] == "reasoning") == "".join(THOUGHTS)
    shown = run_cli([*base, "--reasoning", "show", "q"], cwd=tmp_path, env=cli_env())
    assert (shown.returncode, shown.stdout) == (0, "".join(ANSWER))
    assert "".join(THOUGHTS) in shown.stderr
    renderer = AgentRenderer(FakeTTY(), capabilities(60, 12), markdown=True, watch=False)
    for event in replay(read_recording(record), speed=None):
        renderer.handle(event)
    renderer.close()
    rows = emulate(renderer.stream.getvalue(), 60, 12).rows()  # type: ignore[attr-defined]
    assert rows[0].startswith("thought for") and rows[0].endswith("· 5 tokens") and rows[1:] == ["17 × 23 = 391."]
    replayed = run_cli(["ask", "--provider", "replay", "--replay", str(record), "--speed", "max", "--reasoning", "show",
                        "q"], cwd=tmp_path, env=cli_env())
    assert (replayed.returncode, replayed.stdout) == (0, "".join(ANSWER))
    assert "".join(THOUGHTS) in replayed.stderr  # ask --replay keeps the reasoning apart from the answer
