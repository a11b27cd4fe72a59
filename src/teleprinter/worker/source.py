"""The worker as an event source: one answer from the worker, as :mod:`teleprinter.events` to sinks.

The events are the ones the in-process path's callback handler sends for the same answer
(``RunStarted`` with the model's name, one ``Token`` per piece, ``RunEnded`` with usage and
finish reason, or ``RunFailed``), so every sink (renderer, stats, recorder) behaves the same.
Imports neither LangChain nor llama_cpp: that is the point of the warm path.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from teleprinter import timeline
from teleprinter.errors import ProviderError
from teleprinter.providers.llama_stream import MODEL_NAME
from teleprinter.worker import protocol
from teleprinter.worker.client import Notice, connect
from teleprinter.worker.paths import WorkerPaths

if TYPE_CHECKING:  # events are imported once the request is sent: the worker evaluates the prompt meanwhile
    from teleprinter.events import Event
    from teleprinter.sinks import Sink


@dataclass(frozen=True, slots=True)
class WorkerRequest:
    """One completion: the ``create_completion`` arguments (:func:`llama_stream.completion_args`)
    and the GGUF to run (``None``: the embedded Gemma)."""

    args: dict[str, Any]
    model_path: str | None = None

    @property
    def model_name(self) -> str:
        return MODEL_NAME if self.model_path is None else os.path.basename(self.model_path)


@dataclass(slots=True)
class WorkerRun:
    """What the worker said about the run: its pid, whether this call started it, timings (s)."""

    pid: int | None = None
    started: bool = False
    warm: bool = False
    load_s: float = 0.0
    eval_s: float = 0.0


def _emit(sinks: Sequence[Sink], event: Event) -> None:
    for sink in sinks:
        sink.handle(event)


class PendingAnswer:
    """A request the worker is already working on; :meth:`relay` turns its answer into events.

    Made by :func:`send_to_worker`, which closes the connection on exit: a command that ends
    before relaying (an error, Ctrl-C) stops the worker's generation of this answer only.
    """

    def __init__(self, sock: Any, run: WorkerRun, model_name: str, sent_at: float) -> None:
        self._sock = sock
        self.run = run
        self.model_name = model_name
        self.sent_at = sent_at  # perf_counter seconds: the run starts when the worker has the request

    def relay(self, sinks: Sequence[Sink]) -> WorkerRun:
        """Stream the answer into ``sinks`` (``RunStarted`` first, timed when the request was sent).

        Sink errors (a closed pipe) and Ctrl-C propagate after every sink saw ``RunFailed``.
        Raises :class:`ProviderError` for a failure the worker reports or a worker that died mid-answer.
        """
        from uuid import uuid4

        from teleprinter.events import RunStarted

        run_id = uuid4()
        _emit(sinks, RunStarted(run_id, self.model_name, None, (), self.sent_at))
        try:
            _relay(protocol.messages(self._sock), run_id, self.run, sinks)
        except BaseException as error:
            _emit_failure(sinks, run_id, error)
            raise
        return self.run


@contextlib.contextmanager
def send_to_worker(
    request: WorkerRequest, *, paths: WorkerPaths, keep_alive: float, notice: Notice
) -> Iterator[PendingAnswer]:
    """Connect to the worker (starting one if needed) and send ``request``; the worker starts on it now.

    Raises :class:`ConfigError` for a worker directory this user may not use and
    :class:`ProviderError` when a new worker fails to start (:func:`teleprinter.worker.client.connect`).
    """
    timeline.mark("imports", "no LangChain or llama_cpp in this process")
    connection = connect(paths, keep_alive, notice)
    timeline.mark("worker started" if connection.started else "worker connected")
    with connection.sock as sock:
        payload = {"op": "complete", "v": protocol.VERSION, "model_path": request.model_path}
        protocol.send(sock, {**payload, "args": request.args, "keep_alive": keep_alive})
        yield PendingAnswer(sock, WorkerRun(started=connection.started), request.model_name, time.perf_counter())


def _relay(messages: Iterator[dict[str, Any]], run_id: Any, run: WorkerRun, sinks: Sequence[Sink]) -> None:
    from teleprinter.events import RunEnded, Token

    index = 0
    while True:
        try:
            message = next(messages)
        except StopIteration:
            break
        except (OSError, protocol.ProtocolError) as error:  # the socket, not a sink: the worker died
            raise ProviderError(f"lost the model worker: {error}", "run the command again") from error
        text = message.get("t")
        if text is not None:
            if not index:
                run.eval_s = float(message.get("eval_s", 0.0))
                timeline.mark("prompt evaluation", f"in the worker: {run.eval_s * 1000:.1f} ms")
            token = Token(run_id, text, index, time.perf_counter())
            index += 1
            for sink in sinks:
                sink.handle(token)
        elif "loaded" in message:
            loaded = message["loaded"]
            run.pid, run.warm, run.load_s = loaded.get("pid"), bool(loaded.get("warm")), float(loaded.get("load_s", 0))
            how = "already loaded" if run.warm else f"loaded in {run.load_s * 1000:.0f} ms"
            timeline.mark("model load", f"worker pid {run.pid}: {how}")
        elif "queued_s" in message:
            timeline.mark("queued", f"behind another answer in the worker: {float(message['queued_s']) * 1000:.0f} ms")
        elif "end" in message:
            end = message["end"]
            _emit(sinks, RunEnded(run_id, end.get("usage"), end.get("finish_reason"), time.perf_counter()))
            return
        elif "error" in message:
            raise ProviderError(str(message["error"]), message.get("hint"))
    raise ProviderError("the model worker stopped in the middle of the answer", "run the command again")


def _emit_failure(sinks: Sequence[Sink], run_id: Any, error: BaseException) -> None:
    from teleprinter.events import RunFailed, is_interruption

    failed = RunFailed(run_id, error, is_interruption(error), time.perf_counter())
    for sink in sinks:
        with contextlib.suppress(Exception):
            sink.handle(failed)
