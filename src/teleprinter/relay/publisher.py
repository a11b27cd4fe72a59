"""The publishing sink: every event of a run appended to a Redis stream, the end marked, a TTL set.

One entry per event (``XADD``, JSON in the ``e`` field, see :mod:`teleprinter.relay.wire`),
the stream capped with ``MAXLEN ~ maxlen`` (approximate trimming costs Redis next to nothing),
an ``end`` entry with the outcome when the publisher is closed, and ``EXPIRE ttl`` after it,
so finished streams clean themselves up (the TTL is also renewed with every write, so the
stream of a publisher that died mid-run expires ``ttl`` after its last entry). Sending happens
on the :class:`~teleprinter.relay.link.Link`'s thread: :meth:`RedisPublisher.handle` only encodes and queues.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from teleprinter.codec import FORMAT_VERSION, dumps, encode
from teleprinter.config import DEFAULT_REDIS_PREFIX
from teleprinter.events import Event, RunEnded, RunFailed, RunStarted
from teleprinter.relay.link import Link
from teleprinter.relay.target import RedisTarget, parse_target
from teleprinter.relay.wire import END, EVENT, RESTART
from teleprinter.secrets import redact

DEFAULT_MAXLEN = 10_000
"""Entries kept per stream (``MAXLEN ~``): about 1-2 MB of answer events at most."""
DEFAULT_TTL = 24 * 3600
"""Seconds a finished stream stays readable."""


class RedisPublisher:
    """A sink publishing each event to the stream ``prefix + key``; close it to mark the end.

    ``target`` is a URL (``redis://``, ``rediss://``) or a :class:`RedisTarget`; ``link`` lets
    several publishers share one connection (a worker publishing many answers). Starting a
    publisher that owns its link PINGs Redis and raises :class:`~teleprinter.relay.target.RelayError`
    when it cannot be reached; later outages only warn (``on_warning``). Error messages in
    published events pass through :func:`teleprinter.secrets.redact`.
    """

    def __init__(
        self,
        target: str | RedisTarget,
        key: str,
        *,
        prefix: str = DEFAULT_REDIS_PREFIX,
        maxlen: int = DEFAULT_MAXLEN,
        ttl: int = DEFAULT_TTL,
        link: Link | None = None,
        on_warning: Callable[[str], None] | None = None,
        check_first: bool = True,
    ) -> None:
        self.target = target if isinstance(target, RedisTarget) else parse_target(target, prefix=prefix)
        self.key = self.target.key(key)
        self.maxlen = maxlen
        self.ttl = ttl
        self._owns_link = link is None
        self.link = link or Link(self.target, on_warning=on_warning).start(check_first=check_first)
        self.link.keep_for(self.key, ttl)
        self._first = True
        self._outcome = "done"
        self._roots: set[UUID] = set()
        self._closed = False

    def handle(self, event: Event) -> None:
        record: dict[str, Any] = encode(event, redact)
        record["t"] = event.time
        if self._first:
            record["v"] = FORMAT_VERSION
            self._first = False
        self.link.xadd(self.key, {EVENT: dumps(record)}, self.maxlen)
        if type(event) is RunStarted and event.parent_run_id is None:
            self._roots.add(event.run_id)
        elif type(event) is RunFailed and (event.run_id in self._roots or not self._roots):
            self._outcome = "interrupted" if event.interrupted else "failed"
        elif type(event) is RunEnded and event.run_id in self._roots:
            self._outcome = "done"

    def restart(self, attempt: int) -> None:
        """Tell watchers the answer starts over (a worker took over a dead one's prompt)."""
        self.link.xadd(self.key, {RESTART: str(attempt)}, self.maxlen)
        self._first = True

    def close(self, outcome: str | None = None, timeout: float = 3.0) -> int:
        """Publish the ``end`` entry (``outcome`` or what the events said) and the TTL.

        Waits up to ``timeout`` seconds for Redis when the publisher owns its link, and returns
        how many entries could not be published (0 when the stream is complete).
        """
        if self._closed:
            return 0
        self._closed = True
        self.link.xadd(self.key, {END: outcome or self._outcome}, self.maxlen)
        self.link.expire(self.key, self.ttl)
        if self._owns_link:
            return self.link.close(timeout)
        return 0

    @property
    def outcome(self) -> str:
        """``done``, ``failed`` or ``interrupted``, from the last run end seen."""
        return self._outcome

    def __enter__(self) -> RedisPublisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
