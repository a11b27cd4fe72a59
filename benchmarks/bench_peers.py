"""Side by side with the streaming Markdown renderers people would otherwise use: Streamdown, Textual.

The same Markdown answers (prose, code, tables; 1, 16 and 64 KB in full mode, 4 KB in quick mode) are
fed in the same 4-character pieces, one every millisecond, to:

* ``teleprinter`` - ``teleprinter render`` on a 100x40 pseudo-terminal, its stdin written piece
  by piece (Streamdown's use case: ``llm "q" | teleprinter render``);
* ``Streamdown (sd)`` - ``sd`` on the same pseudo-terminal, its stdin written by the same feeder
  thread, the same pieces at the same pace;
* ``teleprinter ask (replay, via LangChain)`` - a reference row without a target:
  ``teleprinter ask --provider replay --chunk-size 4 --delay 0.001`` paces the same pieces
  itself through a LangChain chat model (``BaseChatModel.stream``, callbacks), the path a real
  model's answer takes;
* ``cat`` - the floor: the pieces shown raw, no Markdown at all (also the baseline when no
  peer is installed);
* ``Textual MarkdownStream`` - a headless Textual app (100x40) whose ``Markdown`` widget is
  fed through ``Markdown.get_stream()``, the API Textual made for streaming LLM output.

CPU is the child process's user + system time (rusage) minus the same tool's CPU for a one-word
answer, i.e. what rendering the answer cost beyond starting up. In full mode the start-up and the
1 KB answers, where that subtraction dominates, are the median of five runs (three in quick mode
for the start-up). Correctness is read from what
reached the terminal: the pseudo-terminal's bytes go into a pyte screen with scrollback, and
the words (runs of letters and digits) on it are compared with the words of the source:
*words lost* are source words missing from the screen, *words duplicated* are extra copies.
Textual draws on its own (alternate) screen inside the app, so its row has CPU only; its CPU grows
with the square of the answer, so a run past :data:`TEXTUAL_BUDGET` is stopped and reported as a
lower bound ("at least").

Peers are installed by ``make bench`` into ``.venv-bench`` (never runtime dependencies); a
peer that is not installed gets no row and a note says so. Wall-clock noise on this shared
machine barely affects CPU figures; still, treat single-digit percent differences as a tie.
"""

from __future__ import annotations

import collections
import fcntl
import json
import os
import re
import resource
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.bench_startup import teleprinter_command
from benchmarks.harness import ROOT, TELEPRINTER, Row, make_row

NAME = "peers"
WIDTH, HEIGHT = 100, 40
PIECE = 4
PACE = 0.001
BENCH_VENV = ROOT / ".venv-bench"
SD = "Streamdown (sd)"
CAT = "cat (no rendering)"
TEXTUAL = "Textual MarkdownStream"
RESOLUTION = 0.001
"""Seconds of CPU below which a figure over start-up is noise (rusage ticks; start-up varies by more)."""
WORD = re.compile(r"[A-Za-z0-9]+")

TEXTUAL_SCRIPT = """
import asyncio, json, sys, time
from textual.app import App
from textual.widgets import Markdown

pieces = json.load(open(sys.argv[1]))
pace = float(sys.argv[2])

class Feed(App):
    def compose(self):
        yield Markdown()

    async def on_mount(self):
        self.run_worker(self.feed())

    async def feed(self):
        markdown = self.query_one(Markdown)
        stream = Markdown.get_stream(markdown)
        try:
            for piece in pieces:
                await stream.write(piece)
                await asyncio.sleep(pace)
        finally:
            await stream.stop()
        self.exit()

start = time.process_time()
Feed().run(headless=True, size=(int(sys.argv[3]), int(sys.argv[4])))
print(json.dumps({"cpu": time.process_time() - start}))
"""


# ---------------------------------------------------------------------------------------- answers


def prose(size: int) -> str:
    paragraphs, number = [], 0
    while sum(map(len, paragraphs)) < size:
        paragraphs.append(
            f"Paragraph {number} explains why streaming matters: readers start at the first word, "
            f"**long answers** stay readable, and *nothing* is lost when the model pauses between tokens "
            f"number {number} and {number + 1}. The sentence goes on so that it wraps across the width.\n\n"
        )
        number += 1
    return _cut("".join(paragraphs), size)


def code(size: int) -> str:
    lines, number = ["```python\n"], 0
    while sum(map(len, lines)) < size - 4:
        lines.append(f"def handler_{number}(token: str, count: int = {number}) -> str:\n    return token * count\n")
        number += 1
    return _cut("".join(lines), size - 4) + "\n```\n"


def tables(size: int) -> str:
    rows, number = ["| name | tokens | seconds | note |\n|------|-------:|--------:|------|\n"], 0
    while sum(map(len, rows)) < size:
        rows.append(f"| run{number} | {number * 7} | {number % 60} | streamed fine {number} |\n")
        number += 1
    return _cut("".join(rows), size)


def _cut(text: str, size: int) -> str:
    """At most ``size`` characters, ending at a line end so the last line is whole."""
    cut = text[:size]
    return cut[: cut.rfind("\n") + 1] if "\n" in cut else cut


KINDS = {"prose": prose, "code": code, "tables": tables}


def source_words(text: str) -> collections.Counter[str]:
    """Words a reader should see: the code fence's language tag is not one."""
    return collections.Counter(WORD.findall(text.replace("```python", "```")))


# ---------------------------------------------------------------------------------------- running


@dataclass(frozen=True, slots=True)
class Result:
    cpu: float
    lost: int | None = None
    duplicated: int | None = None
    samples: tuple[float, ...] = ()
    stopped: bool = False  # stopped at a time budget before the end: ``cpu`` is a lower bound


def _feed(stdin: Any, pieces: Sequence[str]) -> None:
    try:
        for piece in pieces:
            stdin.write(piece.encode("utf-8"))
            stdin.flush()
            time.sleep(PACE)
    except BrokenPipeError:
        pass
    finally:
        stdin.close()


def run_on_pty(command: Sequence[str], pieces: Sequence[str] | None, env: dict[str, str]) -> tuple[float, bytes]:
    """Run ``command`` with stdout on a WIDTHxHEIGHT pseudo-terminal; (child CPU seconds, bytes it drew)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", HEIGHT, WIDTH, 0, 0))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen(
        list(command),
        stdin=subprocess.PIPE if pieces is not None else subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    os.close(slave)
    feeder = None
    if pieces is not None:
        feeder = threading.Thread(target=_feed, args=(process.stdin, pieces), daemon=True)
        feeder.start()
    data = bytearray()
    while True:
        ready, _, _ = select.select([master], [], [], 1.0)
        if not ready:
            if process.poll() is not None:
                break
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every holder of the slave closed it
            break
        if not chunk:
            break
        data += chunk
    process.wait(timeout=120)
    if feeder is not None:
        feeder.join(timeout=10)
    os.close(master)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), bytes(data)


def screen_words(data: bytes) -> collections.Counter[str]:
    """Words on a pyte screen with scrollback after feeding it ``data`` (history, then the screen)."""
    import pyte

    screen = pyte.HistoryScreen(WIDTH, HEIGHT, history=200_000, ratio=0.5)
    screen.set_mode(pyte.modes.LNM)  # a pty turns "\n" into "\r\n"; pyte gets the raw bytes, so do the same
    stream = pyte.ByteStream(screen)
    stream.feed(data)
    lines = ["".join(line[x].data for x in range(WIDTH)) for line in screen.history.top]
    lines += screen.display
    return collections.Counter(WORD.findall("\n".join(lines)))


def compare(source: collections.Counter[str], shown: collections.Counter[str]) -> tuple[int, int]:
    lost = sum(max(0, count - shown[word]) for word, count in source.items())
    duplicated = sum(max(0, count - source[word]) for word, count in shown.items() if word in source)
    return lost, duplicated


def _env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "TELEPRINTER_"))}
    env.update({"TERM": "xterm-256color", "COLUMNS": str(WIDTH), "LINES": str(HEIGHT), "TELEPRINTER_KEEP_ALIVE": "0"})
    env.pop("NO_COLOR", None)
    return env


def _pieces(text: str) -> list[str]:
    return [text[i : i + PIECE] for i in range(0, len(text), PIECE)]


def run_teleprinter(text: str) -> tuple[float, bytes]:
    """``teleprinter render`` reading the pieces from its stdin, as ``sd`` does."""
    return run_on_pty([*teleprinter_command(), "render", "--markdown"], _pieces(text), _env())


def run_ask_replay(text: str, folder: Path) -> tuple[float, bytes]:
    """``teleprinter ask --provider replay``: the same pieces paced by the replay model, through LangChain."""
    path = folder / "answer.md"
    path.write_text(text, encoding="utf-8")
    command = [*teleprinter_command(), "ask", "--provider", "replay", "--replay", str(path)]
    command += ["--chunk-size", str(PIECE), "--delay", str(PACE), "--markdown", "x"]
    return run_on_pty(command, None, _env())


def run_streamdown(text: str) -> tuple[float, bytes]:
    return run_on_pty([str(BENCH_VENV / "bin" / "sd")], _pieces(text), _env())


TEXTUAL_BUDGET = 30.0
"""Seconds a Textual run may take: its CPU grows with the square of the answer (5 s for a 1 KB table,
about 9 minutes for 16 KB here), so a run that needs more is stopped and its CPU is a lower bound."""
STOPPED: set[str] = set()
"""Cases whose Textual run was stopped at :data:`TEXTUAL_BUDGET` (their figure is "at least")."""


def run_textual(text: str, folder: Path) -> tuple[float, bool]:
    """(child CPU seconds, whether it was stopped at the budget before drawing everything)."""
    pieces = _pieces(text)
    path = folder / "pieces.json"
    path.write_text(json.dumps(pieces), encoding="utf-8")
    command = [str(BENCH_VENV / "bin" / "python"), "-c", TEXTUAL_SCRIPT, str(path), str(PACE), str(WIDTH), str(HEIGHT)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    stopped = False
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=TEXTUAL_BUDGET, env=_env(), cwd=ROOT, check=False
        )
    except subprocess.TimeoutExpired:  # run() killed and reaped it: its CPU so far is in RUSAGE_CHILDREN
        stopped = True
    else:
        if result.returncode != 0:
            raise RuntimeError(f"textual: {result.stderr.strip()[-300:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), stopped


# ---------------------------------------------------------------------------------------- rows


def available() -> dict[str, bool]:
    return {
        SD: (BENCH_VENV / "bin" / "sd").exists(),
        TEXTUAL: (BENCH_VENV / "bin" / "python").exists()
        and subprocess.run([str(BENCH_VENV / "bin" / "python"), "-c", "import textual"], check=False).returncode == 0,
    }


ASK = "teleprinter ask (replay, via LangChain)"


def _median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def start_up(have: dict[str, bool], folder: Path, repeats: int, ask: bool) -> dict[str, float]:
    """Each tool's CPU for a one-word answer (median of ``repeats``): what starting up costs, taken off every figure."""
    hi = "Hi.\n"
    runs: dict[str, Any] = {
        TELEPRINTER: lambda: run_teleprinter(hi)[0],
        CAT: lambda: run_on_pty(["cat"], [hi], _env())[0],
    }
    if ask:
        runs[ASK] = lambda: run_ask_replay(hi, folder)[0]
    if have[SD]:
        runs[SD] = lambda: run_streamdown(hi)[0]
    if have[TEXTUAL]:
        runs[TEXTUAL] = lambda: run_textual(hi, folder)[0]
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):  # interleaved, so a burst of load hits every tool alike
        for name, once in runs.items():
            samples[name].append(once())
    return {name: _median(values) for name, values in samples.items()}


def _screened(
    name: str, runs: dict[str, Any], base: dict[str, float], words: collections.Counter[str], repeats: int
) -> Result:
    cpus: list[float] = []
    lost = duplicated = 0
    for _ in range(repeats):
        cpu, data = runs[name]()
        cpus.append(max(0.0, cpu - base[name]))
        missing, extra = compare(words, screen_words(data))
        lost, duplicated = max(lost, missing), max(duplicated, extra)  # the worst run counts
    return Result(_median(cpus), lost, duplicated, tuple(cpus))


def measure(
    kind: str,
    size_kb: int,
    have: dict[str, bool],
    folder: Path,
    base: dict[str, float],
    *,
    textual: bool,
    ask: bool,
    repeats: int = 1,
) -> dict[str, Result]:
    text = KINDS[kind](size_kb * 1024)
    words = source_words(text)
    pieces = _pieces(text)
    runs: dict[str, Any] = {
        TELEPRINTER: lambda: run_teleprinter(text),
        CAT: lambda: run_on_pty(["cat"], pieces, _env()),
    }
    if have[SD]:
        runs[SD] = lambda: run_streamdown(text)
    if ask:
        runs[ASK] = lambda: run_ask_replay(text, folder)
    if repeats > 1:  # a small answer costs little more than starting up: take start-up right next to it
        nearby = start_up({**have, TEXTUAL: False}, folder, repeats, ask)
        base = {**base, **nearby}
    results = {name: _screened(name, runs, base, words, repeats if name != ASK else 1) for name in runs}
    if have[TEXTUAL] and textual:
        spent, stopped = run_textual(text, folder)
        cpu = max(0.0, spent - base[TEXTUAL])
        results[TEXTUAL] = Result(cpu, samples=(cpu,), stopped=stopped)
    return results


def run(quick: bool, smoke: bool = False) -> list[Row]:
    sizes = (1,) if smoke else (4,) if quick else (1, 16, 64)  # below ~4 KB start-up noise swamps rendering
    textual_max = 4 if smoke or quick else 64  # in full mode a run longer than TEXTUAL_BUDGET is stopped
    kinds = ("prose",) if smoke else tuple(KINDS)
    have = available()
    if os.environ.get("BENCH_PEERS_NO_TEXTUAL"):  # while iterating on teleprinter: Textual takes minutes
        have[TEXTUAL] = False
    ask = not smoke  # the reference row through LangChain: ~1 s of CPU a run, so once per case (quick: prose only)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="tp-peers-") as folder:
        base = start_up(have, Path(folder), 1 if smoke else 3 if quick else 5, ask)
        for kind in kinds:
            for size in sizes:
                textual = size <= textual_max and (kind == "prose" or not quick)  # tables: 5 s of CPU at 1 KB
                repeats = 5 if size == 1 and not (quick or smoke) else 1
                reference = ask and (kind == "prose" or not quick)
                results = measure(kind, size, have, Path(folder), base, textual=textual, ask=reference, repeats=repeats)
                rows += _rows(f"{kind}, {size} KB", results)
    missing = [name for name, present in have.items() if not present]
    if missing and rows:
        rows[0]["note"] = f"not installed (run `make bench`): {', '.join(missing)}"
    return rows


def _rows(case: str, results: dict[str, Result]) -> list[Row]:
    peers = {name: result for name, result in results.items() if name not in (TELEPRINTER, CAT, ASK)}
    own = results[TELEPRINTER]
    best_name = min(peers, key=lambda name: peers[name].cpu) if peers else None
    rows: list[Row] = []
    references = [(ASK, results[ASK])] if ASK in results else []
    for name, result in [(CAT, results[CAT]), *peers.items(), *references]:
        note = f"stopped after {TEXTUAL_BUDGET:.0f} s: at least this much" if result.stopped else None
        samples = list(result.samples or (result.cpu,))
        rows.append(make_row(NAME, case, name, "CPU over start-up", "s", samples, note=note))
        if result.lost is not None:
            rows.append(make_row(NAME, case, name, "words lost", "count", [float(result.lost)]))
            rows.append(make_row(NAME, case, name, "words duplicated", "count", [float(result.duplicated or 0)]))
    extra: dict[str, Any] = {}
    if best_name is not None:
        best = peers[best_name].cpu
        extra = {
            "ratio": max(own.cpu, RESOLUTION) / max(best, RESOLUTION),  # 0 s: lost in the start-up noise
            "baseline": best_name,
            "target": f"<= best peer's CPU ({best_name})",
            "met": own.cpu <= best,
        }
    rows.append(make_row(NAME, case, TELEPRINTER, "CPU over start-up", "s", list(own.samples or (own.cpu,)), **extra))
    rows.append(
        make_row(
            NAME, case, TELEPRINTER, "words lost", "count", [float(own.lost or 0)], target="0", met=own.lost == 0
        )
    )
    rows.append(make_row(NAME, case, TELEPRINTER, "words duplicated", "count", [float(own.duplicated or 0)]))
    return rows


if __name__ == "__main__":
    from benchmarks.harness import table

    print(table(run(quick="--quick" in sys.argv, smoke="--smoke" in sys.argv)))
