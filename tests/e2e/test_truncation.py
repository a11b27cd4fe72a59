"""Answers the service cut short (``finish_reason`` ``length`` or ``content_filter``) are never silent:
``ask`` says so in one line on stderr, records it, and ``--strict`` exits 1. Through the real
langchain-openai client against the project's SSE server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import cli_env, run_cli
from tests.servers.sse import API_KEY, Reply, SSEServer

pytestmark = pytest.mark.e2e


@pytest.fixture
def server() -> Iterator[SSEServer]:
    with SSEServer() as running:
        yield running


def ask(server: SSEServer, *args: str, cwd: Path) -> tuple[int, str, str]:
    result = run_cli(["ask", "--provider", "azure", *args, "hello"], cwd=cwd, env=cli_env(**server.azure_env()))
    return result.returncode, result.stdout, result.stderr


def test_an_answer_cut_at_the_token_limit_says_so_and_keeps_its_text(server: SSEServer, tmp_path: Path) -> None:
    record = tmp_path / "run.jsonl"
    server.script(Reply(tokens=("The answer", " goes on and"), finish_reason="length"))
    code, out, err = ask(server, "--record", str(record), cwd=tmp_path)
    assert (code, out) == (0, "The answer goes on and")
    lines = [line for line in err.splitlines() if "cut" in line]
    assert lines == ["teleprinter: answer cut at the token limit (finish_reason=length); raise --max-tokens, or "
                     "/continue in chat"]
    assert json.loads(record.read_text().splitlines()[-1])["finish_reason"] == "length"


def test_strict_exits_non_zero_on_a_cut_answer_and_zero_on_a_whole_one(server: SSEServer, tmp_path: Path) -> None:
    server.script(Reply(tokens=("Partial",), finish_reason="length"), Reply(tokens=("Whole.",)))
    assert ask(server, "--strict", cwd=tmp_path)[0] == 1
    code, out, err = ask(server, "--strict", cwd=tmp_path)
    assert (code, out) == (0, "Whole.") and "cut" not in err


def test_a_content_filter_end_is_reported_and_fails_the_run(server: SSEServer, tmp_path: Path) -> None:
    """The OpenAI family's reliability layer turns it into a one-line runtime error; the text stays."""
    server.script(Reply(tokens=("Some text",), finish_reason="content_filter"))
    args = ["ask", "--provider", "openai-compatible", "--base-url", server.url + "/v1", "--model", "m", "x"]
    result = run_cli(args, cwd=tmp_path, env=cli_env(OPENAI_API_KEY=API_KEY))
    server.script(Reply(tokens=("Some text",), finish_reason="content_filter"))
    azure = ask(server, cwd=tmp_path)
    for code, out, err in ((result.returncode, result.stdout, result.stderr), azure):
        assert (code, out) == (1, "Some text")
        assert err.strip().splitlines()[-1].startswith("teleprinter: error: ") and "content filter" in err
        assert "Traceback" not in err


def test_a_limit_reached_before_any_answer_text_is_not_an_empty_success(server: SSEServer, tmp_path: Path) -> None:
    server.script(Reply(tokens=(), finish_reason="length"))
    code, out, err = ask(server, cwd=tmp_path)
    assert (code, out) == (0, "")
    assert "teleprinter: no answer: cut at the token limit before any answer text (finish_reason=length)" in err


def test_chat_marks_a_cut_turn_and_continue_goes_on_from_it(server: SSEServer, tmp_path: Path) -> None:
    server.script(
        Reply(tokens=["The first half", " of the answer"], finish_reason="length"),
        Reply(tokens=[" and the rest."]),
    )
    result = run_cli(
        ["chat", "--provider", "azure", "--transcript", "t.jsonl"],
        input="hello\n/continue\n/continue\n",
        cwd=tmp_path,
        env=cli_env(**server.azure_env()),
    )
    assert result.returncode == 0, result.stderr
    assert "[cut at the token limit — /continue]" in result.stderr.splitlines()
    assert result.stdout == (
        "The first half of the answer\n and the rest.\nnothing to continue: the last answer was complete\nGoodbye.\n"
    )
    second = [m["content"] for m in server.chat_requests()[1].body["messages"]]
    assert second[:2] == ["hello", "The first half of the answer"] and "Continue it exactly" in second[2]
    turns = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines() if '"turn"' in line]
    assert turns[0]["finish_reason"] == "length" and "finish_reason" not in turns[1]
