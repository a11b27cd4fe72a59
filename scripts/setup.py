"""Set up ``.venv`` for the README's commands, saying what happens and how long the slow step takes.

Run by ``make`` with the system's ``python3`` (standard library only, so it works before any
install). The steps: check the Python version, create the virtual environment, install
teleprinter with pip. pip's verbose output goes to ``.venv/setup.log``; the terminal gets one
line per step and, while llama-cpp-python compiles llama.cpp (about 5 minutes, once: pip
caches the wheel), a heartbeat with the elapsed time and the build's own percentage. A failed
step ends with one line naming what is missing (``python3-venv``, ``g++``, ``cmake``...) and
exit code 1.

    python3 scripts/setup.py --venv .venv [--extras dev]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

MIN_PYTHON = (3, 11)
ROOT = Path(__file__).resolve().parent.parent
BUILD_STARTS = re.compile(r"Building wheel for llama[-_]cpp[-_]python")
CACHED = re.compile(r"(Using cached|Processing) .*llama_cpp_python")
PERCENT = re.compile(r"^\s*\[\s*(\d{1,3})%\]")  # cmake's Makefile generator: "[ 45%] Building CXX object ..."
STEPS = re.compile(r"^\s*\[(\d+)/(\d+)\]")  # ninja: "[45/160] Building CXX object ..."
COLLECTING = re.compile(r"^Collecting (\S+)")
INSTALLING = re.compile(r"^Installing collected packages: (.*)")

# (pattern in pip's log, the one line that says what to do); the first that matches wins.
DIAGNOSES = (
    (
        re.compile(r"ensurepip is not\s+available|No module named (ensurepip|venv)"),
        "python3 -m venv does not work here: install the python3-venv package "
        "(Debian/Ubuntu: sudo apt-get install python3-venv)",
    ),
    (
        re.compile(r"CMAKE_CXX_COMPILER|g\+\+: (command )?not found|C\+\+ compiler|unable to execute 'g\+\+'"),
        "no C++ compiler to build llama.cpp: install g++ (Debian/Ubuntu: sudo apt-get install g++; "
        "Fedora: sudo dnf install gcc-c++)",
    ),
    (
        re.compile(r"CMAKE_C_COMPILER|\bgcc: (command )?not found|\bcc: (command )?not found|unable to execute 'gcc'"),
        "no C compiler to build llama.cpp: install gcc (Debian/Ubuntu: sudo apt-get install gcc)",
    ),
    (
        re.compile(r"cmake: (command )?not found|Could not find CMake|CMake (is|was) not found|No such file.*cmake"),
        "cmake is needed to build llama.cpp: install it (Debian/Ubuntu: sudo apt-get install cmake)",
    ),
    (
        re.compile(r"Python\.h: No such file"),
        "the Python headers are missing: install python3-dev (Debian/Ubuntu: sudo apt-get install python3-dev)",
    ),
    (
        re.compile(
            r"Failed to establish a new connection|Temporary failure in name resolution|No matching distribution"
        ),
        "pip could not download the packages: check the network connection or the package index settings",
    ),
)


class Reporter:
    """One line per step on stderr; on a terminal the current step's line is redrawn every second."""

    def __init__(self, stream: object = sys.stderr) -> None:
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.started = time.monotonic()
        self.lock = threading.Lock()
        self.live: str | None = None
        self.live_since = 0.0
        self.last_beat = 0.0

    def write(self, text: str) -> None:
        self.stream.write(text)  # type: ignore[attr-defined]
        self.stream.flush()  # type: ignore[attr-defined]

    def say(self, text: str) -> None:
        with self.lock:
            if self.live is not None and self.tty:
                self.write("\r\x1b[K")
            self.write(f"{text}\n")
            if self.live is not None and self.tty:
                self.write(self._live_line())

    def start_live(self, text: str) -> None:
        with self.lock:
            self.live, self.live_since, self.last_beat = text, time.monotonic(), time.monotonic()
            if self.tty:
                self.write(self._live_line())

    def update_live(self, text: str) -> None:
        with self.lock:
            self.live = text

    def stop_live(self, final: str | None = None) -> None:
        with self.lock:
            if self.live is not None and self.tty:
                self.write("\r\x1b[K")
            self.live = None
            if final:
                self.write(final + "\n")

    def tick(self) -> None:
        """Redraw the live line (terminal), or print it every 30 s (log, CI) so silence never means a hang."""
        with self.lock:
            if self.live is None:
                return
            now = time.monotonic()
            if self.tty:
                self.write("\r\x1b[K" + self._live_line())
            elif now - self.last_beat >= 30:
                self.last_beat = now
                self.write(self._live_line() + "\n")

    def _live_line(self) -> str:
        columns = shutil.get_terminal_size((80, 24)).columns
        line = f"  {self.live} · {clock(time.monotonic() - self.live_since)}"
        return line[: max(columns - 1, 20)]


def clock(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"


def diagnose(log: str) -> str | None:
    """The one line that says what is missing, from pip's or venv's output; ``None`` when unknown."""
    for pattern, advice in DIAGNOSES:
        if pattern.search(log):
            return advice
    return None


def missing_tools() -> str | None:
    """The build tools not on PATH, named by the package that brings them (a fallback diagnosis)."""
    wanted = {"gcc": "gcc", "g++": "g++", "cmake": "cmake"}
    missing = [package for tool, package in wanted.items() if shutil.which(tool) is None]
    if not missing:
        return None
    names = ", ".join(missing)
    return f"missing build tools: install {names} (Debian/Ubuntu: sudo apt-get install {' '.join(missing)})"


def fail(reporter: Reporter, what: str, log_path: Path | None) -> int:
    where = f" (full log: {log_path})" if log_path else ""
    reporter.stop_live()
    reporter.say(f"set-up failed: {what}{where}")
    return 1


def make_venv(reporter: Reporter, venv: Path) -> int:
    python = venv / "bin" / "python"
    if python.exists():
        return 0
    reporter.say(f"creating the virtual environment {venv} ...")
    result = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
    if result.returncode != 0 or not python.exists():
        shutil.rmtree(venv, ignore_errors=True)  # a half-made venv would make the next run skip this step
        output = result.stdout + result.stderr
        last = output.strip().splitlines()[-1] if output.strip() else f"exit code {result.returncode}"
        return fail(reporter, diagnose(output) or f"python3 -m venv failed: {last}", None)
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], capture_output=True, text=True
    )
    if result.returncode != 0:
        reporter.say("  (could not upgrade pip; going on with the one the venv has)")
    return 0


class PipProgress:
    """Turns pip's verbose output, line by line, into the reporter's steps and live line."""

    def __init__(self, reporter: Reporter) -> None:
        self.reporter = reporter
        self.collected: set[str] = set()
        self.building = False
        self.build_started = 0.0

    def feed(self, line: str) -> None:
        reporter = self.reporter
        if match := COLLECTING.match(line):
            self.collected.add(match.group(1).lower())
            if not self.building:
                reporter.update_live(f"resolving dependencies: {len(self.collected)} packages")
        elif CACHED.search(line) and not self.building:
            reporter.say("  llama-cpp-python: using the wheel pip built before (no compiling)")
        elif BUILD_STARTS.search(line) and not self.building:
            self.building, self.build_started = True, time.monotonic()
            reporter.stop_live()
            reporter.say(
                "  building llama.cpp from source (llama-cpp-python): about 5 minutes, once — "
                "pip caches it for next time"
            )
            reporter.start_live("compiling llama.cpp")
        elif self.building and (match := PERCENT.match(line)):
            reporter.update_live(f"compiling llama.cpp: {int(match.group(1))}%")
        elif self.building and (match := STEPS.match(line)):
            done, total = int(match.group(1)), int(match.group(2))
            reporter.update_live(f"compiling llama.cpp: {100 * done // max(total, 1)}% ({done}/{total})")
        elif match := INSTALLING.match(line):
            if self.building:
                self.building = False
                reporter.stop_live(f"  built llama.cpp in {clock(time.monotonic() - self.build_started)}")
            else:
                reporter.stop_live()
            reporter.start_live(f"installing {len(match.group(1).split(','))} packages")


def install(reporter: Reporter, venv: Path, extras: str) -> int:
    """``pip install -e .[extras]`` with its verbose output parsed into steps and a build heartbeat."""
    log_path = venv / "setup.log"
    target = f".[{extras}]" if extras else "."
    extra_names = {"dev": "its test tools", "bench": "the benchmark tools"}
    extra_text = " and ".join(extra_names.get(name, name) for name in extras.split(",") if name)
    what = f"teleprinter with {extra_text}" if extra_text else "teleprinter"
    reporter.say(f"installing {what} and its dependencies into {venv} (pip; output in {log_path}) ...")
    command = [str(venv / "bin" / "python"), "-m", "pip", "install", "-v", "--progress-bar", "off", "-e", target]
    environ = {**os.environ, "PYTHONUNBUFFERED": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    progress = PipProgress(reporter)
    reporter.start_live("resolving dependencies")
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(1.0):
            reporter.tick()

    heart = threading.Thread(target=beat, daemon=True)
    heart.start()
    tail: list[str] = []
    try:
        with open(log_path, "w", encoding="utf-8") as log:
            process = subprocess.Popen(
                command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environ,
                errors="replace",
            )
            assert process.stdout is not None
            for line in process.stdout:
                log.write(line)
                tail = [*tail[-400:], line]
                progress.feed(line)
            code = process.wait()
    finally:
        stop.set()
        heart.join()
    if code != 0:
        output = "".join(tail)
        return fail(reporter, diagnose(output) or missing_tools() or f"pip exited with {code}", log_path)
    reporter.stop_live()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Set up the virtual environment for teleprinter.")
    parser.add_argument("--venv", type=Path, default=Path(".venv"))
    parser.add_argument("--extras", default="", help="pip extras to install, e.g. dev")
    args = parser.parse_args(argv)
    reporter = Reporter()
    if sys.version_info[:2] < MIN_PYTHON:
        found = ".".join(map(str, sys.version_info[:3]))
        wanted = ".".join(map(str, MIN_PYTHON))
        return fail(reporter, f"teleprinter needs Python {wanted} or newer, this is {found}: "
                    f"run e.g. make PYTHON=python{wanted} ask", None)
    started = time.monotonic()
    code = make_venv(reporter, args.venv) or install(reporter, args.venv, args.extras)
    if code == 0:
        reporter.say(f"set-up done in {clock(time.monotonic() - started)}")
    return code


if __name__ == "__main__":
    sys.exit(main())
