"""Redis Streams relay: publish a run's events from one machine, watch them live from others.

``RedisPublisher(url, key)`` is a sink (give it to any source, close it at the end);
``watch(url, key)`` is an async iterator of the same events. ``redis`` (redis-py) is the
optional extra ``teleprinter[redis]``; nothing here imports it until a connection is made.
"""

from __future__ import annotations

from teleprinter.relay.claim import StreamInUse, claim_stream, claim_stream_async
from teleprinter.relay.link import Link
from teleprinter.relay.publisher import DEFAULT_MAXLEN, DEFAULT_TTL, RedisPublisher
from teleprinter.relay.target import RedisTarget, RelayError, parse_target
from teleprinter.relay.watch import GAPPED, RESTARTED, Watch, watch

__all__ = [
    "DEFAULT_MAXLEN",
    "DEFAULT_TTL",
    "GAPPED",
    "RESTARTED",
    "Link",
    "RedisPublisher",
    "RedisTarget",
    "RelayError",
    "StreamInUse",
    "Watch",
    "claim_stream",
    "claim_stream_async",
    "parse_target",
    "watch",
]
