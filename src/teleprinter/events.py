"""The one event vocabulary: every source translates into these, every sink consumes them.

Events are immutable, so they are safe to hand to several sinks at once. The per-token
events (:class:`Token`, :class:`Reasoning`, :class:`ToolCallDelta`) are ``NamedTuple``\\ s:
one is built per chunk, and a tuple is built in 0.66 µs where a frozen dataclass takes
1.6 µs (a frozen ``__init__`` goes through ``object.__setattr__`` per field); the rarer
events are frozen, slotted dataclasses.

What an agent run streams, and where each piece comes from in LangChain/LangGraph:

=====================  ==============================================================
event                  source
=====================  ==============================================================
``RunStarted``         ``on_chat_model_start``/``on_llm_start``; provenance from the run's
                       metadata (``langgraph_node``, ``langgraph_checkpoint_ns``) and tags
                       (``nostream`` / ``langsmith:hidden`` mark a hidden run)
``Token``              answer text of a chunk (``on_llm_new_token``, ``on_chat_model_stream``)
``Reasoning``          reasoning text: ``reasoning``/``thinking`` content blocks, OpenAI
                       reasoning summaries, ``additional_kwargs["reasoning_content"]``
``ToolCallDelta``      one ``tool_call_chunks`` entry, assembled per call (id, name by index)
``ContentPart``        any other content block (image, citation, ...): kept, never dropped
``RunEnded``           ``on_llm_end``: usage and finish reason
``RunFailed``          ``on_llm_error`` (``interrupted`` for Ctrl-C, cancel, consumer stop)
``ToolStarted``        ``on_tool_start``: tool name and input
``ToolEnded``          ``on_tool_end``/``on_tool_error``: output or error, duration
``NodeStarted``        a LangGraph node (``on_chain_start`` with ``langgraph_node``) or task
``NodeEnded``          its end, with the node's state update
``Custom``             ``dispatch_custom_event`` and LangGraph ``get_stream_writer()`` data
=====================  ==============================================================

Every event has ``run_id`` (the LangChain run it belongs to) and ``time`` (seconds on the
source's monotonic clock). :data:`Event` is the union; :data:`ANSWER_EVENTS` are the
per-chunk kinds a model run streams.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeAlias
from uuid import UUID

Namespace: TypeAlias = tuple[str, ...]
"""LangGraph namespace path of a (sub)graph task, outermost first: ``("agent:3f2c…", "tools:9a…")``;
empty for the root graph or a run outside any graph."""

HIDDEN_TAGS = frozenset({"nostream", "langsmith:hidden"})
"""Run tags that keep a model run out of the visible stream (LangGraph's ``nostream``)."""


@dataclass(frozen=True, slots=True)
class RunStarted:
    """A model run began (``on_chat_model_start`` / ``on_llm_start`` callback or stream event).

    ``node`` and ``namespace`` say where in a LangGraph graph the run happens (``None``/``()``
    outside a graph); ``hidden`` is true when its tags ask to keep it out of the stream
    (:data:`HIDDEN_TAGS`): sinks still receive its events, the renderer does not draw them.
    """

    run_id: UUID
    model: str = ""
    parent_run_id: UUID | None = None
    tags: tuple[str, ...] = ()
    time: float = 0.0
    node: str | None = None
    namespace: Namespace = ()
    hidden: bool = False


class Token(NamedTuple):
    """One streamed piece of answer text, with any non-text parts of its chunk.

    ``index`` is the chunk's position in its run (0-based, counting only ``Token``\\ s).
    """

    run_id: UUID
    text: str
    index: int = 0  # type: ignore[assignment]  # shadows tuple.index on purpose: the token's position
    time: float = 0.0
    parts: tuple[Any, ...] = ()


class Reasoning(NamedTuple):
    """One streamed piece of the model's reasoning ("thinking"): never answer text."""

    run_id: UUID
    text: str
    index: int = 0  # type: ignore[assignment]  # the piece's position among its run's reasoning pieces
    time: float = 0.0


class ToolCallDelta(NamedTuple):
    """A piece of a tool call the model is streaming (one ``tool_call_chunks`` entry).

    Sources assemble chunks per call: ``call_id`` and ``name`` are filled on every delta
    (LangChain sends them only on a call's first chunk; later chunks carry its ``index``).
    ``args`` is the new piece of the JSON argument text; a sink concatenates them per call.
    """

    run_id: UUID
    call_id: str
    name: str
    args: str = ""
    index: int = 0  # type: ignore[assignment]  # the call's position in the message's tool calls
    time: float = 0.0


@dataclass(frozen=True, slots=True)
class ContentPart:
    """A content block that is neither text nor reasoning nor a tool call (image, citation, ...).

    ``block`` is the LangChain content block as received (a dict with a ``"type"``).
    """

    run_id: UUID
    block: Any
    time: float = 0.0


@dataclass(frozen=True, slots=True)
class Custom:
    """Custom data written to the stream: status, not answer text.

    From ``dispatch_custom_event(name, data)`` (``name`` as given) or LangGraph's
    ``get_stream_writer()(data)`` (``name`` is ``""``); ``node``/``namespace`` as in
    :class:`RunStarted` when known.
    """

    run_id: UUID
    name: str
    data: Any = None
    time: float = 0.0
    node: str | None = None
    namespace: Namespace = ()


@dataclass(frozen=True, slots=True)
class RunEnded:
    """A run finished; ``usage`` holds LangChain ``usage_metadata`` when the provider gave it.

    ``finish_reason`` is the provider's (``stop``, ``length``, ``content_filter``, ``tool_calls``).
    """

    run_id: UUID
    usage: dict[str, Any] | None = None
    finish_reason: str | None = None
    time: float = 0.0


@dataclass(frozen=True, slots=True)
class RunFailed:
    """A run ended with an error; ``interrupted`` separates Ctrl-C/cancel/consumer-stop from failures."""

    run_id: UUID
    error: BaseException
    interrupted: bool = False
    time: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ToolStarted:
    """A tool began running (``on_tool_start``); ``input`` as LangChain passed it (str or dict).

    ``call_id`` is the model's tool call id when LangChain knows it (``tool_call_id``).
    """

    run_id: UUID
    name: str
    input: Any = None
    parent_run_id: UUID | None = None
    call_id: str | None = None
    time: float = 0.0
    node: str | None = None
    namespace: Namespace = ()


@dataclass(frozen=True, slots=True)
class ToolEnded:
    """A tool finished: ``output`` (often a ``ToolMessage``'s content) or ``error`` (its message).

    ``duration`` is seconds since its :class:`ToolStarted`, 0.0 when the start was not seen.
    """

    run_id: UUID
    output: Any = None
    error: str | None = None
    duration: float = 0.0
    time: float = 0.0


@dataclass(frozen=True, slots=True)
class NodeStarted:
    """A LangGraph node (or task) began; ``namespace`` locates it in nested subgraphs."""

    run_id: UUID
    node: str
    namespace: Namespace = ()
    parent_run_id: UUID | None = None
    time: float = 0.0


@dataclass(frozen=True, slots=True)
class NodeEnded:
    """A LangGraph node finished with ``update`` (the state update it returned), or ``error``.

    ``duration`` is seconds since its :class:`NodeStarted`, 0.0 when the start was not seen.
    """

    run_id: UUID
    node: str
    namespace: Namespace = ()
    update: Any = None
    error: str | None = None
    duration: float = 0.0
    time: float = 0.0


Event: TypeAlias = (
    RunStarted
    | Token
    | Reasoning
    | ToolCallDelta
    | ContentPart
    | Custom
    | RunEnded
    | RunFailed
    | ToolStarted
    | ToolEnded
    | NodeStarted
    | NodeEnded
)

ANSWER_EVENTS: tuple[type, ...] = (Token, Reasoning, ToolCallDelta, ContentPart)
"""What a model run streams between its :class:`RunStarted` and its end."""

INTERRUPTIONS: tuple[type[BaseException], ...] = (KeyboardInterrupt, GeneratorExit, BrokenPipeError)
"""Errors that end a run because its consumer stopped: Ctrl-C, a closed generator, a closed pipe (``| head``)."""


def is_interruption(error: BaseException) -> bool:
    """True for errors that mean "the user or consumer stopped", not "the model failed"."""
    import asyncio

    return isinstance(error, (*INTERRUPTIONS, asyncio.CancelledError))


def is_hidden(tags: tuple[str, ...] | list[str] | None) -> bool:
    """True when a run's tags keep it out of the visible stream (:data:`HIDDEN_TAGS`)."""
    return bool(tags) and not HIDDEN_TAGS.isdisjoint(tags)  # type: ignore[arg-type]
