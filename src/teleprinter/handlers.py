"""The seed's callback handlers, for real: streaming to stdout with a prefix, accumulating, progress.

They are ordinary LangChain ``BaseCallbackHandler`` subclasses (so ``callbacks=[...]`` works
with ``invoke``/``stream``/``ainvoke``/``astream``) built on teleprinter's event translation,
so their output goes through the same renderer as the CLI's.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import IO, Any
from uuid import UUID

from langchain_core.outputs import ChatGenerationChunk, GenerationChunk, LLMResult

from teleprinter.events import Event, RunFailed
from teleprinter.render.plain import PlainRenderer
from teleprinter.sinks import Sink
from teleprinter.sinks.accumulate import Accumulation
from teleprinter.sources.callbacks import EventCallbackHandler


class StreamingStdOutCallbackHandler(EventCallbackHandler):
    """Print each token as it arrives, with ``prefix`` at the start of each line of the response.

    ``tokens_seen`` counts the non-empty tokens received over the handler's life. Pass
    ``renderer=`` to show the answer through a terminal renderer instead of plain text.

    A run that did not stream (LangChain's ``invoke`` streams through callbacks only with
    ``streaming=True`` or a streaming tracer attached) is printed whole when it ends, so the
    answer always shows, exactly once; under the v3 protocol the answer comes from
    ``on_stream_event``.
    """

    def __init__(
        self,
        prefix: str = "",
        *,
        stream: IO[str] | None = None,
        renderer: Sink | None = None,
        raise_error: bool = False,
    ) -> None:
        self.prefix = prefix
        self.tokens_seen = 0
        self.renderer: Sink = renderer or PlainRenderer(stream or sys.stdout, prefix)
        super().__init__(self.renderer, raise_error=raise_error)
        self._write_plain: Callable[[str], None] | None = None
        """A plain renderer without prefix draws a token by writing its text: no event needed."""
        if type(self.renderer) is PlainRenderer and not prefix and self.renderer.sanitize is None:
            self._write_plain = self.renderer.write

    def on_llm_new_token(
        self,
        token: str | list[str | dict[str, Any]],
        *,
        chunk: GenerationChunk | ChatGenerationChunk | None = None,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        """Process each new token as it arrives."""
        if token:
            self.tokens_seen += 1
        write = self._write_plain
        if write is None or type(token) is not str or len(self.translator.sinks) != 1:
            self.translator.token(run_id, token, chunk)  # straight to the translator: this is the hot path
            return
        text = self.translator.plain_text(run_id, token, chunk)
        if text:  # the seed's case, plain text to a stream: no event object, no fan-out
            try:
                write(text)
            except Exception:
                self.translator.sink_failed(self.renderer)

    def on_stream_event(self, event: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """v3 protocol events: the answer of a model whose ``_stream`` fires no tokens."""
        self.tokens_seen += self.translator.stream_event(run_id, event)

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        """A model that did not stream (``invoke`` without ``streaming=True``) is printed here, once."""
        self.tokens_seen += self.translator.ended(run_id, response)


class TokenAccumulator(EventCallbackHandler):
    """Accumulate tokens for post-processing; concurrent runs are kept apart by ``run_id``.

    ``tokens`` holds every token in arrival order (the seed's list); ``get_text()`` gives one
    run's text, or every run's text one run after the other, never interleaved.
    """

    def __init__(self) -> None:
        self.accumulation = Accumulation()
        self.errors: dict[UUID, BaseException] = {}
        super().__init__(self.accumulation, _ErrorKeeper(self.errors))

    @property
    def tokens(self) -> list[str]:
        return self.accumulation.tokens

    @property
    def run_ids(self) -> list[UUID]:
        return self.accumulation.run_ids

    def get_text(self, run_id: UUID | None = None) -> str:
        return self.accumulation.text(run_id)

    def reset(self) -> None:
        self.accumulation.clear()
        self.errors.clear()


class _ErrorKeeper:
    """Remembers each run's error so a caller can ask why a run stopped."""

    def __init__(self, errors: dict[UUID, BaseException]) -> None:
        self.errors = errors

    def handle(self, event: Event) -> None:
        if isinstance(event, RunFailed):
            self.errors[event.run_id] = event.error


class ProgressTracker(EventCallbackHandler):
    """Track and display generation progress: a dot per token, like the seed.

    ``show_progress(current, total)`` draws the seed's "Processing: n/total" counter on
    ``status_stream`` (stderr by default), only when that stream is a terminal, so the
    answer on stdout is never disrupted and pipes never receive carriage returns.
    """

    def __init__(
        self,
        *,
        stream: IO[str] | None = None,
        status_stream: IO[str] | None = None,
        mark: str = ".",
    ) -> None:
        self.stream = stream or sys.stdout
        self.status_stream = status_stream or sys.stderr
        self.mark = mark
        self.tokens_seen = 0
        self.runs_finished = 0
        self.runs_failed = 0
        super().__init__()

    def on_llm_new_token(
        self,
        token: str | list[str | dict[str, Any]],
        *,
        chunk: GenerationChunk | ChatGenerationChunk | None = None,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        if not token:
            return
        self.tokens_seen += 1
        self.stream.write(self.mark)
        self.stream.flush()

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        self.runs_finished += 1

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self.runs_failed += 1

    def show_progress(self, current: int, total: int) -> None:
        """Display progress without disrupting output (a TTY-only status line)."""
        show_progress(current, total, self.status_stream)


def show_progress(current: int, total: int, stream: IO[str] | None = None) -> None:
    """The seed's progress counter, drawn in place on a terminal and never written to a pipe."""
    target = stream or sys.stderr
    if not _is_tty(target):
        return
    end = "\n" if current >= total else ""
    target.write(f"\r\x1b[2KProcessing: {current}/{total}{end}")
    target.flush()


def _is_tty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
