"""The chat's moving parts in one place: ask a question, show the reply, remember it, write it down.

No terminal code lives here: input comes from a reader, output goes to the streams and the
renderer factory it is given, so tests drive a whole chat with strings.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Protocol

from teleprinter.chat.reply import Interrupted, Reply, ReplyRunner
from teleprinter.chat.session import ChatSession, Turn
from teleprinter.chat.transcript import TranscriptWriter, reset_record, system_record, turn_record
from teleprinter.sinks.stats import Stats
from teleprinter.truncation import CUT_REASONS, is_cut

CONTINUE_PROMPT = (
    "Your last answer was cut off. Continue it exactly where it stopped, without repeating anything "
    "and without any preamble."
)

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel


class Renderer(Protocol):
    def handle(self, event: Any) -> None: ...

    def close(self) -> None: ...


RendererFactory = Callable[[str], Renderer]
"""Given the model's name, a fresh renderer for one reply."""

ModelSwitcher = Callable[[str, "str | None"], "tuple[BaseChatModel, ModelInfo]"]
"""Given a provider and an optional model name, build that model (``/model``)."""


@dataclass(slots=True)
class ModelInfo:
    provider: str
    name: str

    def __str__(self) -> str:
        return f"{self.name} ({self.provider})" if self.name and self.name != self.provider else self.provider


def model_label(model: Any) -> str:
    """A model's human name: ``model_name``, ``model`` or its class name."""
    for attribute in ("model_name", "model", "deployment_name"):
        value = getattr(model, attribute, None)
        if isinstance(value, str) and value:
            return value
    return type(model).__name__


class Chat:
    """One interactive conversation with one (switchable) model."""

    def __init__(
        self,
        session: ChatSession,
        model: BaseChatModel | Awaitable[tuple[BaseChatModel, ModelInfo]],
        info: ModelInfo,
        *,
        out: IO[str],
        err: IO[str],
        make_renderer: RendererFactory,
        transcript: TranscriptWriter | None = None,
        switch_model: ModelSwitcher | None = None,
        while_streaming: Callable[[], AbstractContextManager[None]] = nullcontext,
        columns: Callable[[], int | None] = lambda: None,
    ) -> None:
        self.session = session
        self.columns = columns
        """The terminal's width now, ``None`` on a pipe: what :meth:`say` wraps to."""
        self._model: BaseChatModel | None = None
        self._loading: Awaitable[tuple[BaseChatModel, ModelInfo]] | None = None
        if isinstance(model, Awaitable):
            self._loading = model  # still being built (imports are slow); the first question waits for it
        else:
            self._model = model
        self.info = info
        self.out = out
        self.err = err
        self.make_renderer = make_renderer
        self.transcript = transcript
        self.switch_model = switch_model
        self.while_streaming = while_streaming
        self.stats = Stats()
        self.runner = ReplyRunner()

    def say(self, text: str, hang: int = 0) -> None:
        """A line for the user (command output) on the answer stream.

        On a terminal it wraps at word boundaries, continuation rows indented by ``hang`` cells
        (a column layout such as ``/help`` hangs them under its second column); a pipe gets the line.
        """
        width = self.columns()
        if width is not None and len(text) > width:
            from teleprinter.render.wrap import wrap_text

            text = "\n".join(wrap_text(text, width, "", " " * hang))
        self.out.write(text + "\n")
        self.out.flush()

    def notice(self, text: str) -> None:
        """A one-line remark about the session (interrupts, errors) on the status stream."""
        self.err.write(text + "\n")
        self.err.flush()

    async def model(self) -> BaseChatModel:
        """The model, once built; a failure to build it is raised here (it ends the chat)."""
        if self._loading is not None:
            model, self.info = await asyncio.shield(self._loading)  # Ctrl-C stops the wait, not the build
            self._loading, self._model = None, model
        assert self._model is not None
        return self._model

    async def ask(self, question: str) -> Reply:
        """Stream the answer to ``question``, then remember and record the turn however it ended."""
        with self.while_streaming():
            try:
                model = await self.runner.guarded(self.model())
            except Interrupted:  # Ctrl-C while the model was still being built: the question counts as asked
                reply = Reply("", "interrupted")
            else:
                try:
                    reply = await self._stream(model, question)
                except asyncio.CancelledError:  # the chat itself is ending (SIGTERM): keep the partial turn
                    self._remember(question, Reply(self.runner.partial, "interrupted"))
                    raise
        self._finish_line(reply)
        self._remember(question, reply)
        self._report(reply)
        return reply

    def _remember(self, question: str, reply: Reply) -> None:
        """Put the turn in the conversation (unless it failed) and in the transcript."""
        turn = Turn(question, reply.text, reply.status, model=self.info.name)
        turn.reasoning, turn.tools = reply.reasoning, reply.tools
        if reply.stats is not None and reply.status != "failed":
            turn.tokens = reply.stats.output_tokens
            if is_cut(reply.stats.finish_reason):
                turn.finish_reason = reply.stats.finish_reason
        if reply.error is not None:
            turn.error = describe(reply.error)
        index = self.session.record(turn)
        if index >= 0 and self.transcript is not None:
            self.transcript.write(turn_record(index, turn))

    async def _stream(self, model: BaseChatModel, question: str) -> Reply:
        from teleprinter.chat.activity import TurnActivity

        renderer = self.make_renderer(self.info.name)
        activity = TurnActivity()
        try:
            reply = await self.runner.run(model, self.session.messages(question), [renderer, activity], self.stats)
        finally:
            renderer.close()
        reply.reasoning, reply.tools = activity.reasoning, activity.tools
        return reply

    def _finish_line(self, reply: Reply) -> None:
        if reply.text and not reply.text.endswith("\n"):
            self.out.write("\n")
        self.out.flush()

    def can_continue(self) -> bool:
        """The last answer was cut (token limit) or interrupted, so ``/continue`` has something to go on with."""
        if not self.session.turns:
            return False
        last = self.session.turns[-1]
        return last.status == "interrupted" or is_cut(last.finish_reason)

    async def continue_answer(self) -> Reply:
        """Ask the model to go on from where its last answer stopped (``/continue``)."""
        return await self.ask(CONTINUE_PROMPT)

    def _report(self, reply: Reply) -> None:
        finish = reply.stats.finish_reason if reply.stats is not None else None
        if reply.status == "complete" and is_cut(finish):
            self.notice(f"[{CUT_REASONS[str(finish)]} — /continue]")
        elif reply.status == "interrupted" and reply.text:
            self.notice("[interrupted] the partial answer is kept; /retry asks again, /continue goes on")
        elif reply.status == "interrupted":
            self.notice("[interrupted] before the answer began; /retry asks again")
        elif reply.status == "failed" and reply.error is not None:
            self.notice(f"error: {describe(reply.error)} (/retry to try again)")

    def set_system(self, text: str | None) -> None:
        self.session.system = text or None
        if self.transcript is not None:
            self.transcript.write(system_record(self.session.system))

    def reset(self) -> None:
        self.session.reset()
        if self.transcript is not None:
            self.transcript.write(reset_record())

    def use_model(self, model: BaseChatModel, info: ModelInfo) -> None:
        self._loading, self._model = None, model
        self.info = info

    def close(self) -> None:
        if self.transcript is not None:
            self.transcript.close()


def describe(error: BaseException) -> str:
    """One line for an error: its message, with the type when the message alone says little."""
    from teleprinter.errors import TeleprinterError

    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if isinstance(error, TeleprinterError) and text:
        return text
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
