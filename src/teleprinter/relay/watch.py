"""Follow a published run: ``async for event in watch(url, key)``, resuming after any disconnect.

The watcher reads with ``XREAD BLOCK`` from the id of the last entry it saw, so after a lost
connection or a Redis restart (with persistence on) it picks up exactly where it stopped:
nothing lost, nothing twice. It ends at the stream's ``end`` entry; :attr:`Watch.outcome` then
says how the run ended (``done``, ``failed``, ``interrupted``). A ``restart`` entry (a worker
took over an answer) reaches the caller as a :class:`~teleprinter.events.Custom` event named
:data:`RESTARTED`; a ``gap`` entry (events lost in an outage) as one named :data:`GAPPED`.

A server that cannot be reached at the start raises :class:`~teleprinter.relay.target.RelayError`;
one that goes away later is retried for ``reconnect_timeout`` seconds before the same error. So
does a stream that disappears before its end (a publisher that died, its stream expired).

A stream that does not exist yet is waited for (``on_status`` hears "waiting for KEY to start…").
With ``from_now`` on a stream whose run already ended, the watcher waits for the next run on
that key (a new run replaces a finished one, see :mod:`teleprinter.relay.claim`) and says so
through ``on_status``; ``on_status("")`` is called when the awaited run's first entry arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from teleprinter.config import DEFAULT_REDIS_PREFIX
from teleprinter.events import Custom, Event
from teleprinter.relay.target import RedisTarget, RelayError, check, connect, describe, parse_target
from teleprinter.relay.wire import END, GAP, RESTART, Entry, read_entry

if TYPE_CHECKING:
    from redis.asyncio import Redis

RESTARTED = "teleprinter.relay.restarted"
GAPPED = "teleprinter.relay.gap"
BLOCK_MS = 1000
RETRY_DELAYS = (0.05, 0.1, 0.2, 0.5, 1.0)
NO_RUN = UUID(int=0)


def is_connection_error(error: BaseException) -> bool:
    """True for errors that a new connection may cure (redis-py's, sockets', timeouts)."""
    from redis.exceptions import ConnectionError, TimeoutError

    return isinstance(error, (ConnectionError, TimeoutError, OSError))


class Watch:
    """An async iterator over one stream's events (see the module docstring).

    ``entries()`` gives the raw :class:`~teleprinter.relay.wire.Entry` objects (``--events jsonl``
    uses their JSON); iterating the object itself gives events.
    """

    def __init__(
        self,
        target: str | RedisTarget,
        key: str,
        *,
        prefix: str = DEFAULT_REDIS_PREFIX,
        from_now: bool = False,
        after: str = "0-0",
        reconnect_timeout: float = 30.0,
        on_status: Callable[[str], None] | None = None,
    ) -> None:
        self.target = target if isinstance(target, RedisTarget) else parse_target(target, prefix=prefix)
        self.key = self.target.key(key)
        self.from_now = from_now
        self.last_id = after
        self.reconnect_timeout = reconnect_timeout
        self.outcome: str | None = None
        self.reconnects = 0
        self.on_status = on_status or (lambda text: None)

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._events()

    async def _events(self) -> AsyncIterator[Event]:
        async for entry in self.entries():
            if entry.event is not None:
                yield entry.event
            elif entry.kind == RESTART:
                yield Custom(NO_RUN, RESTARTED, {"attempt": entry.value})
            elif entry.kind == GAP:
                yield Custom(NO_RUN, GAPPED, {"missing": entry.value})

    async def entries(self) -> AsyncIterator[Entry]:
        """Every entry up to and including ``end``; reconnects as the module docstring says."""
        client = connect(self.target)
        try:
            await check(client, self.target)
            waiting = await self._start(client)
            down_since: float | None = None
            while self.outcome is None:
                try:
                    batch = await _read(client, self.key, self.last_id)
                except Exception as error:
                    if not is_connection_error(error):
                        raise RelayError(describe(error, self.target)) from None
                    down_since = down_since or time.monotonic()
                    if time.monotonic() - down_since > self.reconnect_timeout:
                        raise RelayError(describe(error, self.target)) from None
                    await asyncio.sleep(RETRY_DELAYS[min(self.reconnects, len(RETRY_DELAYS) - 1)])
                    self.reconnects += 1
                    continue
                down_since = None
                if not batch and not waiting and self.last_id != "0-0" and not await client.exists(self.key):
                    raise RelayError(f"stream {self.key} is gone before its end (expired or deleted)")
                if batch and waiting:
                    waiting = False
                    self.on_status("")
                for entry_id, fields in batch:
                    self.last_id = entry_id
                    entry = read_entry(entry_id, fields)
                    if entry.kind == END:
                        self.outcome = entry.value
                    yield entry
                    if self.outcome is not None:
                        return
        finally:
            with contextlib.suppress(Exception):
                await client.aclose()

    async def _start(self, client: Redis) -> bool:
        """Position ``last_id``; True (and a status) when the run to show has not started yet."""
        try:
            last: Any = await client.xrevrange(self.key, count=1)
        except Exception as error:
            raise RelayError(describe(error, self.target)) from None
        if not last:
            self.on_status(f"waiting for {self.key} to start…")
            return True
        if not self.from_now:
            return False
        entry_id, fields = last[0]
        self.last_id = str(entry_id)
        if END in fields:
            self.on_status(f"the run on {self.key} already ended ({fields[END]}); waiting for a new run on it…")
            return True
        return False


def watch(target: str | RedisTarget, key: str, **options: Any) -> Watch:
    """``async for event in watch("redis://host:6379/0", "my-run"):`` — see :class:`Watch`."""
    return Watch(target, key, **options)


async def _read(client: Redis, key: str, after: str) -> list[tuple[str, dict[str, str]]]:
    reply: Any = await client.xread({key: after}, count=1000, block=BLOCK_MS)
    if not reply:
        return []
    if isinstance(reply, dict):  # RESP3
        return list(next(iter(reply.values()))[0])
    return list(reply[0][1])

