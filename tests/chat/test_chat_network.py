"""`teleprinter chat` against a real HTTP SSE server: a dropped connection is one line, /retry recovers."""

from __future__ import annotations

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


def test_network_failure_mid_answer_is_one_line_and_retry_recovers(server: SSEServer, tmp_path: Path) -> None:
    server.script(
        Reply(tokens=["Partial", " answer", " that", " breaks"], disconnect_after=2),
        Reply(tokens=["Whole", " answer", "."]),
        Reply(tokens=["Still", " here", "."]),
    )
    result = run_cli(
        ["chat", "--provider", "azure", "--retries", "0", "--transcript", "t.jsonl"],
        input="hello\n/retry\nand then?\n",
        cwd=tmp_path,
        env=cli_env(**server.azure_env()),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Partial answer\nWhole answer.\nStill here.\nGoodbye.\n"
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].endswith("(/retry to try again)")
    assert "Traceback" not in result.stderr
    assert API_KEY not in result.stdout + result.stderr
    prompts = [request.body["messages"] for request in server.chat_requests()]
    assert [m["content"] for m in prompts[2]] == ["hello", "Whole answer.", "and then?"]
    assert (tmp_path / "t.jsonl").read_text().count('"type": "turn"') == 2
