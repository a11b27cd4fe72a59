"""A deterministic chat model that streams a given text, for rendering tests, demos and benchmarks.

It replays either a JSONL recording made with ``teleprinter ask --record`` (tokens with their
recorded timing, usage and errors) or any UTF-8 text file cut into word-sized pieces. A chat
model can only re-stream answer text; :mod:`teleprinter.sources.replay` gives back every
recorded event (reasoning, tool runs, nodes, custom data) of an agent run.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.chat_models import generate_from_stream
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import Field

from teleprinter.errors import ProviderError, ReplayError
from teleprinter.textfile import read_user_text

DEFAULT_TEXT_DELAY = 0.02
_WORD = re.compile(r"\s*\S+|\s+")
MAX_PIECE = 12


def word_pieces(text: str, limit: int = MAX_PIECE) -> list[str]:
    """Cut text into token-like pieces (leading whitespace + a word); long words are split."""
    pieces: list[str] = []
    for match in _WORD.finditer(text):
        piece = match.group()
        pieces.extend(piece[i : i + limit] for i in range(0, len(piece), limit))
    return pieces


def fixed_pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


@dataclass(slots=True)
class ReplayScript:
    """What to stream: the pieces, the pause before each, and how the run ends."""

    chunks: list[str]
    delays: list[float] = field(default_factory=list)
    usage: dict[str, Any] | None = None
    error: str | None = None
    model: str = "replay"
    extras: dict[int, dict[str, Any]] = field(default_factory=dict)
    """Chunk position -> what else that chunk carries (reasoning blocks, ``tool_call_chunks``)."""
    finish_reason: str = "stop"
    """Why the recorded run ended (``length``: cut at the token limit), replayed as the model reported it."""

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    def paced(self, speed: float | None = None, delay: float | None = None) -> ReplayScript:
        """The same script at another pace: ``delay`` fixes every pause, ``speed`` divides them."""
        if delay is not None:
            delays = [delay] * len(self.chunks)
        elif speed is None:
            delays = list(self.delays)
        elif speed == float("inf"):
            delays = [0.0] * len(self.chunks)
        else:
            delays = [d / speed for d in self.delays]
        return ReplayScript(self.chunks, delays, self.usage, self.error, self.model, self.extras, self.finish_reason)


def load_script(path: str | Path, chunk_size: int | None = None) -> ReplayScript:
    """Read a recorded JSONL stream or a plain UTF-8 text file."""
    text = read_user_text(path, "replay file", error=ReplayError, newline="")
    recorded = _parse_recording(text)
    if recorded is not None:
        return recorded
    pieces = fixed_pieces(text, chunk_size) if chunk_size else word_pieces(text)
    return ReplayScript(pieces, [DEFAULT_TEXT_DELAY] * len(pieces))


def _parse_recording(text: str) -> ReplayScript | None:
    """A recording if the first line is a teleprinter event object, else ``None`` (plain text)."""
    first = text.lstrip().split("\n", 1)[0]
    try:
        head = json.loads(first)
    except ValueError:
        return None
    if not isinstance(head, dict) or "event" not in head:
        return None
    script = ReplayScript([])
    last = 0.0
    hidden: set[Any] = set()  # nostream runs: their text was never the answer
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as error:
            raise ReplayError(f"recording line {number} is not JSON: {error}") from error
        if record.get("hidden"):
            hidden.add(record.get("run_id"))
        if record.get("event") == "token" and record.get("run_id") in hidden:
            continue
        last = _apply_record(script, record, last)
    return script


def _apply_record(script: ReplayScript, record: dict[str, Any], last: float) -> float:
    kind = record.get("event")
    moment = float(record.get("t", last))
    if kind == "start":
        script.model = str(record.get("model") or "replay")
        return moment
    if kind == "token":
        script.chunks.append(str(record.get("text", "")))
        script.delays.append(max(0.0, moment - last))
        return moment
    extra = _extra(record, script.extras)
    if extra is not None:  # reasoning and tool calls come back as what the model streamed
        script.extras[len(script.chunks)] = extra
        script.chunks.append("")
        script.delays.append(max(0.0, moment - last))
        return moment
    if kind == "end":
        script.usage = record.get("usage")
        script.finish_reason = str(record.get("finish_reason") or "stop")
    elif kind == "error":
        script.error = str(record.get("message") or "recorded error")
    return last


def _extra(record: dict[str, Any], earlier: dict[int, dict[str, Any]]) -> dict[str, Any] | None:
    """The chunk a recorded reasoning or tool-call event came from; a call's id and name ride only
    on its first chunk, as a provider streams them (LangChain merges chunks by ``index``)."""
    kind = record.get("event")
    if kind == "reasoning":
        return {"content": [{"type": "reasoning", "reasoning": str(record.get("text", ""))}]}
    if kind == "tool_call":
        call_id = record.get("call_id") or None
        first = not any(
            chunk.get("id") == call_id for extra in earlier.values() for chunk in extra.get("tool_call_chunks", ())
        )
        call = {
            "id": call_id if first else None,
            "name": (record.get("name") or None) if first else None,
            "args": str(record.get("args", "")),
            "index": int(record.get("index", 0)),
        }
        return {"content": "", "tool_call_chunks": [call]}
    return None


Responder = Callable[[Sequence[BaseMessage]], str]


class ReplayChatModel(BaseChatModel):
    """Streams ``chunks`` (or what ``responder`` answers) with the given pauses.

    ``fail_after`` raises a :class:`ProviderError` after that many chunks, to exercise error paths.

    Tokens reach callback handlers exactly once on every path: core fires ``on_llm_new_token``
    itself under ``stream``/``astream``/``astream_events`` v2 (and ``invoke`` with ``streaming=True``),
    calling ``_stream`` without a run manager; only the v3 protocol passes one, and fires no tokens
    itself, so ``_stream`` fires them exactly when it is given a run manager.
    """

    streaming: bool = False
    """Stream through callbacks under ``invoke`` too (LangChain's switch, as in the seed)."""
    chunks: list[str] = Field(default_factory=list)
    extras: dict[int, dict[str, Any]] = Field(default_factory=dict)
    """Chunk position -> reasoning blocks or ``tool_call_chunks`` that chunk carries instead of text."""
    delays: list[float] = Field(default_factory=list)
    usage: dict[str, Any] | None = None
    error: str | None = None
    fail_after: int | None = None
    responder: Responder | None = None
    replay_model_name: str = "replay"
    finish_reason: str = "stop"

    @classmethod
    def from_script(cls, script: ReplayScript, **kwargs: Any) -> ReplayChatModel:
        return cls(
            chunks=script.chunks,
            extras=script.extras,
            delays=script.delays,
            usage=script.usage,
            error=script.error,
            replay_model_name=script.model,
            finish_reason=script.finish_reason,
            **kwargs,
        )

    @classmethod
    def from_text(
        cls, text: str, *, chunk_size: int | None = None, delay: float = 0.0, **kwargs: Any
    ) -> ReplayChatModel:
        pieces = fixed_pieces(text, chunk_size) if chunk_size else word_pieces(text)
        return cls(chunks=pieces, delays=[delay] * len(pieces), **kwargs)

    @property
    def _llm_type(self) -> str:
        return "teleprinter-replay"

    @property
    def model_name(self) -> str:
        return self.replay_model_name

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> Any:
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_provider"] = "teleprinter-replay"
        params["ls_model_name"] = kwargs.get("model") or self.replay_model_name
        return params

    def _plan(self, messages: Sequence[BaseMessage]) -> tuple[list[str], list[float]]:
        if self.responder is not None:
            pieces = word_pieces(self.responder(messages))
            pause = self.delays[0] if self.delays else 0.0
            return pieces, [pause] * len(pieces)
        return list(self.chunks), list(self.delays)

    def _steps(self, messages: Sequence[BaseMessage]) -> Iterator[tuple[float, ChatGenerationChunk | None]]:
        """(pause, chunk) pairs; a ``None`` chunk means "fail now"."""
        pieces, delays = self._plan(messages)
        for number, piece in enumerate(pieces):
            if self.fail_after is not None and number >= self.fail_after:
                yield 0.0, None
                return
            extra = self.extras.get(number) if self.responder is None else None
            yield (delays[number] if number < len(delays) else 0.0), _chunk(piece, extra)
        if self.error is not None or (self.fail_after is not None and self.fail_after >= len(pieces)):
            yield 0.0, None
            return
        yield 0.0, self._last_chunk(pieces)

    def _last_chunk(self, pieces: list[str]) -> ChatGenerationChunk:
        usage = self.usage or {"input_tokens": 0, "output_tokens": len(pieces), "total_tokens": len(pieces)}
        return ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                chunk_position="last",
                usage_metadata=UsageMetadata(
                    input_tokens=int(usage.get("input_tokens", 0)),
                    output_tokens=int(usage.get("output_tokens", len(pieces))),
                    total_tokens=int(usage.get("total_tokens", len(pieces))),
                ),
                response_metadata={"finish_reason": self.finish_reason, "model_name": self.replay_model_name},
            ),
            generation_info={"finish_reason": self.finish_reason},
        )

    def _failure(self) -> ProviderError:
        return ProviderError(self.error or "the replay model was told to fail")

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return generate_from_stream(self._stream(messages, stop, None, **kwargs))  # see _stream

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for pause, chunk in self._steps(messages):
            if pause > 0:
                time.sleep(pause)
            if chunk is None:
                raise self._failure()
            if run_manager is not None:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for pause, chunk in self._steps(messages):
            if pause > 0:
                await asyncio.sleep(pause)
            if chunk is None:
                raise self._failure()
            if run_manager is not None:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk


def _chunk(text: str, extra: dict[str, Any] | None = None) -> ChatGenerationChunk:
    if extra:
        return ChatGenerationChunk(message=AIMessageChunk(**extra))
    return ChatGenerationChunk(message=AIMessageChunk(content=text))


def create(options: Any) -> BaseChatModel:
    """Registry entry: replay ``options.replay_path`` at the requested pace."""
    if not options.replay_path:
        raise ReplayError("the replay provider needs a file", "pass --replay FILE")
    book = load_answer_book(options.replay_path)
    if book is not None:
        return ReplayChatModel(responder=book, delays=[book_pace(options.speed, options.delay)])
    script = load_script(options.replay_path, options.chunk_size)
    default_delay = options.delay
    return ReplayChatModel.from_script(script.paced(options.speed, default_delay))


class AnswerBook:
    """Scripted answers per prompt, for batch runs: ``{"answers": {prompt: text | {"error": msg}}}``.

    The prompt is the last human message's text; ``"default"`` answers prompts not listed.
    An ``{"error": ...}`` entry makes that prompt fail before its first token.
    """

    def __init__(self, answers: dict[str, Any], default: Any = None) -> None:
        self.answers = answers
        self.default = default

    def __call__(self, messages: Sequence[BaseMessage]) -> str:
        prompt = next((m.text.strip() for m in reversed(messages) if m.type == "human"), "")
        entry = self.answers.get(prompt, self.default)
        if isinstance(entry, dict):
            raise ProviderError(str(entry.get("error") or "the replay answer book says this prompt fails"))
        if entry is None:
            raise ProviderError(f"the answer book has no answer for {prompt[:40]!r}")
        return str(entry)


def load_answer_book(path: str | Path) -> AnswerBook | None:
    """An :class:`AnswerBook` if ``path`` is a JSON object with ``"answers"``, else ``None``."""
    try:
        with open(path, encoding="utf-8") as handle:
            head = handle.read(1)
            if head != "{":
                return None
            data = json.loads(head + handle.read())
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        return None
    return AnswerBook(data["answers"], data.get("default"))


def book_pace(speed: float | None, delay: float | None) -> float:
    if delay is not None:
        return delay
    if speed == float("inf"):
        return 0.0
    return DEFAULT_TEXT_DELAY / (speed or 1.0)
