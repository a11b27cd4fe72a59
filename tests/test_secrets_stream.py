"""Secrets split over streamed tokens: StreamRedactor and the --record Recorder never let one through."""

from __future__ import annotations

import io
import itertools
import json
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from teleprinter.events import RunEnded, RunFailed, RunStarted, Token
from teleprinter.secrets import StreamRedactor, mask
from teleprinter.sinks.record import Recorder

KEY = "sk-stream-0123456789abcdef"
PASSWORD = "redis-pw-fedcba9876"


def pieces_of(text: str, cuts: list[int]) -> list[str]:
    points = sorted({0, len(text), *(cut % (len(text) + 1) for cut in cuts)})
    return [text[a:b] for a, b in itertools.pairwise(points)]


@given(
    before=st.text(alphabet="abcdefsk- 0123", max_size=30),
    after=st.text(alphabet="abcdefsk- 0123", max_size=30),
    cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=12),
)
def test_a_secret_cut_anywhere_comes_out_masked_and_the_rest_unchanged(
    before: str, after: str, cuts: list[int]
) -> None:
    text = f"{before}{KEY}{after} and {PASSWORD}"
    redactor = StreamRedactor([KEY, PASSWORD])
    emitted = [redactor.feed(piece) for piece in pieces_of(text, cuts)]
    out = "".join(emitted) + redactor.flush()
    expected = text.replace(KEY, mask(KEY)).replace(PASSWORD, mask(PASSWORD))
    assert out == expected
    assert all(KEY not in piece and PASSWORD not in piece for piece in emitted)
    # nor can the secret be pieced together from what was written before the stream ended
    assert KEY not in "".join(emitted) and PASSWORD not in "".join(emitted)


def test_without_secrets_text_passes_through_piece_by_piece() -> None:
    redactor = StreamRedactor([])
    assert [redactor.feed(piece) for piece in ("s", "k-", "x")] == ["s", "k-", "x"]
    assert redactor.flush() == ""


def test_only_a_tail_that_could_start_a_secret_is_held_back() -> None:
    redactor = StreamRedactor([KEY])
    assert redactor.feed("the answer is ") == "the answer is "
    assert redactor.feed("sk-str") == ""
    assert redactor.feed("ing theory") == "sk-string theory"


def test_the_recorder_masks_a_key_the_model_repeats_over_several_tokens() -> None:
    run = uuid4()
    stream = io.StringIO()
    recorder = Recorder(stream, secrets=[KEY])
    tokens = ["Your key ", KEY[:5], KEY[5:13], KEY[13:], " is", " fine"]
    for index, text in enumerate([None, *tokens]):
        recorder.handle(RunStarted(run, "m") if text is None else Token(run, text, index, float(index)))
    recorder.handle(RunEnded(run, None, "stop", 9.0))
    content = stream.getvalue()
    lines = [json.loads(line) for line in content.splitlines()]
    assert KEY not in content and KEY[5:13] not in content
    assert "".join(line.get("text", "") for line in lines) == f"Your key {mask(KEY)} is fine"
    assert lines[0]["event"] == "start" and lines[-1]["event"] == "end"


def test_the_recorder_writes_what_it_held_back_before_a_failure() -> None:
    run = uuid4()
    stream = io.StringIO()
    recorder = Recorder(stream, secrets=[KEY])
    recorder.handle(Token(run, "cut at sk-str", 0, 0.0))
    recorder.handle(RunFailed(run, RuntimeError("gone"), False, 1.0))
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(line["event"], line.get("text")) for line in lines] == [
        ("token", "cut at "),
        ("token", "sk-str"),
        ("error", None),
    ]
