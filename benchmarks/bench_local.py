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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.bench_startup import importtime_command, parse_importtime, teleprinter_command
from benchmarks.harness import TELEPRINTER, Row, child_environment, make_row, neutral_directory, summarise

NAME = "local"
RAW = "raw llama_cpp"
COUNT_PROMPT = ", ".join(str(n) for n in range(1, 34)) + ","
RATE_TARGET = 0.97
FIRST_TOKEN_TARGET_MS = 20.0


@dataclass(frozen=True, slots=True)
class Sample:
    """One streamed completion, timed from outside and, in-process, from inside llama's stream.

    ``first_token`` and ``rate`` are wall-clock, what a user sees. In-process, a tap on
    ``Llama.create_completion`` also gives ``before_first``: the time spent outside llama.cpp
    before the first token reached the consumer (setting up the run, then carrying the first
    piece to the sink), and ``per_token``: the time the consumer kept llama.cpp waiting for
    each piece (callbacks, chunk objects, sinks). Both are the streaming layer's own cost, so
    other processes slowing the model down barely move them.
    """

    first_token: float
    rate: float
    tokens: int
    text: str
    before_first: float | None = None
    per_token: float | None = None


def _sample(start: float, times: Sequence[float], pieces: Sequence[str], tap: _Tap | None = None) -> Sample:
    """Timing from the first *visible* piece: a leading space is not something a reader sees."""
    visible = next((number for number, piece in enumerate(pieces) if piece.strip()), None)
    if visible is None:
        raise RuntimeError("the model produced no visible text")
    times = times[visible:]
    span = times[-1] - times[0]
    rate = (len(times) - 1) / span if span > 0 and len(times) > 1 else 0.0
    text = "".join(pieces[visible:])
    if tap is None or tap.first_visible is None:
        return Sample(times[0] - start, rate, len(times), text)
    before_first = (tap.called - start) + (times[0] - tap.first_visible)
    waits = [resumed - yielded for yielded, resumed in zip(tap.yields, tap.resumes, strict=False)]
    return Sample(times[0] - start, rate, len(times), text, before_first, sum(waits) / len(waits))


# ---------------------------------------------------------------------------------------- in-process


class _Tap:
    """Wraps ``create_completion``: when it was called, when each piece left it, when it was asked for more."""

    def __init__(self, create: Callable[..., Any]) -> None:
        self.create = create
        self.called = 0.0
        self.first_visible: float | None = None
        self.yields: list[float] = []
        self.resumes: list[float] = []

    def __call__(self, **args: Any) -> Iterator[Any]:
        self.called = time.perf_counter()
        for part in self.create(**args):
            text = part["choices"][0]["text"]
            if not text:
                yield part
                continue
            self.yields.append(time.perf_counter())
            if self.first_visible is None and text.strip():
                self.first_visible = self.yields[-1]
            yield part
            self.resumes.append(time.perf_counter())


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
    tap = _Tap(llama.create_completion)
    times: list[float] = []
    pieces: list[str] = []
    start = time.perf_counter()
    for part in tap(**args):
        text = part["choices"][0]["text"]
        if text:
            sink.write(text)
            sink.flush()
            times.append(time.perf_counter())
            pieces.append(text)
    return _sample(start, times, pieces, tap)


def teleprinter_once(model: Any, llama: Any, sink: io.TextIOBase) -> Sample:
    """teleprinter's ask path in-process: stream_answer into the plain renderer, stats and accumulator."""
    from teleprinter.answer import stream_answer
    from teleprinter.render.plain import PlainRenderer
    from teleprinter.sinks.stats import Stats

    llama.reset()
    tap = _Tap(llama.create_completion)
    clock = _Clock()
    renderer = PlainRenderer(sink)  # type: ignore[arg-type]
    llama.create_completion = tap  # this instance only, for this run
    try:
        start = time.perf_counter()
        stream_answer(model, _messages(), [renderer, clock], stats=Stats())
        renderer.close()
    finally:
        del llama.create_completion
    return _sample(start, clock.times, clock.pieces, tap)


def in_process(max_tokens: int, repeats: int) -> tuple[list[Sample], list[Sample], Any, Any]:
    """(raw samples, teleprinter samples, model, llama), alternating which side goes first."""
    model = _model(max_tokens)
    loaded = model._llama()
    llama = getattr(loaded, "llama", loaded)  # the shared Llama, bare or wrapped with its lock
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
    stats.sort_stats("tottime").print_stats(r"langchain_core|teleprinter|pydantic|uuid|contextvars", lines)
    body = out.getvalue()
    start = body.find("ncalls")
    return (
        "cProfile of one in-process teleprinter run (llama.cpp's own time left out), top functions by own time:\n"
        + body[start:].rstrip()
    )


# ---------------------------------------------------------------------------------------- CLI

RAW_SCRIPT = """
import json, sys
from llama_cpp import Llama
path, settings, args = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
llama = Llama(model_path=path, verbose=False, **settings)
out, started = sys.stdout, False
for part in llama.create_completion(**args):
    text = part["choices"][0]["text"]
    text = text if started else text.lstrip()  # the answer starts at its first visible character
    if text:
        started = True
        out.write(text)
        out.flush()
"""


def _arrivals(command: Sequence[str]) -> tuple[float, list[float], str]:
    """Spawn; return (start, arrival time of each read from stdout, text)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        list(command), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        cwd=neutral_directory(), env=child_environment(),
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


def cli_commands(model: Any, llama: Any, max_tokens: int) -> tuple[list[str], list[str]]:
    """(raw script, teleprinter ask): the raw script loads the same file with the same settings."""
    args = model._completion_args(_messages(), None)
    args["max_tokens"] = max_tokens
    settings = {"n_ctx": llama.n_ctx(), "n_threads": llama.n_threads, "n_threads_batch": llama.n_threads_batch}
    raw_command = [sys.executable, "-c", RAW_SCRIPT, llama.model_path, json.dumps(settings), json.dumps(args)]
    # --keep-alive 0: the in-process path, model loaded in the ask process (bench_worker measures the worker)
    own_command = [*teleprinter_command(), "ask", COUNT_PROMPT, "--max-tokens", str(max_tokens), "--keep-alive", "0"]
    return raw_command, own_command


def cli(raw_command: list[str], own_command: list[str], tokens: int, repeats: int) -> tuple[list[Sample], list[Sample]]:
    """Fresh processes, alternating which side goes first."""
    raw: list[Sample] = []
    own: list[Sample] = []
    for number in range(repeats):
        pairs = [(raw, raw_command), (own, own_command)]
        for samples, command in pairs if number % 2 == 0 else reversed(pairs):
            samples.append(_cli_sample(command, tokens))
    return raw, own


def import_profile(raw_command: list[str], own_command: list[str]) -> str:
    """``-X importtime`` of both CLI sides: what each imports before it can load the model."""
    raw = [raw_command[0], "-X", "importtime", *raw_command[1:]]
    own = importtime_command(teleprinter_command(), own_command[len(teleprinter_command()) :])
    lines = []
    for label, command in (("raw script", raw), ("teleprinter ask", own)):
        result = subprocess.run(
            command, capture_output=True, text=True, cwd=neutral_directory(), env=child_environment(),
            stdin=subprocess.DEVNULL, check=False,
        )
        _, top = parse_importtime(result.stderr)
        total = sum(micros for micros, _ in top) / 1000
        costly = ", ".join(f"{name} {micros / 1000:.0f} ms" for micros, name in top[:4])
        lines.append(f"{label} imports for {total:.0f} ms ({costly})")
    return (
        "CLI first token, python -X importtime: "
        + "; ".join(lines)
        + ". Loading the model and evaluating the prompt are the same llama.cpp calls on both sides."
    )


# ---------------------------------------------------------------------------------------- rows


def _paired(own: Sequence[float], raw: Sequence[float], combine: Callable[[float, float], float]) -> float:
    """Median over the alternating pairs: noise that hits one pair hits both of its sides."""
    return summarise([combine(o, r) for o, r in zip(own, raw, strict=True)])[0]


def _same_text(raw: Sequence[Sample], own: Sequence[Sample]) -> bool:
    """teleprinter drops the space llama.cpp puts before the first word; otherwise texts must agree."""
    first = raw[0].text.strip()
    return all(sample.text.strip() == first for sample in [*raw, *own])


def _rows(case: str, raw: list[Sample], own: list[Sample]) -> list[Row]:
    raw_first = [s.first_token * 1000 for s in raw]
    own_first = [s.first_token * 1000 for s in own]
    raw_rate = [s.rate for s in raw]
    own_rate = [s.rate for s in own]
    rate_ratio = _paired(own_rate, raw_rate, lambda o, r: o / r if r else 0.0)
    first_gap = _paired(own_first, raw_first, lambda o, r: o - r)
    note = None
    if not _same_text(raw, own):
        note = f"{case}: teleprinter and raw texts differ ({own[0].tokens} vs {raw[0].tokens} tokens)"
    rows = [
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
            met=rate_ratio >= RATE_TARGET,
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
            ratio=_paired(own_first, raw_first, lambda o, r: o / r if r else 0.0),
            baseline=RAW,
            target=f"<= raw + {FIRST_TOKEN_TARGET_MS:.0f} ms (paired gap {first_gap:+.1f} ms)",
            met=first_gap <= FIRST_TOKEN_TARGET_MS,
        ),
    ]
    if all(sample.per_token is not None for sample in [*raw, *own]):
        rows += _inside_rows(case, raw, own)
    return rows


def _inside_rows(case: str, raw: list[Sample], own: list[Sample]) -> list[Row]:
    """The streaming layer's own cost, measured inside llama's stream, and the targets judged on it."""
    raw_wait = [s.per_token * 1e6 for s in raw if s.per_token is not None]
    own_wait = [s.per_token * 1e6 for s in own if s.per_token is not None]
    raw_before = [s.before_first * 1000 for s in raw if s.before_first is not None]
    own_before = [s.before_first * 1000 for s in own if s.before_first is not None]
    model_time = 1e6 / summarise([s.rate for s in raw])[0]  # us per token, llama.cpp + the raw loop
    extra_wait = summarise(own_wait)[0] - summarise(raw_wait)[0]
    rate_ratio = model_time / (model_time + extra_wait)
    extra_before = summarise(own_before)[0] - summarise(raw_before)[0]
    return [
        make_row(NAME, case, RAW, "consumer time per token", "us", raw_wait),
        make_row(
            NAME,
            case,
            TELEPRINTER,
            "consumer time per token",
            "us",
            own_wait,
            ratio=summarise(own_wait)[0] / summarise(raw_wait)[0],
            baseline=RAW,
            target=f">= {RATE_TARGET:.0%} of raw tok/s (implied {rate_ratio:.1%})",
            met=rate_ratio >= RATE_TARGET,
        ),
        make_row(NAME, case, RAW, "time outside llama.cpp before first token", "ms", raw_before),
        make_row(
            NAME,
            case,
            TELEPRINTER,
            "time outside llama.cpp before first token",
            "ms",
            own_before,
            ratio=summarise(own_before)[0] / summarise(raw_before)[0],
            baseline=RAW,
            target=f"<= raw + {FIRST_TOKEN_TARGET_MS:.0f} ms (gap {extra_before:+.1f} ms)",
            met=extra_before <= FIRST_TOKEN_TARGET_MS,
        ),
    ]


def run(quick: bool, smoke: bool = False) -> list[Row]:
    max_tokens = 8 if smoke else 48 if quick else 160
    repeats = 1 if smoke else 2 if quick else 7
    cli_repeats = 1 if smoke or quick else 3
    raw, own, model, llama = in_process(max_tokens, repeats)
    tokens = own[0].tokens
    case = f"in-process, {tokens} tokens"
    rows = _rows(case, raw, own)
    if not smoke and any(row.get("met") is False for row in rows):
        rows[1]["note"] = profile_summary(model, llama)
    commands = cli_commands(model, llama, max_tokens)
    raw_cli, own_cli = cli(*commands, tokens, cli_repeats)
    cli_rows = _rows(f"CLI subprocess, {tokens} tokens", raw_cli, own_cli)
    if not smoke and cli_rows[3].get("met") is False:
        cli_rows[3]["note"] = import_profile(*cli_commands(model, llama, 4))
    _release(llama)
    return rows + cli_rows


def _release(llama: Any) -> None:
    """Free the model now: left to interpreter shutdown, llama_cpp's ``__del__`` fails noisily."""
    from teleprinter.providers import llama_loader

    models = getattr(llama_loader, "_models", {})
    for key, loaded in list(models.items()):
        if getattr(loaded, "llama", loaded) is llama:
            del models[key]
    llama.close()


if __name__ == "__main__":
    from benchmarks.harness import table

    print(table(run(quick="--quick" in sys.argv, smoke="--smoke" in sys.argv)))
