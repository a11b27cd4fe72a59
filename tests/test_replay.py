"""Replay: plain text and recordings stream back exactly; record -> replay round-trips."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from teleprinter.providers.replay import ReplayChatModel, ReplayScript, load_script, word_pieces
from teleprinter.sinks.record import Recorder
from teleprinter.sources.callbacks import EventCallbackHandler


@given(st.text())
def test_word_pieces_reassemble_any_text(text: str) -> None:
    pieces = word_pieces(text)
    assert "".join(pieces) == text
    assert all(pieces) and all(len(p) <= 12 for p in pieces)


def test_word_pieces_are_word_sized() -> None:
    assert word_pieces("The capital of France is Paris.") == ["The", " capital", " of", " France", " is", " Paris."]


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"])), st.integers(1, 9))
def test_plain_text_file_loads_exactly(tmp_path_factory: object, text: str, size: int) -> None:
    path = Path(tmp_path_factory.mktemp("r")) / "answer.txt"  # type: ignore[attr-defined]
    path.write_bytes(text.encode("utf-8"))
    assert load_script(path).text == text
    assert load_script(path, chunk_size=size).text == text
    assert ReplayChatModel.from_script(load_script(path).paced(float("inf"))).invoke("x").content == text


def test_record_then_replay_gives_same_text_and_token_count(tmp_path: Path) -> None:
    record_path = tmp_path / "run.jsonl"
    model = ReplayChatModel.from_text("Streaming one token at a time, with timing.", delay=0.002)
    with record_path.open("w", encoding="utf-8") as handle:
        original = model.invoke("x", config={"callbacks": [EventCallbackHandler(Recorder(handle))]}, stream=True)
    lines = [json.loads(line) for line in record_path.read_text().splitlines()]
    assert [line["event"] for line in (lines[0], lines[-1])] == ["start", "end"]
    tokens = [line for line in lines if line["event"] == "token"]
    assert all(b["t"] >= a["t"] for a, b in itertools.pairwise(tokens))

    script = load_script(record_path)
    assert script.text == original.content
    assert len(script.chunks) == len(tokens) == len(model.chunks)
    assert script.usage is not None and script.usage["output_tokens"] == len(model.chunks)
    assert all(0 <= d < 1 for d in script.delays)
    replayed = ReplayChatModel.from_script(script).invoke("x")
    assert replayed.content == original.content
    assert replayed.usage_metadata is not None and replayed.usage_metadata["output_tokens"] == len(tokens)


def test_recorded_error_is_replayed_as_an_error(tmp_path: Path) -> None:
    path = tmp_path / "fail.jsonl"
    path.write_text(
        '{"event": "start", "t": 0, "model": "m"}\n{"event": "token", "t": 0.01, "text": "par"}\n'
        '{"event": "error", "t": 0.02, "message": "boom"}\n'
    )
    script = load_script(path)
    assert script.chunks == ["par"] and script.error == "boom" and script.model == "m"


def test_paced_speed_and_delay() -> None:
    script = load_script_from(["a", "b"], [0.2, 0.4])
    assert script.paced(2).delays == [0.1, 0.2]
    assert script.paced(float("inf")).delays == [0.0, 0.0]
    assert script.paced(None, 0.05).delays == [0.05, 0.05]
    assert script.paced().delays == [0.2, 0.4]


def load_script_from(chunks: list[str], delays: list[float]) -> ReplayScript:
    return ReplayScript(chunks, delays)


def test_a_recording_cut_at_the_token_limit_replays_cut_and_records_the_same(tmp_path: Path) -> None:
    """``finish_reason`` rides through a replay: the notice, ``--strict``, and a re-recording say "length"."""
    from tests.conftest import run_cli

    cut = tmp_path / "cut.jsonl"
    cut.write_text(
        '{"event": "start", "version": 2, "model": "m", "t": 0}\n{"event": "token", "text": "A cut ans", "t": 0.1}\n'
        '{"event": "end", "finish_reason": "length", "t": 0.2}\n',
        encoding="utf-8",
    )
    assert load_script(cut).finish_reason == "length"
    again = tmp_path / "again.jsonl"
    replayed = run_cli(["ask", "q", "--provider", "replay", "--replay", str(cut), "--speed", "max", "--strict",
                        "--record", str(again)])
    assert (replayed.returncode, replayed.stdout) == (1, "A cut ans")
    assert "answer cut at the token limit (finish_reason=length)" in replayed.stderr
    ends = [json.loads(line) for line in again.read_text(encoding="utf-8").splitlines() if '"end"' in line]
    assert ends[-1]["finish_reason"] == "length"
