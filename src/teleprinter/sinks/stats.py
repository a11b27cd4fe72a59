"""Streaming statistics: time to first token, tokens/s, inter-token latency percentiles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from teleprinter.events import Event, RunEnded, RunFailed, RunStarted, Token


def _percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


@dataclass(slots=True)
class RunStats:
    """Figures for one run; times are seconds on the events' clock."""

    started: float | None = None
    first_token: float | None = None
    last_token: float | None = None
    ended: float | None = None
    chunks: int = 0
    usage: dict[str, Any] | None = None
    gaps: list[float] = field(default_factory=list)
    failed: bool = False
    finish_reason: str | None = None  # as the provider gave it: "stop", "length", "content_filter"...

    @property
    def output_tokens(self) -> int:
        """Tokens from the provider's usage metadata when given, else the chunks counted."""
        if self.usage and self.usage.get("output_tokens"):
            return int(self.usage["output_tokens"])
        return self.chunks

    @property
    def input_tokens(self) -> int | None:
        return int(self.usage["input_tokens"]) if self.usage and "input_tokens" in self.usage else None

    @property
    def time_to_first_token(self) -> float | None:
        if self.started is None or self.first_token is None:
            return None
        return self.first_token - self.started

    @property
    def elapsed(self) -> float:
        end = self.ended if self.ended is not None else self.last_token
        if self.started is None or end is None:
            return 0.0
        return end - self.started

    @property
    def tokens_per_second(self) -> float:
        """Generation rate after the first token (the part the model's speed decides)."""
        if self.first_token is None or self.last_token is None or self.output_tokens < 2:
            return 0.0
        span = self.last_token - self.first_token
        return (self.output_tokens - 1) / span if span > 0 else 0.0

    def latency(self, fraction: float) -> float:
        return _percentile(sorted(self.gaps), fraction)

    def as_dict(self) -> dict[str, Any]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "time_to_first_token": self.time_to_first_token,
            "tokens_per_second": self.tokens_per_second,
            "elapsed": self.elapsed,
            "latency_p50": self.latency(0.5),
            "latency_p95": self.latency(0.95),
            "latency_max": max(self.gaps, default=0.0),
            "failed": self.failed,
        }


class Stats:
    """A sink that keeps :class:`RunStats` per run and aggregates them."""

    def __init__(self) -> None:
        self.runs: dict[UUID, RunStats] = {}

    def _run(self, run_id: UUID) -> RunStats:
        run = self.runs.get(run_id)
        if run is None:
            run = self.runs[run_id] = RunStats()
        return run

    def handle(self, event: Event) -> None:
        kind = type(event)
        if kind is Token:
            self._token(event)  # type: ignore[arg-type]
        elif kind is RunStarted:
            self._run(event.run_id).started = event.time
        elif kind is RunEnded:
            run = self._run(event.run_id)
            run.ended = event.time
            run.usage = event.usage  # type: ignore[union-attr]
            run.finish_reason = event.finish_reason  # type: ignore[union-attr]
        elif kind is RunFailed:
            run = self._run(event.run_id)
            run.ended = event.time
            run.failed = True

    def _token(self, event: Token) -> None:
        if not event.text:
            return
        run = self._run(event.run_id)
        if run.first_token is None:
            run.first_token = event.time
            if run.started is None:
                run.started = event.time
        elif run.last_token is not None:
            run.gaps.append(event.time - run.last_token)
        run.last_token = event.time
        run.chunks += 1

    @property
    def last(self) -> RunStats:
        """The most recently started run (what ``ask`` reports)."""
        return next(reversed(self.runs.values())) if self.runs else RunStats()

    def total(self) -> RunStats:
        """All runs folded into one: summed tokens, merged latencies, earliest start, latest end."""
        total = RunStats()
        for run in self.runs.values():
            total.chunks += run.output_tokens
            total.gaps.extend(run.gaps)
            total.failed |= run.failed
            total.started = _min(total.started, run.started)
            total.first_token = _min(total.first_token, run.first_token)
            total.last_token = _max(total.last_token, run.last_token)
            total.ended = _max(total.ended, run.ended)
        return total


def _min(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


def _max(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)


def summary_line(run: RunStats, detailed: bool = False) -> str:
    """The one-line summary printed after an answer: tokens, time to first token, tokens/s.

    ``detailed`` (``--stats``) adds the inter-token latency: median, 95th percentile and worst gap.
    """
    ttft = run.time_to_first_token
    parts = [f"{run.output_tokens} tokens"]
    if ttft is not None:
        parts.append(f"first token {ttft * 1000:.0f} ms")
    if run.tokens_per_second:
        parts.append(f"{run.tokens_per_second:.1f} tok/s")
    if detailed and run.gaps:
        gaps = (run.latency(0.5), run.latency(0.95), max(run.gaps))
        parts.append("gap p50/p95/max {:.1f}/{:.1f}/{:.1f} ms".format(*(gap * 1000 for gap in gaps)))
    parts.append(f"{run.elapsed:.2f} s")
    return " · ".join(parts)
