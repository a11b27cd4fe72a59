"""``doctor`` in a real terminal (a pty) of 60 and 100 columns, read back through pyte: no word is cut."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import termios
from pathlib import Path

import pytest

from teleprinter import doctor
from tests.conftest import TELEPRINTER, cli_env
from tests.render.screen import emulate

pytestmark = pytest.mark.e2e


def doctor_on_a_terminal(tmp_path: Path, columns: int) -> list[str]:
    """The rows a ``columns``-wide terminal shows after ``teleprinter doctor --skip-model``."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 60, columns, 0, 0))
    env = cli_env(TERM="xterm-256color", AZURE_OPENAI_API_KEY="sk-test-0123456789abcdefWXYZ")
    command = [*TELEPRINTER, "doctor", "--skip-model", "--provider", "azure"]
    output = b""
    with subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower, cwd=tmp_path,
                          env=env) as process:
        os.close(follower)
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            output += data
        process.wait(timeout=60)
    os.close(leader)
    return emulate(output.decode(), columns, 60).rows()


def words(rows: list[str], columns: int) -> list[str]:
    text = " ".join(rows).replace(f"{columns} columns", "N columns")
    return sorted(text.split())


def test_doctor_wraps_at_word_boundaries_at_60_and_100_columns(tmp_path: Path) -> None:
    wide = doctor_on_a_terminal(tmp_path, 400)  # nothing wraps: every check on one row
    assert any(len(row) > 100 for row in wide)  # there is something to wrap (the packages line at least)
    detail_column = wide[0].index(wide[0].split()[2])  # where the first check's detail starts
    for columns, indent in ((60, 6), (100, detail_column)):  # 60: too narrow to hang under the details
        rows = doctor_on_a_terminal(tmp_path, columns)
        assert words(rows, columns) == words(wide, 400), f"a word was cut at {columns} columns"
        assert len(rows) > len(wide)
        continued = [row for row in rows if row.startswith(" ")]
        assert continued and all(len(row) - len(row.lstrip()) == indent for row in continued)  # a hanging indent


def test_the_report_keeps_one_line_per_check_without_a_width() -> None:
    checks = [doctor.Check("packages", doctor.OK, "alpha 1.0, " * 30), doctor.Check("x", doctor.WARN, "y", "z " * 50)]
    lines = doctor.format_report(checks).splitlines()
    assert len(lines) == 4  # two checks, the hint of the warning, the summary


@pytest.mark.parametrize("width", [44, 60, 100])
def test_wrapped_report_rows_fit_and_keep_every_word(width: int) -> None:
    checks = [
        doctor.Check("packages", doctor.OK, ", ".join(f"package-number-{n} 1.2.{n}" for n in range(12))),
        doctor.Check("AZURE_OPENAI_DEPLOYMENT_NAME", doctor.FAIL, "not set", "set AZURE_OPENAI_DEPLOYMENT_NAME " * 3),
    ]
    rows = doctor.format_report(checks, width=width).splitlines()
    assert max(len(row) for row in rows) <= width
    assert sorted(" ".join(rows).split()) == sorted(" ".join(doctor.format_report(checks).splitlines()).split())
