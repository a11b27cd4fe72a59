"""Bridge callbacks to ``async for``: events or token texts of one run, ending with its error.

LangChain's ``AsyncIteratorCallbackHandler`` waits for ``on_llm_end``/``on_llm_error`` on one
shared queue: it hangs when the model fails before ``on_llm_start`` (the callback never fires),
swallows the error, and mixes runs when the handler is shared. Here every iteration follows
the *task* that drives the run, so it always ends: with the task's exception when the run
failed (also before it started), quietly when the task was cancelled. Each iteration has its
own queue and sees only the events of its own run tree, so one handler serves many
concurrent runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from uuid import UUID, uuid4

from teleprinter.events import Event, RunStarted, Token
from teleprinter.sinks import Sink
from teleprinter.sources.callbacks import EventCallbackHandler

if TYPE_CHECKING:
    from langchain_core.runnables import Runnable, RunnableConfig

_END = object()
T = TypeVar("T")


class _Subscription:
    """One iteration's queue and the root run it listens to (``None``: every run)."""

    __slots__ = ("loop", "queue", "root", "thread")

    def __init__(self, root: UUID | None) -> None:
        self.root = root
        self.loop = asyncio.get_running_loop()
        self.thread = threading.get_ident()
        self.queue: asyncio.Queue[Any] = asyncio.Queue()

    def put(self, item: Any) -> None:
        if threading.get_ident() == self.thread:
            self.queue.put_nowait(item)
        else:  # a callback fired on a worker thread (a sync model run in an executor)
            with contextlib.suppress(RuntimeError):  # the consumer's loop is gone; nobody listens
                self.loop.call_soon_threadsafe(self.queue.put_nowait, item)


class AsyncIteratorHandler(EventCallbackHandler):
    """A callback handler whose events can be consumed with ``async for``.

    Let it drive the run::

        handler = AsyncIteratorHandler()
        async for text in handler.tokens(model, messages):
            ...

    or follow a task you started yourself (pass ``run_id`` in its config to keep concurrent
    runs apart; without it the iteration sees every run the handler is attached to)::

        run_id = uuid4()
        task = asyncio.create_task(model.ainvoke(messages, {"callbacks": [handler], "run_id": run_id}))
        async for event in handler.follow(task, run_id=run_id):
            ...

    Other sinks given to the constructor see every event of every run, as with any handler.
    """

    def __init__(self, *sinks: Sink, raise_error: bool = False) -> None:
        super().__init__(*sinks, raise_error=raise_error)
        self._parents: dict[UUID, UUID | None] = {}
        self._subscriptions: list[_Subscription] = []
        self._lock = threading.Lock()
        self.translator.sinks.append(_Fanout(self))

    # -- run tree bookkeeping: chains, tools and retrievers only record who their parent is --

    def _remember(self, run_id: UUID, parent_run_id: UUID | None) -> None:
        self._parents[run_id] = parent_run_id

    def on_chain_start(
        self, serialized: Any, inputs: Any, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any
    ) -> None:
        self._remember(run_id, parent_run_id)
        super().on_chain_start(serialized, inputs, run_id=run_id, parent_run_id=parent_run_id, **kwargs)

    def on_tool_start(
        self, serialized: Any, input_str: str, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any
    ) -> None:
        self._remember(run_id, parent_run_id)
        super().on_tool_start(serialized, input_str, run_id=run_id, parent_run_id=parent_run_id, **kwargs)

    def on_retriever_start(
        self, serialized: Any, query: str, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any
    ) -> None:
        self._remember(run_id, parent_run_id)

    def on_chat_model_start(
        self, serialized: Any, messages: Any, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any
    ) -> None:
        self._remember(run_id, parent_run_id)
        super().on_chat_model_start(serialized, messages, run_id=run_id, parent_run_id=parent_run_id, **kwargs)

    def on_llm_start(
        self, serialized: Any, prompts: Any, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any
    ) -> None:
        self._remember(run_id, parent_run_id)
        super().on_llm_start(serialized, prompts, run_id=run_id, parent_run_id=parent_run_id, **kwargs)

    def _forget(self, run_id: UUID) -> None:
        self._parents.pop(run_id, None)

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        super().on_chain_end(outputs, run_id=run_id, **kwargs)
        self._forget(run_id)

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        super().on_chain_error(error, run_id=run_id, **kwargs)
        self._forget(run_id)

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        super().on_tool_end(output, run_id=run_id, **kwargs)
        self._forget(run_id)

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        super().on_tool_error(error, run_id=run_id, **kwargs)
        self._forget(run_id)

    def on_retriever_end(self, documents: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._forget(run_id)

    def on_retriever_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._forget(run_id)

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        super().on_llm_end(response, run_id=run_id, **kwargs)
        self._forget(run_id)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        super().on_llm_error(error, run_id=run_id, **kwargs)
        self._forget(run_id)

    def root_of(self, run_id: UUID) -> UUID:
        """The top of ``run_id``'s run tree, as far as this handler has seen it."""
        seen = 0
        while seen < 1000:
            parent = self._parents.get(run_id)
            if parent is None:
                return run_id
            run_id, seen = parent, seen + 1
        return run_id

    def _deliver(self, event: Event) -> None:
        with self._lock:
            subscriptions = list(self._subscriptions)
        if not subscriptions:
            return
        root = self.root_of(event.run_id)
        for subscription in subscriptions:
            if subscription.root is None or subscription.root == root:
                subscription.put(event)

    # -- the iterators --

    def _subscribe(self, subscription: _Subscription) -> None:
        with self._lock:
            self._subscriptions.append(subscription)

    def _unsubscribe(self, subscription: _Subscription) -> None:
        with self._lock:
            if subscription in self._subscriptions:
                self._subscriptions.remove(subscription)

    def follow(self, run: Awaitable[Any], *, run_id: UUID | None = None, cancel: bool = False) -> RunIterator[Event]:
        """Events of ``run`` (a task, future or coroutine) until it finishes.

        Ends with the run's exception if it raised, quietly if it was cancelled. When the
        consumer stops early (``break``, ``aclose``, its task cancelled), the run is cancelled
        if ``cancel`` is true or if ``run`` was a coroutine (the iterator started it).
        """
        return RunIterator(self, run, run_id, cancel, _events)

    def events(
        self, runnable: Runnable[Any, Any], input: Any, config: RunnableConfig | None = None
    ) -> RunIterator[Event]:
        """Run ``runnable.astream(input)`` with this handler attached and yield its events."""
        run_id, run = self._start(runnable, input, config)
        return RunIterator(self, run, run_id, True, _events)

    def tokens(
        self, runnable: Runnable[Any, Any], input: Any, config: RunnableConfig | None = None
    ) -> RunIterator[str]:
        """Only the streamed text of :meth:`events`."""
        run_id, run = self._start(runnable, input, config)
        return RunIterator(self, run, run_id, True, _VisibleTexts())

    def _start(self, runnable: Runnable[Any, Any], input: Any, config: RunnableConfig | None) -> tuple[UUID, Any]:
        run_id = uuid4()
        run_config: dict[str, Any] = dict(config or {})
        run_config["callbacks"] = [*(run_config.get("callbacks") or []), self]
        run_config["run_id"] = run_id
        return run_id, _drain(runnable, input, run_config)


def _events(event: Event) -> Event | None:
    return event


class _VisibleTexts:
    """Picks the answer text of visible runs: a ``nostream`` run's tokens are not the answer."""

    __slots__ = ("hidden",)

    def __init__(self) -> None:
        self.hidden: set[UUID] = set()

    def __call__(self, event: Event) -> str | None:
        if type(event) is Token:
            return event.text if event.text and event.run_id not in self.hidden else None
        if type(event) is RunStarted and event.hidden:
            self.hidden.add(event.run_id)
        return None


class RunIterator(Generic[T]):
    """``async for`` over one run; also an async context manager that stops the run on exit.

    A plain class rather than an async generator so that stopping is immediate: leaving the
    loop early drops the iterator and ``__del__`` cancels the run at once, instead of waiting
    for the event loop to finalise a suspended generator.
    """

    def __init__(
        self,
        handler: AsyncIteratorHandler,
        run: Awaitable[Any],
        run_id: UUID | None,
        cancel: bool,
        pick: Callable[[Event], T | None],
    ) -> None:
        self._handler = handler
        self._pick = pick
        self._subscription = _Subscription(run_id)
        self._owned = cancel or asyncio.iscoroutine(run)
        handler._subscribe(self._subscription)
        self._task: asyncio.Future[Any] = asyncio.ensure_future(run)
        subscription = self._subscription  # not ``self``: the task must not keep the iterator alive
        self._task.add_done_callback(lambda _: subscription.put(_END))
        self._closed = False

    def __aiter__(self) -> RunIterator[T]:
        return self

    async def __anext__(self) -> T:
        if self._closed:
            raise StopAsyncIteration
        try:
            while True:
                item = await self._subscription.queue.get()
                if item is _END:
                    self._close()
                    error = None if self._task.cancelled() else self._task.exception()
                    if error is not None:
                        raise error
                    raise StopAsyncIteration
                picked = self._pick(item)
                if picked is not None:
                    return picked
        except asyncio.CancelledError:  # the consumer was cancelled: so is the run it owns
            self._stop()
            raise

    def _close(self) -> None:
        if not self._closed:
            self._closed = True
            self._handler._unsubscribe(self._subscription)

    def _stop(self) -> None:
        self._close()
        if self._owned and not self._task.done():
            self._task.cancel()

    async def aclose(self) -> None:
        """Stop listening; cancel the run if this iterator owns it, and wait for it to wind down."""
        self._stop()
        if self._owned:
            await asyncio.gather(self._task, return_exceptions=True)

    async def __aenter__(self) -> RunIterator[T]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __del__(self) -> None:
        if not self._closed:
            with contextlib.suppress(Exception):  # the loop may already be closed
                self._stop()


async def _drain(runnable: Runnable[Any, Any], input: Any, config: Any) -> None:
    """Drive a run through its streaming path (``ainvoke`` would not stream every chat model).

    A LangGraph graph runs with ``stream_mode="messages"``: LangGraph's messages handler is a
    streaming tracer, so the models its nodes ``invoke`` stream token by token (except those
    tagged ``nostream``, whose answers arrive whole at their end).
    """
    from teleprinter.sources.runnable import is_graph

    kwargs: dict[str, Any] = {"stream_mode": "messages"} if is_graph(runnable) else {}
    async for _chunk in runnable.astream(input, config, **kwargs):
        pass


class _Fanout:
    """The handler's own sink: hands each event to the iterations listening to its run."""

    def __init__(self, handler: AsyncIteratorHandler) -> None:
        self.handler = handler

    def handle(self, event: Event) -> None:
        self.handler._deliver(event)
