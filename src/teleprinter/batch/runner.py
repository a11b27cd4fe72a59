"""The local backend: many prompts through one chat model, a few at a time, each answer to its own output.

Outputs (:mod:`teleprinter.batch.outputs`) are files in a folder, so a later run skips what is
complete, or ``[id] line`` lines on one stream. The outcomes, the :class:`Monitor` protocol and
the summary table are shared with the Redis backend (:mod:`teleprinter.batch.queue`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from teleprinter import private
from teleprinter.batch.items import BatchItem
from teleprinter.batch.outputs import FileOutput, LineWriter, Output, PrefixedLines, is_complete
from teleprinter.events import Event, Token
from teleprinter.sinks.stats import RunStats, Stats

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel



@dataclass(slots=True)
class Outcome:
    """How one prompt went: ``ok``, ``failed`` or ``skipped`` (its output was already complete)."""

    item: BatchItem
    status: str = "pending"
    attempts: int = 0
    error: str | None = None
    run_id: UUID | None = None
    stats: RunStats = field(default_factory=RunStats)

    @property
    def succeeded(self) -> bool:
        return self.status in ("ok", "skipped")


# -- progress reporting ---------------------------------------------------------------------


class Monitor:
    """What the batch tells the outside world; the base class says nothing."""

    def begin(self, total: int, done: int) -> None:
        """The batch starts: ``done`` prompts were already complete."""

    def started(self, item: BatchItem, attempt: int) -> None:
        """An attempt at ``item`` starts."""

    def token(self, item: BatchItem, text: str) -> None:
        """``item``'s answer grew by ``text``."""

    def retrying(self, item: BatchItem, attempt: int, error: str) -> None:
        """An attempt failed and another follows."""

    def finished(self, outcome: Outcome) -> None:
        """``item`` is done for good (ok or failed)."""

    def notice(self, text: str) -> None:
        """A one-line warning about the batch as a whole (``text`` has no prefix and no newline)."""

    def close(self) -> None:
        """The batch ended (or was interrupted): restore the terminal."""


class _MonitorSink:
    """Feeds one item's tokens to the monitor."""

    def __init__(self, monitor: Monitor, item: BatchItem) -> None:
        self.monitor = monitor
        self.item = item

    def handle(self, event: Event) -> None:
        if type(event) is Token and event.text:
            self.monitor.token(self.item, event.text)


# -- running --------------------------------------------------------------------------------


@dataclass(slots=True)
class BatchOptions:
    concurrency: int = 4
    retries: int = 0
    retry_delay: float = 1.0
    out_dir: Path | None = None
    system: str | None = None
    sinks: tuple[Any, ...] = ()
    """More sinks for every prompt's events (``--publish``)."""


async def arun_batch(
    items: Sequence[BatchItem],
    model: BaseChatModel,
    options: BatchOptions,
    *,
    writer: LineWriter | None = None,
    monitor: Monitor | None = None,
    stats: Stats | None = None,
) -> list[Outcome]:
    """Run every prompt not already complete; failures are retried, then reported in the outcomes."""
    monitor = monitor or Monitor()
    stats = stats or Stats()
    outcomes = [Outcome(item) for item in items]
    pending: asyncio.Queue[Outcome] = asyncio.Queue()
    if options.out_dir is not None:
        private.make_dirs(options.out_dir)
    for outcome in outcomes:
        if options.out_dir is not None and is_complete(options.out_dir, outcome.item):
            outcome.status = "skipped"
        else:
            pending.put_nowait(outcome)
    monitor.begin(len(outcomes), len(outcomes) - pending.qsize())

    async def worker() -> None:
        while not pending.empty():
            outcome = pending.get_nowait()
            await _run_item(outcome, model, options, writer, monitor, stats)
            monitor.finished(outcome)

    workers = [asyncio.create_task(worker()) for _ in range(max(1, options.concurrency))]
    try:
        await asyncio.gather(*workers)
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    return outcomes


async def _run_item(
    outcome: Outcome,
    model: BaseChatModel,
    options: BatchOptions,
    writer: LineWriter | None,
    monitor: Monitor,
    stats: Stats,
) -> None:
    for attempt in range(1, options.retries + 2):
        outcome.attempts = attempt
        monitor.started(outcome.item, attempt)
        try:
            await _attempt(outcome, model, options, writer, monitor, stats)
        except BrokenPipeError:
            raise  # stdout closed (``| head``): the reader is gone, so the whole batch ends, quietly
        except Exception as error:
            outcome.error = _describe(error)
            if attempt <= options.retries:
                monitor.retrying(outcome.item, attempt, outcome.error)
                await asyncio.sleep(options.retry_delay * 2 ** (attempt - 1))
                continue
            outcome.status = "failed"
        else:
            outcome.status, outcome.error = "ok", None
        if outcome.run_id is not None:
            outcome.stats = stats.runs.get(outcome.run_id, outcome.stats)
        return


async def _attempt(
    outcome: Outcome,
    model: BaseChatModel,
    options: BatchOptions,
    writer: LineWriter | None,
    monitor: Monitor,
    stats: Stats,
) -> None:
    from teleprinter.answer import build_messages
    from teleprinter.sources.callbacks import EventCallbackHandler

    item = outcome.item
    output: Output = FileOutput(options.out_dir, item.id) if options.out_dir else PrefixedLines(_need(writer), item.id)
    run_id = outcome.run_id = uuid4()
    handler = EventCallbackHandler(output, stats, _MonitorSink(monitor, item), *options.sinks, raise_error=True)
    config: Any = {"callbacks": [handler], "run_id": run_id, "run_name": f"batch {item.id}"}
    try:
        async for _chunk in model.astream(build_messages(item.prompt, options.system), config=config):
            pass
    except BaseException:
        output.abort()
        stats.runs.setdefault(run_id, RunStats()).failed = True
        raise
    output.commit()


def _need(writer: LineWriter | None) -> LineWriter:
    if writer is None:
        raise ValueError("a batch without an output folder needs a LineWriter")
    return writer


def _describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# -- the summary ----------------------------------------------------------------------------


def summary_table(
    outcomes: Sequence[Outcome], stats: Stats, *, detailed: bool = False, width: int | None = None
) -> list[str]:
    """One row per prompt and a total row: status, attempts, tokens, first token, tok/s, time.

    The error of each failed prompt follows as ``id: error``; with ``width`` (a terminal's columns)
    it wraps at word boundaries, hanging under the error's first word.
    """
    header = ["id", "status", "tries", "tokens", "first token", "tok/s", "time"]
    if detailed:
        header += ["p50 gap", "p95 gap", "max gap"]
    rows = [header]
    for outcome in outcomes:
        rows.append(_row(outcome.item.id, outcome.status, str(outcome.attempts or "-"), outcome.stats, detailed))
    ran = [o for o in outcomes if o.run_id is not None]
    total = stats.total() if ran else RunStats()
    rows.append(_row("total", _tally(outcomes), str(sum(o.attempts for o in outcomes)), total, detailed))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    for outcome in outcomes:
        if outcome.status == "failed" and outcome.error:
            lead = f"{outcome.item.id}: "
            if width is None:
                lines.append(lead + str(outcome.error))
            else:
                from teleprinter.render.wrap import wrap_text

                lines.extend(wrap_text(str(outcome.error), width, lead, " " * min(len(lead), width // 2)))
    return lines


def _row(name: str, status: str, tries: str, run: RunStats, detailed: bool) -> list[str]:
    has_run = run.started is not None
    ttft = run.time_to_first_token
    row = [
        name,
        status,
        tries,
        str(run.output_tokens) if has_run else "-",
        f"{ttft * 1000:.0f} ms" if ttft is not None else "-",
        f"{run.tokens_per_second:.1f}" if run.tokens_per_second else "-",
        f"{run.elapsed:.2f} s" if has_run else "-",
    ]
    if detailed:
        row += [_ms(run.latency(0.5), run), _ms(run.latency(0.95), run), _ms(max(run.gaps, default=0.0), run)]
    return row


def _ms(value: float, run: RunStats) -> str:
    return f"{value * 1000:.1f} ms" if run.gaps else "-"


def _tally(outcomes: Sequence[Outcome]) -> str:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return ", ".join(f"{counts[s]} {s}" for s in ("ok", "skipped", "failed", "pending") if counts.get(s))
