"""Transcripts: JSONL appended turn by turn, Markdown export, and --resume rebuilding the conversation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from teleprinter.chat import transcript
from teleprinter.chat.session import ChatSession, Turn
from teleprinter.errors import ConfigError


def _session() -> ChatSession:
    session = ChatSession("Be brief.")
    session.record(Turn("hi", "hello", model="m"))
    session.record(Turn("story", "Once upon", status="interrupted", model="m"))
    return session


def test_writer_appends_one_valid_json_line_per_record(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    writer = transcript.TranscriptWriter(path)
    for record in transcript.session_records(_session()):
        writer.write(record)
    writer.close()
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["type"] for r in lines] == ["system", "turn", "turn"]
    assert lines[2]["status"] == "interrupted"


def test_writer_starts_a_new_line_after_a_torn_one(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"type": "turn", "index": 0, "user": "a", "assistant": "b"}\n{"type": "tu')
    writer = transcript.TranscriptWriter(path)
    writer.write(transcript.turn_record(1, Turn("c", "d")))
    writer.close()
    session = transcript.load(path)
    assert [(t.user, t.assistant) for t in session.turns] == [("a", "b"), ("c", "d")]


def test_resume_rebuilds_the_conversation(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    transcript.save(_session(), path)
    session = transcript.load(path)
    assert session.system == "Be brief."
    assert [(t.user, t.assistant, t.status) for t in session.turns] == [
        ("hi", "hello", "complete"),
        ("story", "Once upon", "interrupted"),
    ]
    assert transcript.load(path, system="Other.").system == "Other."


def test_reset_and_retried_turns_replay_in_order(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    writer = transcript.TranscriptWriter(path)
    writer.write(transcript.turn_record(0, Turn("old", "x")))
    writer.write(transcript.reset_record())
    writer.write(transcript.turn_record(0, Turn("new", "1")))
    writer.write(transcript.turn_record(1, Turn("q", "first try")))
    writer.write(transcript.turn_record(1, Turn("q", "second try")))
    writer.close()
    assert [(t.user, t.assistant) for t in transcript.load(path).turns] == [("new", "1"), ("q", "second try")]


def test_markdown_marks_interrupted_answers(tmp_path: Path) -> None:
    path = tmp_path / "chat.md"
    assert transcript.save(_session(), path) == "markdown"
    text = path.read_text()
    assert "**System:** Be brief." in text
    assert "## You\n\nstory" in text
    assert "Once upon\n\n*[interrupted]*" in text
    assert text.count("[interrupted]") == 1


def test_a_file_that_is_not_a_transcript_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "t.md"
    path.write_text("# Chat transcript\n\n## You\n")
    with pytest.raises(ConfigError, match="not a chat transcript"):
        transcript.load(path)


def test_missing_transcript_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        transcript.load(tmp_path / "nope.jsonl")
