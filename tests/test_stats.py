"""Streaming statistics from plain event lists with known times: no clocks, no models."""

from __future__ import annotations

from uuid import UUID

import pytest

from teleprinter.events import Event, RunEnded, RunFailed, RunStarted, Token
from teleprinter.sinks.stats import RunStats, Stats, summary_line

A = UUID(int=1)
B = UUID(int=2)


def run_events(
    run_id: UUID, start: float, token_times: list[float], end: float, usage: dict[str, int] | None = None
) -> list[Event]:
    events: list[Event] = [RunStarted(run_id, "m", time=start)]
    events += [Token(run_id, "t", n, when) for n, when in enumerate(token_times)]
    events.append(RunEnded(run_id, usage, "stop", end))
    return events


def feed(events: list[Event]) -> Stats:
    stats = Stats()
    for event in events:
        stats.handle(event)
    return stats


def test_time_to_first_token_rate_and_latency_percentiles() -> None:
    # first token after 0.5 s, then gaps of 0.1 s x 9 and one 1.0 s stall
    times = [10.5 + 0.1 * n for n in range(10)] + [10.5 + 0.9 + 1.0]
    run = feed(run_events(A, 10.0, times, 12.5)).runs[A]
    assert run.time_to_first_token == pytest.approx(0.5)
    assert run.output_tokens == 11
    assert run.tokens_per_second == pytest.approx(10 / 1.9)
    assert run.latency(0.5) == pytest.approx(0.1)
    assert run.latency(0.95) == pytest.approx(1.0)
    assert max(run.gaps) == pytest.approx(1.0)
    assert run.elapsed == pytest.approx(2.5)
    figures = run.as_dict()
    assert figures["latency_p50"] == pytest.approx(0.1) and figures["latency_max"] == pytest.approx(1.0)


def test_usage_metadata_wins_over_counted_chunks() -> None:
    counted = feed(run_events(A, 0.0, [0.1, 0.2], 0.3)).runs[A]
    assert counted.output_tokens == 2
    reported = feed(run_events(A, 0.0, [0.1, 0.2], 0.3, {"input_tokens": 7, "output_tokens": 5})).runs[A]
    assert reported.output_tokens == 5 and reported.input_tokens == 7


def test_empty_tokens_are_not_counted_and_a_failed_run_is_marked() -> None:
    events: list[Event] = [RunStarted(A, time=0.0), Token(A, "", 0, 0.1), Token(A, "x", 1, 0.2)]
    events.append(RunFailed(A, RuntimeError("boom"), time=0.4))
    run = feed(events).runs[A]
    assert run.output_tokens == 1 and run.failed and run.time_to_first_token == pytest.approx(0.2)
    assert run.elapsed == pytest.approx(0.4)


def test_runs_are_kept_apart_and_aggregated() -> None:
    interleaved = sorted(
        run_events(A, 0.0, [1.0, 1.5, 2.0], 2.1) + run_events(B, 0.5, [0.7, 0.8], 3.0),
        key=lambda event: event.time,
    )
    stats = feed(interleaved)
    assert stats.runs[A].output_tokens == 3 and stats.runs[B].output_tokens == 2
    assert stats.runs[A].gaps == pytest.approx([0.5, 0.5]) and stats.runs[B].gaps == pytest.approx([0.1])
    total = stats.total()
    assert total.output_tokens == 5
    assert total.started == 0.0 and total.ended == 3.0
    assert total.time_to_first_token == pytest.approx(0.7)
    assert sorted(total.gaps) == pytest.approx([0.1, 0.5, 0.5])
    assert total.tokens_per_second == pytest.approx(4 / (2.0 - 0.7))
    assert stats.last is stats.runs[B]


def test_a_run_without_start_event_starts_at_its_first_token() -> None:
    stats = feed([Token(A, "x", 0, 5.0), Token(A, "y", 1, 5.5)])
    assert stats.runs[A].time_to_first_token == 0.0 and stats.runs[A].tokens_per_second == pytest.approx(2.0)


def test_summary_line_reads_well() -> None:
    run = feed(run_events(A, 0.0, [0.25, 0.5, 0.75], 1.0)).runs[A]
    assert summary_line(run) == "3 tokens · first token 250 ms · 4.0 tok/s · 1.00 s"
    assert summary_line(RunStats()) == "0 tokens · 0.00 s"
    assert summary_line(run, detailed=True) == (
        "3 tokens · first token 250 ms · 4.0 tok/s · gap p50/p95/max 250.0/250.0/250.0 ms · 1.00 s"
    )


def test_stats_from_a_real_stream_count_every_token() -> None:
    from teleprinter import EventCallbackHandler, ReplayChatModel

    stats = Stats()
    model = ReplayChatModel.from_text("a b c d e f", usage={"input_tokens": 1, "output_tokens": 6, "total_tokens": 7})
    for _ in model.stream("hi", config={"callbacks": [EventCallbackHandler(stats)]}):
        pass
    run = stats.last
    assert run.chunks == 6 and run.output_tokens == 6 and run.time_to_first_token is not None
    assert len(run.gaps) == 5 and not run.failed
