"""Every example runs, offline: exactly as documented on the replay model, and on the real embedded model."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyte
import pytest

from tests.conftest import ROOT, cli_env

EXAMPLES = ROOT / "examples"
ALL = sorted(p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))


def run_example(name: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        capture_output=True, text=True, encoding="utf-8", timeout=timeout, env=cli_env(), cwd=ROOT,
    )


REPLAYED = {
    "agent.py": (
        "[tool] calculator({'expression': '17 * 23'})\n[tool] = 391\n"
        "[answer] The answer is 391.\n[summary] A question about multiplying two numbers.\n"
    ),
    "custom_handler.py": "AI> Streaming shows each token\nAI> as soon as it arrives.\n[9 tokens seen]\n",
    "streaming_model_config.py": "Paris is the capital of France.\n[offline model, 6 tokens, 31 chars]\n",
    "token_processing.py": "Tokens arrive one by one, extraordinarily quickly.\n[8 tokens, longest 'extraordina']\n",
    "write_output.py": "Flushed output appears immediately, even through a pipe.\n",
    "show_progress.py": "".join(f"Name a {w}. -> A short answer.\n" for w in ("colour", "fruit", "planet")),
    "progress_tracker.py": "......... 9 tokens\nEach token is one dot on the progress line.\n",
    "astream_events.py": (
        "[model run started: replay]\nEvents carry every token of every model run.\n"
        "[model run ended: 8 tokens, finish reason stop]\n"
    ),
    "async_iterator.py": (
        "Name a colour. -> An answer to name a colour.\nName a river. -> An answer to name a river.\n"
        "failed after 'this answer': the replay model was told to fail\n"
    ),
    "custom_events.py": "Status travels beside the answer.\n",
    "error_handling.py": "Streaming on on on on on on on on and done.\n",
}


def test_every_example_has_an_expected_replayed_output() -> None:
    assert sorted([*REPLAYED, "token_accumulator.py"]) == ALL


@pytest.mark.parametrize("name", ALL)
def test_example_runs_on_the_replay_model(name: str) -> None:
    result = run_example(name, "--replay")
    assert result.returncode == 0, result.stderr
    if name == "token_accumulator.py":
        lines = result.stdout.splitlines()
        assert lines[:3] == [
            "6 tokens -> 'Accumulated tokens make the whole answer.'",
            "post-processed: 'ACCUMULATED TOKENS MAKE THE WHOLE ANSWER.'",
            "2 concurrent runs kept apart:",
        ]
        assert sorted(lines[3:]) == ["  'You asked: Name a colour.'", "  'You asked: Name a sound.'"]
        return
    assert result.stdout == REPLAYED[name]
    if name != "custom_events.py":
        assert result.stderr == ""  # status only where the example says so; progress only on a terminal


def test_custom_events_go_to_stderr_and_the_recording(tmp_path: Path) -> None:
    record = tmp_path / "events.jsonl"
    result = run_example("custom_events.py", "--replay", "--record", str(record))
    assert result.stderr == "· step: looking up notes\n· step: answer complete\n"
    events = [json.loads(line) for line in record.read_text().splitlines()]
    assert [e["event"] for e in events if e["event"] != "token"] == ["custom", "start", "end", "custom"]


@pytest.mark.model
def test_teleprinter_run_streams_the_agent_example_offline_on_the_embedded_model() -> None:
    from tests.conftest import run_cli

    result = run_cli(["run", "examples/agent.py:graph", "What is 17 * 23?", "--events", "jsonl"], cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    tools = [(e["name"], e["input"]) for e in events if e["event"] == "tool_start"]
    assert tools == [("calculator", {"expression": "17 * 23"})]
    assert [e["output"] for e in events if e["event"] == "tool_end"] == ["391"]
    runs = {e["run_id"]: e["node"] for e in events if e["event"] == "start"}
    assert sorted(runs.values()) == ["answer", "summary"]  # two model nodes, both on the embedded model
    assert {e["data"]["status"] for e in events if e["event"] == "custom"} >= {"routing the question", "answering"}
    for run_id in runs:
        assert "".join(e["text"] for e in events if e["event"] == "token" and e["run_id"] == run_id).strip()


def test_error_handling_reports_a_failure_and_keeps_the_partial_answer() -> None:
    result = run_example("error_handling.py", "--replay", "--fail")
    assert result.returncode == 1
    assert result.stdout == "Streaming on on\nError during streaming: the replay model was told to fail\n"


def test_error_handling_turns_ctrl_c_into_the_seeds_message() -> None:
    process = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "error_handling.py"), "--replay", "--slow"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(), cwd=ROOT,
    )
    assert process.stdout is not None
    assert process.stdout.read(len("Streaming on")) == "Streaming on"  # it is streaming now
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert out.endswith("\nStreaming interrupted by user\n") and "and done" not in out
    assert "Traceback" not in err


def run_in_terminal(name: str, *args: str, columns: int = 60, lines: int = 12) -> list[str]:
    """Run an example on a pseudo-terminal and return the emulated screen."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, str(EXAMPLES / name), *args],
        stdin=follower, stdout=follower, stderr=follower, env=cli_env(TERM="xterm"), cwd=ROOT, close_fds=True,
    )
    os.close(follower)
    output = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    process.wait(timeout=10)
    os.close(leader)
    screen = pyte.Screen(columns, lines)
    pyte.ByteStream(screen).feed(output)
    return [line.rstrip() for line in screen.display if line.strip()]


def test_show_progress_draws_the_counter_only_on_a_terminal() -> None:
    screen = run_in_terminal("show_progress.py", "--replay")
    assert screen == [
        "Name a colour. -> A short answer.",
        "Name a fruit. -> A short answer.",
        "Name a planet. -> A short answer.",
        "Processing: 3/3",
    ]


@pytest.mark.model
@pytest.mark.parametrize("name", ALL)
def test_example_runs_on_the_embedded_model(name: str) -> None:
    result = run_example(name, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert "Traceback" not in result.stderr
    if name in ("custom_handler.py",):
        assert all(line.startswith("AI> ") for line in result.stdout.splitlines()[:-1] if line)
    if name == "streaming_model_config.py":
        assert "[offline model, " in result.stdout
    if name == "astream_events.py":
        assert result.stdout.startswith("[model run started: gemma-3-270m]\n")
