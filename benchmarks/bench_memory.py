"""Memory: peak RSS while streaming a 1 MB answer, and while streaming 100 answers at once.

Every workload runs in a fresh child process and its peak RSS comes from ``wait4`` (the
kernel's ``ru_maxrss``), so one measurement never inherits another's heap. Each workload also
runs on a tiny answer; the difference ("growth") is what streaming the answer itself cost,
without the interpreter and the imports. Baselines stream the same replayed answer through
LangChain alone: ``model.stream()`` with no handler (the floor), and LangChain's own
``StreamingStdOutCallbackHandler`` (what the seed program does).

Run a workload by hand: ``python -m benchmarks.bench_memory MODE FILE [STREAMS]``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.bench_startup import teleprinter_command
from benchmarks.harness import ROOT, TELEPRINTER, Row, child_environment, make_row, summarise

NAME = "memory"
FLOOR = "model.stream, no handler"
SEED = "langchain StreamingStdOut"
ASYNC_FLOOR = "astream, no handler"
TINY = "ok"
FLOOR_NOTE = (
    "LangChain's BaseChatModel.stream keeps every chunk of a run until it ends (to merge them into the "
    "message it hands to on_llm_end), so even the no-handler floor grows with the answer; what teleprinter "
    "adds is the difference between its rows and the floor."
)

SENTENCE = "Tokens arrive one by one; the terminal shows each as soon as it comes, and nothing is lost. "


def answer_text(size: int) -> str:
    """About ``size`` bytes of prose: word-sized pieces, like a model's tokens."""
    return (SENTENCE * (size // len(SENTENCE) + 1))[:size]


# ---------------------------------------------------------------------------------------- child side


def _model(path: str) -> Any:
    from teleprinter.providers.replay import ReplayChatModel, load_script

    return ReplayChatModel.from_script(load_script(path).paced(float("inf")))


def _messages() -> list[Any]:
    from langchain_core.messages import HumanMessage

    return [HumanMessage("hi")]


def _stream(path: str, handler: Any = None) -> None:
    config = {"callbacks": [handler]} if handler is not None else None
    for _chunk in _model(path).stream(_messages(), config=config):
        pass


def _library(path: str) -> str:
    from teleprinter.answer import stream_answer

    return stream_answer(_model(path), _messages(), []).text


async def _concurrent(path: str, streams: int, with_teleprinter: bool) -> None:
    from teleprinter.sinks.accumulate import Accumulation
    from teleprinter.sinks.stats import Stats
    from teleprinter.sources.callbacks import EventCallbackHandler

    model = _model(path)
    accumulation = Accumulation()
    config = {"callbacks": [EventCallbackHandler(accumulation, Stats())]} if with_teleprinter else None

    async def one() -> None:
        async for _chunk in model.astream(_messages(), config=config):
            pass

    await asyncio.gather(*(one() for _ in range(streams)))
    if with_teleprinter and len(accumulation.run_ids) != streams:
        raise SystemExit(f"expected {streams} runs, accumulated {len(accumulation.run_ids)}")


def child(mode: str, path: str, streams: int = 100) -> None:
    """One workload; the parent reads its peak RSS when it exits."""
    if mode == "stream":
        _stream(path)
    elif mode == "stdout":
        from langchain_core.callbacks import StreamingStdOutCallbackHandler

        _stream(path, StreamingStdOutCallbackHandler())
    elif mode == "library":
        _library(path)
    elif mode in ("astream", "astream-teleprinter"):
        asyncio.run(_concurrent(path, streams, mode == "astream-teleprinter"))
    else:
        raise SystemExit(f"unknown mode {mode!r}")


# ---------------------------------------------------------------------------------------- parent side


LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""
"""Runs a command and prints its peak RSS (KiB) and exit code.

Linux carries the RSS high-water mark of the process that execs into the new program, so a
workload spawned straight from this (large) benchmark process would report at least our own
RSS. Forking from this small launcher keeps that floor at the launcher's few MiB instead.
"""


def peak_rss_mb(command: Sequence[str], cwd: str | Path) -> float:
    """Peak resident set size of a child process, in MiB; its stdout goes to /dev/null."""
    executable = shutil.which(command[0]) or command[0]
    result = subprocess.run(
        [sys.executable, "-c", LAUNCHER, executable, *command[1:]],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
        env=child_environment(),
        check=False,
    )
    try:
        kib, code = (int(part) for part in result.stdout.split())
    except ValueError:
        code, kib = -1, 0
    if code != 0 or result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({code}): {result.stderr[-500:]}")
    return kib / 1024


def _workload(mode: str, path: Path, streams: int, cwd: str) -> list[str]:
    if mode == "cli":
        return [*teleprinter_command(), "ask", "--provider", "replay", "--replay", str(path), "--speed", "max", "hi"]
    return [sys.executable, "-m", "benchmarks.bench_memory", mode, str(path), str(streams)]


def _measure(
    mode: str, big: Path, tiny: Path | None, streams: int, repeats: int, cwd: str
) -> tuple[list[float], list[float]]:
    """(peak MiB, growth over the tiny answer MiB) samples, big and tiny runs interleaved.

    Without ``tiny`` (smoke mode) there are no growth samples.
    """
    where = cwd if mode == "cli" else ROOT
    peaks: list[float] = []
    growths: list[float] = []
    for _ in range(repeats):
        peaks.append(peak_rss_mb(_workload(mode, big, streams, cwd), where))
        if tiny is not None:
            growths.append(peaks[-1] - peak_rss_mb(_workload(mode, tiny, streams, cwd), where))
    return peaks, growths


def _rows(
    case: str, subject: str, samples: tuple[list[float], list[float]], floor: tuple[str, float, float] | None
) -> list[Row]:
    """Peak and growth rows; ``floor`` is (baseline name, its median peak, its median growth)."""
    peaks, growths = samples
    rows = [make_row(NAME, case, subject, "peak RSS", "MiB", peaks)]
    if growths:
        rows.append(make_row(NAME, case, subject, "RSS growth over a tiny answer", "MiB", growths))
    if floor is not None:
        name, floor_peak, floor_growth = floor
        for row, base in zip(rows, (floor_peak, floor_growth), strict=False):
            row["ratio"] = row["median"] / base if base > 0 else None
            row["baseline"] = name
    return rows


def _floor(name: str, samples: tuple[list[float], list[float]]) -> tuple[str, float, float]:
    peaks, growths = samples
    return name, summarise(peaks)[0], summarise(growths)[0] if growths else 0.0


def _size(size: int) -> str:
    return f"{size / 1e6:g} MB" if size >= 1_000_000 else f"{size / 1000:g} KB"


def _smoke_rows(case_one: str, case_many: str, big: Path, each: Path, streams: int, cwd: str) -> list[Row]:
    """Every workload once, cheaply: the teleprinter ones and the floor in child processes, the
    other baselines in this process (their code must not rot, their figures do not matter)."""
    with open(os.devnull, "w", encoding="utf-8") as sink, contextlib.redirect_stdout(sink):
        child("stdout", str(big))
        child("astream", str(each), streams)
    floor_samples = _measure("stream", big, None, 1, 1, cwd)
    floor = _floor(FLOOR, floor_samples)
    rows = _rows(case_one, FLOOR, floor_samples, None)
    for label, mode in (("CLI > /dev/null", "cli"), ("library, accumulated", "library")):
        rows += _rows(f"{case_one}, {label}", TELEPRINTER, _measure(mode, big, None, 1, 1, cwd), floor)
    rows += _rows(case_many, TELEPRINTER, _measure("astream-teleprinter", each, None, streams, 1, cwd), None)
    return rows


def run(quick: bool, smoke: bool = False) -> list[Row]:
    size = 16_000 if smoke else 64_000 if quick else 1_000_000
    per_stream = 500 if smoke else 1_000 if quick else 10_000
    streams = 4 if smoke else 100
    repeats = 1 if smoke or quick else 2
    case_one = f"{_size(size)} answer"
    case_many = f"{streams} concurrent streams of {_size(per_stream)}"
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="teleprinter-bench-") as cwd:
        big, tiny, each = Path(cwd) / "big.txt", Path(cwd) / "tiny.txt", Path(cwd) / "each.txt"
        big.write_text(answer_text(size), encoding="utf-8")
        tiny.write_text(TINY, encoding="utf-8")
        each.write_text(answer_text(per_stream), encoding="utf-8")
        if smoke:
            return _smoke_rows(case_one, case_many, big, each, streams, cwd)
        floor_samples = _measure("stream", big, tiny, 1, repeats, cwd)
        floor = _floor(FLOOR, floor_samples)
        rows += _rows(case_one, FLOOR, floor_samples, None)
        rows[0]["note"] = FLOOR_NOTE
        rows += _rows(case_one, SEED, _measure("stdout", big, tiny, 1, repeats, cwd), floor)
        for label, mode in (("CLI > /dev/null", "cli"), ("library, accumulated", "library")):
            rows += _rows(f"{case_one}, {label}", TELEPRINTER, _measure(mode, big, tiny, 1, repeats, cwd), floor)
        floor_samples = _measure("astream", each, tiny, streams, repeats, cwd)
        rows += _rows(case_many, ASYNC_FLOOR, floor_samples, None)
        samples = _measure("astream-teleprinter", each, tiny, streams, repeats, cwd)
        rows += _rows(case_many, TELEPRINTER, samples, _floor(ASYNC_FLOOR, floor_samples))
    return rows


if __name__ == "__main__":
    child(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 100)
