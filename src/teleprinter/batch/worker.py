"""The Redis backend's worker: answer prompts from the queue stream, on any number of machines.

Each worker is a consumer of the group ``workers`` on the queue (:mod:`teleprinter.batch.queue`):

1. it takes prompts a dead worker left behind (``XAUTOCLAIM``, idle longer than ``claim_after``)
   and else new ones (``XREADGROUP >``), at most ``concurrency`` at a time;
2. it publishes each answer's events to the prompt's answer stream (a ``restart`` entry first
   when the prompt was delivered before, so viewers drop the partial answer);
3. once the answer is complete and its events are in Redis, it stores the result with ``HSETNX``
   (a prompt answered twice is stored once) and only then ``XACK``\\ s and deletes the entry.

Delivery is at-least-once: a worker killed between 2 and 3 leaves the entry pending, and another
worker answers it again. While it works, a worker re-claims its own entries every third of
``claim_after`` (``XCLAIM … JUSTID``), so a long answer is not taken from a live worker.

Outages: while Redis is unreachable the worker says so once (and once when it is back), retries,
and counts the outage towards ``idle_exit``. A ``NOGROUP`` reply (Redis restarted without
persistence and lost the queue) makes it create the stream and group again, with one warning;
the coordinator re-queues the prompts that were lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from teleprinter.batch.queue import GROUP, QUEUE, RESULTS_TTL, BatchKeys
from teleprinter.relay.link import Link
from teleprinter.relay.publisher import RedisPublisher
from teleprinter.relay.target import RedisTarget, RelayError, check, connect, describe
from teleprinter.relay.watch import is_connection_error
from teleprinter.sinks.accumulate import Accumulation

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from redis.asyncio import Redis

READ_BLOCK_MS = 500


@dataclass(slots=True)
class WorkerOptions:
    concurrency: int = 1
    claim_after: float = 30.0
    """Seconds a prompt may sit unacknowledged with a silent worker before another takes it."""
    retries: int = 0
    retry_delay: float = 1.0
    idle_exit: float | None = None
    """Stop after this many seconds with nothing to do (``None``: run until stopped)."""
    name: str = field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}")


@dataclass(slots=True)
class Finished:
    """What a worker reports per prompt: ``status`` is ``ok``, ``failed`` or ``duplicate``."""

    batch: str
    item_id: str
    status: str
    error: str | None = None


class Worker:
    """One consumer; :meth:`run` until stopped (or idle for ``idle_exit`` seconds)."""

    def __init__(
        self,
        target: RedisTarget,
        model: BaseChatModel,
        options: WorkerOptions,
        *,
        report: Callable[[Finished], None] | None = None,
        on_warning: Callable[[str], None] | None = None,
    ) -> None:
        self.target, self.model, self.options = target, model, options
        self.report = report or (lambda finished: None)
        self.on_warning = on_warning
        self.queue = target.key(QUEUE)
        self.running: dict[str, asyncio.Task[None]] = {}
        self.answered = 0

    async def run(self) -> int:
        """Serve until cancelled or idle; returns how many prompts this worker answered."""
        client = connect(self.target)
        link = Link(self.target, on_warning=self.on_warning)
        try:
            await check(client, self.target)
            await self._join(client)
            await asyncio.get_running_loop().run_in_executor(None, lambda: link.start(check_first=False))
            heartbeat = asyncio.create_task(self._heartbeat(client))
            try:
                await self._serve(client, link)
            finally:
                heartbeat.cancel()
                for task in self.running.values():
                    task.cancel()
                await asyncio.gather(heartbeat, *self.running.values(), return_exceptions=True)
            await _leave(client, self.queue, self.options.name)
        finally:
            await asyncio.get_running_loop().run_in_executor(None, link.close, 2.0)
            with contextlib.suppress(Exception):
                await client.aclose()
        return self.answered

    async def _serve(self, client: Redis, link: Link) -> None:
        loop = asyncio.get_running_loop()
        idle_since = loop.time()
        unreachable = False
        while True:
            free = self.options.concurrency - len(self.running)
            if free <= 0:
                await asyncio.wait(list(self.running.values()), return_when=asyncio.FIRST_COMPLETED)
                continue
            try:
                entries = await self._claim(client, free) or await self._read(client, free)
            except Exception as error:
                if is_connection_error(error):  # an outage counts towards idle_exit: said once, retried
                    if not unreachable:
                        self._warn(f"{describe(error, self.target)}; retrying until it is back")
                        unreachable = True
                    await asyncio.sleep(0.5)
                elif _is_nogroup(error):  # Redis lost its data (restart without persistence): start afresh
                    self._warn(
                        f"Redis at {self.target.shown}: the queue or its consumer group '{GROUP}' is gone "
                        "(did Redis restart without persistence?); created them again"
                    )
                    await self._join(client)
                    continue
                else:
                    raise RelayError(describe(error, self.target)) from None
                entries = []
            else:
                if unreachable:
                    self._warn(f"Redis at {self.target.shown} is reachable again")
                    unreachable = False
            for entry_id, fields in entries:
                if entry_id not in self.running:
                    task = asyncio.create_task(self._guarded(client, link, entry_id, fields))
                    self.running[entry_id] = task
                    task.add_done_callback(self._forget)
            if entries or self.running:
                idle_since = loop.time()
            elif self.options.idle_exit is not None and loop.time() - idle_since >= self.options.idle_exit:
                return

    async def _join(self, client: Redis) -> None:
        """Create the group (and the queue stream) if missing, and this consumer (visible in XINFO at once)."""
        await _create_group(client, self.queue)
        await client.xgroup_createconsumer(self.queue, GROUP, self.options.name)

    def _warn(self, text: str) -> None:
        if self.on_warning is not None:
            self.on_warning(text)

    def _forget(self, task: asyncio.Task[None]) -> None:
        for entry_id, running in list(self.running.items()):
            if running is task:
                del self.running[entry_id]

    async def _claim(self, client: Redis, count: int) -> list[tuple[str, dict[str, str]]]:
        idle_ms = int(self.options.claim_after * 1000)
        reply: Any = await client.xautoclaim(self.queue, GROUP, self.options.name, idle_ms, "0-0", count=count)
        return [(entry_id, fields) for entry_id, fields in reply[1] if fields]

    async def _read(self, client: Redis, count: int) -> list[tuple[str, dict[str, str]]]:
        block = READ_BLOCK_MS if not self.running else 50
        reply: Any = await client.xreadgroup(GROUP, self.options.name, {self.queue: ">"}, count=count, block=block)
        if not reply:
            return []
        if isinstance(reply, dict):
            return list(next(iter(reply.values()))[0])
        return list(reply[0][1])

    async def _heartbeat(self, client: Redis) -> None:
        """Keep this worker's entries from looking idle while it answers them."""
        while True:
            await asyncio.sleep(max(0.05, self.options.claim_after / 3))
            if self.running:
                with contextlib.suppress(Exception):
                    await client.xclaim(self.queue, GROUP, self.options.name, 0, list(self.running), justid=True)

    async def _guarded(self, client: Redis, link: Link, entry_id: str, fields: dict[str, str]) -> None:
        """Answer one entry; if Redis fails meanwhile, say so and leave it pending for a later claim."""
        try:
            await self._answer(client, link, entry_id, fields)
        except Exception as error:
            message = error.message if isinstance(error, RelayError) else describe(error, self.target)
            (self.on_warning or (lambda text: None))(f"{message}; prompt {fields.get('id')} stays queued")

    async def _answer(self, client: Redis, link: Link, entry_id: str, fields: dict[str, str]) -> None:
        keys = BatchKeys(fields.get("batch", ""))
        item_id = fields.get("id", "")
        results = self.target.key(keys.results)
        if await client.hexists(results, item_id):  # answered before: at-least-once delivery, stored once
            await self._done(client, entry_id)
            self.report(Finished(keys.batch, item_id, "duplicate"))
            return
        delivered = await _times_delivered(client, self.queue, entry_id)
        publisher = RedisPublisher(self.target, keys.answer(item_id), link=link)
        if delivered > 1 or await client.exists(self.target.key(keys.answer(item_id))):
            publisher.restart(max(2, delivered))
        result = await self._attempts(publisher, fields)
        result.update(worker=self.options.name, attempts=max(1, delivered))
        publisher.close("done" if result["status"] == "ok" else "failed")
        if not await link.aflush(30.0):
            raise RelayError(f"Redis at {self.target.shown}: the answer to {item_id} could not be published")
        pipe = client.pipeline(transaction=False)
        pipe.hsetnx(results, item_id, json.dumps(result, ensure_ascii=False))
        pipe.expire(results, RESULTS_TTL)
        await pipe.execute()
        await self._done(client, entry_id)
        self.answered += 1
        self.report(Finished(keys.batch, item_id, result["status"], result.get("error")))

    async def _attempts(self, publisher: RedisPublisher, fields: dict[str, str]) -> dict[str, Any]:
        error = ""
        for attempt in range(self.options.retries + 1):
            if attempt:
                publisher.restart(attempt + 1)
                await asyncio.sleep(self.options.retry_delay * 2 ** (attempt - 1))
            try:
                text = await self._stream(publisher, fields)
                return {"status": "ok", "text": text}
            except Exception as failure:
                error = _describe(failure)
        return {"status": "failed", "text": "", "error": error}

    async def _stream(self, publisher: RedisPublisher, fields: dict[str, str]) -> str:
        from teleprinter.answer import build_messages
        from teleprinter.sources.callbacks import EventCallbackHandler

        accumulation = Accumulation()
        handler = EventCallbackHandler(publisher, accumulation, raise_error=True)
        config: Any = {"callbacks": [handler], "run_id": uuid4(), "run_name": f"batch {fields.get('id')}"}
        messages = build_messages(fields.get("prompt", ""), fields.get("system") or None)
        async for _chunk in self.model.astream(messages, config=config):
            pass
        return accumulation.text()

    async def _done(self, client: Redis, entry_id: str) -> None:
        pipe = client.pipeline(transaction=False)
        pipe.xack(self.queue, GROUP, entry_id)
        pipe.xdel(self.queue, entry_id)
        await pipe.execute()


async def _create_group(client: Redis, queue: str) -> None:
    """The consumer group, reading the queue from its start; it may exist already."""
    from redis.exceptions import ResponseError

    try:
        await client.xgroup_create(queue, GROUP, id="0", mkstream=True)
    except ResponseError as error:
        if "BUSYGROUP" not in str(error):
            raise


def _is_nogroup(error: BaseException) -> bool:
    """True for Redis's ``NOGROUP`` reply: the stream or its consumer group does not exist."""
    from redis.exceptions import ResponseError

    return isinstance(error, ResponseError) and str(error).startswith("NOGROUP")


async def _leave(client: Redis, queue: str, name: str) -> None:
    """Remove this consumer from the group if it holds no prompt (a pending one stays claimable)."""
    with contextlib.suppress(Exception):
        consumers: Any = await client.xinfo_consumers(queue, GROUP)
        if any(c.get("name") == name and int(c.get("pending", 0)) == 0 for c in consumers):
            await client.xgroup_delconsumer(queue, GROUP, name)


async def _times_delivered(client: Redis, queue: str, entry_id: str) -> int:
    pending: Any = await client.xpending_range(queue, GROUP, min=entry_id, max=entry_id, count=1)
    return int(pending[0]["times_delivered"]) if pending else 1


def _describe(error: BaseException) -> str:
    from teleprinter.secrets import redact

    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return redact(f"{type(error).__name__}: {text}" if text else type(error).__name__)
