"""Side by side with ``llm`` + ``llm-gguf`` on the same GGUF file: first token and tokens/s, cold and warm.

``llm`` (simonw/llm) with the ``llm-gguf`` plugin loads the GGUF in every call: a fresh
``llm -m gguf/... PROMPT`` is its only mode, so its "cold" run is the first call (model file
possibly out of the page cache) and "warm" the later calls (file cached). teleprinter's cold
run starts the model worker in a fresh runtime directory; its warm runs find the worker with
the model loaded. Every run is a fresh process; first token is the first byte on stdout;
tokens/s is the generation rate after it, the answer's text counted in the model's tokens
(``llm-gguf`` formats the prompt with the GGUF's chat template and has no max-tokens option,
so the two answers differ in text and length).

``llm`` lives in ``.venv-bench`` (``make bench``), registered in a private ``LLM_USER_PATH``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.bench_startup import teleprinter_command
from benchmarks.bench_worker import Runtime, _environment
from benchmarks.harness import ROOT, TELEPRINTER, Row, make_row, summarise

NAME = "llm"
LLM = "llm + llm-gguf"
PROMPT = "What is the capital of France?"
BENCH_VENV = ROOT / ".venv-bench"
MODEL_ID = "teleprinter-bench-gemma"


def arrivals(command: Sequence[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(first byte, last byte) seconds after the spawn, and stdout's text, of one fresh process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        list(command), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env, cwd=ROOT
    )
    assert process.stdout is not None
    first = last = 0.0
    data = bytearray()
    while chunk := os.read(process.stdout.fileno(), 65536):
        last = time.perf_counter() - start
        first = first or last
        data += chunk
    process.stdout.close()
    if process.wait() != 0 or not data:
        raise RuntimeError(f"{command[0]} exited with {process.returncode} and {len(data)} bytes")
    return first, last, data.decode("utf-8", "replace")


class Tokenizer:
    """The GGUF's own tokenizer (vocabulary only, no weights), to count answer tokens."""

    def __init__(self, path: str) -> None:
        import llama_cpp

        self.llama = llama_cpp.Llama(model_path=path, vocab_only=True, verbose=False)

    def count(self, text: str) -> int:
        return len(self.llama.tokenize(text.strip().encode("utf-8"), add_bos=False))

    def close(self) -> None:
        self.llama.close()


def _rate(first: float, last: float, tokens: int) -> float:
    return (tokens - 1) / (last - first) if tokens > 1 and last > first else 0.0


def _llm_env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env["LLM_USER_PATH"] = str(home)
    return env


def run(quick: bool, smoke: bool = False) -> list[Row]:
    llm = BENCH_VENV / "bin" / "llm"
    if not llm.exists():
        return [_missing()]
    from teleprinter.providers.llama_loader import resolve_model_path

    path = resolve_model_path(None)
    repeats = 1 if smoke or quick else 5
    tokenizer = Tokenizer(path)
    samples: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="tp-llm-") as home:
        env = _llm_env(Path(home))
        register = [str(llm), "gguf", "register-model", MODEL_ID, path, "--n-ctx", "2048"]
        subprocess.run(register, env=env, check=True, capture_output=True, timeout=120)
        llm_command = [str(llm), "-m", f"gguf/{MODEL_ID}", PROMPT]
        ask = [*teleprinter_command(), "ask", "--provider", "local", PROMPT, "--max-tokens", "64"]
        runtime = Runtime()
        try:
            for number in range(repeats + 1):
                phase = "cold" if number == 0 else "warm"
                sides: list[tuple[str, Sequence[str], dict[str, str]]] = [
                    (LLM, llm_command, env),
                    (TELEPRINTER, ask, _environment(runtime.root, "120")),
                ]
                for subject, command, side_env in sides if number % 2 == 0 else reversed(sides):
                    first, last, text = arrivals(command, side_env)
                    samples.setdefault((phase, subject), []).append((first, _rate(first, last, tokenizer.count(text))))
        finally:
            runtime.remove()
            tokenizer.close()
    return _rows(samples)


def _rows(samples: dict[tuple[str, str], list[tuple[float, float]]]) -> list[Row]:
    rows: list[Row] = []
    for phase in ("cold", "warm"):
        case = f"{phase}: fresh process, same GGUF"
        for metric, unit, pick, scale in (
            ("time to first token", "ms", 0, 1000.0),
            ("tokens/s after the first", "tok/s", 1, 1.0),
        ):
            values = {subject: [s[pick] * scale for s in samples[(phase, subject)]] for subject in (LLM, TELEPRINTER)}
            rows.append(make_row(NAME, case, LLM, metric, unit, values[LLM]))
            own, theirs = summarise(values[TELEPRINTER])[0], summarise(values[LLM])[0]
            extra: dict[str, Any] = {"ratio": own / theirs if theirs else None, "baseline": LLM}
            if pick == 0:
                extra.update(target=f"<= {LLM}", met=own <= theirs)
            rows.append(make_row(NAME, case, TELEPRINTER, metric, unit, values[TELEPRINTER], **extra))
    return rows


def _missing() -> Row:
    return make_row(
        NAME, "not run", LLM, "installed", "count", [0.0], note="llm is not installed: run `make bench` (.venv-bench)"
    )


if __name__ == "__main__":
    from benchmarks.harness import table

    print(table(run(quick="--quick" in sys.argv, smoke="--smoke" in sys.argv)))
