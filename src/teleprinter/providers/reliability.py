"""Network reliability for the OpenAI-family providers: retry only before the first token, explain failures.

Where each kind of retry lives:

* Statuses that arrive before the body (429, 5xx, connect errors, a timeout waiting for the
  response) are retried by the ``openai`` client itself (``max_retries``), which backs off
  and honours ``Retry-After``. Nothing has been shown yet, so a retry cannot duplicate text.
* A failure *inside* the stream (dropped connection, stalled read) before any text arrived is
  retried here, up to the same budget.
* A failure after text was shown is never retried: a second answer would not continue the
  first. The partial answer stays, and a :class:`ProviderError` says what happened.

Every ``openai`` exception becomes a :class:`ProviderError` whose message names the setting
to fix and never contains a secret.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from pydantic import PrivateAttr

from teleprinter.errors import ProviderError
from teleprinter.secrets import redact

MAX_BACKOFF = 8.0


@dataclass(frozen=True, slots=True)
class FailureContext:
    """What an error message needs to name the right setting; holds only masked secrets."""

    service: str
    """Human name: "Azure OpenAI", "OpenAI", "the server at http://..."."""
    endpoint: str
    endpoint_setting: str
    key_setting: str
    masked_key: str
    not_found: str
    """What a 404 means here, e.g. "deployment 'gpt-4o' (AZURE_OPENAI_DEPLOYMENT_NAME)"."""
    not_found_hint: str
    timeout: float
    retries: int
    require_finish: bool = True
    """A stream that ends without a finish reason was cut off (OpenAI and Azure always send one)."""


def backoff(attempt: int) -> float:
    """Seconds before stream retry ``attempt`` (1-based): 0.5, 1, 2, ... capped at 8."""
    return float(min(MAX_BACKOFF, 0.5 * 2 ** (attempt - 1)))


def _has_content(chunk: ChatGenerationChunk) -> bool:
    message = chunk.message
    if chunk.text or getattr(message, "tool_call_chunks", None):
        return True
    return bool(message.additional_kwargs.get("reasoning_content"))  # shown as reasoning: a retry would repeat it


class _Attempt:
    """Tracks one streaming attempt: whether text was shown and how it finished."""

    def __init__(self) -> None:
        self.received = 0
        self.shown = 0
        self.finish: str | None = None

    def see(self, chunk: ChatGenerationChunk) -> None:
        self.received += 1
        if _has_content(chunk):
            self.shown += 1
        info = chunk.generation_info or {}
        self.finish = info.get("finish_reason") or chunk.message.response_metadata.get("finish_reason") or self.finish


def guarded_stream(
    start: Callable[[], Iterator[ChatGenerationChunk]],
    context: FailureContext,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[ChatGenerationChunk]:
    """Yield ``start()``'s chunks; retry a failed stream only while no text was shown."""
    retried = 0
    while True:
        attempt = _Attempt()
        try:
            for chunk in start():
                attempt.see(chunk)
                yield chunk
        except Exception as error:
            if _may_retry(error, attempt, retried, context):
                retried += 1
                sleep(backoff(retried))
                continue
            raise translate(error, context, shown=attempt.shown, streaming=bool(attempt.received)) from error
        check_finish(attempt.finish, attempt.shown, context)
        return


async def aguarded_stream(
    start: Callable[[], AsyncIterator[ChatGenerationChunk]],
    context: FailureContext,
) -> AsyncIterator[ChatGenerationChunk]:
    """Async twin of :func:`guarded_stream`."""
    retried = 0
    while True:
        attempt = _Attempt()
        try:
            async for chunk in start():
                attempt.see(chunk)
                yield chunk
        except Exception as error:
            if _may_retry(error, attempt, retried, context):
                retried += 1
                await asyncio.sleep(backoff(retried))
                continue
            raise translate(error, context, shown=attempt.shown, streaming=bool(attempt.received)) from error
        check_finish(attempt.finish, attempt.shown, context)
        return


def _may_retry(error: Exception, attempt: _Attempt, retried: int, context: FailureContext) -> bool:
    """Only connection trouble inside a stream that has shown no text yet is worth another try.

    "Inside a stream" means at least one chunk arrived (Azure's filter chunk, a role delta):
    an error before any chunk may come from the request itself, which the ``openai`` client
    has already retried ``max_retries`` times.
    """
    import openai

    if attempt.shown or not attempt.received or retried >= context.retries:
        return False
    return isinstance(error, openai.APIConnectionError)


def check_finish(finish: str | None, shown: int, context: FailureContext) -> None:
    """A stream that ended cleanly may still be incomplete: cut by a filter or by a dropped connection."""
    if finish == "content_filter":
        raise ProviderError(
            f"{context.service} stopped the answer: its content filter flagged it",
            "the text above is incomplete; rephrase the prompt",
        )
    if finish is None and shown and context.require_finish:
        raise ProviderError(
            f"the stream from {context.endpoint} ended before the answer was complete (no finish reason)",
            "the text above is incomplete; try again",
        )


def translate(
    error: BaseException, context: FailureContext, *, shown: int = 0, streaming: bool = False
) -> ProviderError:
    """A :class:`ProviderError` with a hint for ``error``; secrets are scrubbed from every part.

    ``shown`` counts chunks with text already shown; ``streaming`` says the response had begun.
    """
    found = _translate(error, context, shown, streaming or bool(shown))
    if found is None:
        detail = _first_line(str(error)) or type(error).__name__
        found = ProviderError(f"{context.service} failed: {type(error).__name__}: {detail}")
    found.message = redact(found.message)
    found.hint = redact(found.hint) if found.hint else found.hint
    found.args = (found.message,)
    return found


def _translate(error: BaseException, ctx: FailureContext, shown: int, streaming: bool) -> ProviderError | None:
    import openai

    if isinstance(error, ProviderError):
        return error
    cut = f" after {shown} chunk{'s' if shown != 1 else ''} (the text above is incomplete)" if shown else ""
    if isinstance(error, openai.APITimeoutError):
        if streaming:
            return ProviderError(
                f"the stream stalled: no data from {ctx.endpoint} for {ctx.timeout:g} s{cut}",
                "try again, or raise --timeout / TELEPRINTER_TIMEOUT",
            )
        return ProviderError(
            f"no response from {ctx.endpoint} within {ctx.timeout:g} s",
            f"check {ctx.endpoint_setting} and the network, or raise --timeout",
        )
    if isinstance(error, openai.APIConnectionError):
        if streaming:
            return ProviderError(
                f"the connection to {ctx.endpoint} dropped mid-stream{cut}: {_cause(error)}", "try again"
            )
        return ProviderError(
            f"cannot connect to {ctx.endpoint}: {_cause(error)}",
            f"check {ctx.endpoint_setting} and the network",
        )
    if isinstance(error, openai.APIStatusError):
        return _status_error(error, ctx)
    if isinstance(error, openai.APIError):
        return ProviderError(f"{ctx.service} reported an error mid-stream{cut}: {_server_message(error)}", "try again")
    if isinstance(error, json.JSONDecodeError):
        return ProviderError(
            f"{ctx.endpoint} sent a malformed stream event{cut}: {error.msg}",
            f"check that {ctx.endpoint_setting} points at an OpenAI-compatible chat endpoint",
        )
    return None


def _status_error(error: Any, ctx: FailureContext) -> ProviderError:
    status = int(error.status_code)
    message = _server_message(error)
    key = f"{ctx.key_setting}={ctx.masked_key}"
    if status == 401:
        return ProviderError(f"{ctx.service} rejected the API key (401, {key}): {message}", f"check {ctx.key_setting}")
    if status == 403:
        return ProviderError(
            f"{ctx.service} denied access (403, {key}): {message}",
            f"check that {ctx.key_setting} belongs to {ctx.endpoint} ({ctx.endpoint_setting})",
        )
    if status == 404:
        where = f"404 at {ctx.endpoint}"
        return ProviderError(f"{ctx.service} has no {ctx.not_found} ({where}): {message}", ctx.not_found_hint)
    if status == 429:
        wait = _retry_after(error)
        return ProviderError(
            f"{ctx.service} is rate-limiting requests (429, {_tries(ctx)}): {message}",
            f"it asks to wait {wait} s before trying again" if wait else "wait a moment, or raise --retries",
        )
    if status >= 500:
        return ProviderError(f"{ctx.service} failed ({status}, {_tries(ctx)}): {message}", "try again later")
    if status == 400 and (error.code == "content_filter" or "content_filter" in str(error.body)):
        return ProviderError(f"{ctx.service}'s content filter rejected the prompt (400)", "rephrase the prompt")
    return ProviderError(f"{ctx.service} rejected the request ({status}): {message}")


def _retry_after(error: Any) -> str | None:
    """The server's ``Retry-After`` (seconds) when it sent one: the client does not wait past a minute."""
    response = getattr(error, "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    return str(value).strip() if value and str(value).strip().replace(".", "", 1).isdigit() else None


def _tries(ctx: FailureContext) -> str:
    return f"{ctx.retries + 1} attempt{'s' if ctx.retries else ''}"


def _server_message(error: Any) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return _first_line(body["message"])
    return _first_line(str(getattr(error, "message", "") or error))


def _cause(error: BaseException) -> str:
    """The root transport error ("ConnectError: [Errno 111] Connection refused"), under the wrappers."""
    cause: BaseException | None = error
    seen: set[int] = set()
    while cause is not None and (cause.__cause__ or cause.__context__) is not None and id(cause) not in seen:
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    if cause is None or cause is error:
        return _first_line(str(error)) or type(error).__name__
    text = _first_line(str(cause))
    return f"{type(cause).__name__}: {text}" if text else type(cause).__name__


def _first_line(text: str, limit: int = 300) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


class GuardedStreams(BaseChatModel):
    """Mixin for LangChain OpenAI-family chat models: their streams go through :func:`guarded_stream`.

    Put it first among the bases (``class X(GuardedStreams, ChatOpenAI)``) so its ``_stream``
    wraps the client's. Without a failure context it changes nothing.
    """

    _failure_context: FailureContext | None = PrivateAttr(default=None)

    def with_failure_context(self, context: FailureContext) -> GuardedStreams:
        self._failure_context = context
        return self

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        inner = super()._stream
        if self._failure_context is None:
            yield from inner(messages, stop, run_manager, **kwargs)
            return
        yield from guarded_stream(lambda: inner(messages, stop, run_manager, **kwargs), self._failure_context)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        inner = super()._astream
        context = self._failure_context
        if context is None:
            async for chunk in inner(messages, stop, run_manager, **kwargs):
                yield chunk
            return
        async for chunk in aguarded_stream(lambda: inner(messages, stop, run_manager, **kwargs), context):
            yield chunk
