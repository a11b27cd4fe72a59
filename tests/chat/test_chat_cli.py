"""`teleprinter chat` with piped input: transcripts, --resume and bad input, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

pytestmark = pytest.mark.e2e
SCRIPT = f"{ROOT / 'tests' / 'chat' / 'responders.py'}:answer"


def chat(tmp_path: Path, lines: str, *args: str) -> tuple[int, str, str]:
    result = run_cli(["chat", "--replay-script", SCRIPT, "--delay", "0", *args], input=lines, cwd=tmp_path)
    return result.returncode, result.stdout, result.stderr


def test_resume_continues_the_conversation_and_appends_to_it(tmp_path: Path) -> None:
    code, out, _ = chat(tmp_path, "remember 5\n", "--transcript", "t.jsonl", "--system", "Be brief.")
    assert code == 0 and "OK, I will remember 5." in out
    code, out, _ = chat(tmp_path, "what number?\nsystem?\n", "--resume", "t.jsonl")
    assert code == 0
    assert "You told me 5." in out and "System says: Be brief." in out
    records = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    assert [r.get("user") for r in records if r["type"] == "turn"] == ["remember 5", "what number?", "system?"]


def test_resume_into_another_transcript_copies_the_conversation_first(tmp_path: Path) -> None:
    chat(tmp_path, "remember 5\n", "--transcript", "a.jsonl")
    code, out, _ = chat(tmp_path, "hi\n", "--resume", "a.jsonl", "--transcript", "b.jsonl")
    assert code == 0
    code, out, _ = chat(tmp_path, "what number?\n", "--resume", "b.jsonl")
    assert "You told me 5." in out
    users = [json.loads(line)["user"] for line in (tmp_path / "b.jsonl").read_text().splitlines()]
    assert users == ["remember 5", "hi", "what number?"]


def test_save_jsonl_can_be_resumed(tmp_path: Path) -> None:
    code, out, _ = chat(tmp_path, "remember 8\n/save saved.jsonl\n")
    assert code == 0 and "saved 1 turns to saved.jsonl (jsonl)" in out
    code, out, _ = chat(tmp_path, "what number?\n", "--resume", "saved.jsonl")
    assert "You told me 8." in out


def test_pipe_output_is_plain_text(tmp_path: Path) -> None:
    code, out, err = chat(tmp_path, '"""\nremember\n3\n"""\n')
    assert code == 0
    assert out == "echo: remember\n3 (turn 1)\nGoodbye.\n"
    assert "\x1b" not in out + err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--resume", "missing.jsonl"], "transcript not found: missing.jsonl"),
        (["--replay-script", "nowhere.py:answer"], "replay script not found: nowhere.py"),
        (["--replay-script", "no-colon"], "bad --replay-script 'no-colon'"),
        (["--provider", "replay", "--replay", "missing.txt"], "replay file not found: missing.txt"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_cli(["chat", "--delay", "0", *args], input="hi\n", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"teleprinter: error: {message}")
    assert "Traceback" not in result.stderr
