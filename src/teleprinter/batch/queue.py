"""The Redis backend's coordinator: ``batch FILE --queue URL`` puts prompts on a stream and follows them.

Keys (under the configured prefix, ``teleprinter:`` by default)::

    queue                      the work stream, read by the consumer group ``workers``
    {BATCH}:enqueued           set of prompt ids already put on the queue (re-runs add no duplicates)
    {BATCH}:answer:ID          one prompt's answer: its events, published by the worker answering it
    {BATCH}:results            hash ID -> JSON {status, text, error, worker}, written once (HSETNX)

``BATCH`` is derived from the prompts and the system prompt, so running the same batch again
resumes it; the braces are a Redis Cluster hash tag, putting one batch's keys in one slot so a
single ``XREAD`` can follow all of its answers. The coordinator's live view follows every
answer stream (a ``restart`` entry resets a prompt's tail); answers are written from the
results hash, so each appears once, whole, however many times it was delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from teleprinter import private
from teleprinter.batch.items import BatchItem
from teleprinter.batch.outputs import LineWriter, PrefixedLines, is_complete, write_answer
from teleprinter.batch.runner import Monitor, Outcome
from teleprinter.events import RunStarted, Token
from teleprinter.relay.target import RedisTarget, RelayError, check, connect, describe
from teleprinter.relay.wire import RESTART, read_entry
from teleprinter.sinks.stats import Stats

if TYPE_CHECKING:
    from redis.asyncio import Redis

QUEUE = "queue"
GROUP = "workers"
RESULTS_TTL = 7 * 24 * 3600
"""Seconds a batch's results and bookkeeping stay in Redis after its last change."""
FOLLOW_BLOCK_MS = 200
FOLLOW_KEYS = 256
"""Answer streams followed by one ``XREAD`` at most (the first pending ones)."""


def batch_id(items: Sequence[BatchItem], system: str | None) -> str:
    """A stable id for these prompts and system prompt: the same batch run again resumes."""
    digest = hashlib.sha256(json.dumps([system, [(i.id, i.prompt) for i in items]]).encode("utf-8"))
    return digest.hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class BatchKeys:
    """The names (without the prefix) of one batch's keys; see the module docstring."""

    batch: str

    @property
    def tag(self) -> str:
        return "{" + self.batch + "}"

    @property
    def enqueued(self) -> str:
        return f"{self.tag}:enqueued"

    @property
    def results(self) -> str:
        return f"{self.tag}:results"

    def answer(self, item_id: str) -> str:
        return f"{self.tag}:answer:{item_id}"


@dataclass(slots=True)
class QueueOptions:
    out_dir: Path | None = None
    system: str | None = None
    batch: str | None = None
    """The batch id; by default :func:`batch_id` of the prompts."""
    check_every: float = 1.0
    """Seconds between checks that the queue still holds the unanswered prompts (Redis may lose it)."""
    no_worker_after: float = 10.0
    """Seconds with no prompt taken by any worker before the coordinator says so (once)."""


async def arun_queued(
    items: Sequence[BatchItem],
    target: RedisTarget,
    options: QueueOptions,
    *,
    writer: LineWriter | None = None,
    monitor: Monitor | None = None,
    stats: Stats | None = None,
) -> list[Outcome]:
    """Enqueue the prompts not yet answered, follow them until each has a result, write the answers.

    Raises :class:`RelayError` when Redis cannot be reached; a later disconnect is retried.
    """
    monitor = monitor or Monitor()
    stats = stats or Stats()
    keys = BatchKeys(options.batch or batch_id(items, options.system))
    outcomes = {item.id: Outcome(item) for item in items}
    client = connect(target)
    try:
        await check(client, target)
        if options.out_dir is not None:
            private.make_dirs(options.out_dir)
            for outcome in outcomes.values():
                if is_complete(options.out_dir, outcome.item):
                    outcome.status = "skipped"
        pending = [o for o in outcomes.values() if o.status == "pending"]
        await _enqueue(client, target, keys, [o.item for o in pending], options.system)
        monitor.begin(len(outcomes), len(outcomes) - len(pending))
        follower = _Follower(client, target, keys, outcomes, monitor, stats)
        loop = asyncio.get_running_loop()
        started = next_check = loop.time()
        hinted = unreachable = False
        while follower.waiting:
            try:
                await follower.step()
                if loop.time() >= next_check:
                    next_check = loop.time() + options.check_every
                    await follower.requeue_lost(options.system)
                if not hinted and not follower.taken and loop.time() - started >= options.no_worker_after:
                    hinted = True
                    monitor.notice(
                        f"no worker has taken a prompt from {target.shown} after {options.no_worker_after:g}s; "
                        f"start one with: teleprinter worker {target.shown} --provider ..."
                    )
            except Exception as error:
                if not _is_connection_error(error):
                    raise RelayError(describe(error, target)) from None
                if not unreachable:
                    unreachable = True
                    monitor.notice(f"{describe(error, target)}; waiting for it to come back")
                await asyncio.sleep(0.5)
                continue
            if unreachable:
                unreachable = False
                monitor.notice(f"Redis at {target.shown} is reachable again")
            for outcome, result in follower.take_finished():
                if outcome.run_id is not None:
                    outcome.stats = stats.runs.get(outcome.run_id, outcome.stats)
                _deliver(outcome, result, options.out_dir, writer)
                monitor.finished(outcome)
    finally:
        with contextlib.suppress(Exception):
            await client.aclose()
    return list(outcomes.values())


def _is_connection_error(error: BaseException) -> bool:
    from teleprinter.relay.watch import is_connection_error

    return is_connection_error(error)


async def _enqueue(
    client: Redis, target: RedisTarget, keys: BatchKeys, items: Sequence[BatchItem], system: str | None
) -> None:
    """Put each prompt on the queue once per batch (the ``enqueued`` set guards re-runs)."""
    if not items:
        return
    enqueued = target.key(keys.enqueued)
    pipe = client.pipeline(transaction=False)
    for item in items:
        pipe.sadd(enqueued, item.id)
    fresh = await pipe.execute()
    pipe = client.pipeline(transaction=False)
    for item, added in zip(items, fresh, strict=True):
        if added:
            fields = {"batch": keys.batch, "id": item.id, "prompt": item.prompt, "system": system or ""}
            pipe.xadd(target.key(QUEUE), fields)  # type: ignore[arg-type]
    pipe.expire(enqueued, RESULTS_TTL)
    await pipe.execute()


class _Follower:
    """Reads the answer streams (for the live view) and the results hash (for the outcomes)."""

    def __init__(
        self,
        client: Redis,
        target: RedisTarget,
        keys: BatchKeys,
        outcomes: dict[str, Outcome],
        monitor: Monitor,
        stats: Stats,
    ) -> None:
        self.client, self.target, self.keys = client, target, keys
        self.outcomes, self.monitor, self.stats = outcomes, monitor, stats
        self.open = [o.item.id for o in outcomes.values() if o.status == "pending"]
        self.last_ids = {item_id: "0-0" for item_id in self.open}
        self.finished: list[tuple[Outcome, dict[str, Any]]] = []
        self.taken = False
        """Whether any worker has started (or finished) one of this batch's prompts."""
        self.suspect = False
        """The last check found the queue empty with prompts unanswered."""

    @property
    def waiting(self) -> bool:
        return bool(self.open) or bool(self.finished)

    def take_finished(self) -> list[tuple[Outcome, dict[str, Any]]]:
        done, self.finished = self.finished, []
        return done

    async def step(self) -> None:
        following = self.open[:FOLLOW_KEYS]
        streams: dict[Any, Any] = {self.target.key(self.keys.answer(i)): self.last_ids[i] for i in following}
        reply: Any = await self.client.xread(streams, count=1000, block=FOLLOW_BLOCK_MS) if streams else []
        for key, entries in reply.items() if isinstance(reply, dict) else reply:
            item_id = key[len(self.target.key(self.keys.answer(""))):]
            for entry_id, fields in entries[0] if isinstance(reply, dict) else entries:
                self.last_ids[item_id] = entry_id
                self.taken = True
                self._show(self.outcomes[item_id], read_entry(entry_id, fields))
        if self.open:
            values = await self.client.hmget(self.target.key(self.keys.results), self.open)
            for item_id, value in zip(list(self.open), values, strict=True):
                if value is not None:
                    self.taken = True
                    self.open.remove(item_id)
                    self.finished.append((self.outcomes[item_id], json.loads(value)))

    async def requeue_lost(self, system: str | None) -> None:
        """Put the unanswered prompts on the queue again if Redis lost them; says so once per loss.

        Redis restarted without persistence (or the keys were deleted) when the batch's
        ``enqueued`` set or the queue stream is gone, or the stream is empty while prompts are
        unanswered. Re-queuing is safe: a worker stores an already answered prompt's result once.
        """
        queue, enqueued = self.target.key(QUEUE), self.target.key(self.keys.enqueued)
        pipe = self.client.pipeline(transaction=False)
        pipe.exists(enqueued)
        pipe.xlen(queue)
        has_set, length = await pipe.execute()
        lost = bool(self.open) and (not has_set or not length)
        if not lost or (has_set and not self.suspect):  # an empty queue may be a result on its way: look again
            self.suspect = lost
            return
        self.suspect = False
        values = await self.client.hmget(self.target.key(self.keys.results), self.open)
        unanswered = [i for i, value in zip(self.open, values, strict=True) if value is None]
        if not unanswered:
            return
        pipe = self.client.pipeline(transaction=False)
        for item_id in unanswered:
            item = self.outcomes[item_id].item
            fields = {"batch": self.keys.batch, "id": item.id, "prompt": item.prompt, "system": system or ""}
            pipe.sadd(enqueued, item.id)
            pipe.xadd(queue, fields)  # type: ignore[arg-type]
            self.last_ids[item_id] = "0-0"  # its answer stream, if any, starts afresh
        pipe.expire(enqueued, RESULTS_TTL)
        await pipe.execute()
        self.monitor.notice(
            f"Redis at {self.target.shown} lost {len(unanswered)} unanswered prompt(s) of this batch "
            "(did it restart without persistence?); queued them again"
        )

    def _show(self, outcome: Outcome, entry: Any) -> None:
        if entry.kind == RESTART:
            outcome.attempts = max(outcome.attempts + 1, int(entry.value or 0))
            self.monitor.started(outcome.item, outcome.attempts)
            return
        event = entry.event
        if event is None:
            return
        self.stats.handle(event)
        if type(event) is RunStarted and event.parent_run_id is None:
            outcome.run_id = event.run_id
            outcome.attempts = outcome.attempts or 1
            if outcome.attempts == 1:
                self.monitor.started(outcome.item, 1)
        elif type(event) is Token and event.text:
            self.monitor.token(outcome.item, event.text)


def _deliver(outcome: Outcome, result: dict[str, Any], out_dir: Path | None, writer: LineWriter | None) -> None:
    """Record the stored result in the outcome and write the answer (once, whole)."""
    outcome.status = "ok" if result.get("status") == "ok" else "failed"
    outcome.error = result.get("error")
    outcome.attempts = max(outcome.attempts, int(result.get("attempts", 1)))
    text = str(result.get("text") or "")
    if outcome.status != "ok":
        return
    if out_dir is not None:
        write_answer(out_dir, outcome.item.id, text)
    elif writer is not None:
        lines = PrefixedLines(writer, outcome.item.id)
        lines.handle(Token(outcome.run_id or UUID(int=0), text))
        lines.commit()

