"""A real HTTP server speaking the Azure OpenAI and OpenAI chat-completions streaming protocol.

Tests only. It listens on 127.0.0.1 on a random port, in a thread of the test process, so
both the in-process ``langchain-openai`` client and a ``teleprinter`` subprocess can reach it.
Each request takes the next scripted :class:`Reply` (or the default one) and may inject a
fault: Azure's empty-choices filter chunk, a dropped connection after N tokens, 429/500
before the stream, 401, a malformed ``data:`` line, or a stall.

    with SSEServer() as server:
        server.script(Reply.error(429, retry_after=1), Reply(tokens=["Hi", "!"]))
        env = server.azure_env()
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

API_KEY = "sk-test-4f9c2e7a1b8d6f3e0c5a9b7d"
DEPLOYMENT = "gpt-4o-test"
API_VERSION = "2024-10-21"
MODEL = "gpt-4o-2024-08-06"

FILTER_RESULTS = {
    category: {"filtered": False, "severity": "safe"} for category in ("hate", "self_harm", "sexual", "violence")
}


@dataclass
class Reply:
    """One scripted response. Counts (``disconnect_after`` ...) are numbers of token chunks sent first."""

    tokens: Sequence[str] = ("Hello", ",", " world", "!")
    status: int = 200
    error: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    filter_first: bool = False
    usage: dict[str, int] | None = None
    finish_reason: str | None = "stop"
    done: bool = True
    disconnect_after: int | None = None
    stall_after: int | None = None
    stall: float = 30.0
    malformed_after: int | None = None
    delay: float = 0.0
    reasoning: Sequence[str] = ()
    """Reasoning deltas sent before the answer, as DeepSeek, vLLM and llama.cpp's server do."""
    reasoning_field: str = "reasoning_content"
    """The delta key carrying them: ``reasoning_content`` (DeepSeek, vLLM) or ``reasoning`` (Ollama, OpenRouter)."""

    @classmethod
    def failure(
        cls, status: int, message: str = "", code: str | None = None, retry_after: float | None = None
    ) -> Reply:
        """An error status before any streaming, with an OpenAI-shaped error body."""
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        body = {"message": message or f"scripted {status}", "type": "error", "code": code or str(status)}
        return cls(status=status, error=body, headers=headers)

    def usage_for(self, prompt_tokens: int) -> dict[str, int]:
        if self.usage is not None:
            return self.usage
        completion = len(self.tokens)
        total = prompt_tokens + completion
        return {"prompt_tokens": prompt_tokens, "completion_tokens": completion, "total_tokens": total}


@dataclass(frozen=True)
class Request:
    """What the server saw: for asserting retries, headers and payloads."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any]
    time: float


class SSEServer:
    """The server; use as a context manager. ``requests`` lists every request received."""

    def __init__(self, api_key: str | None = API_KEY, deployments: Sequence[str] = (DEPLOYMENT,)) -> None:
        """``api_key=None`` accepts any key or none, like a local OpenAI-compatible server."""
        self.api_key = api_key
        self.deployments = set(deployments)
        self.default = Reply()
        self.requests: list[Request] = []
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="sse-test-server", daemon=True)
        self._runner: web.AppRunner | None = None
        self._release: asyncio.Event | None = None
        self.port = 0

    # --- control from the test thread --------------------------------------------------------

    def script(self, *replies: Reply) -> None:
        """Queue replies for the next requests, in order; later requests get ``default``."""
        with self._lock:
            self._replies.extend(replies)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def azure_env(self, **overrides: str) -> dict[str, str]:
        """The seed's four variables pointing at this server."""
        env = {
            "AZURE_OPENAI_API_KEY": self.api_key or API_KEY,
            "AZURE_OPENAI_ENDPOINT": self.url + "/",
            "AZURE_OPENAI_DEPLOYMENT_NAME": DEPLOYMENT,
            "AZURE_OPENAI_API_VERSION": API_VERSION,
        }
        env.update(overrides)
        return env

    def chat_requests(self) -> list[Request]:
        return [request for request in self.requests if request.path.endswith("/chat/completions")]

    def __enter__(self) -> SSEServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    # --- the server side (runs in the server thread) ------------------------------------------

    async def _start(self) -> None:
        self._release = asyncio.Event()
        app = web.Application()
        app.router.add_post("/openai/deployments/{deployment}/chat/completions", self._azure)
        app.router.add_post("/v1/chat/completions", self._openai)
        app.router.add_post("/chat/completions", self._openai)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _stop(self) -> None:
        assert self._release is not None and self._runner is not None
        self._release.set()
        await self._runner.cleanup()

    def _next_reply(self) -> Reply:
        with self._lock:
            return self._replies.popleft() if self._replies else self.default

    async def _record(self, request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            body = {}
        self.requests.append(
            Request(request.path, dict(request.query), dict(request.headers), body, time.monotonic())
        )
        return body if isinstance(body, dict) else {}

    async def _azure(self, request: web.Request) -> web.StreamResponse:
        body = await self._record(request)
        if self.api_key is not None and request.headers.get("api-key") != self.api_key:
            wrong = request.headers.get("api-key", "")
            return _error(401, f"Access denied due to invalid subscription key {wrong} or wrong API endpoint.")
        if not request.query.get("api-version"):
            return _error(404, "Resource not found")
        if request.match_info["deployment"] not in self.deployments:
            return _error(404, "The API deployment for this resource does not exist.", "DeploymentNotFound")
        return await self._reply(request, body, azure=True)

    async def _openai(self, request: web.Request) -> web.StreamResponse:
        body = await self._record(request)
        if self.api_key is not None and request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error(401, "Incorrect API key provided.", "invalid_api_key")
        return await self._reply(request, body, azure=False)

    async def _reply(self, request: web.Request, body: dict[str, Any], *, azure: bool) -> web.StreamResponse:
        reply = self._next_reply()
        if reply.status != 200:
            return web.json_response({"error": reply.error}, status=reply.status, headers=reply.headers)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", **reply.headers})
        response.enable_chunked_encoding()
        await response.prepare(request)
        try:
            for event in _events(reply, body, azure):
                if isinstance(event, _Fault):
                    if await self._fault(event, request):
                        return response
                    continue
                await response.write(event.encode())
                if reply.delay:
                    await asyncio.sleep(reply.delay)
            await response.write_eof()
        except ConnectionError:  # the client gave up (timeout, interrupt): nothing more to send
            pass
        return response

    async def _fault(self, fault: _Fault, request: web.Request) -> bool:
        """Act out a fault; True when the response must end here."""
        if fault.kind == "disconnect":
            assert request.transport is not None
            request.transport.abort()
            return True
        assert self._release is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._release.wait(), fault.seconds)
        return False


@dataclass(frozen=True)
class _Fault:
    kind: str
    seconds: float = 0.0


def _error(status: int, message: str, code: str | None = None) -> web.Response:
    return web.json_response({"error": {"code": code or str(status), "message": message}}, status=status)


def _sse(data: dict[str, Any] | str) -> str:
    return f"data: {data if isinstance(data, str) else json.dumps(data)}\n\n"


def _events(reply: Reply, body: dict[str, Any], azure: bool) -> Iterator[str | _Fault]:
    """The stream as OpenAI/Azure send it, with the reply's faults in place."""
    base = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": int(time.time()), "model": MODEL}
    extra = {"content_filter_results": {}} if azure else {}
    if reply.filter_first:
        yield _sse({"id": "", "object": "", "created": 0, "model": "", "choices": [],
                    "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": FILTER_RESULTS}]})
    yield _sse({**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                     "finish_reason": None, **extra}]})
    for thought in reply.reasoning:
        delta = {reply.reasoning_field: thought, "content": None}
        yield _sse({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None, **extra}]})
    for number, token in enumerate(reply.tokens):
        yield from _faults_at(reply, number)
        yield _sse({**base, "choices": [{"index": 0, "delta": {"content": token}, "finish_reason": None, **extra}]})
    yield from _faults_at(reply, len(reply.tokens))
    if reply.finish_reason:
        yield _sse({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": reply.finish_reason, **extra}]})
    if (body.get("stream_options") or {}).get("include_usage"):
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
        yield _sse({**base, "choices": [], "usage": reply.usage_for(prompt_tokens)})
    if reply.done:
        yield _sse("[DONE]")


def _faults_at(reply: Reply, sent: int) -> Iterator[str | _Fault]:
    if reply.malformed_after == sent:
        yield 'data: {"choices": [{"delta": {"content": "broken\n\n'
    if reply.stall_after == sent:
        yield _Fault("stall", reply.stall)
    if reply.disconnect_after == sent:
        yield _Fault("disconnect")
