"""Frame coalescing: many tokens, one write per frame, at most ~30 frames a second.

Design: a token marks the screen dirty. If a frame interval has passed since the last frame,
the frame is drawn right away on the caller's thread (so a slow model shows each token at
once, with no extra latency). Otherwise the frame is left to a small ticker thread, which
draws it when the interval is up, so the last token before a pause still shows within one
frame interval. The same thread redraws the status line a few times a second while the model
is silent (the spinner must move before the first token, when no token will come to drive
it). A pure "flush on the next token" design cannot do either, and an explicit ``tick()`` would
need every caller to own a timer loop; one daemon thread asleep on a condition costs nothing
per token. ``background=False`` turns the thread off for tests and benchmarks, which then
drive time through ``clock`` and call :meth:`tick`.

All drawing happens under one lock (:attr:`lock`), which the renderer also holds while it
changes what the frame will show, so a frame never sees half an update.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import IO

from teleprinter.render.terminal import SYNC_BEGIN, SYNC_END

FRAME_INTERVAL = 1 / 30
Clock = Callable[[], float]


class FrameWriter:
    """Writes what ``render()`` returns, at most once per ``interval`` unless forced."""

    def __init__(
        self,
        stream: IO[str],
        render: Callable[[], str],
        *,
        interval: float = FRAME_INTERVAL,
        clock: Clock = time.monotonic,
        synchronized: bool = False,
        background: bool = True,
    ) -> None:
        self.stream = stream
        self.render = render
        self.interval = interval
        self.clock = clock
        self.synchronized = synchronized
        self.lock = threading.RLock()
        self.heartbeat: float | None = None  # redraw this often even without new tokens (status line)
        self.frames = 0
        self.writes = 0
        self.worst_frame = 0.0  # CPU seconds of the most expensive frame (this thread's, so load does not count)
        self.error: BaseException | None = None
        self._wake = threading.Condition(self.lock)
        self._pending = False
        self._last = float("-inf")
        self._stopped = False
        self._waiting_until: float | None = None
        self._thread: threading.Thread | None = None
        self._background = background

    def request(self) -> None:
        """Something changed: draw now if a frame interval has passed, else soon. Call with the lock held."""
        if self.error is not None:
            error, self.error = self.error, None
            raise error
        self._pending = True
        now = self.clock()
        if now - self._last >= self.interval:
            self.frame(now)
        elif self._background:
            self._ensure_ticker(self._last + self.interval)

    def next_frame(self) -> float:
        """When (on ``clock``) the next frame may be drawn without being forced: the last one plus the interval.

        A source that can wait (``teleprinter render`` reading a pipe) reads then, so a frame is
        drawn for what it read at once, and nothing in between would have been shown anyway.
        """
        return self._last + self.interval

    def set_heartbeat(self, seconds: float | None) -> None:
        """Redraw every ``seconds`` while idle (``None`` stops); used for the spinner and elapsed time."""
        with self.lock:
            self.heartbeat = seconds
            if seconds is not None and self._background:
                self._ensure_ticker(self._last + seconds)

    def tick(self) -> None:
        """Draw a pending frame whose interval has passed (what the ticker thread does)."""
        with self.lock:
            now = self.clock()
            deadline = self._deadline()
            if deadline is not None and now >= deadline:
                self.frame(now)

    def frame(self, now: float | None = None) -> None:
        """Draw one frame now, whatever the interval."""
        with self.lock:
            started = time.thread_time()
            self._pending = False
            self._last = self.clock() if now is None else now
            data = self.render()
            if data:
                if self.synchronized:
                    data = SYNC_BEGIN + data + SYNC_END
                self.stream.write(data)
                self.stream.flush()
                self.writes += 1
            self.frames += 1
            self.worst_frame = max(self.worst_frame, time.thread_time() - started)

    def stop(self) -> None:
        """Stop the ticker thread; the caller draws the last frame itself."""
        with self.lock:
            self._stopped = True
            self._wake.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=1.0)

    def _deadline(self) -> float | None:
        if self._pending:
            return self._last + self.interval
        if self.heartbeat is not None:
            return self._last + self.heartbeat
        return None

    def _ensure_ticker(self, deadline: float) -> None:
        if self._stopped:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="teleprinter-frames", daemon=True)
            self._thread.start()
        elif self._waiting_until is None or deadline < self._waiting_until:
            self._wake.notify()

    def _run(self) -> None:
        with self.lock:
            while not self._stopped:
                deadline = self._deadline()
                now = self.clock()
                if deadline is not None and now >= deadline:
                    try:
                        self.frame(now)
                    except Exception as error:  # the terminal went away (or a bug): tell the main thread
                        self.error = error
                        return
                    continue
                self._waiting_until = deadline
                self._wake.wait(None if deadline is None else deadline - now)
                self._waiting_until = None
