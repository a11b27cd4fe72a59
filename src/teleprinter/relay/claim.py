"""Reusing a stream key: a finished run there is replaced, a live one is refused, atomically.

A named stream holds one run. Before a new run publishes to it, :func:`claim_stream` looks at
its last entry: no stream, the key is free; an ``end`` entry (a finished run) or no entry for
``live_within`` seconds (a publisher that died), the old stream is deleted so watchers see only
the new run; otherwise a run is still publishing there and :class:`StreamInUse` is raised.
Ages come from the entry ids, i.e. the Redis server's clock (``TIME``), never the local one.

The look, the delete and a ``claim`` entry that marks the key taken run as one Lua script
(``EVAL``), which Redis executes atomically: two runs claiming one key at the same moment
cannot both see it free, and a run that starts publishing between another's look and its
delete cannot lose its entries. The claim entry counts as the new run's first, live entry
until the run's own events follow it; watchers skip it (:data:`~teleprinter.relay.wire.CLAIM`).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Any

from teleprinter.errors import ConfigError
from teleprinter.relay.target import RedisTarget, RelayError, check, connect, describe
from teleprinter.relay.wire import CLAIM, END

LIVE_WITHIN = 600
"""Seconds since its last entry during which an unfinished run counts as live (chat pauses included)."""

CLAIM_SCRIPT = """
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local state, outcome, age = 'free', '', '0'
if #last > 0 then
  local fields = last[1][2]
  for i = 1, #fields, 2 do
    if fields[i] == ARGV[3] then outcome = fields[i + 1] end
  end
  local now = redis.call('TIME')
  local millis = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
  age = tostring(millis - tonumber(string.match(last[1][1], '^(%d+)')))
  if outcome ~= '' then state = 'finished'
  elseif tonumber(age) >= tonumber(ARGV[2]) then state = 'stale'
  else return {'live', outcome, age} end
  redis.call('DEL', KEYS[1])
end
redis.call('XADD', KEYS[1], '*', ARGV[4], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {state, outcome, age}
"""
"""KEYS[1] the stream; ARGV: claimer id, live_within (ms), the end field, the claim field, the TTL (ms)."""


class StreamInUse(ConfigError):
    """The stream key is taken by a run that is still publishing (a usage error: exit 2)."""


async def claim_stream_async(
    target: RedisTarget, key: str, *, live_within: float = LIVE_WITHIN, ttl: float = 24 * 3600
) -> str | None:
    """Take the full stream key ``key`` for a new run; a one-line note when an old run was replaced.

    Returns ``None`` when the key was free. The key holds a ``claim`` entry afterwards, expiring
    after ``ttl`` seconds unless the run's publisher extends it. Raises :class:`StreamInUse` for
    a live run and :class:`~teleprinter.relay.target.RelayError` when Redis cannot be used.
    """
    client = connect(target)
    try:
        await check(client, target)
        try:
            arguments = (uuid.uuid4().hex, int(live_within * 1000), END, CLAIM, max(int(ttl * 1000), 1))
            reply: Any = await client.eval(CLAIM_SCRIPT, 1, key, *arguments)
        except Exception as error:
            raise RelayError(describe(error, target)) from None
        state, outcome, age = (str(part) for part in reply)
        seconds = max(int(age), 0) / 1000
        if state == "live":
            raise StreamInUse(
                f"stream {key} is in use by a live run (last entry {seconds:.0f} s ago); "
                "choose another --stream-key or wait for that run to end"
            )
        if state == "finished":
            return f"replacing the finished run ({outcome}) on stream {key}"
        if state == "stale":
            return f"replacing the unfinished run on stream {key} (nothing written for {seconds:.0f} s)"
        return None
    finally:
        with contextlib.suppress(Exception):
            await client.aclose()


def claim_stream(
    target: RedisTarget, key: str, *, live_within: float = LIVE_WITHIN, ttl: float = 24 * 3600
) -> str | None:
    """:func:`claim_stream_async` for synchronous callers (not from inside a running event loop)."""
    return asyncio.run(claim_stream_async(target, key, live_within=live_within, ttl=ttl))
