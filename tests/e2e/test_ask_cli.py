"""`teleprinter ask` as a user runs it: real subprocesses, real pipes, real signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import TELEPRINTER, cli_env, run_cli

pytestmark = pytest.mark.e2e

TRICKY_TEXTS = {
    "crlf_tabs_trailing": "line one\r\n\tindented\t \r\nno final newline   ",
    "unicode": "\ufeffBOM, ünïcödé é (e+◌́), 中文字符, 한국어, עברית, 👩‍👩‍👧‍👦 🇫🇷 \u200b zero-width\n",
    "controls": "bell\a, escape \x1b[31mred\x1b[0m, nul \x00, form\x0cfeed, lone \r return\n\n\n",
    "long_word": "x" * 500 + " " + "y" * 37 + "\n",
    "only_whitespace": " \n\t \n",
}


@pytest.mark.parametrize("name", sorted(TRICKY_TEXTS))
def test_replayed_text_file_comes_out_byte_for_byte_through_a_pipe(tmp_path: Path, name: str) -> None:
    source = tmp_path / "answer.txt"
    source.write_bytes(TRICKY_TEXTS[name].encode("utf-8"))
    result = subprocess.run(
        [*TELEPRINTER, "ask", "--provider", "replay", "--replay", str(source), "--speed", "max", "x"],
        capture_output=True,
        env=cli_env(),
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == source.read_bytes()
    assert b"\x1b" not in result.stderr


def test_chunk_size_and_delay_options_do_not_change_the_text(tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_text("Chunked replay keeps every character.\n", encoding="utf-8")
    result = run_cli(["ask", "--replay", str(source), "--chunk-size", "5", "--delay", "0", "--stats", "x"])
    assert result.returncode == 0
    assert result.stdout == source.read_text()
    assert "tokens" in result.stderr  # the --stats line
    assert result.stderr.count("\n") == 1


def test_record_then_replay_round_trip_through_the_cli(tmp_path: Path) -> None:
    source, recording = tmp_path / "a.txt", tmp_path / "run.jsonl"
    source.write_text("Recorded answers replay with their timing.", encoding="utf-8")
    first = run_cli(["ask", "--replay", str(source), "--delay", "0.001", "--record", str(recording), "x"])
    assert first.returncode == 0
    events = [json.loads(line)["event"] for line in recording.read_text().splitlines()]
    assert events[0] == "start" and events[-1] == "end" and events.count("token") == 6
    again = run_cli(["ask", "--provider", "replay", "--replay", str(recording), "x"])
    assert again.returncode == 0 and again.stdout == first.stdout == source.read_text()


def test_model_error_keeps_partial_text_and_exits_1_with_one_line(tmp_path: Path) -> None:
    recording = tmp_path / "fail.jsonl"
    recording.write_text(
        '{"event":"start","t":0,"model":"m"}\n{"event":"token","t":0,"text":"partial "}\n'
        '{"event":"token","t":0,"text":"answer"}\n{"event":"error","t":0,"message":"upstream went away"}\n'
    )
    result = run_cli(["ask", "--replay", str(recording), "x"])
    assert result.returncode == 1
    assert result.stdout == "partial answer"
    assert result.stderr.strip().splitlines()[-1] == "teleprinter: error: upstream went away"
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    recording = tmp_path / "fail.jsonl"
    recording.write_text('{"event":"start","t":0}\n{"event":"error","t":0,"message":"boom"}\n')
    result = run_cli(["--debug", "ask", "--replay", str(recording), "x"])
    assert result.returncode == 1 and "Traceback" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["ask", "--max-tokens", "0", "x"],
        ["ask", "--provider", "nope", "x"],
        ["ask", "--speed", "fast", "x"],
        ["ask", "--replay", "/does/not/exist.txt", "x"],
        ["ask", "--provider", "replay", "x"],
        ["ask", "   "],
        ["ask", "--replay", __file__, "--record", "/does/not/exist/rec.jsonl", "x"],
        ["ask", "--replay", __file__, "--record", "/", "x"],
        ["no-such-command"],
    ],
)
def test_usage_errors_exit_2_without_traceback(args: list[str]) -> None:
    result = run_cli(args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr


def test_missing_replay_file_is_one_clear_line() -> None:
    result = run_cli(["ask", "--replay", "/does/not/exist.txt", "x"])
    assert result.stderr.strip() == "teleprinter: error: replay file not found: /does/not/exist.txt"


def test_unwritable_recording_is_one_line_naming_it() -> None:
    result = run_cli(["ask", "--replay", __file__, "--record", "/does/not/exist/rec.jsonl", "x"])
    assert result.stderr.strip() == (
        "teleprinter: error: cannot write the recording /does/not/exist/rec.jsonl: No such file or directory"
        " (name a file in a folder you can write to)"
    )


def test_a_replay_needs_no_prompt(tmp_path: Path) -> None:
    """A replay answers from its file whatever is asked, so the README's `ask --replay FILE` works as written."""
    source = tmp_path / "answer.txt"
    source.write_text("recorded answer\n", encoding="utf-8")
    result = run_cli(["ask", "--replay", str(source), "--speed", "max"], input="")
    assert (result.returncode, result.stdout) == (0, "recorded answer\n"), result.stderr


def test_debug_may_follow_the_command(tmp_path: Path) -> None:
    source = tmp_path / "answer.txt"
    source.write_text("ok", encoding="utf-8")
    result = run_cli(["ask", "--replay", str(source), "--speed", "max", "x", "--debug"])
    assert result.returncode == 0 and result.stdout == "ok"
    assert "first token" in result.stderr  # ask --debug's timeline


def test_empty_stdin_prompt_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli(["ask", "-"], input="   \n")
    assert result.returncode == 2 and "empty" in result.stderr


def _slow_replay(tmp_path: Path) -> Path:
    source = tmp_path / "slow.txt"
    source.write_text(" ".join(f"word{i}" for i in range(400)), encoding="utf-8")
    return source


def _start_slow(tmp_path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*TELEPRINTER, "ask", "--replay", str(_slow_replay(tmp_path)), "--delay", "0.02", "x"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=cli_env(),
    )


def _read_until(process: subprocess.Popen[bytes], wanted: bytes) -> bytes:
    assert process.stdout is not None
    seen = b""
    deadline = time.monotonic() + 30
    while wanted not in seen and time.monotonic() < deadline:
        seen += os.read(process.stdout.fileno(), 4096)
    assert wanted in seen
    return seen


@pytest.mark.parametrize(
    ("sig", "code", "word"), [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")]
)
def test_signal_mid_stream_keeps_partial_text(tmp_path: Path, sig: signal.Signals, code: int, word: str) -> None:
    process = _start_slow(tmp_path)
    seen = _read_until(process, b"word5 ")
    process.send_signal(sig)
    rest, err = process.communicate(timeout=30)
    assert process.returncode == code
    text = (seen + rest).decode()
    assert text.startswith("word0 word1 word2 word3 word4 word5")
    assert "word399" not in text
    assert err.decode().strip() == f"teleprinter: {word}"


def test_broken_pipe_is_quiet(tmp_path: Path) -> None:
    source = tmp_path / "many.txt"
    source.write_text("".join(f"line {i}\n" for i in range(20000)), encoding="utf-8")
    result = subprocess.run(
        f"{sys.executable} -m teleprinter ask --replay {source} --speed max x | head -1",
        shell=True,
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=60,
    )
    assert result.stdout == "line 0\n"
    assert result.stderr == ""


@pytest.mark.model
def test_ask_streams_paris_from_the_embedded_model() -> None:
    result = run_cli(["ask", "What is the capital of France?"])
    assert result.returncode == 0, result.stderr
    assert "Paris" in result.stdout


@pytest.mark.model
def test_prompt_from_stdin() -> None:
    result = run_cli(["ask", "--stats"], input="What is the capital of France?\n")
    assert result.returncode == 0, result.stderr
    assert "Paris" in result.stdout
    assert "tokens" in result.stderr
