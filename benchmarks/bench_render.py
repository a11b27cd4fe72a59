"""Rendering a long Markdown answer: teleprinter's terminal renderer against rich Live + Markdown.

The same answer (1 KB, 16 KB, 64 KB of Markdown: headings, paragraphs, lists, code, tables) is
streamed in 4-character chunks into a 100x40 terminal-like StringIO, as a model at 200 chunks/s
would deliver it. Time is virtual (each chunk is 5 ms after the previous one) so throttles
decide the same way on every machine; CPU is real (``time.process_time``).

Subjects:

* ``teleprinter`` - the renderer ``make_renderer`` gives a terminal (``AgentRenderer``, a
  ``TerminalRenderer`` that keeps runs apart) with Markdown and the status line, ~30 frames/s.
* ``teleprinter`` in the "frame per chunk" cases - the same renderer forced to draw a frame for
  every chunk: the worst case, to show a frame's cost does not grow with the answer.
* ``rich Live+Markdown (every chunk)`` - ``live.update(Markdown(text), refresh=True)`` per chunk,
  the common recipe. Its cost is quadratic: for 16 KB and 64 KB it is estimated from refreshes
  sampled evenly over the answer (a Riemann sum of the per-refresh cost), as running it in full
  would take many minutes.
* ``rich Live+Markdown (throttled, aider-style)`` - aider's ``MarkdownStream``: full render to
  lines, stable lines printed once, the last 6 lines live, refreshes throttled to
  ``clamp(10 x render time, 50 ms, 2 s)``.

A last case streams 64 KB as one fenced code block that never closes, the worst case for "redraw
only the open block"; rich's every-chunk recipe is left out there (hours), and the throttled
aider-style baseline runs in full mode only.

Metrics per size: total CPU seconds, CPU per chunk, write calls, and the CPU time of the worst
single frame (refresh) - the longest the screen freezes. Every subject is warmed up once on a
small answer first, so one-time imports (pygments lexers, rich's Markdown) are not counted, and
the objects alive after warm-up are frozen out of the garbage collector (``gc.freeze``, as a
long-running CLI would), so a full collection does not land in one subject's frame by chance.
Targets: teleprinter's per-chunk cost at 64 KB within 1.5x of its cost at 1 KB, its total
CPU at 64 KB at least 20x lower than rich's full re-render, its worst frame at 64 KB at most
2 ms, and the single 64 KB code block within 2x the CPU of the 64 KB prose answer.

An agent-shaped stream (a router reasoning 8 KB and streaming 3 tool calls, 3 tool runs, node
events, then two 16 KB answers in parallel nodes, 4-character pieces interleaved) goes through
the agent renderer ``make_renderer`` gives a terminal; target: its CPU per event within 1.2x of
a plain 32 KB answer's through the same renderer.
"""

from __future__ import annotations

import gc
import io
import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

NAME = "render"
WIDTH, HEIGHT = 100, 40
CHUNK = 4
ARRIVAL = 0.005  # virtual seconds between chunks: 200 chunks/s
SIZES_KB = (1, 16, 64)
TELEPRINTER = "teleprinter"
RICH_EVERY = "rich Live+Markdown (every chunk)"
RICH_THROTTLED = "rich Live+Markdown (throttled, aider-style)"


class Terminal(io.StringIO):
    """A StringIO that says it is a terminal and counts write calls."""

    def __init__(self) -> None:
        super().__init__()
        self.write_calls = 0

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.write_calls += 1
        return super().write(text)


@dataclass(slots=True)
class Measure:
    cpu: float  # seconds
    chunks: int
    writes: float
    worst_frame: float  # seconds
    estimated: bool = False

    @property
    def per_chunk_us(self) -> float:
        return self.cpu / self.chunks * 1e6


def markdown_answer(size: int) -> str:
    """A deterministic Markdown answer of ``size`` characters."""
    sections: list[str] = []
    total, number = 0, 0
    while total < size:
        section = (
            f"## Section {number}: streaming answers\n\n"
            f"Streaming shows the answer **as it is written**, token by token, with *emphasis*, `inline code` "
            f"and a [link](https://example.com/{number}). A second sentence makes the paragraph wrap across "
            f"the terminal width, with 日本語のテキスト too.\n\n"
            f"- first point about section {number}\n- second point with `code`\n  1. a nested step\n\n"
            f'```python\ndef handler_{number}(token: str) -> None:\n    print(token, end="")  # no newline\n```\n\n'
            f"| option | value |\n|--------|------:|\n| chunk | {number} |\n| width | {WIDTH} |\n\n"
            f"> A quoted remark for section {number}.\n\n"
        )
        sections.append(section)
        total += len(section)
        number += 1
    return "".join(sections)[:size]


def chunks_of(text: str) -> list[str]:
    return [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)]


class VirtualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def run_teleprinter(chunks: Sequence[str], every_chunk: bool = False) -> Measure:
    from teleprinter.events import RunEnded, RunStarted, Token
    from teleprinter.render.agent import AgentRenderer
    from teleprinter.render.terminal import Capabilities

    out, status = Terminal(), Terminal()
    clock = VirtualClock()
    renderer = AgentRenderer(
        out,
        Capabilities(is_tty=True, width=WIDTH, height=HEIGHT, color=True, cursor=True),
        markdown=True,
        status_stream=status,
        model_name="bench",
        clock=clock,
        interval=0.0 if every_chunk else 1 / 30,
        background=False,
        watch=False,
    )
    run = uuid.uuid4()
    start = time.process_time()
    renderer.handle(RunStarted(run, "bench"))
    for chunk in chunks:
        clock.now += ARRIVAL
        renderer.handle(Token(run, chunk, time=clock.now))
    renderer.handle(RunEnded(run, time=clock.now))
    renderer.close()
    cpu = time.process_time() - start
    return Measure(cpu, len(chunks), float(out.write_calls), renderer.writer.worst_frame)


def _rich_console(out: Terminal) -> Any:
    from rich.console import Console

    return Console(file=out, width=WIDTH, height=HEIGHT, force_terminal=True, color_system="standard")


def run_rich_every_chunk(chunks: Sequence[str], samples: int | None) -> Measure:
    """Refresh on every chunk; with ``samples``, time that many evenly spaced refreshes and scale up."""
    from rich.live import Live
    from rich.markdown import Markdown

    out = Terminal()
    count = len(chunks)
    positions = list(range(1, count + 1))
    if samples is not None and samples < count:
        positions = [max(1, round((k + 0.5) * count / samples)) for k in range(samples)]
    text_at = _prefixes(chunks)
    cpu_samples: list[float] = []
    worst = 0.0
    with Live(console=_rich_console(out), auto_refresh=False, vertical_overflow="visible") as live:
        for position in positions:
            started = time.process_time()
            live.update(Markdown(text_at(position)), refresh=True)
            cpu_samples.append(time.process_time() - started)
            worst = max(worst, cpu_samples[-1])
    estimated = len(positions) < count
    cpu = statistics.fmean(cpu_samples) * count if estimated else sum(cpu_samples)
    writes = out.write_calls / len(positions) * count
    return Measure(cpu, count, writes, worst, estimated)


def _prefixes(chunks: Sequence[str]) -> Callable[[int], str]:
    text = "".join(chunks)
    lengths = [0]
    for chunk in chunks:
        lengths.append(lengths[-1] + len(chunk))
    return lambda position: text[: lengths[position]]


class AiderStream:
    """aider's ``MarkdownStream`` (mdstream.py), reduced to what it does per update."""

    live_window = 6

    def __init__(self, out: Terminal, clock: VirtualClock) -> None:
        from rich.live import Live
        from rich.text import Text

        self.clock = clock
        self.printed: list[str] = []
        self.when = float("-inf")
        self.min_delay = 1.0 / 20
        self.worst = 0.0
        self.text = Text
        self.live = Live(self.text(""), console=_rich_console(out), refresh_per_second=1.0 / self.min_delay)
        self.live.start()

    def _lines(self, text: str) -> list[str]:
        from rich.console import Console
        from rich.markdown import Markdown

        buffer = io.StringIO()
        Console(file=buffer, force_terminal=True, width=WIDTH, color_system="standard").print(Markdown(text))
        return buffer.getvalue().splitlines(keepends=True)

    def update(self, text: str, final: bool = False) -> None:
        if not final and self.clock.now - self.when < self.min_delay:
            return
        self.when = self.clock.now
        started = time.process_time()
        lines = self._lines(text)
        render_time = time.process_time() - started
        self.min_delay = min(max(render_time * 10, 1.0 / 20), 2)
        stable = len(lines) if final else len(lines) - self.live_window
        if stable > len(self.printed):
            self.live.console.print(self.text.from_ansi("".join(lines[len(self.printed) : stable])))
            self.printed = lines[:stable]
        if final:
            self.live.update(self.text(""))
            self.live.stop()
        else:
            self.live.update(self.text.from_ansi("".join(lines[stable:])))
        self.worst = max(self.worst, time.process_time() - started)


def run_rich_throttled(chunks: Sequence[str]) -> Measure:
    out, clock = Terminal(), VirtualClock()
    start = time.process_time()
    stream = AiderStream(out, clock)
    text = ""
    for chunk in chunks:
        clock.now += ARRIVAL
        text += chunk
        stream.update(text)
    stream.update(text, final=True)
    cpu = time.process_time() - start
    return Measure(cpu, len(chunks), float(out.write_calls), stream.worst)


def _median_measure(function: Callable[[], Measure], repeats: int) -> tuple[Measure, list[float]]:
    measures = [function() for _ in range(repeats)]
    cpus = [m.cpu for m in measures]
    best = sorted(measures, key=lambda m: m.cpu)[len(measures) // 2]
    return best, cpus


def _rows(case: str, subject: str, measure: Measure, cpus: list[float], **extra: Any) -> list[dict[str, Any]]:
    from benchmarks.harness import make_row

    note = "estimated from sampled refreshes (full run would take minutes)" if measure.estimated else None
    per_chunk = [cpu / measure.chunks * 1e6 for cpu in cpus]
    return [
        make_row(NAME, case, subject, "CPU", "s", cpus, note=note, **extra),
        make_row(NAME, case, subject, "CPU per chunk", "us/chunk", per_chunk, note=note),
        make_row(NAME, case, subject, "write calls", "count", [measure.writes], note=note),
        make_row(NAME, case, subject, "worst frame CPU", "ms", [measure.worst_frame * 1000], note=note),
    ]


def run(quick: bool, smoke: bool = False) -> list[dict[str, Any]]:
    """Rows for the harness (see ``benchmarks/harness.py``); ``smoke`` runs 1 KB only."""
    sizes = (1,) if smoke else SIZES_KB
    repeats = 1 if (quick or smoke) else 3
    samples = 4 if smoke else 6 if quick else 32
    warm = chunks_of(markdown_answer(2048))
    run_teleprinter(warm), run_teleprinter(warm, True), run_rich_every_chunk(warm, 4), run_rich_throttled(warm)
    gc.collect()
    gc.freeze()  # imported modules are long-lived: keep full collections from rescanning them in a frame
    rows: list[dict[str, Any]] = []
    per_chunk: dict[tuple[int, bool], float] = {}
    for size in sizes:
        chunks = chunks_of(markdown_answer(size * 1024))
        case = f"{size} KB answer"
        ours, our_cpus = _median_measure(lambda chunks=chunks: run_teleprinter(chunks), repeats)
        every, every_cpus = _median_measure(lambda chunks=chunks: run_teleprinter(chunks, True), repeats)
        rich = run_rich_every_chunk(chunks, None if size == 1 else samples)
        aider = run_rich_throttled(chunks)
        per_chunk[(size, False)] = statistics.median(our_cpus) / len(chunks)
        per_chunk[(size, True)] = statistics.median(every_cpus) / len(chunks)
        ratio = statistics.median(our_cpus) / rich.cpu if rich.cpu else None
        target: dict[str, Any] = {"ratio": ratio, "baseline": RICH_EVERY}
        if size == 64:
            target.update(target="<= 1/20 of rich's full re-render", met=ratio is not None and ratio <= 1 / 20)
        rows += _rows(case, TELEPRINTER, ours, our_cpus, **target)
        if size == 64:
            worst = ours.worst_frame * 1000
            rows.append(_worst_frame_row(case, worst))
            prose_cpu = statistics.median(our_cpus)
        rows += _rows(case, RICH_EVERY, rich, [rich.cpu])
        rows += _rows(case, RICH_THROTTLED, aider, [aider.cpu])
        rows += _rows(f"{size} KB answer, frame per chunk", TELEPRINTER, every, every_cpus)
    if 64 in sizes:
        rows += _growth_rows(per_chunk)
    rows += _agent_rows(repeats, smoke)
    if 64 in sizes:
        rows += _one_huge_block(prose_cpu, repeats, with_baseline=not quick)
    return rows


AGENT_CASE = "agent run (8 KB reasoning, 3 tools, 2 x 16 KB parallel)"
PLAIN_CASE = "32 KB answer (agent renderer)"


def agent_events(reasoning_kb: int = 8, answer_kb: int = 16) -> list[Any]:
    """An agent-shaped stream: a router that reasons and calls 3 tools, then two parallel answers.

    Every piece is 4 characters, as in the plain cases; event times step by ``ARRIVAL``.
    """
    from teleprinter.events import (
        NodeEnded,
        NodeStarted,
        Reasoning,
        RunEnded,
        RunStarted,
        Token,
        ToolCallDelta,
        ToolEnded,
        ToolStarted,
    )

    router, answer, summary = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    thoughts = chunks_of(markdown_answer(reasoning_kb * 1024).replace("#", "").replace("`", ""))
    events: list[Any] = [NodeStarted(router, "router"), RunStarted(router, "bench", node="router")]
    events += [Reasoning(router, piece, n) for n, piece in enumerate(thoughts)]
    for number in range(3):
        args = chunks_of(f'{{"query": "what section {number} says about streaming", "limit": {number + 3}}}')
        events += [ToolCallDelta(router, f"call_{number}", "search", piece, number) for piece in args]
    events.append(RunEnded(router, finish_reason="tool_calls"))
    for number in range(3):
        tool = uuid.uuid4()
        events.append(ToolStarted(tool, "search", {"query": "q"}, router, f"call_{number}"))
        events.append(ToolEnded(tool, f"result {number}\n" * 20, duration=0.01))
    events.append(NodeEnded(router, "router", duration=0.5))
    events += [RunStarted(answer, "bench", node="answer"), RunStarted(summary, "bench", node="summary")]
    for n, (one, two) in enumerate(
        zip(chunks_of(markdown_answer(answer_kb * 1024)), chunks_of(markdown_answer(answer_kb * 1024)), strict=True)
    ):
        events += [Token(answer, one, n), Token(summary, two, n)]
    events += [RunEnded(summary), NodeEnded(summary, "summary"), RunEnded(answer), NodeEnded(answer, "answer")]
    return events


def run_agent(events: Sequence[Any]) -> Measure:
    """``events`` through the agent renderer (what ``make_renderer`` gives a terminal), ~30 frames/s."""
    from teleprinter.render.agent import AgentRenderer
    from teleprinter.render.terminal import Capabilities

    out, status = Terminal(), Terminal()
    clock = VirtualClock()
    renderer = AgentRenderer(
        out,
        Capabilities(is_tty=True, width=WIDTH, height=HEIGHT, color=True, cursor=True),
        markdown=True,
        status_stream=status,
        model_name="bench",
        clock=clock,
        background=False,
        watch=False,
    )
    start = time.process_time()
    for event in events:
        clock.now += ARRIVAL
        renderer.handle(event)
    renderer.close()
    cpu = time.process_time() - start
    return Measure(cpu, len(events), float(out.write_calls), renderer.writer.worst_frame)


def _agent_rows(repeats: int, smoke: bool) -> list[dict[str, Any]]:
    """The agent-shaped stream against a plain answer of the same total size, per event."""
    from benchmarks.harness import make_row
    from teleprinter.events import RunEnded, RunStarted, Token

    scale = 8 if smoke else 1  # smoke: 1 KB reasoning, 2 KB answers
    run_agent(agent_events(1, 2))  # warm-up: first-use imports and caches are not the stream's cost
    agent = agent_events(8 // scale, 16 // scale)
    plain_run = uuid.uuid4()
    plain_chunks = chunks_of(markdown_answer(32 * 1024 // scale))
    plain = [RunStarted(plain_run, "bench"), *(Token(plain_run, c, n) for n, c in enumerate(plain_chunks))]
    plain.append(RunEnded(plain_run))
    ours, cpus = _median_measure(lambda: run_agent(agent), repeats)
    base, base_cpus = _median_measure(lambda: run_agent(plain), repeats)
    per_event = statistics.median(cpus) / len(agent)
    base_per_event = statistics.median(base_cpus) / len(plain)
    ratio = per_event / base_per_event
    rows = _rows(AGENT_CASE, TELEPRINTER, ours, cpus, ratio=ratio, baseline=PLAIN_CASE)
    rows += _rows(PLAIN_CASE, TELEPRINTER + " (plain answer)", base, base_cpus)
    rows.append(
        make_row(
            NAME, "CPU per event, agent run vs plain 32 KB answer", TELEPRINTER, "growth", "x", [ratio],
            target="<= 1.2x", met=ratio <= 1.2,
        )
    )
    return rows


def _worst_frame_row(case: str, worst_ms: float) -> dict[str, Any]:
    from benchmarks.harness import make_row

    return make_row(NAME, case, TELEPRINTER, "worst frame", "ms", [worst_ms], target="<= 2 ms", met=worst_ms <= 2.0)


def _one_huge_block(prose_cpu: float, repeats: int, *, with_baseline: bool) -> list[dict[str, Any]]:
    """64 KB in a single fenced code block: the open block never closes, the worst case for redraws."""
    from benchmarks.harness import make_row

    code = "\n".join(f"value_{n} = compute({n}, 'label {n}')  # step {n}" for n in range(3000))
    chunks = chunks_of(("```python\n" + code)[: 64 * 1024])
    case = "64 KB single code block"
    ours, cpus = _median_measure(lambda: run_teleprinter(chunks), repeats)
    versus = statistics.median(cpus) / prose_cpu
    rows = [
        *_rows(case, TELEPRINTER, ours, cpus),
        make_row(NAME, "64 KB code block vs 64 KB prose answer", TELEPRINTER, "CPU ratio", "x", [versus],
                 target="<= 2x", met=versus <= 2.0),
    ]
    if with_baseline:
        aider = run_rich_throttled(chunks)
        rows += _rows(case, RICH_THROTTLED, aider, [aider.cpu])
    return rows


def _growth_rows(per_chunk: dict[tuple[int, bool], float]) -> list[dict[str, Any]]:
    from benchmarks.harness import make_row

    out = []
    for every, case in (
        (False, "CPU per chunk, 64 KB vs 1 KB"),
        (True, "CPU per chunk, 64 KB vs 1 KB, frame per chunk"),
    ):
        growth = per_chunk[(64, every)] / per_chunk[(1, every)]
        out.append(make_row(NAME, case, TELEPRINTER, "growth", "x", [growth], target="<= 1.5x", met=growth <= 1.5))
    return out


def table(rows: Sequence[dict[str, Any]]) -> str:
    """Side by side: one line per case and subject, the four metrics as columns."""
    metrics = ("CPU", "CPU per chunk", "write calls", "worst frame CPU")
    grouped: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    extra: list[str] = []
    for row in rows:
        if row["metric"] in ("growth", "CPU ratio", "worst frame"):
            extra.append(
                f"{row['case']} ({row['metric']}): {row['median']:.2f} {row['unit']} "
                f"(target {row['target']}: {'met' if row['met'] else 'MISSED'})"
            )
            continue
        grouped.setdefault((row["case"], row["subject"]), {})[row["metric"]] = row
    header = f"{'case':<28} {'subject':<44} {'CPU s':>9} {'us/chunk':>9} {'writes':>9} {'worst ms':>9}"
    lines = [header, "-" * len(header)]
    for (case, subject), found in grouped.items():
        values = [found[m]["median"] if m in found else float("nan") for m in metrics]
        mark = " *" if found["CPU"].get("note") else ""
        lines.append(
            f"{case:<28} {subject:<44} {values[0]:>9.3f} {values[1]:>9.1f} {values[2]:>9.0f} {values[3]:>9.2f}{mark}"
        )
        cpu_row = found["CPU"]
        if cpu_row.get("ratio") is not None and subject == TELEPRINTER:
            lines.append(f"{'':<28} {'  -> CPU vs ' + str(cpu_row['baseline']):<44} {cpu_row['ratio']:>9.4f}x")
    lines.append("* estimated from sampled refreshes")
    lines.extend(extra)
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    print(table(run(quick="--quick" in sys.argv)))
