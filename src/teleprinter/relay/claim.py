"""Reusing a stream key: a finished run there is replaced, a live one is refused.

A named stream holds one run. Before a new run publishes to it, :func:`claim_stream` looks at
its last entry: no stream, nothing to do; an ``end`` entry (a finished run) or no entry for
``live_within`` seconds (a publisher that died), the old stream is deleted so watchers see only
the new run; otherwise a run is still publishing there and :class:`StreamInUse` is raised.
Ages come from the entry ids, i.e. the Redis server's clock (``TIME``), never the local one.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from teleprinter.errors import ConfigError
from teleprinter.relay.target import RedisTarget, RelayError, check, connect, describe
from teleprinter.relay.wire import END

LIVE_WITHIN = 600
"""Seconds since its last entry during which an unfinished run counts as live (chat pauses included)."""


class StreamInUse(ConfigError):
    """The stream key is taken by a run that is still publishing (a usage error: exit 2)."""


async def claim_stream_async(target: RedisTarget, key: str, *, live_within: float = LIVE_WITHIN) -> str | None:
    """Make the full stream key ``key`` ready for a new run; a one-line note when an old run was replaced.

    Returns ``None`` when the key was free. Raises :class:`StreamInUse` for a live run and
    :class:`~teleprinter.relay.target.RelayError` when Redis cannot be used.
    """
    client = connect(target)
    try:
        await check(client, target)
        try:
            last: Any = await client.xrevrange(key, count=1)
            if not last:
                return None
            entry_id, fields = last[0]
            seconds, micros = await client.time()
            age = seconds + micros / 1e6 - int(str(entry_id).split("-")[0]) / 1000
            if END in fields:
                note = f"replacing the finished run ({fields[END]}) on stream {key}"
            elif age >= live_within:
                note = f"replacing the unfinished run on stream {key} (nothing written for {age:.0f} s)"
            else:
                raise StreamInUse(
                    f"stream {key} is in use by a live run (last entry {max(age, 0):.0f} s ago); "
                    "choose another --stream-key or wait for that run to end"
                )
            await client.delete(key)
            return note
        except StreamInUse:
            raise
        except Exception as error:
            raise RelayError(describe(error, target)) from None
    finally:
        with contextlib.suppress(Exception):
            await client.aclose()


def claim_stream(target: RedisTarget, key: str, *, live_within: float = LIVE_WITHIN) -> str | None:
    """:func:`claim_stream_async` for synchronous callers (not from inside a running event loop)."""
    return asyncio.run(claim_stream_async(target, key, live_within=live_within))
