"""An agent run on a terminal: one live region per model run, tool lines, node lines, one scrollback.

A LangGraph run streams many runs at once (models in parallel nodes, tools, nodes). This
layout keeps them apart and never interleaves them in scrollback:

* Each visible model run is a :class:`RunView`: its reasoning (:class:`ReasoningBox`), answer
  text (one :class:`MarkdownLayout`) and tool calls (:class:`ToolCallLines`), in the order the
  model streamed them. A run in a graph, or one that overlaps another, is labelled with its
  node (or model) name. Hidden runs (``nostream``) are not drawn at all.
* One item at a time *streams*: its finished rows go to scrollback as they settle, as a plain
  answer always did, so an answer taller than the screen loses nothing. Every other live item
  is drawn below it, bounded to a few rows (its tail), and keeps its settled rows in memory.
* When an item finishes it becomes one block: the streaming one just ends; any other is
  queued and goes to scrollback, whole and contiguous, as soon as nothing streams. The
  oldest live item then starts streaming, its held rows first.
* Tool runs show ``↳ result`` under the call line the model streamed (or their own call line
  when no model call was seen); each finished node leaves ``▸ node · 0.4 s``.

The layout is fed per event (a dictionary lookup and an append on the token path) and asked
for rows once per frame; :class:`AgentRenderer` is the :class:`TerminalRenderer` that uses it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import IO, Any, Protocol
from uuid import UUID

from teleprinter.events import (
    ContentPart,
    Event,
    NodeEnded,
    NodeStarted,
    Reasoning,
    RunEnded,
    RunFailed,
    RunStarted,
    Token,
    ToolCallDelta,
    ToolEnded,
    ToolStarted,
)
from teleprinter.render.console import TerminalRenderer
from teleprinter.render.layout import Layout, RawLayout
from teleprinter.render.line import fit, one_line, refit
from teleprinter.render.markdown import MarkdownLayout
from teleprinter.render.options import DisplayOptions
from teleprinter.render.reasoning import ReasoningBox
from teleprinter.render.sanitize import sanitize
from teleprinter.render.status import SPIN_INTERVAL
from teleprinter.render.style import Style
from teleprinter.render.terminal import Capabilities
from teleprinter.render.tools import ERROR_STYLE, call_rows, result_rows
from teleprinter.render.writer import FRAME_INTERVAL

LABEL_STYLE = Style(bold=True, dim=True)
NODE_STYLE = Style(dim=True)
SIDE_ROWS = 6  # most rows a run that is not streaming takes in the live region (its label included)
PRIMARY_ROWS = 3  # rows always left to the streaming run
SIDE_EVERY = 3  # frames between two redraws of a run that does not stream (~10 a second)


class Part(Protocol):
    def update(self, width: int, cap: int) -> tuple[list[str], list[str]]: ...

    def finish(self, width: int) -> list[str]: ...


def node_path(node: str, namespace: tuple[str, ...] = ()) -> str:
    """``outer › inner › node`` from a LangGraph namespace (task ids after ``:`` dropped)."""
    names = [step.split(":", 1)[0] for step in namespace if step]
    if names and names[-1] == node:
        names.pop()
    return " › ".join([*names, node])


class Item:
    """Something drawn in the live region until it finishes, then committed as one block."""

    label: str | None = None
    opened = False  # its first rows went to scrollback (or to the queue)
    region: tuple[tuple[int, int], list[str]] | None = None  # last drawn side region, for (width, share)
    widest = 0  # the widest terminal its held rows were laid out for

    def __init__(self) -> None:
        self.held: list[str] = []  # settled rows not yet in scrollback (the item is not streaming)

    def update(self, width: int, cap: int) -> tuple[list[str], list[str]]:
        return [], []

    def finish(self, width: int) -> list[str]:
        return []


class RunView(Item):
    """One visible model run: its parts (reasoning, answer, tool calls) in the order they streamed."""

    def __init__(self, layout: AgentLayout, start: RunStarted | None) -> None:
        super().__init__()
        self.owner = layout
        self.started = start.time if start is not None else None
        self.named = start is not None and (start.node is not None or bool(start.namespace))
        if start is not None and start.node:
            self.label = node_path(start.node, start.namespace)
        elif start is not None and start.model:
            self.label = sanitize(one_line(start.model))
        self.base_label = self.label
        self.overlapped = False  # another model run was live at the same time: label it
        self.kind = ""
        self.current: Any = None
        self.closing: list[Part] = []
        self.failure = ""  # why the run failed, when it did (not for Ctrl-C)

    @property
    def labelled(self) -> bool:
        return self.label is not None and (self.named or self.overlapped)

    def _switch(self, kind: str, time: float) -> Any:
        if self.kind == kind:
            return self.current
        if self.current is not None:
            if self.kind == "reasoning":
                self.current.close(time)
            self.closing.append(self.current)
        self.kind = kind
        options = self.owner.options
        if kind == "answer":
            self.current = self.owner.answer_layout()
        elif kind == "reasoning":
            started = self.started if self.started is not None and not self.closing else time
            self.current = ReasoningBox(options.reasoning, self.owner.color, started)
        else:
            from teleprinter.render.tools import ToolCallLines

            self.current = ToolCallLines(self.owner.color, options.tools == "full")
        return self.current

    def token(self, text: str, time: float) -> None:
        self._switch("answer", time).feed(text)

    def reasoning(self, text: str, time: float) -> None:
        self._switch("reasoning", time).feed(text, time)

    def tool_call(self, event: ToolCallDelta) -> None:
        self._switch("tools", event.time).feed(event.call_id or str(event.index), event.name, event.args)

    def end(self, time: float) -> None:
        if self.kind == "reasoning":
            self.current.close(time)

    def update(self, width: int, cap: int) -> tuple[list[str], list[str]]:
        final: list[str] = []
        for part in self.closing:
            final += part.finish(width)
        self.closing.clear()
        if self.current is None:
            return final, []
        settled, live = self.current.update(width, cap)
        return final + settled, live

    def finish(self, width: int) -> list[str]:
        rows: list[str] = []
        for part in self.closing:
            rows += part.finish(width)
        self.closing.clear()
        if self.current is not None:
            rows += self.current.finish(width)
            self.current, self.kind = None, ""
        if self.failure:
            rows.append(fit([(f"✗ {self.failure}", ERROR_STYLE)], width, self.owner.color))
        return rows


class ToolView(Item):
    """A tool run: ``↳ running`` while it runs, then its result (under its call line)."""

    def __init__(self, layout: AgentLayout, start: ToolStarted, call_shown: bool) -> None:
        super().__init__()
        self.owner = layout
        self.start = start
        self.call_shown = call_shown
        self.ended: ToolEnded | None = None

    def _call(self, width: int) -> list[str]:
        if self.call_shown:
            return []
        args = self.start.input if self.start.input is not None else {}
        return call_rows(self.start.name, args, width, self.owner.color, self.owner.options.tools == "full")

    def update(self, width: int, cap: int) -> tuple[list[str], list[str]]:
        running = fit([(f"  ↳ {sanitize(one_line(self.start.name))} running…", NODE_STYLE)], width, self.owner.color)
        return [], [*self._call(width), running][-max(cap, 1) :]

    def finish(self, width: int) -> list[str]:
        full = self.owner.options.tools == "full"
        if self.ended is None:  # stopped before it ended (Ctrl-C): the call, without a result
            return self._call(width)
        end = self.ended
        return [*self._call(width), *result_rows(end.output, end.error, end.duration, width, self.owner.color, full)]


class NodeLine(Item):
    """``▸ node · 0.4 s`` (or ``▸ node · failed: … · 0.4 s``) for a finished graph node."""

    def __init__(self, layout: AgentLayout, event: NodeEnded) -> None:
        super().__init__()
        self.color = layout.color
        text = f"▸ {node_path(event.node, event.namespace)}"
        if event.error:
            text += f" · failed: {one_line(event.error)}"
        self.text = sanitize(f"{text} · {event.duration:.1f} s")

    def finish(self, width: int) -> list[str]:
        return [fit([(self.text, NODE_STYLE)], width, self.color)]


class AgentLayout:
    """Rows of an agent run (see the module docstring): a :class:`Layout` fed with events."""

    def __init__(
        self, options: DisplayOptions | None = None, *, prefix: str = "", color: bool = True, markdown: bool = True
    ) -> None:
        self.options = options or DisplayOptions()
        self.prefix = prefix
        self.color = color
        self.markdown = markdown
        self.items: dict[UUID, Item] = {}  # live items, in the order they started
        self.finished: list[Item] = []  # items that ended since the last frame, in that order
        self.queue: list[tuple[int, list[str]]] = []  # finished blocks waiting until nothing streams, laid
        # out at most that wide
        self.streaming: Item | None = None
        self.hidden: set[UUID] = set()
        self.calls_shown: set[str] = set()
        self._emitted = False  # some block was already committed or queued
        self._frames = 0

    # --- events (called per event, under the frame lock) ------------------------------------

    @property
    def busy(self) -> bool:
        """Some item is still live (a model or tool run)."""
        return bool(self.items)

    def answer_layout(self) -> Layout:
        return MarkdownLayout(self.prefix, self.color) if self.markdown else RawLayout(self.prefix, self.color)

    def handle(self, event: Event) -> None:
        kind = type(event)
        if kind is Token:
            if event.text and event.run_id not in self.hidden:  # type: ignore[union-attr]
                self._run(event.run_id).token(sanitize(event.text), event.time)  # type: ignore[union-attr]
        elif kind is Reasoning:
            if event.text and event.run_id not in self.hidden:  # type: ignore[union-attr]
                self._run(event.run_id).reasoning(sanitize(event.text), event.time)  # type: ignore[union-attr]
        elif kind is ToolCallDelta:
            self._tool_call(event)  # type: ignore[arg-type]
        elif kind is RunStarted:
            self._start(event)  # type: ignore[arg-type]
        elif kind is RunEnded:
            self._end(event.run_id, event.time)
        elif kind is RunFailed:
            self._end(event.run_id, event.time, event)  # type: ignore[arg-type]
        elif kind is ToolStarted:
            self._tool_start(event)  # type: ignore[arg-type]
        elif kind is ToolEnded:
            self._tool_end(event)  # type: ignore[arg-type]
        elif kind is NodeEnded:
            if self.options.progress == "nodes" and not event.node.startswith("__"):  # type: ignore[union-attr]
                self.finished.append(NodeLine(self, event))  # type: ignore[arg-type]
        elif kind is ContentPart or kind is NodeStarted:
            pass  # images and citations are not drawn; a node's start shows on the status line

    def _run(self, run_id: UUID) -> RunView:
        view = self.items.get(run_id)
        if type(view) is not RunView:  # text of a run whose start was not seen
            view = self.items[run_id] = RunView(self, None)
        return view

    def _start(self, event: RunStarted) -> None:
        if event.hidden:
            self.hidden.add(event.run_id)
            return
        view = RunView(self, event)
        others = [item for item in self.items.values() if isinstance(item, RunView)]
        if others:
            view.overlapped = True
            for other in others:
                other.overlapped = True
            same = sum(other.base_label == view.base_label for other in others)
            if same and view.label is not None:  # one node fanned out (LangGraph ``Send``): number the copies
                view.label = f"{view.base_label} #{same + 1}"
        self.items[event.run_id] = view

    def _end(self, run_id: UUID, time: float, failure: RunFailed | None = None) -> None:
        self.hidden.discard(run_id)
        view = self.items.pop(run_id, None)
        if isinstance(view, RunView):
            view.end(time)
            if failure is not None and not failure.interrupted and view.labelled:  # which of several runs failed
                message = str(failure.error).strip().splitlines()
                view.failure = sanitize(one_line(message[0] if message else type(failure.error).__name__))
            self.finished.append(view)

    def _tool_call(self, event: ToolCallDelta) -> None:
        if event.run_id in self.hidden or self.options.tools == "hide":
            return
        if event.call_id:
            self.calls_shown.add(event.call_id)
        self._run(event.run_id).tool_call(event)

    def _tool_start(self, event: ToolStarted) -> None:
        if self.options.tools == "hide":
            return
        shown = event.call_id is not None and event.call_id in self.calls_shown
        self.items[event.run_id] = ToolView(self, event, shown)

    def _tool_end(self, event: ToolEnded) -> None:
        view = self.items.pop(event.run_id, None)
        if isinstance(view, ToolView):
            view.ended = event
            self.finished.append(view)

    # --- frames ---------------------------------------------------------------------------

    def _opening(self, item: Item, rows: list[str], width: int, force: bool = False) -> list[str]:
        """``rows`` led by the item's blank separator and label the first time it shows anything."""
        if item.opened or not (rows or force):
            return rows
        item.opened = True
        lead: list[str] = []
        if isinstance(item, RunView):
            if self._emitted:
                lead.append("")
            lead += self._label_row(item, width)
        self._emitted = True
        return [*lead, *rows]

    def _settle(self, width: int, final: list[str]) -> None:
        for item in self.finished:
            rows = [*_recut(item.held, width, item.widest), *item.finish(width)]
            item.held, item.widest = [], 0
            if item is self.streaming:
                final += self._opening(item, rows, width)
                self.streaming = None
                for laid_out, block in self.queue:
                    final += _recut(block, width, laid_out)
                self.queue.clear()
                continue
            block = self._opening(item, rows, width)
            if not block:
                continue
            if self.streaming is None:
                final += block
            else:
                self.queue.append((width, block))  # every row now fits ``width``
        self.finished.clear()

    def update(self, width: int, cap: int) -> tuple[list[str], list[str]]:
        final: list[str] = []
        self._settle(width, final)
        if self.streaming is None and self.items:
            self.streaming = next(iter(self.items.values()))
        others = [item for item in self.items.values() if item is not self.streaming]
        regions, used = self._regions(others, width, cap)
        live: list[str] = []
        if self.streaming is not None:
            item = self.streaming
            settled, live = item.update(width, max(cap - used, 1))
            held = _recut(item.held, width, item.widest)
            final += self._opening(item, [*held, *settled], width, force=bool(live))
            item.held = []
        for region in regions:
            live += region
        return final, live

    def _regions(self, others: list[Item], width: int, cap: int) -> tuple[list[list[str]], int]:
        """The bounded regions of the queued blocks and of the live items that do not stream."""
        count = len(self.queue) + len(others)
        if not count:
            return [], 0
        room = max(cap - PRIMARY_ROWS, 0) if self.streaming is not None else cap
        share = max(1, min(SIDE_ROWS, room // count))
        regions: list[list[str]] = []
        used = 0
        for _, block in self.queue:
            body = block[1:] if block and block[0] == "" else block  # the blank that separates it in scrollback
            regions.append(body if len(body) <= share else [body[0], *body[len(body) - share + 1 :]])
        self._frames += 1
        for item in others:
            regions.append(self._side(item, width, share))
        fitted: list[list[str]] = []
        for region in regions:
            region = region[: max(share, 1)]
            if used + len(region) > room:
                break
            fitted.append(region)
            used += len(region)
        return fitted, used

    def _side(self, item: Item, width: int, share: int) -> list[str]:
        """A live item that does not stream: its label and last rows, redrawn every :data:`SIDE_EVERY` frames.

        Parsing a second open block every frame would double a frame's cost; a few updates a
        second are enough for text the eye follows beside the streaming run.
        """
        cached = item.region
        if cached is not None and cached[0] == (width, share) and self._frames % SIDE_EVERY:
            return cached[1]
        settled, rows = item.update(width, share)
        item.held += settled
        item.widest = max(item.widest, width)
        label = self._label_row(item, width)
        body = [*item.held, *rows]
        region = [*label, *body[len(body) - max(share - len(label), 0) :]] if body else label
        item.region = ((width, share), region)
        return region

    def _label_row(self, item: Item, width: int) -> list[str]:
        if isinstance(item, RunView) and item.labelled:
            assert item.label is not None
            return [fit([(f"── {item.label}", LABEL_STYLE)], width, self.color)]
        return []

    def finish(self, width: int) -> list[str]:
        """Everything received as final rows: live items end here (Ctrl-C keeps what they had)."""
        if self.streaming is not None and self.streaming not in self.finished:
            self.finished.insert(0, self.streaming)
        for run_id, item in list(self.items.items()):
            if item not in self.finished:
                self.finished.append(item)
            del self.items[run_id]
        final: list[str] = []
        self._settle(width, final)
        for laid_out, block in self.queue:
            final += _recut(block, width, laid_out)
        self.queue.clear()
        self.streaming = None
        return final

    def feed(self, text: str) -> None:
        """Text without a run (the :class:`Layout` protocol): shown as an answer of its own."""
        self.handle(Token(_NO_RUN, text))


_NO_RUN = UUID(int=0)


def _recut(rows: list[str], width: int, laid_out: int) -> list[str]:
    """``rows`` laid out for ``laid_out`` columns, re-cut if the terminal is narrower now."""
    if width >= laid_out:
        return rows
    return [part for row in rows for part in refit(row, width)]


class AgentRenderer(TerminalRenderer):
    """:class:`TerminalRenderer` drawing an :class:`AgentLayout`: every event kind, every run apart.

    A plain single answer looks exactly as before (no label, one block); reasoning, tool calls,
    nodes and parallel runs are drawn as the module docstring says. The frame loop, status line,
    resize handling and terminal restoration are :class:`TerminalRenderer`'s own.
    """

    def __init__(
        self,
        stream: IO[str],
        capabilities: Capabilities,
        *,
        display: DisplayOptions | None = None,
        prefix: str = "",
        markdown: bool = True,
        status_stream: IO[str] | None = None,
        model_name: str = "",
        clock: Callable[[], float] = time.monotonic,
        interval: float = FRAME_INTERVAL,
        background: bool = True,
        watch: bool = True,
    ) -> None:
        super().__init__(
            stream,
            capabilities,
            prefix=prefix,
            markdown=markdown,
            status_stream=status_stream,
            model_name=model_name,
            clock=clock,
            interval=interval,
            background=background,
            watch=watch,
        )
        self.display = display or DisplayOptions()
        self.agent = AgentLayout(self.display, prefix=sanitize(prefix), color=capabilities.color, markdown=markdown)
        self.layout = self.agent
        if self.status is not None:
            self.status.progress = self.display.progress == "nodes"

    def handle(self, event: Event) -> None:
        kind = type(event)
        with self.writer.lock:
            self._fed = True
            if self._closed:
                if kind is Token or kind is Reasoning or kind is ToolCallDelta:  # a straggler: show it, stay restored
                    self.agent.handle(event)
                    self._finishing = True
                    self.writer.frame()
                return
            self.agent.handle(event)
            self.stats.handle(event)
            if self.status is not None:
                self.status.handle(event)
            if kind is Token or kind is Reasoning or kind is ToolCallDelta:
                self.writer.request()
            elif kind is RunEnded or kind is RunFailed or kind is ToolEnded:
                self._ended()
            else:
                if kind is RunStarted or kind is ToolStarted or kind is NodeStarted:
                    self.writer.set_heartbeat(SPIN_INTERVAL if self.status is not None else None)
                self.writer.request()

    def _write_summary(self) -> None:
        """After several model runs (a graph) the summary counts them all, not only the last one."""
        if self.status_stream is None or not self.stats.runs:
            return
        from teleprinter.sinks.stats import summary_line

        runs = len(self.stats.runs)
        line = summary_line(self.stats.total() if runs > 1 else self.stats.last)
        _say(self.status_stream, (f"{runs} runs · " if runs > 1 else "") + line + "\n")
        self.summary_written = True

    def _ended(self) -> None:
        active = self.status is not None and self.status.active
        self.writer.set_heartbeat(SPIN_INTERVAL if active else None)
        if self.agent.busy:
            self.writer.request()
        else:  # nothing live: settle every block now and give the terminal back, as after a plain answer
            self._finishing = True
            self.writer.frame()


def _say(stream: IO[str], text: str) -> None:
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError):
        pass  # the terminal is gone: the original error must win
