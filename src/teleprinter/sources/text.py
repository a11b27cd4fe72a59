"""Text arriving on a file descriptor (a pipe, a file, a terminal) as the events of one run.

The source of ``teleprinter render``: ``llm "q" | teleprinter render`` draws another program's
streamed Markdown with the same renderer as ``ask``. No model and no LangChain: the events are
built here, one :class:`~teleprinter.events.RunStarted`, then one
:class:`~teleprinter.events.Token` per read that brought text (a read returns what the pipe
holds, so the pieces are the writer's as far as the kernel kept them apart), then
:class:`~teleprinter.events.RunEnded` at the end of the input, or
:class:`~teleprinter.events.RunFailed` when reading, decoding or a sink failed (``interrupted``
for Ctrl-C, SIGTERM and a closed stdout).

``not_before`` paces the reads: the next read waits until the clock time it returns, typically
the renderer's next frame (:meth:`FrameWriter.next_frame`); text that comes sooner waits in the
pipe and arrives as one piece. A renderer draws at most one frame per interval anyway, so reading
at that pace shows the same frames at the same moments (each drawn at once, on the reading
thread, since its interval is over), while a producer writing a few bytes every
millisecond no longer wakes the process (a read, an event, a lock) a thousand times a second:
that wake-up alone cost about as much CPU as drawing the frames (``render``, ``benchmarks/bench_peers.py``).
A producer slower than that (a model at 20 tokens a second) is read piece by piece as before.

Bytes are decoded with an incremental UTF-8 decoder, so a character split across two reads
comes out whole in the second piece; a byte that is not UTF-8 is a :class:`ConfigError` naming it
and its offset, raised after the valid text before it went to the sinks.
"""

from __future__ import annotations

import codecs
import os
import time
import uuid
from collections.abc import Callable, Sequence

from teleprinter.errors import ConfigError
from teleprinter.events import RunEnded, RunFailed, RunStarted, Token
from teleprinter.sinks import Sink

READ_SIZE = 1 << 16
"""Most bytes taken in one read: a pipe holds 64 KiB on Linux, so one read empties it."""


def stream_fd(
    fd: int,
    sinks: Sequence[Sink],
    *,
    what: str = "the input",
    model: str = "",
    not_before: Callable[[], float] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Read ``fd`` to its end, feeding every read's text to ``sinks`` as events; the bytes read.

    ``what`` names the input in errors (``"stdin is not UTF-8 text (byte 0xff at offset 12)"``);
    ``model`` is the ``RunStarted.model`` (the status line's "waiting for ..."); ``not_before()``
    (seconds on ``clock``) is the earliest time of the next read (see the module docstring). ``time`` on the
    events is ``clock()`` (seconds, monotonic). Raises :class:`ConfigError` for bytes that are not
    UTF-8 and lets ``OSError`` from reading and any sink's exception propagate; in every case the
    sinks have seen a ``RunFailed`` first. The descriptor is not closed.
    """
    handle = _fan_out(sinks)
    run_id = uuid.uuid4()
    handle(RunStarted(run_id, model=model, time=clock()))
    decoder = codecs.getincrementaldecoder("utf-8")()
    read, done, index = os.read, 0, 0
    try:
        while True:
            if not_before is not None:
                wait = not_before() - clock()
                if wait > 0:
                    sleep(wait)
            data = read(fd, READ_SIZE)
            arrived = clock()
            try:
                text = decoder.decode(data, final=not data)
            except UnicodeDecodeError as error:
                _valid_prefix(error, run_id, index, handle, clock)
                raise _not_utf8(what, error, done + len(data) - len(error.object)) from None
            done += len(data)
            if text:
                handle(Token(run_id, text, index, arrived))
                index += 1
            if not data:
                break
    except BaseException as error:
        _fail(sinks, RunFailed(run_id, error, interrupted=_interrupted(error), time=clock()))
        raise
    handle(RunEnded(run_id, finish_reason="stop", time=clock()))
    return done


def _fan_out(sinks: Sequence[Sink]) -> Callable[[object], None]:
    """One call per event: the only sink's ``handle`` itself (the usual case), else a loop."""
    if len(sinks) == 1:
        return sinks[0].handle  # type: ignore[return-value]
    handlers = [sink.handle for sink in sinks]

    def handle(event: object) -> None:
        for each in handlers:
            each(event)  # type: ignore[arg-type]

    return handle


def _valid_prefix(
    error: UnicodeDecodeError,
    run_id: uuid.UUID,
    index: int,
    handle: Callable[[object], None],
    clock: Callable[[], float],
) -> None:
    """The text before the bad byte still reaches the sinks (what was drawn stays, and the rest of it too)."""
    text = bytes(error.object[: error.start]).decode("utf-8")
    if text:
        handle(Token(run_id, text, index, clock()))


def _not_utf8(what: str, error: UnicodeDecodeError, base: int) -> ConfigError:
    byte = bytes(error.object[error.start : error.start + 1]).hex()
    return ConfigError(
        f"{what} is not UTF-8 text (byte 0x{byte} at offset {base + error.start})",
        "convert it first, e.g. iconv -f cp1252 -t utf-8",
    )


def _interrupted(error: BaseException) -> bool:
    """Ctrl-C, SIGTERM (the CLI's ``Terminated``) and a reader that went away stop the run; they are no failure."""
    return isinstance(error, BrokenPipeError) or not isinstance(error, Exception)


def _fail(sinks: Sequence[Sink], event: RunFailed) -> None:
    for sink in sinks:
        try:
            sink.handle(event)
        except Exception:  # a sink that failed already (a closed pipe) must not hide the first error
            continue
