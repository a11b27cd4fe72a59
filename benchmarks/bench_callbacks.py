"""Per-token cost of teleprinter's callback path and astream_events path, against LangChain alone.

One replayed answer of N tokens (20,000 in full mode; no pauses) streams through:

* ``callback path`` - ``model.stream()`` loops, every token written to /dev/null and flushed:
  the bare loop printing each chunk (LangChain's floor), LangChain's own
  ``StreamingStdOutCallbackHandler``, and teleprinter's ``StreamingStdOutCallbackHandler``
  (events -> plain renderer). Target: teleprinter's handler costs <= 1.05x LangChain's handler.
* ``astream_events path`` - ``model.astream()`` bare loop, LangChain's raw
  ``astream_events(version="v2")`` loop, and ``teleprinter.astream`` (the same loop translated
  into events and written through the renderer), plus the sync ``teleprinter.stream`` bridge.

Costs are CPU time of this process (``time.process_time``), so other load on the machine
inflates them less than wall time would. LangChain's own per-token cost grows with the length
of the answer (``BaseChatModel.stream`` merges every chunk into the final message), which is
why the figures depend on N.

Run by hand: ``python -m benchmarks.bench_callbacks [--quick]``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import IO, Any

NAME = "callbacks"
FULL_TOKENS = 20_000
QUICK_TOKENS = 5_000
SMOKE_TOKENS = 200
TARGETS = {"callback path": 1.05, "astream_events path": 1.10}
"""Issue 14: the callback path within 1.05x of LangChain's own handler, the events paths (and the
sync bridge) within 1.10x of the raw ``astream_events`` loop."""


def replayed_model(tokens: int) -> Any:
    from teleprinter.providers.replay import ReplayChatModel

    pieces = [f" w{n % 97}" for n in range(tokens)]
    return ReplayChatModel(chunks=pieces, delays=[0.0] * tokens)


def _agent_chunk_kwargs(number: int, count: int) -> dict[str, Any]:
    """Chunk ``number`` of ``count``: reasoning first (``reasoning_content``, as vLLM and DeepSeek
    stream it), then text with a streamed tool call every 25 chunks."""
    if number < count // 5:
        return {"content": "", "additional_kwargs": {"reasoning_content": f" step {number}"}}
    if number % 25 == 7:
        call = {"id": f"call_{number}", "name": "search", "args": '{"q": ', "index": 2}
        return {"content": "", "tool_call_chunks": [call]}
    if number % 25 == 8:
        return {"content": "", "tool_call_chunks": [{"id": None, "name": None, "args": f'"w{number}"}}', "index": 2}]}
    return {"content": f" w{number % 97}"}


def agent_model(tokens: int) -> Any:
    """Two models streaming agent-shaped chunks, ``tokens`` chunks in all; run in parallel by :func:`in_parallel`.

    The first fifth of each answer is reasoning, then text with two in 25 chunks
    ``tool_call_chunks``: the shape of a tool-calling reasoning model's turn inside an agent.
    """
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessageChunk
    from langchain_core.outputs import ChatGenerationChunk, ChatResult

    class AgentShaped(BaseChatModel):
        count: int

        @property
        def _llm_type(self) -> str:
            return "agent-shaped"

        def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
            raise NotImplementedError

        def _stream(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> Any:
            for number in range(self.count):
                yield ChatGenerationChunk(message=AIMessageChunk(**_agent_chunk_kwargs(number, self.count)))

    half = max(1, tokens // 2)
    return (AgentShaped(count=half), AgentShaped(count=half))


def in_parallel(function: Callable[[Any, IO[str]], None]) -> Callable[[Any, IO[str]], None]:
    """``function`` over both models of an :func:`agent_model` pair at once, one thread each."""
    import threading

    def both(models: Any, out: IO[str]) -> None:
        threads = [threading.Thread(target=function, args=(model, out)) for model in models]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    return both


@contextlib.contextmanager
def devnull_stdout() -> Iterator[IO[str]]:
    """stdout pointed at /dev/null (LangChain's handler prints to sys.stdout)."""
    with open(os.devnull, "w", encoding="utf-8") as sink:
        saved = sys.stdout
        sys.stdout = sink
        try:
            yield sink
        finally:
            sys.stdout = saved


def timed(function: Callable[[], object]) -> float:
    """CPU seconds of the process (all its threads): other work on a shared machine does not count.

    The cyclic GC is paused while timing: ``BaseChatModel.stream`` keeps every chunk of the
    answer alive, so full collections scan a heap that grows with N, and where one lands
    decided 0.97x-1.30x of the ratio between otherwise identical runs. The paths compared
    allocate alike per token (teleprinter adds one short-lived tuple), so pausing it measures
    the handlers, not the collector's timing."""
    gc.collect()
    gc.disable()
    try:
        start = time.process_time()
        function()
        return time.process_time() - start
    finally:
        gc.enable()


# -- the callback path ---------------------------------------------------------------------


def bare_stream(model: Any, out: IO[str]) -> None:
    for chunk in model.stream("hi"):
        out.write(chunk.text)
        out.flush()


def langchain_handler(model: Any, out: IO[str]) -> None:
    from langchain_core.callbacks import StreamingStdOutCallbackHandler

    for _ in model.stream("hi", config={"callbacks": [StreamingStdOutCallbackHandler()]}):
        pass


def teleprinter_handler(model: Any, out: IO[str]) -> None:
    from teleprinter import StreamingStdOutCallbackHandler

    for _ in model.stream("hi", config={"callbacks": [StreamingStdOutCallbackHandler(stream=out)]}):
        pass


# -- the astream_events path ---------------------------------------------------------------


def bare_astream(model: Any, out: IO[str]) -> None:
    async def go() -> None:
        async for chunk in model.astream("hi"):
            out.write(chunk.text)
            out.flush()

    asyncio.run(go())


def raw_astream_events(model: Any, out: IO[str]) -> None:
    async def go() -> None:
        async for event in model.astream_events("hi", version="v2"):
            if event["event"] == "on_chat_model_stream":
                out.write(event["data"]["chunk"].text)
                out.flush()

    asyncio.run(go())


def teleprinter_astream(model: Any, out: IO[str]) -> None:
    import teleprinter
    from teleprinter.render.plain import PlainRenderer

    renderer = PlainRenderer(out)

    async def go() -> None:
        async for event in teleprinter.astream(model, "hi"):
            renderer.handle(event)

    asyncio.run(go())


def teleprinter_stream(model: Any, out: IO[str]) -> None:
    import teleprinter
    from teleprinter.render.plain import PlainRenderer

    renderer = PlainRenderer(out)
    for event in teleprinter.stream(model, "hi"):
        renderer.handle(event)


CASES: dict[str, list[tuple[str, Callable[[Any, IO[str]], None]]]] = {
    "callback path": [
        ("model.stream bare loop", bare_stream),
        ("langchain StreamingStdOut", langchain_handler),
        ("teleprinter", teleprinter_handler),
    ],
    "astream_events path": [
        ("model.astream bare loop", bare_astream),
        ("raw astream_events loop", raw_astream_events),
        ("teleprinter", teleprinter_astream),
        ("teleprinter.stream (sync bridge)", teleprinter_stream),
    ],
    "agent callback path": [
        ("model.stream bare loop", in_parallel(bare_stream)),
        ("langchain StreamingStdOut", in_parallel(langchain_handler)),
        ("teleprinter", in_parallel(teleprinter_handler)),
    ],
    "agent astream_events path": [
        ("model.astream bare loop", in_parallel(bare_astream)),
        ("raw astream_events loop", in_parallel(raw_astream_events)),
        ("teleprinter", in_parallel(teleprinter_astream)),
    ],
}
WORKLOADS: dict[str, Callable[[int], Any]] = {
    "callback path": replayed_model,
    "astream_events path": replayed_model,
    "agent callback path": agent_model,
    "agent astream_events path": agent_model,
}
"""The agent workload: two runs in parallel, reasoning blocks and streamed tool calls among the text."""


def measure(tokens: int, repeats: int) -> dict[tuple[str, str], list[float]]:
    """Microseconds per token for every (case, subject), the subjects interleaved round by round."""
    samples: dict[tuple[str, str], list[float]] = {}
    with devnull_stdout() as out:
        for case, subjects in CASES.items():
            model = WORKLOADS[case](tokens)
            for _, function in subjects:  # warm-up: imports, caches
                function(WORKLOADS[case](50), out)
            for _ in range(repeats):
                for subject, function in subjects:
                    seconds = timed(lambda function=function, model=model: function(model, out))  # type: ignore[misc]
                    samples.setdefault((case, subject), []).append(seconds / tokens * 1e6)
    return samples


BASELINES = {
    "callback path": "langchain StreamingStdOut",
    "astream_events path": "raw astream_events loop",
    "agent callback path": "langchain StreamingStdOut",
    "agent astream_events path": "raw astream_events loop",
}
"""Each teleprinter row's ratio is against LangChain doing the same job without teleprinter: on the
callback path that is LangChain's own StreamingStdOutCallbackHandler (the baseline issue 4 names:
printing each token through a callback), on the events path the raw ``astream_events`` loop.
The note beside each row also gives the cost over the bare loop, which prints nothing through
callbacks at all."""


def run(quick: bool, smoke: bool = False) -> list[dict[str, Any]]:
    tokens = SMOKE_TOKENS if smoke else QUICK_TOKENS if quick else FULL_TOKENS
    repeats = 1 if smoke else 3 if quick else 5
    samples = measure(tokens, repeats)
    medians = {key: _median(values) for key, values in samples.items()}
    rows: list[dict[str, Any]] = []
    for case, subjects in CASES.items():
        floor_name = BASELINES[case]
        floor = medians[(case, floor_name)]
        for subject, _ in subjects:
            values = samples[(case, subject)]
            median = medians[(case, subject)]
            row: dict[str, Any] = {
                "benchmark": NAME,
                "case": f"{case}, {tokens} tokens",
                "subject": subject,
                "metric": "per-token cost",
                "unit": "us/token",
                "median": median,
                "spread": _iqr(values),
                "repeats": len(values),
            }
            if subject.startswith("teleprinter"):
                row["ratio"] = median / floor if floor else None
                row["baseline"] = floor_name
                row["target"] = f"<= {TARGETS.get(case, 1.10):.2f}x {floor_name}"
                row["met"] = bool(floor) and median / floor <= TARGETS.get(case, 1.10)
                row["note"] = _note(case, subject, medians)
            rows.append(row)
    if not quick and not smoke:
        rows += instruction_rows()
    return rows


# -- deterministic counts: instructions under callgrind -------------------------------------

CALLGRIND_TOKENS = (300, 1300)
"""Two answer lengths: the difference divided by 1,000 tokens is the per-token count, with every
per-run constant (stream set-up, the first chunk) cancelled out."""

CALLGRIND_CHILD = """
import itertools, os, sys
from benchmarks import bench_callbacks as bench
function = getattr(bench, sys.argv[1])
model = bench.replayed_model(int(sys.argv[2]))
out = open(os.devnull, "w")
saved, sys.stdout = sys.stdout, out
function(bench.replayed_model(20), out)  # warm-up: imports and caches, not counted
sys.stdout = saved
print("ready", flush=True)
sys.stdin.readline()
sys.stdout = out
list(itertools.starmap(function, [(model, out)]))  # counted: callgrind toggles on starmap_next
"""

INSTRUCTION_SUBJECTS = {
    "callback path": [("langchain StreamingStdOut", "langchain_handler"), ("teleprinter", "teleprinter_handler")],
    "astream_events path": [
        ("raw astream_events loop", "raw_astream_events"),
        ("teleprinter.stream (sync bridge)", "teleprinter_stream"),
    ],
}


def instructions(function: str, tokens: int) -> int | None:
    """Instructions executed by one run of ``function`` on ``tokens`` tokens (callgrind), or None.

    Imports run without instrumentation (``--instr-atstart=no``); instrumentation is switched
    on with ``callgrind_control`` once the child is ready, and only the measured call is
    collected (``--toggle-collect`` on the C function ``itertools.starmap`` steps through)."""
    import re
    import shutil
    import subprocess

    if not (shutil.which("valgrind") and shutil.which("callgrind_control")):
        return None
    command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--collect-atstart=no"]
    command += ["--toggle-collect=starmap_next", "--callgrind-out-file=/dev/null"]
    command += [sys.executable, "-c", CALLGRIND_CHILD, function, str(tokens)]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": root}
    child = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=root
    )
    assert child.stdout is not None and child.stdin is not None
    if child.stdout.readline().strip() != "ready":
        child.kill()
        child.communicate()
        return None
    subprocess.run(["callgrind_control", "-i", "on", str(child.pid)], capture_output=True, timeout=60, check=False)
    child.stdin.write("go\n")
    child.stdin.flush()
    _, err = child.communicate(timeout=900)
    found = re.findall(r"Collected : (\d+)", err)
    return int(found[-1]) if found and int(found[-1]) > 0 else None


def instruction_rows() -> list[dict[str, Any]]:
    low, high = CALLGRIND_TOKENS
    rows: list[dict[str, Any]] = []
    for case, subjects in INSTRUCTION_SUBJECTS.items():
        counts: dict[str, float] = {}
        for subject, function in subjects:
            first, second = instructions(function, low), instructions(function, high)
            if first is None or second is None:
                return []
            counts[subject] = (second - first) / (high - low)
        (base_name, base), (own_name, own) = counts.items()
        common = {"benchmark": NAME, "case": f"{case}, callgrind", "metric": "instructions per token"}
        common.update(unit="instr/token", spread=0.0, repeats=1)
        rows.append({**common, "subject": base_name, "median": base})
        rows.append(
            {
                **common,
                "subject": own_name,
                "median": own,
                "ratio": own / base,
                "baseline": base_name,
                "target": f"<= {TARGETS.get(case, 1.10):.2f}x {base_name}",
                "met": own / base <= TARGETS.get(case, 1.10),
                "note": f"instructions per token from callgrind, ({low} vs {high} tokens): deterministic, "
                "unlike the CPU times above on this shared machine",
            }
        )
    return rows


def _note(case: str, subject: str, medians: dict[tuple[str, str], float]) -> str:
    mine = medians[(case, subject)]
    if case.endswith("callback path"):
        langchain = medians[(case, "langchain StreamingStdOut")]
        floor = medians[(case, "model.stream bare loop")]
        return (
            f"{mine - floor:+.1f} us/token over the bare loop, {mine / langchain:.2f}x LangChain's own "
            f"StreamingStdOut handler ({langchain - floor:+.1f} us/token over the bare loop)"
        )
    bare = medians[(case, "model.astream bare loop")]
    return f"astream_events itself costs {medians[(case, BASELINES[case])] / bare:.1f}x the bare astream loop"


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _iqr(values: list[float]) -> float:
    if len(values) < 2:
        return 0.0
    ordered = sorted(values)
    return ordered[(3 * len(ordered)) // 4] - ordered[len(ordered) // 4]


def table(rows: list[dict[str, Any]]) -> str:
    lines = [f"{'case':<36} {'subject':<34} {'us/token':>9} {'iqr':>7} {'ratio':>7}"]
    for row in rows:
        ratio = f"{row['ratio']:.3f}" if row.get("ratio") else ""
        lines.append(f"{row['case']:<36} {row['subject']:<34} {row['median']:>9.2f} {row['spread']:>7.2f} {ratio:>7}")
    lines.extend(f"  {row['subject']} ({row['case']}): {row['note']}" for row in rows if row.get("note"))
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(run(quick="--quick" in sys.argv[1:], smoke="--smoke" in sys.argv[1:])))
