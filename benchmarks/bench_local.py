"""End-to-end local: teleprinter on the embedded model against raw ``llama_cpp.Llama``, same run.

Both sides stream the *same completion*: teleprinter's ``LocalChatModel`` builds the llama.cpp
arguments (prompt from ``providers/prompt.conversation_prompt``, sampling, seed, stop
sequences) and the raw baseline passes that very dict to ``Llama.create_completion(stream=True)``,
writing each piece to /dev/null with a flush, as a minimal streaming program would. The
prompt starts a count ("1, 2, 3, ...") that the model continues until ``max_tokens``, so both
sides produce the same fixed number of tokens and the runs are comparable.

In-process, both share one loaded ``Llama``; its prompt cache is reset before every run and
the two sides alternate, so neither gets a warm cache or a quieter moment. teleprinter runs
the ``ask`` path: ``stream_answer`` with the plain renderer (to /dev/null), stats and accumulator.
Through the CLI, each side is a fresh process (``teleprinter ask`` against a raw script that
imports only llama_cpp) and the parent times the bytes as they arrive on the pipe.

Tokens/s is (tokens - 1) / (last token - first token): the generation rate after the first token.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.bench_startup import teleprinter_command
from benchmarks.harness import ROOT, TELEPRINTER, Row, make_row, summarise

NAME = "local"
RAW = "raw llama_cpp"
COUNT_PROMPT = ", ".join(str(n) for n in range(1, 34)) + ","
RATE_TARGET = 0.97
FIRST_TOKEN_TARGET_MS = 20.0


@dataclass(frozen=True, slots=True)
class Sample:
    """One streamed completion: seconds to the first token, tokens/s after it, tokens, text."""

    first_token: float
    rate: float
    tokens: int
    text: str


def _sample(start: float, times: Sequence[float], text: str) -> Sample:
    if not times:
        raise RuntimeError("the model produced no tokens")
    span = times[-1] - times[0]
    rate = (len(times) - 1) / span if span > 0 and len(times) > 1 else 0.0
    return Sample(times[0] - start, rate, len(times), text)


# ---------------------------------------------------------------------------------------- in-process


class _Clock:
    """A sink noting when each token reached the sinks."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.pieces: list[str] = []

    def handle(self, event: Any) -> None:
        from teleprinter.events import Token

        if type(event) is Token and event.text:
            self.times.append(time.perf_counter())
            self.pieces.append(event.text)


def _model(max_tokens: int) -> Any:
    from teleprinter.providers.local import LocalChatModel

    return LocalChatModel(max_tokens=max_tokens)


def _messages() -> list[Any]:
    from teleprinter.answer import build_messages

    return build_messages(COUNT_PROMPT)


def raw_once(llama: Any, args: dict[str, Any], sink: io.TextIOBase) -> Sample:
    """The baseline: create_completion(stream=True), each piece written and flushed."""
    llama.reset()
    times: list[float] = []
    pieces: list[str] = []
    start = time.perf_counter()
    for part in llama.create_completion(**args):
        text = part["choices"][0]["text"]
        if text:
            sink.write(text)
            sink.flush()
            times.append(time.perf_counter())
            pieces.append(text)
    return _sample(start, times, "".join(pieces))


def teleprinter_once(model: Any, llama: Any, sink: io.TextIOBase) -> Sample:
    """teleprinter's ask path in-process: stream_answer into the plain renderer, stats and accumulator."""
    from teleprinter.answer import stream_answer
    from teleprinter.render.plain import PlainRenderer
    from teleprinter.sinks.stats import Stats

    llama.reset()
    clock = _Clock()
    renderer = PlainRenderer(sink)  # type: ignore[arg-type]
    start = time.perf_counter()
    stream_answer(model, _messages(), [renderer, clock], stats=Stats())
    renderer.close()
    return _sample(start, clock.times, "".join(clock.pieces))


def in_process(max_tokens: int, repeats: int) -> tuple[list[Sample], list[Sample], Any, Any]:
    """(raw samples, teleprinter samples, model, llama), alternating which side goes first."""
    model = _model(max_tokens)
    llama = model._llama()
    args = model._completion_args(_messages(), None)
    raw: list[Sample] = []
    own: list[Sample] = []
    with open(os.devnull, "w", encoding="utf-8") as sink:
        raw_once(llama, {**args, "max_tokens": 4}, sink)  # warm-up: code paths and caches
        teleprinter_once(_model(4), llama, sink)
        for number in range(repeats):
            sides: list[Callable[[], None]] = [
                lambda: raw.append(raw_once(llama, args, sink)),
                lambda: own.append(teleprinter_once(model, llama, sink)),
            ]
            for side in sides if number % 2 == 0 else reversed(sides):
                side()
    return raw, own, model, llama


def profile_summary(model: Any, llama: Any, lines: int = 8) -> str:
    """cProfile of one teleprinter run: where the time outside llama.cpp's sampling loop goes."""
    profiler = cProfile.Profile()
    with open(os.devnull, "w", encoding="utf-8") as sink:
        profiler.runcall(teleprinter_once, model, llama, sink)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(lines)
    body = out.getvalue()
    start = body.find("ncalls")
    return "cProfile of one in-process teleprinter run, top functions by own time:\n" + body[start:].rstrip()


# ---------------------------------------------------------------------------------------- CLI

RAW_SCRIPT = """
import json, sys
from llama_cpp import Llama
path, n_ctx, n_threads, args = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
llama = Llama(model_path=path, n_ctx=n_ctx, n_threads=n_threads, verbose=False)
out = sys.stdout
for part in llama.create_completion(**args):
    text = part["choices"][0]["text"]
    if text:
        out.write(text)
        out.flush()
"""


def _arrivals(command: Sequence[str]) -> tuple[float, list[float], str]:
    """Spawn; return (start, arrival time of each read from stdout, text)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        list(command), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, cwd=ROOT
    )
    assert process.stdout is not None
    times: list[float] = []
    data = bytearray()
    while chunk := os.read(process.stdout.fileno(), 65536):
        times.append(time.perf_counter())
        data += chunk
    process.stdout.close()
    if process.wait() != 0:
        raise RuntimeError(f"{command[0]} exited with {process.returncode}")
    return start, times, data.decode("utf-8", errors="replace")


def _cli_sample(command: Sequence[str], tokens: int) -> Sample:
    """First byte and the byte-arrival span; ``tokens`` comes from the in-process run of the same text."""
    start, times, text = _arrivals(command)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    return Sample(times[0] - start, (tokens - 1) / span if span > 0 else 0.0, tokens, text)


def cli(model: Any, max_tokens: int, tokens: int, repeats: int) -> tuple[list[Sample], list[Sample]]:
    from teleprinter.providers.model_file import embedded_model_path

    args = model._completion_args(_messages(), None)
    raw_command = [
        sys.executable,
        "-c",
        RAW_SCRIPT,
        str(embedded_model_path()),
        str(model.n_ctx),
        str(model.n_threads),
        json.dumps(args),
    ]
    own_command = [*teleprinter_command(), "ask", COUNT_PROMPT, "--max-tokens", str(max_tokens)]
    raw: list[Sample] = []
    own: list[Sample] = []
    for number in range(repeats):
        pairs = [(raw, raw_command), (own, own_command)]
        for samples, command in pairs if number % 2 == 0 else reversed(pairs):
            samples.append(_cli_sample(command, tokens))
    return raw, own


# ---------------------------------------------------------------------------------------- rows


def _rows(case: str, raw: list[Sample], own: list[Sample]) -> list[Row]:
    raw_first = [s.first_token * 1000 for s in raw]
    own_first = [s.first_token * 1000 for s in own]
    raw_rate = [s.rate for s in raw]
    own_rate = [s.rate for s in own]
    rate_ratio = summarise(own_rate)[0] / summarise(raw_rate)[0] if summarise(raw_rate)[0] else None
    first_gap = summarise(own_first)[0] - summarise(raw_first)[0]
    tokens = own[0].tokens
    agree = all(s.text == raw[0].text for s in [*raw, *own])
    note = None if agree else f"{case}: teleprinter and raw texts differ (token counts {tokens} vs {raw[0].tokens})"
    return [
        make_row(NAME, case, RAW, "tokens/s", "tok/s", raw_rate),
        make_row(
            NAME,
            case,
            TELEPRINTER,
            "tokens/s",
            "tok/s",
            own_rate,
            ratio=rate_ratio,
            baseline=RAW,
            target=f">= {RATE_TARGET:.0%} of raw",
            met=rate_ratio is not None and rate_ratio >= RATE_TARGET,
            note=note,
        ),
        make_row(NAME, case, RAW, "time to first token", "ms", raw_first),
        make_row(
            NAME,
            case,
            TELEPRINTER,
            "time to first token",
            "ms",
            own_first,
            ratio=summarise(own_first)[0] / summarise(raw_first)[0],
            baseline=RAW,
            target=f"<= raw + {FIRST_TOKEN_TARGET_MS:.0f} ms (gap {first_gap:+.1f} ms)",
            met=first_gap <= FIRST_TOKEN_TARGET_MS,
        ),
    ]


def run(quick: bool, smoke: bool = False) -> list[Row]:
    max_tokens = 8 if smoke else 64 if quick else 256
    repeats = 1 if smoke else 3 if quick else 9
    cli_repeats = 1 if smoke or quick else 5
    raw, own, model, llama = in_process(max_tokens, repeats)
    tokens = own[0].tokens
    case = f"in-process, {tokens} tokens"
    rows = _rows(case, raw, own)
    if not smoke and not all(row.get("met") is not False for row in rows):
        rows[1]["note"] = profile_summary(model, llama)
    raw_cli, own_cli = cli(model, max_tokens, tokens, cli_repeats)
    rows += _rows(f"CLI subprocess, {tokens} tokens", raw_cli, own_cli)
    return rows


if __name__ == "__main__":
    from benchmarks.harness import table

    print(table(run(quick="--quick" in sys.argv, smoke="--smoke" in sys.argv)))
