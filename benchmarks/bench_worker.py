"""Instant answers: ``teleprinter ask`` on the embedded model, cold and warm, against raw llama_cpp.

Cold (nothing running): ``teleprinter ask`` in a fresh runtime directory, so it starts the model
worker, against a raw script that imports llama_cpp, loads the same GGUF with the same settings
(prompt threads chosen from the load average as teleprinter does; a second raw row keeps
llama-cpp-python's default of every core, for reference) and streams the same completion; all
are fresh processes spawned in alternating order, and the worker is stopped (and waited for)
after each run so no run goes beside a leftover.
Target: first token within 1.25x of the raw script's.

Warm (a worker already has the model): ``teleprinter ask`` as a fresh process against the raw
*in-process* prompt evaluation alone: ``create_completion`` on an already loaded ``Llama``
in this process, timed to its first visible piece (no start-up, no load, no import). Target:
within 1.2x. Both evaluate the prompt from scratch (``Llama.reset()``), as the worker does.

The in-process path (``--keep-alive 0``: LangChain imported, the model loaded in the process)
has its own row for reference. ``ask --debug``'s per-phase timeline of one cold and one warm
answer is kept as a note. Wall-clock on a shared machine: trust the paired ratios.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.bench_local import RAW_SCRIPT
from benchmarks.bench_startup import teleprinter_command
from benchmarks.harness import ROOT, TELEPRINTER, Row, make_row, summarise

NAME = "worker"
RAW_CLI = "raw llama_cpp script"
RAW_DEFAULT = "raw llama_cpp script, llama-cpp-python's default threads"
RAW_EVAL = "raw in-process prompt evaluation"
PROMPT = "In one sentence, why is the sky blue?"
PARAGRAPH_PROMPT = (
    "Summarise this in one sentence: Streaming shows a model's answer while it is being written. "
    "Instead of waiting several seconds for the whole reply, the reader sees the first words at once and "
    "can stop the answer early when it goes the wrong way. A terminal client has to keep the partial "
    "text readable: it wraps long lines, keeps wide characters aligned, draws Markdown as it arrives and "
    "never loses or repeats a word, even when the window is resized or the output goes into a pipe."
)
"""A second warm case: a question with a paragraph in it (about 110 prompt tokens), as users often ask."""
FLOOR = "python -c 'import socket, json' (any Python client's floor)"
COLD_TARGET = 1.25
WARM_TARGET = 1.2


def _completion(max_tokens: int, prompt: str = PROMPT) -> dict[str, Any]:
    from teleprinter.providers.llama_stream import completion_args, conversation_text

    return completion_args(conversation_text([("human", prompt)]), max_tokens=max_tokens)


def _model_path() -> str:
    from teleprinter.providers.llama_loader import resolve_model_path

    return resolve_model_path(None)


def _environment(runtime: Path | None, keep_alive: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "TELEPRINTER_"))}
    env["TELEPRINTER_KEEP_ALIVE"] = keep_alive
    if runtime is not None:
        env["XDG_RUNTIME_DIR"] = str(runtime)
    return env


LAST_CPU: list[float] = [0.0]
"""User + system CPU seconds of the last process :func:`first_byte` ran (its own, not its worker's)."""


def first_byte(command: Sequence[str], env: dict[str, str] | None = None) -> tuple[float, str, str]:
    """(seconds from spawn to the first stdout byte, stdout, stderr) of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(
        list(command),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        cwd=ROOT,
        env=env,
    )
    assert process.stdout is not None and process.stderr is not None
    first: float | None = None
    data = bytearray()
    while chunk := os.read(process.stdout.fileno(), 65536):
        if first is None:
            first = time.perf_counter() - start
        data += chunk
    err = process.stderr.read().decode("utf-8", "replace")
    process.stdout.close()
    process.stderr.close()
    code = process.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_CPU[0] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if code != 0 or first is None:
        raise RuntimeError(f"{command[0]} exited with {process.returncode}: {err.strip()[-300:]}")
    return first, data.decode("utf-8", "replace"), err


class Runtime:
    """A fresh private ``XDG_RUNTIME_DIR``; :meth:`stop` ends its worker and waits for it."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="tpb-", dir="/tmp"))
        self.root.chmod(0o700)

    def stop(self) -> None:
        lock = self.root / "teleprinter" / "worker.lock"
        with contextlib.suppress(OSError, ValueError):
            pid = int(lock.read_text().strip())
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
                if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                    break
                time.sleep(0.02)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def _ask(max_tokens: int, *extra: str, prompt: str = PROMPT) -> list[str]:
    return [*teleprinter_command(), "ask", "--provider", "local", *extra, prompt, "--max-tokens", str(max_tokens)]


def _raw_command(max_tokens: int, same_threads: bool = True) -> list[str]:
    """The raw script; ``same_threads``: prompt threads chosen as teleprinter chooses them right now
    (``llama_loader.batch_threads``), else llama-cpp-python's default (every core)."""
    from teleprinter.providers.llama_loader import DEFAULT_N_CTX, batch_threads, default_threads

    threads = default_threads()
    batch = max(threads, batch_threads()) if same_threads else max(threads, os.cpu_count() or 1)
    settings = {"n_ctx": DEFAULT_N_CTX, "n_threads": threads, "n_threads_batch": batch}
    args = _completion(max_tokens)
    return [sys.executable, "-c", RAW_SCRIPT, _model_path(), json.dumps(settings), json.dumps(args)]


def cold_pairs(max_tokens: int, repeats: int) -> dict[str, list[float]]:
    """First-byte seconds of: the raw script (same thread choice, and default threads), a cold
    ``ask`` through a new worker, and ``ask --keep-alive 0`` (in-process)."""
    samples: dict[str, list[float]] = {"raw": [], "raw default": [], "cold": [], "in-process": []}

    def cold_once() -> None:
        runtime = Runtime()
        try:
            samples["cold"].append(first_byte(_ask(max_tokens), _environment(runtime.root, "60"))[0])
        finally:
            runtime.remove()

    sides: list[Callable[[], None]] = [
        lambda: samples["raw"].append(first_byte(_raw_command(max_tokens))[0]),
        cold_once,
        lambda: samples["raw default"].append(first_byte(_raw_command(max_tokens, same_threads=False))[0]),
        lambda: samples["in-process"].append(first_byte(_ask(max_tokens), _environment(None, "0"))[0]),
    ]
    for number in range(repeats):
        for side in sides if number % 2 == 0 else reversed(sides):
            side()
    return samples


def _raw_eval(llama: Any, args: dict[str, Any]) -> float:
    """Seconds from ``create_completion`` to its first visible piece, on a loaded model."""
    llama.reset()
    start = time.perf_counter()
    stream = llama.create_completion(**args)
    try:
        for part in stream:
            if part["choices"][0]["text"].strip():
                return time.perf_counter() - start
    finally:
        stream.close()
    raise RuntimeError("the model produced no visible text")


class Warm:
    """Samples of the warm comparison, paired run by run (seconds)."""

    def __init__(self) -> None:
        self.raw: list[float] = []  # raw in-process prompt evaluation, short question
        self.warm: list[float] = []  # warm ask first byte, short question
        self.raw_long: list[float] = []  # the same two with the paragraph prompt
        self.warm_long: list[float] = []
        self.warm_cpu: list[float] = []  # CPU of each warm ask process (short question)
        self.bare_cpu: list[float] = []  # CPU of python -c print()
        self.floor: list[float] = []  # time to exit of python -c "import socket, json"
        self.timelines: list[str] = []


def warm_pairs(max_tokens: int, repeats: int) -> Warm:
    """Warm ``ask`` against the raw in-process prompt evaluation, for the short question and the
    paragraph prompt, plus the client's CPU and a Python client's floor; ``--debug`` timelines."""
    from teleprinter.providers.llama_loader import load_llama

    llama = load_llama(_model_path()).llama
    args, long_args = _completion(max_tokens), _completion(max_tokens, PARAGRAPH_PROMPT)
    _raw_eval(llama, args)  # warm-up: code paths and caches
    runtime = Runtime()
    env = _environment(runtime.root, "120")
    samples = Warm()

    def warm_once() -> None:
        samples.warm.append(first_byte(_ask(max_tokens), env)[0])
        samples.warm_cpu.append(LAST_CPU[0])
        first_byte([sys.executable, "-c", "print()"])
        samples.bare_cpu.append(LAST_CPU[0])
        samples.warm_long.append(first_byte(_ask(max_tokens, prompt=PARAGRAPH_PROMPT), env)[0])
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import socket, json"], check=True, env=env)
        samples.floor.append(time.perf_counter() - start)

    def raw_once() -> None:
        samples.raw.append(_raw_eval(llama, args))
        samples.raw_long.append(_raw_eval(llama, long_args))

    try:
        cold = first_byte(_ask(max_tokens, "--debug"), env)[2]
        samples.timelines.append(_timeline(cold, "cold (starts the worker)"))
        for number in range(repeats):
            sides: list[Callable[[], None]] = [raw_once, warm_once]
            for side in sides if number % 2 == 0 else reversed(sides):
                side()
        samples.timelines.append(_timeline(first_byte(_ask(max_tokens, "--debug"), env)[2], "warm"))
    finally:
        runtime.remove()
        _release(llama)
    return samples


def _timeline(stderr: str, label: str) -> str:
    lines = stderr.splitlines()
    start = next((number for number, line in enumerate(lines) if line.startswith("teleprinter: timeline")), None)
    if start is None:
        return f"ask --debug, {label}: no timeline"
    return f"ask --debug, {label}:\n" + "\n".join(lines[start + 1 :])


def _release(llama: Any) -> None:
    from teleprinter.providers import llama_loader

    for key, loaded in list(llama_loader._models.items()):
        if loaded.llama is llama:
            del llama_loader._models[key]
    llama.close()


def in_ms(seconds: Sequence[float]) -> list[float]:
    return [x * 1000.0 for x in seconds]


def _ratio(own: Sequence[float], base: Sequence[float]) -> float:
    """Median of the pairwise ratios: noise that hits one pair hits both of its sides."""
    return summarise([o / b for o, b in zip(own, base, strict=False) if b > 0])[0]


def run(quick: bool, smoke: bool = False) -> list[Row]:
    max_tokens = 4 if smoke else 8
    cold_repeats = 1 if smoke or quick else 5
    warm_repeats = 1 if smoke else 2 if quick else 9
    cold_samples = cold_pairs(max_tokens, cold_repeats)
    raw, cold, in_process = cold_samples["raw"], cold_samples["cold"], cold_samples["in-process"]
    samples = warm_pairs(max_tokens, warm_repeats)
    raw_eval, warm, timelines = samples.raw, samples.warm, samples.timelines
    warm_cpu, bare_cpu = samples.warm_cpu, samples.bare_cpu
    ms = 1000.0
    cold_ratio, warm_ratio = _ratio(cold, raw), _ratio(warm, raw_eval)
    long_ratio = _ratio(samples.warm_long, samples.raw_long)
    case_long = "warm ask, a paragraph in the prompt (~110 tokens)"
    case_cold, case_warm = "cold ask (nothing running)", "warm ask (worker has the model)"
    rows = [
        make_row(NAME, case_cold, RAW_CLI, "time to first token", "ms", [x * ms for x in raw]),
        make_row(
            NAME,
            case_cold,
            TELEPRINTER,
            "time to first token",
            "ms",
            [x * ms for x in cold],
            ratio=cold_ratio,
            baseline=RAW_CLI,
            target=f"<= {COLD_TARGET}x {RAW_CLI}",
            met=cold_ratio <= COLD_TARGET,
        ),
        make_row(NAME, case_cold, RAW_DEFAULT, "time to first token", "ms", in_ms(cold_samples["raw default"])),
        make_row(
            NAME,
            "in-process ask (--keep-alive 0), for reference",
            TELEPRINTER,
            "time to first token",
            "ms",
            [x * ms for x in in_process],
            ratio=_ratio(in_process, raw),
            baseline=RAW_CLI,
        ),
        make_row(NAME, case_warm, RAW_EVAL, "time to first token", "ms", [x * ms for x in raw_eval]),
        make_row(
            NAME,
            case_warm,
            TELEPRINTER,
            "time to first token",
            "ms",
            [x * ms for x in warm],
            ratio=warm_ratio,
            baseline=RAW_EVAL,
            target=f"<= {WARM_TARGET}x {RAW_EVAL}",
            met=warm_ratio <= WARM_TARGET,
            note="\n\n".join(timelines),
        ),
        make_row(
            NAME,
            case_warm,
            FLOOR,
            "time to exit",
            "ms",
            in_ms(samples.floor),
            ratio=_ratio(samples.floor, raw_eval),
            baseline=RAW_EVAL,
        ),
        make_row(NAME, case_long, RAW_EVAL, "time to first token", "ms", in_ms(samples.raw_long)),
        make_row(
            NAME,
            case_long,
            TELEPRINTER,
            "time to first token",
            "ms",
            in_ms(samples.warm_long),
            ratio=long_ratio,
            baseline=RAW_EVAL,
            target=f"<= {WARM_TARGET}x {RAW_EVAL}",
            met=long_ratio <= WARM_TARGET,
        ),
        make_row(NAME, "warm ask, the client process", "bare python (print)", "CPU", "ms", [x * ms for x in bare_cpu]),
        make_row(
            NAME,
            "warm ask, the client process",
            TELEPRINTER,
            "CPU",
            "ms",
            [x * ms for x in warm_cpu],
            ratio=_ratio(warm_cpu, bare_cpu),
            baseline="bare python (print)",
            note="CPU of the client process alone (user + system, from rusage): steadier than wall-clock on a "
            "loaded machine; what it adds over a bare interpreter is the client's own cost on the warm path",
        ),
    ]
    return rows


if __name__ == "__main__":
    from benchmarks.harness import table

    print(table(run(quick="--quick" in sys.argv, smoke="--smoke" in sys.argv)))
