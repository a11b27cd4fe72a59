"""`teleprinter ask --provider azure` as a subprocess against a real SSE server that misbehaves on cue."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from teleprinter.config import AZURE_VARIABLES
from tests.conftest import cli_env, run_cli
from tests.servers.sse import API_VERSION, Reply, SSEServer

pytestmark = pytest.mark.e2e

WHOLE = "Hello, world!"
WRONG_KEY = "sk-wrong-key-for-the-test-0123456789QRST"


@pytest.fixture
def server() -> Iterator[SSEServer]:
    with SSEServer() as running:
        yield running


def ask(server: SSEServer, *args: str, cwd: Path, **env: str) -> tuple[int, str, str]:
    result = run_cli(["ask", "--provider", "azure", *args, "hello"], cwd=cwd, env=cli_env(**server.azure_env(**env)))
    return result.returncode, result.stdout, result.stderr


def assert_one_error_line(stderr: str, *needles: str) -> str:
    assert "Traceback" not in stderr
    line = stderr.strip().splitlines()[-1]
    assert line.startswith("teleprinter: error: ")
    for needle in needles:
        assert needle in line
    return line


def test_normal_stream_prints_the_answer_and_counts_the_service_usage(server: SSEServer, tmp_path: Path) -> None:
    server.script(Reply(usage={"prompt_tokens": 5, "completion_tokens": 42, "total_tokens": 47}))
    code, out, err = ask(server, "--stats", cwd=tmp_path)
    assert (code, out) == (0, WHOLE)
    assert "42 tokens" in err


def test_azure_is_detected_from_the_four_settings_and_recorded_without_the_key(
    server: SSEServer, tmp_path: Path
) -> None:
    record = tmp_path / "run.jsonl"
    result = run_cli(["ask", "--record", str(record), "hello"], cwd=tmp_path, env=cli_env(**server.azure_env()))
    assert (result.returncode, result.stdout) == (0, WHOLE)
    events = [json.loads(line) for line in record.read_text().splitlines()]
    assert events[0]["event"] == "start" and events[-1]["event"] == "end"
    assert events[-1]["usage"]["output_tokens"] == 4
    assert server.chat_requests()[0].query["api-version"] == API_VERSION


def test_filter_chunk_first(server: SSEServer, tmp_path: Path) -> None:
    server.script(Reply(filter_first=True))
    assert ask(server, cwd=tmp_path)[:2] == (0, WHOLE)


def test_disconnect_after_tokens_keeps_the_partial_answer(server: SSEServer, tmp_path: Path) -> None:
    server.script(Reply(tokens=["one", " two", " three"], disconnect_after=2), Reply())
    code, out, err = ask(server, cwd=tmp_path)
    assert (code, out) == (1, "one two")
    assert_one_error_line(err, "dropped", "incomplete")
    assert len(server.chat_requests()) == 1  # never retried into duplicated text


def test_429_with_retry_after_then_success_has_no_duplicated_text(server: SSEServer, tmp_path: Path) -> None:
    server.script(Reply.failure(429, "too many requests", retry_after=1), Reply())
    code, out, _ = ask(server, cwd=tmp_path)
    assert (code, out) == (0, WHOLE)
    first, second = server.chat_requests()
    assert second.time - first.time >= 0.9


def test_500_then_success(server: SSEServer, tmp_path: Path) -> None:
    server.script(Reply.failure(500, "internal"), Reply())
    assert ask(server, cwd=tmp_path)[:2] == (0, WHOLE)
    assert len(server.chat_requests()) == 2


def test_401_names_the_key_setting_and_never_prints_the_key(server: SSEServer, tmp_path: Path) -> None:
    record = tmp_path / "run.jsonl"
    code, out, err = ask(server, "--record", str(record), cwd=tmp_path, AZURE_OPENAI_API_KEY=WRONG_KEY)
    assert code == 1 and out == ""
    assert_one_error_line(err, "AZURE_OPENAI_API_KEY", "401", "****QRST")
    for text in (out, err, record.read_text()):
        assert WRONG_KEY not in text  # the server echoes the key in its message; we mask it


def test_debug_traceback_masks_the_key_too(server: SSEServer, tmp_path: Path) -> None:
    result = run_cli(
        ["--debug", "ask", "--provider", "azure", "hello"],
        cwd=tmp_path,
        env=cli_env(**server.azure_env(AZURE_OPENAI_API_KEY=WRONG_KEY)),
    )
    assert result.returncode == 1 and "Traceback" in result.stderr
    assert WRONG_KEY not in result.stderr + result.stdout


def test_malformed_sse_line(server: SSEServer, tmp_path: Path) -> None:
    server.script(Reply(malformed_after=1))
    code, out, err = ask(server, cwd=tmp_path)
    assert (code, out) == (1, "Hello")
    assert_one_error_line(err, "malformed")


def test_stall_past_timeout(server: SSEServer, tmp_path: Path) -> None:
    server.script(Reply(stall_after=2, stall=20))
    code, out, err = ask(server, "--timeout", "1", "--retries", "0", cwd=tmp_path)
    assert (code, out) == (1, "Hello,")
    assert_one_error_line(err, "stalled", "1 s")


def test_every_missing_or_malformed_setting_in_one_line(tmp_path: Path) -> None:
    env = cli_env(AZURE_OPENAI_ENDPOINT="not a url", AZURE_OPENAI_API_VERSION="latest", AZURE_OPENAI_API_KEY="")
    result = run_cli(["ask", "--provider", "azure", "hello"], cwd=tmp_path, env=env)
    assert result.returncode == 2
    line = assert_one_error_line(result.stderr)
    for name in AZURE_VARIABLES:
        assert name in line


def test_env_file_in_cwd_is_read_and_flags_win(server: SSEServer, tmp_path: Path) -> None:
    settings = server.azure_env(AZURE_OPENAI_DEPLOYMENT_NAME="from-dotenv")
    (tmp_path / ".env").write_text("".join(f"{name}={value}\n" for name, value in settings.items()))
    with SSEServer(deployments=("from-flag",)) as other:
        other_env = cli_env(AZURE_OPENAI_ENDPOINT=other.url + "/")  # real env wins over .env for the endpoint
        result = run_cli(["ask", "--deployment", "from-flag", "hello"], cwd=tmp_path, env=other_env)
        assert (result.returncode, result.stdout) == (0, WHOLE), result.stderr
        assert other.chat_requests()[0].path == "/openai/deployments/from-flag/chat/completions"
    assert server.chat_requests() == []
