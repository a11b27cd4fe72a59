"""The seed's handlers behave exactly as documented, on a deterministic replay model."""

from __future__ import annotations

import asyncio
import io

import pytest

from teleprinter import ProgressTracker, ReplayChatModel, StreamingStdOutCallbackHandler, TokenAccumulator
from teleprinter.errors import ProviderError
from teleprinter.handlers import show_progress


def replay(text: str, **kwargs: object) -> ReplayChatModel:
    return ReplayChatModel.from_text(text, chunk_size=3, **kwargs)  # type: ignore[arg-type]


def test_streaming_handler_prints_prefix_at_each_line_start_and_counts_tokens() -> None:
    out = io.StringIO()
    handler = StreamingStdOutCallbackHandler(prefix="AI> ", stream=out)
    replay("Hello there\nsecond line\n\nfourth").invoke("hi", config={"callbacks": [handler]}, stream=True)
    assert out.getvalue() == "AI> Hello there\nAI> second line\n\nAI> fourth"
    assert handler.tokens_seen == len("Hello there\nsecond line\n\nfourth") // 3 + 1
    assert handler.prefix == "AI> "


def test_streaming_handler_without_prefix_is_byte_for_byte() -> None:
    out = io.StringIO()
    text = "  tabs\tand\r\nCRLF, ünïcödé, 中文, 👩‍👩‍👧 "
    replay(text).invoke("hi", config={"callbacks": [StreamingStdOutCallbackHandler(stream=out)]}, stream=True)
    assert out.getvalue() == text


def test_streaming_handler_works_through_stream_api() -> None:
    out = io.StringIO()
    handler = StreamingStdOutCallbackHandler(stream=out)
    pieces = [c.content for c in replay("abcdefgh").stream("hi", config={"callbacks": [handler]})]
    assert "".join(map(str, pieces)) == "abcdefgh" == out.getvalue()
    assert handler.tokens_seen == 3


def test_accumulator_keeps_concurrent_runs_apart() -> None:
    accumulator = TokenAccumulator()
    model = ReplayChatModel(responder=lambda messages: f"answer to {messages[-1].text} " * 5, delays=[0.001])

    async def go() -> list[str]:
        results = await model.abatch([f"q{i}" for i in range(6)], config={"callbacks": [accumulator]}, stream=True)  # type: ignore[call-arg]
        return [str(r.content) for r in results]

    answers = asyncio.run(go())
    assert len(accumulator.run_ids) == 6
    texts = sorted(accumulator.get_text(run_id) for run_id in accumulator.run_ids)
    assert texts == sorted(answers)
    assert accumulator.get_text() == "".join(accumulator.get_text(r) for r in accumulator.run_ids)
    per_run = [t for r in accumulator.run_ids for t in accumulator.accumulation.tokens_of(r)]
    assert sorted(accumulator.tokens) == sorted(per_run)


def test_accumulator_get_text_is_the_seed_join_for_one_run() -> None:
    accumulator = TokenAccumulator()
    replay("one two three").invoke("x", config={"callbacks": [accumulator]}, stream=True)
    assert accumulator.get_text() == "".join(accumulator.tokens) == "one two three"


def test_error_hook_is_called_and_partial_text_is_kept() -> None:
    out = io.StringIO()
    handler = StreamingStdOutCallbackHandler(stream=out)
    accumulator = TokenAccumulator()
    tracker = ProgressTracker(stream=io.StringIO())
    model = replay("abcdefghijkl", fail_after=2)
    with pytest.raises(ProviderError):
        model.invoke("x", config={"callbacks": [handler, accumulator, tracker]}, stream=True)
    assert out.getvalue() == "abcdef"
    assert accumulator.get_text() == "abcdef"
    (run_id,) = accumulator.run_ids
    assert isinstance(accumulator.errors[run_id], ProviderError)
    assert tracker.runs_failed == 1 and tracker.runs_finished == 0


def test_progress_tracker_prints_a_dot_per_token() -> None:
    dots = io.StringIO()
    tracker = ProgressTracker(stream=dots)
    replay("abcdefghi").invoke("x", config={"callbacks": [tracker]}, stream=True)
    assert dots.getvalue() == "..."
    assert tracker.tokens_seen == 3 and tracker.runs_finished == 1


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_show_progress_draws_in_place_on_a_tty_and_never_on_a_pipe() -> None:
    tty, pipe = FakeTTY(), io.StringIO()
    for i in range(1, 4):
        show_progress(i, 3, tty)
        show_progress(i, 3, pipe)
    assert pipe.getvalue() == ""
    assert tty.getvalue().count("\r") == 3
    assert tty.getvalue().endswith("Processing: 3/3\n")


def test_handlers_work_under_async_runs() -> None:
    out = io.StringIO()
    handler = StreamingStdOutCallbackHandler(prefix="> ", stream=out)
    accumulator = TokenAccumulator()

    async def go() -> str:
        model = replay("async text\nhere")
        message = await model.ainvoke("x", config={"callbacks": [handler, accumulator]}, stream=True)
        return str(message.content)

    assert asyncio.run(go()) == "async text\nhere"
    assert out.getvalue() == "> async text\n> here"
    assert accumulator.get_text() == "async text\nhere"


class ClosedStream(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError("the reader went away")


def test_streaming_handler_on_a_failing_stream_goes_on_or_raises_as_asked() -> None:
    quiet = StreamingStdOutCallbackHandler(stream=ClosedStream())
    pieces = [c.content for c in replay("abcdefgh").stream("hi", config={"callbacks": [quiet]})]
    assert "".join(map(str, pieces)) == "abcdefgh"  # the stream went on
    assert quiet.sink_errors == 3 and quiet.tokens_seen == 3
    loud = StreamingStdOutCallbackHandler(stream=ClosedStream(), raise_error=True)
    with pytest.raises(BrokenPipeError):
        for _ in replay("abcdefgh").stream("hi", config={"callbacks": [loud]}):
            pass
