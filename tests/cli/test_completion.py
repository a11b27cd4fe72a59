"""Tab completion as a shell does it: bash loads ``teleprinter completion bash`` and completes a line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import cli_env, run_cli

pytestmark = pytest.mark.e2e
BIN = str(Path(sys.executable).parent)  # where the installed `teleprinter` script lives


def complete_in_bash(line: str) -> list[str]:
    """What bash offers for Tab at the end of ``line``, with the printed completion code loaded."""
    words = line.split(" ")
    script = "\n".join(
        [
            'source <(teleprinter completion bash)',
            f"COMP_WORDS=({' '.join(repr(word) for word in words)})",
            f"COMP_CWORD={len(words) - 1}",
            f"COMP_LINE={line!r}",
            "COMP_POINT=${#COMP_LINE}",
            "_python_argcomplete teleprinter",
            'printf "%s\\n" "${COMPREPLY[@]}"',
        ]
    )
    env = cli_env(PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    result = subprocess.run(["bash", "--norc", "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    return [item.strip() for item in result.stdout.splitlines() if item.strip()]


def test_bash_completes_commands_options_and_choices() -> None:
    assert {"ask", "batch", "chat", "doctor", "completion"} <= set(complete_in_bash("teleprinter "))
    assert "--provider" in complete_in_bash("teleprinter ask --prov")
    assert set(complete_in_bash("teleprinter ask --provider ")) >= {"local", "replay", "azure", "openai"}
    assert complete_in_bash("teleprinter chat --col") == ["--color"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_the_code_for_each_shell(shell: str) -> None:
    result = run_cli(["completion", shell])
    assert result.returncode == 0 and result.stderr == ""
    assert "teleprinter" in result.stdout
    assert ("complete" in result.stdout) if shell != "zsh" else ("compdef" in result.stdout)
