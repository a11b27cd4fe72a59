"""A recording of an agent run replays to the same events; old (version-less) recordings still replay."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import teleprinter
from teleprinter.errors import ReplayError
from teleprinter.events import Event, Token
from teleprinter.providers.replay import load_script
from teleprinter.sinks.record import Recorder
from teleprinter.sources.replay import read_recording, replay
from tests.agent_graph import INPUT, build, summary


def recorded(path: Path) -> list[Event]:
    events = list(teleprinter.stream(build(), INPUT))
    with path.open("w", encoding="utf-8") as handle:
        recorder = Recorder(handle)
        for event in events:
            recorder.handle(event)
    return events


def test_an_agent_recording_replays_to_the_same_events(tmp_path: Path) -> None:
    path = tmp_path / "agent.jsonl"
    live = recorded(path)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0]["version"] == 2 and all("version" not in line for line in lines[1:])
    assert {"reasoning", "tool_call", "tool_start", "tool_end", "node_start", "node_end", "custom"} <= {
        line["event"] for line in lines
    }
    again = list(replay(read_recording(path)))
    assert [type(e) for e in again] == [type(e) for e in live]
    assert [e.run_id for e in again] == [e.run_id for e in live]
    assert summary(again) == summary(live)
    assert [e.time for e in again] == sorted(e.time for e in again)


def test_a_chat_replay_of_an_agent_recording_streams_only_visible_text(tmp_path: Path) -> None:
    path = tmp_path / "agent.jsonl"
    live = recorded(path)
    hidden = {e.run_id for e in live if type(e).__name__ == "RunStarted" and e.hidden}  # type: ignore[union-attr]
    visible = "".join(e.text for e in live if isinstance(e, Token) and e.run_id not in hidden)
    assert load_script(path).text == visible and "ROUTE" not in visible


def test_a_version_1_recording_still_replays(tmp_path: Path) -> None:
    path = tmp_path / "old.jsonl"
    run = "00000000-0000-0000-0000-000000000001"
    path.write_text(
        f'{{"event": "start", "t": 0.0, "model": "m", "run_id": "{run}"}}\n'
        f'{{"event": "token", "t": 0.1, "text": "Hi", "run_id": "{run}"}}\n'
        f'{{"event": "end", "t": 0.2, "usage": null, "finish_reason": "stop", "run_id": "{run}"}}\n'
    )
    events = read_recording(path)
    assert [type(e).__name__ for e in events] == ["RunStarted", "Token", "RunEnded"]
    assert load_script(path).text == "Hi"


def test_a_broken_recording_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"event": "start", "run_id": ""}\n{"event": "warp"}\n')
    with pytest.raises(ReplayError, match="line 2"):
        read_recording(path)


def test_recorder_writes_what_json_cannot_hold_as_plain_values() -> None:
    out = io.StringIO()
    events = list(teleprinter.stream(build(), INPUT))
    recorder = Recorder(out)
    for event in events:
        recorder.handle(event)
    assert all(json.loads(line) for line in out.getvalue().splitlines())


def test_a_single_model_recording_replays_its_reasoning_and_tool_calls(tmp_path: Path) -> None:
    from teleprinter.events import Reasoning, ToolCallDelta
    from teleprinter.providers.replay import ReplayChatModel
    from tests.agent_graph import ROUTER

    path = tmp_path / "router.jsonl"
    live = list(teleprinter.stream(ROUTER, "hi"))
    with path.open("w", encoding="utf-8") as handle:
        recorder = Recorder(handle)
        for event in live:
            recorder.handle(event)
    again = list(teleprinter.stream(ReplayChatModel.from_script(load_script(path)), "hi"))

    def answer(events: list[Event]) -> tuple[str, str, list[tuple[str, str, str]]]:
        text = "".join(e.text for e in events if isinstance(e, Token))
        reasoning = "".join(e.text for e in events if isinstance(e, Reasoning))
        calls = [(e.call_id, e.name, e.args) for e in events if isinstance(e, ToolCallDelta)]
        return text, reasoning, calls

    assert answer(again) == answer(live)
    assert answer(live)[1] == "The question needs a multiplication."
    message = ReplayChatModel.from_script(load_script(path)).invoke("hi")
    assert message.tool_calls == [{"name": "multiply", "args": {"a": 17, "b": 23}, "id": "call_1", "type": "tool_call"}]
