"""Stream entries: how events and the relay's own markers sit in a Redis stream.

Each event is one entry whose field ``e`` holds the event as the codec's JSON object
(:mod:`teleprinter.codec`, with ``t`` the producer's clock and, in a publisher's first entry,
``v`` = :data:`~teleprinter.codec.FORMAT_VERSION`). The relay adds four markers:

=================  ===============================================================
``end``            the stream is finished: ``done``, ``failed`` or ``interrupted``
``restart``        a worker restarted the answer (attempt number): discard what came before
``gap``            that many events could not be published during an outage: incomplete
``claim``          a run took this key and is about to publish (:mod:`~teleprinter.relay.claim`)
=================  ===============================================================

Every entry also carries ``p`` (the publisher's id) and ``n`` (its sequence number), which
let a publisher that lost a reply find out whether its entries landed (no duplicates).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from teleprinter.codec import CodecError, decode
from teleprinter.events import Event

EVENT, END, RESTART, GAP, CLAIM = "e", "end", "restart", "gap", "claim"
OUTCOMES = ("done", "failed", "interrupted")


@dataclass(frozen=True, slots=True)
class Entry:
    """One stream entry read back: its id and either an event or a marker."""

    id: str
    kind: str
    """``event``, ``end``, ``restart``, ``gap``, ``claim`` or ``unknown`` (an entry from a newer producer)."""
    event: Event | None = None
    record: dict[str, Any] | None = None
    """The event's JSON object as published (for ``--events jsonl``)."""
    value: str = ""
    """The marker's value: the outcome of ``end``, the attempt of ``restart``, the count of ``gap``."""


def read_entry(entry_id: str, fields: dict[str, str]) -> Entry:
    """The :class:`Entry` for a stream entry's fields (strings); a malformed event is ``unknown``."""
    if EVENT in fields:
        try:
            record = json.loads(fields[EVENT])
            time = float(record.get("t", 0.0)) if isinstance(record, dict) else 0.0
            return Entry(entry_id, "event", decode(record, time), record)
        except (ValueError, CodecError, AttributeError):
            return Entry(entry_id, "unknown")
    for marker in (END, RESTART, GAP, CLAIM):
        if marker in fields:
            return Entry(entry_id, marker, value=fields[marker])
    return Entry(entry_id, "unknown")
