"""scripts/setup.py, the README's set-up: pip's real output becomes steps and a build heartbeat,
and a failure names what is missing in one line."""

from __future__ import annotations

import importlib.util
import io
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import ROOT

DATA = ROOT / "tests" / "data" / "setup"


@pytest.fixture(scope="module")
def setup() -> ModuleType:
    spec = importlib.util.spec_from_file_location("setup_script", ROOT / "scripts" / "setup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["setup_script"] = module
    spec.loader.exec_module(module)
    return module


def test_a_pip_build_log_becomes_steps_and_a_progress_line(setup: ModuleType) -> None:
    """An excerpt of a real `pip install -v` that compiled llama-cpp-python (pip's cache bypassed)."""
    out = io.StringIO()
    reporter = setup.Reporter(out)
    progress = setup.PipProgress(reporter)
    seen: list[str] = []
    for line in (DATA / "pip-build.log").read_text(encoding="utf-8").splitlines(keepends=True):
        progress.feed(line)
        seen.append(reporter.live or "")
    assert "resolving dependencies: 3 packages" in seen
    assert "compiling llama.cpp: 0% (1/193)" in seen
    assert any(live.startswith("compiling llama.cpp: 100% (193/193)") for live in seen)
    text = out.getvalue()
    assert "building llama.cpp from source (llama-cpp-python): about 5 minutes, once" in text
    assert "  built llama.cpp in " in text
    assert reporter.live is not None and reporter.live.startswith("installing ")


def test_the_heartbeat_goes_on_without_output_on_a_log(setup: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr(setup.time, "monotonic", lambda: now[0])
    out = io.StringIO()
    reporter = setup.Reporter(out)
    reporter.start_live("compiling llama.cpp: 40%")
    reporter.tick()
    assert out.getvalue() == ""  # not a terminal: no line every second
    now[0] += 31
    reporter.tick()
    assert out.getvalue() == "  compiling llama.cpp: 40% · 31s\n"


def test_a_missing_cxx_compiler_is_named(setup: ModuleType, tmp_path: Path) -> None:
    """The real message CMake prints when the C++ compiler is not there, as the llama.cpp build would."""
    (tmp_path / "CMakeLists.txt").write_text("cmake_minimum_required(VERSION 3.10)\nproject(x C CXX)\n")
    env = {**os.environ, "CXX": str(tmp_path / "no-such-g++")}
    result = subprocess.run(["cmake", "-S", str(tmp_path), "-B", str(tmp_path / "build")], capture_output=True,
                            text=True, env=env, timeout=120)
    assert result.returncode != 0
    advice = setup.diagnose(result.stdout + result.stderr)
    assert advice is not None and "install g++" in advice and "\n" not in advice


def test_missing_venv_and_cmake_are_named(setup: ModuleType) -> None:
    debian = (
        "The virtual environment was not created successfully because ensurepip is not\n"
        "available.  On Debian/Ubuntu systems, you need to install the python3-venv\n"
        "package using the following command.\n\n    apt install python3.11-venv\n"
    )
    assert "python3-venv" in setup.diagnose(debian)
    assert "install it (Debian/Ubuntu: sudo apt-get install cmake)" in setup.diagnose("/bin/sh: 1: cmake: not found")
    assert setup.diagnose("everything is fine") is None


def test_a_failed_step_is_one_line_with_exit_code_1(setup: ModuleType) -> None:
    out = io.StringIO()
    code = setup.fail(setup.Reporter(out), "no C++ compiler to build llama.cpp: install g++", Path(".venv/setup.log"))
    assert code == 1
    assert out.getvalue().count("\n") == 1 and out.getvalue().startswith("set-up failed: no C++ compiler")
