"""Chat with a reasoning model: memory keeps the answer, /thinking shows the reasoning, /save keeps both."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from teleprinter.chat.session import ChatSession, Turn
from teleprinter.chat.transcript import load, markdown, save
from tests.conftest import cli_env, run_cli
from tests.servers.sse import Reply, SSEServer

THOUGHTS = ["Paris is ", "the capital.\n", "Answer briefly."]


@pytest.fixture
def server() -> Iterator[SSEServer]:
    with SSEServer(api_key=None) as running:
        yield running


@pytest.mark.e2e
def test_reasoning_is_shown_on_demand_saved_and_never_sent_back(server: SSEServer, tmp_path: Path) -> None:
    server.script(Reply(tokens=["Paris", "."], reasoning=THOUGHTS), Reply(tokens=["Lyon", "."]))
    result = run_cli(
        ["chat", "--provider", "openai-compatible", "--base-url", server.url + "/v1", "--model", "r1"],
        input="Capital of France?\n/thinking\n/save t.md\n/save t.jsonl\nSecond city?\n",
        cwd=tmp_path,
        env=cli_env(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Paris.\n" + "".join(THOUGHTS) + "\n")
    assert "Lyon." in result.stdout and "Paris is" not in result.stderr
    second = server.chat_requests()[1].body["messages"]
    assert [message["content"] for message in second] == ["Capital of France?", "Paris.", "Second city?"]
    saved = (tmp_path / "t.md").read_text(encoding="utf-8")
    assert "<details>\n<summary>Reasoning</summary>\n\nParis is the capital.\nAnswer briefly.\n\n</details>" in saved
    turns = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text(encoding="utf-8").splitlines()]
    assert turns[0]["reasoning"] == "".join(THOUGHTS) and turns[0]["assistant"] == "Paris."
    assert load(tmp_path / "t.jsonl").turns[0].reasoning == "".join(THOUGHTS)  # --resume keeps it too


def test_tool_calls_are_collapsible_sections_and_a_tool_only_turn_is_not_an_empty_answer(tmp_path: Path) -> None:
    session = ChatSession()
    calls = [
        {"name": "calculator", "args": '{"expression": "17 * 23"}', "output": "391"},
        {"name": "read_file", "args": {"path": "x"}, "error": "FileNotFoundError: x"},
    ]
    session.record(Turn("17 * 23?", "", tools=calls))
    text = markdown(session)
    assert "(no text)" not in text
    arguments = 'Arguments:\n\n```json\n{\n  "expression": "17 * 23"\n}\n```'
    assert f"<summary>Tool call: calculator</summary>\n\n{arguments}" in text
    assert "Result:\n\n```\n391\n```\n\n</details>" in text
    assert "<summary>Tool call: read_file</summary>" in text and "Error:\n\n```\nFileNotFoundError: x\n```" in text
    save(session, tmp_path / "t.jsonl")
    assert load(tmp_path / "t.jsonl").turns[0].tools == calls
