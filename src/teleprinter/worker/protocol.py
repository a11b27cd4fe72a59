"""The worker's wire format: one JSON object per line, UTF-8, over a Unix stream socket.

Requests (client -> worker, one per connection)::

    {"op": "complete", "v": 1, "model_path": null, "args": {...create_completion kwargs...},
     "keep_alive": 300.0}
    {"op": "status", "v": 1}            {"op": "stop", "v": 1}

Replies to ``complete``: ``{"loaded": {"pid", "model", "load_s", "warm"}}``, then
``{"queued_s": seconds}`` when another answer had the model first, then one
``{"t": text}`` per piece (the first also carries ``"eval_s"``, the prompt evaluation time),
then ``{"end": {"usage", "finish_reason"}}``; or ``{"error": message, "hint": hint}`` at any
point. ``status`` gets ``{"status": {...}}``, ``stop`` gets ``{"stopping": pid}``.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

VERSION = 1
MAX_LINE = 16 * 1024 * 1024
"""A request or reply line longer than this is refused (a prompt is at most the model's context)."""


class ProtocolError(Exception):
    """A peer sent something that is not a line of JSON object."""


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def send(sock: socket.socket, message: dict[str, Any]) -> None:
    sock.sendall(encode(message))


def messages(sock: socket.socket) -> Iterator[dict[str, Any]]:
    """Each JSON object the peer sends, until it closes the connection."""
    buffer = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            if buffer.strip():
                raise ProtocolError("the connection closed in the middle of a message")
            return
        buffer += chunk
        while (end := buffer.find(b"\n")) >= 0:
            line, buffer = buffer[:end], buffer[end + 1 :]
            yield decode(line)
        if len(buffer) > MAX_LINE:
            raise ProtocolError("message too long")


def decode(line: bytes) -> dict[str, Any]:
    try:
        message = json.loads(line)
    except (UnicodeDecodeError, ValueError) as error:
        raise ProtocolError(f"not JSON: {error}") from error
    if not isinstance(message, dict):
        raise ProtocolError("not a JSON object")
    return message
