"""What the output terminal can do, detected once: TTY, size, colour, synchronized output, resizes.

Nothing here reads ``os.environ``: the caller passes the variables in (``config.terminal_environment``),
so tests describe a terminal instead of faking a process environment.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import FrameType
from typing import IO, Any

COLOR_MODES = ("auto", "always", "never")
DEFAULT_SIZE = (80, 24)
SYNC_BEGIN, SYNC_END = "\x1b[?2026h", "\x1b[?2026l"
_SYNC_QUERY = "\x1b[?2026$p\x1b[c"  # DECRQM for mode 2026, then primary DA, which every terminal answers
_SYNC_REPLY = re.compile(rb"\x1b\[\?2026;([0-4])\$y")
_DA_REPLY = re.compile(rb"\x1b\[\?[0-9;]*c")


@dataclass(frozen=True, slots=True)
class Capabilities:
    """The output terminal as the renderer sees it.

    ``cursor`` means cursor movement works (a TTY that is not ``TERM=dumb``); ``synchronized``
    means the terminal said it supports DEC mode 2026, so frames can be drawn atomically.
    """

    is_tty: bool = False
    width: int = DEFAULT_SIZE[0]
    height: int = DEFAULT_SIZE[1]
    color: bool = False
    cursor: bool = False
    synchronized: bool = False


def is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def color_enabled(mode: str, environ: Mapping[str, str], tty: bool) -> bool:
    """``--color`` wins; in ``auto``, NO_COLOR, then FORCE_COLOR, then TERM=dumb, then "is it a TTY"."""
    if mode not in COLOR_MODES:
        raise ValueError(f"color mode must be one of {', '.join(COLOR_MODES)}, not {mode!r}")
    if mode != "auto":
        return mode == "always"
    if environ.get("NO_COLOR"):
        return False
    force = environ.get("FORCE_COLOR")
    if force is not None and force not in ("0", "false"):
        return True
    if environ.get("TERM") == "dumb":
        return False
    return tty


def terminal_size(stream: Any) -> tuple[int, int]:
    """Columns and lines of the terminal behind ``stream``, or 80x24 when it has none."""
    return query_size(stream) or DEFAULT_SIZE


def query_size(stream: Any) -> tuple[int, int] | None:
    """Columns and lines of the terminal behind ``stream``, or None when it is not one (cheap: one ioctl)."""
    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, ValueError, OSError):
        return None
    return (size.columns or DEFAULT_SIZE[0], size.lines or DEFAULT_SIZE[1])


def detect(
    stream: IO[str],
    environ: Mapping[str, str] | None = None,
    *,
    color: str = "auto",
    stdin: IO[str] | None = None,
    probe_timeout: float = 0.3,
) -> Capabilities:
    """Detect once what ``stream`` supports; probes the terminal only when ``stdin`` is its TTY too."""
    environ = environ or {}
    tty = is_tty(stream)
    if tty and sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import colorama

        colorama.just_fix_windows_console()
    cursor = tty and environ.get("TERM") != "dumb"
    width, height = terminal_size(stream) if tty else DEFAULT_SIZE
    synchronized = cursor and stdin is not None and query_synchronized(stream, stdin, probe_timeout)
    return Capabilities(tty, width, height, color_enabled(color, environ, tty), cursor, synchronized)


def query_synchronized(stream: IO[str], stdin: IO[str], timeout: float) -> bool:
    """Ask the terminal whether it supports synchronized output (DEC mode 2026).

    Sends DECRQM for mode 2026 followed by a primary device-attributes request: every
    terminal answers the second, so we stop reading as soon as it arrives instead of
    always waiting for the timeout. Only on POSIX, only when both ends are a TTY.
    """
    if not (is_tty(stdin) and is_tty(stream)):
        return False
    try:
        import termios
        import tty
    except ImportError:  # pragma: no cover - Windows
        return False
    try:
        fd = stdin.fileno()
        saved = termios.tcgetattr(fd)
    except (OSError, ValueError, termios.error):
        return False
    try:
        tty.setcbreak(fd, termios.TCSANOW)
        stream.write(_SYNC_QUERY)
        stream.flush()
        reply = _read_reply(fd, timeout)
    except (OSError, ValueError, termios.error):
        return False
    finally:
        with contextlib.suppress(OSError, termios.error):
            termios.tcsetattr(fd, termios.TCSANOW, saved)
    found = _SYNC_REPLY.search(reply)
    return bool(found and found.group(1) in (b"1", b"2"))


def _read_reply(fd: int, timeout: float) -> bytes:
    import select
    import time

    deadline = time.monotonic() + timeout
    reply = b""
    while not _DA_REPLY.search(reply) and len(reply) < 4096:
        left = max(deadline - time.monotonic(), 0.0)  # past the deadline: still take what already came
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            break
        chunk = os.read(fd, 256)
        if not chunk:
            break
        reply += chunk
    return reply


ResizeCallback = Callable[[int, int], None]


def watch_resize(stream: Any, callback: ResizeCallback) -> Callable[[], None] | None:
    """Call ``callback(columns, lines)`` on SIGWINCH; returns a function that stops watching.

    The previous handler is chained and restored. Where SIGWINCH does not exist (Windows) or
    outside the main thread this returns None: the caller must then check the size itself
    (the renderer does, once per frame, with :func:`query_size`).
    """
    sigwinch = getattr(signal, "SIGWINCH", None)
    if sigwinch is None:
        return None
    try:
        previous = signal.getsignal(sigwinch)

        def on_resize(signum: int, frame: FrameType | None) -> None:
            callback(*terminal_size(stream))
            if callable(previous):
                previous(signum, frame)

        signal.signal(sigwinch, on_resize)
    except ValueError:  # not the main thread
        return None

    def stop() -> None:
        try:
            if signal.getsignal(sigwinch) is on_resize:
                signal.signal(sigwinch, previous)
        except (ValueError, TypeError):
            pass

    return stop
