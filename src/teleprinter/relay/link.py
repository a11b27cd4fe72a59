"""One connection to Redis on a thread of its own, fed from any thread without waiting.

The per-token path only appends a command to a list: the link's thread sends whatever
accumulated as one pipeline, and while that pipeline is on the wire the next batch gathers.
At a low rate each event goes out alone (latency: one round trip); at a high rate the batches
grow by themselves, so publishing never holds up the local display.

During an outage the commands are kept, up to ``max_pending`` (beyond that the oldest are
dropped and a ``gap`` entry marks the stream incomplete), one warning is given, and the link
keeps retrying. When Redis is back, what was kept is sent in order. A pipeline whose reply
was lost may have landed: before resending, the link reads the last entry of each stream it
was writing and drops the commands that entry shows were applied (entries carry the link's
id and a sequence number), so nothing is published twice.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from teleprinter.relay.target import RedisTarget, check, connect, describe
from teleprinter.relay.wire import GAP

if TYPE_CHECKING:
    from redis.asyncio import Redis

MAX_BATCH = 2000
"""Commands per pipeline at most."""
RETRY_DELAYS = (0.05, 0.1, 0.2, 0.5, 1.0)


@dataclass(slots=True)
class Command:
    """An ``XADD`` (``fields`` set) or an ``EXPIRE`` (``ttl`` set) of one stream."""

    key: str
    fields: dict[str, str] | None = None
    maxlen: int | None = None
    ttl: int | None = None
    seq: int = 0


@dataclass(slots=True)
class _State:
    pending: deque[Command] = field(default_factory=deque)
    dropped: dict[str, int] = field(default_factory=dict)
    signalled: bool = False
    closing: bool = False


def _default_warning(message: str) -> None:
    import logging

    logging.getLogger("teleprinter.relay").warning("%s", message)


def _log(message: str) -> None:
    import logging

    logging.getLogger("teleprinter.relay").info("%s", message)


class Link:
    """A background sender of stream commands to one Redis; thread-safe, never blocks the caller.

    ``on_warning`` receives one line when Redis goes away (the CLI prints it on stderr; by
    default it goes to the ``teleprinter.relay`` logger); its return is only logged (``info``).
    ``start()`` raises :class:`~teleprinter.relay.target.RelayError` when the first PING fails.
    """

    def __init__(
        self,
        target: RedisTarget,
        *,
        on_warning: Callable[[str], None] | None = None,
        max_pending: int = 100_000,
    ) -> None:
        self.target = target
        self.id = uuid.uuid4().hex[:12]
        self.on_warning = on_warning or _default_warning
        self.max_pending = max_pending
        self._state = _State()
        self._lock = threading.Lock()
        self._seq = 0
        self._sent = threading.Condition(self._lock)
        self._loop = asyncio.new_event_loop()
        self._wake = asyncio.Event()
        self._client: Redis | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="teleprinter-relay", daemon=True)
        self._task: concurrent.futures.Future[None] | None = None
        self._inflight: list[Command] = []
        self._ttls: dict[str, int] = {}
        self.down = False

    # -- the caller's side ------------------------------------------------------------------

    def start(self, *, check_first: bool = True, timeout: float = 5.0) -> Link:
        """Start the thread; with ``check_first``, PING and raise :class:`RelayError` if that fails."""
        self._thread.start()
        self._client = connect(self.target, health_check_interval=0)
        if check_first:
            future = asyncio.run_coroutine_threadsafe(check(self._client, self.target), self._loop)
            try:
                future.result(timeout + 1.0)
            except BaseException:
                self._stop_thread()
                raise
        self._task = asyncio.run_coroutine_threadsafe(self._run(), self._loop)
        return self

    def xadd(self, key: str, fields: dict[str, str], maxlen: int | None) -> None:
        """Queue one entry for ``key`` (``p``/``n`` are added here)."""
        with self._lock:
            self._seq += 1
            fields["p"], fields["n"] = self.id, str(self._seq)
            self._push(Command(key, fields, maxlen, seq=self._seq))

    def keep_for(self, key: str, ttl: int) -> None:
        """Set ``key``'s TTL to ``ttl`` seconds with every pipeline that writes to it.

        So a stream whose publisher died before its end still expires, ``ttl`` after its last entry.
        """
        with self._lock:
            self._ttls[key] = ttl

    def expire(self, key: str, ttl: int) -> None:
        with self._lock:
            self._push(Command(key, ttl=ttl))

    def flush(self, timeout: float) -> bool:
        """Wait until every queued command was sent (True) or ``timeout`` seconds passed (False)."""
        with self._sent:
            return self._sent.wait_for(lambda: not self._state.pending and not self._inflight, timeout)

    async def aflush(self, timeout: float) -> bool:
        """:meth:`flush` for async callers (waits on a thread, not on the event loop)."""
        return await asyncio.get_running_loop().run_in_executor(None, self.flush, timeout)

    def close(self, timeout: float = 5.0) -> int:
        """Send what is queued (waiting up to ``timeout`` seconds), stop; returns how many were not sent."""
        self.flush(timeout)
        with self._lock:
            self._state.closing = True
            unsent = sum(1 for command in self._state.pending if command.fields is not None) + sum(
                1 for command in self._inflight if command.fields is not None
            )
        self._signal()
        self._stop_thread()
        return unsent

    # -- internals ----------------------------------------------------------------------------

    def _push(self, command: Command) -> None:
        state = self._state
        state.pending.append(command)
        if len(state.pending) > self.max_pending:
            lost = state.pending.popleft()
            if lost.fields is not None:
                state.dropped[lost.key] = state.dropped.get(lost.key, 0) + 1
        if not state.signalled:
            state.signalled = True
            with contextlib.suppress(RuntimeError):  # the loop is closed: close() already ran
                self._loop.call_soon_threadsafe(self._wake.set)

    def _signal(self) -> None:
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._wake.set)

    def _stop_thread(self) -> None:
        async def shutdown() -> None:
            if self._task is not None:
                self._task.cancel()
            if self._client is not None:
                with contextlib.suppress(Exception):
                    await self._client.aclose()

        if self._thread.is_alive():
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(2.0)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(2.0)
        if not self._thread.is_alive() and not self._loop.is_closed():
            self._loop.close()

    def _take(self) -> list[Command]:
        with self._lock:
            state = self._state
            batch: list[Command] = [Command(key, {GAP: str(n)}) for key, n in state.dropped.items()]
            state.dropped.clear()
            while state.pending and len(batch) < MAX_BATCH:
                batch.append(state.pending.popleft())
            state.signalled = False
            self._inflight = batch
            return batch

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch = self._take()
            while batch:
                await self._send(batch)
                batch = self._take()
            with self._sent:
                self._inflight = []
                self._sent.notify_all()

    async def _send(self, batch: list[Command]) -> None:
        attempt = 0
        while True:
            try:
                if attempt:
                    batch = await self._unsent(batch)
                await self._pipeline(batch)
                if self.down:  # the outage was one warning line; coming back is said only in the log
                    self.down = False
                    _log(f"Redis at {self.target.shown} is back; the missed events were published")
                return
            except Exception as error:
                if _is_refusal(error):  # a command Redis refuses (ACL, wrong type) fails the same way again
                    self.on_warning(describe(error, self.target) + f"; {len(batch)} entries not published")
                    return
                if not self.down:
                    self.down = True
                    self.on_warning(
                        describe(error, self.target) + "; the answer goes on here and what is missed will be "
                        "published when Redis is back"
                    )
                if self._state.closing:
                    return
                await asyncio.sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])
                attempt += 1

    async def _pipeline(self, batch: list[Command]) -> None:
        assert self._client is not None
        pipe = self._client.pipeline(transaction=False)
        for command in batch:
            if command.fields is not None:
                pipe.xadd(command.key, command.fields, maxlen=command.maxlen, approximate=True)  # type: ignore[arg-type]
            elif command.ttl is not None:
                pipe.expire(command.key, command.ttl)
        with self._lock:
            ttls = {c.key: self._ttls[c.key] for c in batch if c.fields is not None and c.key in self._ttls}
        for key, ttl in ttls.items():
            pipe.expire(key, ttl)
        await pipe.execute()

    async def _unsent(self, batch: list[Command]) -> list[Command]:
        """Drop the commands of ``batch`` that a lost reply hid: the streams' last entries tell."""
        assert self._client is not None
        applied: dict[str, int] = {}
        for key in {command.key for command in batch if command.fields is not None}:
            last: Any = await self._client.xrevrange(key, count=1)
            if last:
                fields = last[0][1]
                if fields.get("p") == self.id:
                    applied[key] = int(fields.get("n", 0))
        kept = [c for c in batch if c.fields is None or c.seq == 0 or c.seq > applied.get(c.key, 0)]
        with self._lock:
            self._inflight = kept
        return kept


def _is_refusal(error: BaseException) -> bool:
    from redis.exceptions import ConnectionError, ResponseError, TimeoutError

    return isinstance(error, ResponseError) and not isinstance(error, (ConnectionError, TimeoutError))
