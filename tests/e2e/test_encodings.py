"""Encodings at the edges: a prompt on stdin that is not UTF-8 is a usage error naming the byte; stdout
in a legacy encoding (a Windows redirect in cp1252, emulated with PYTHONIOENCODING) gets every
character it can hold and a visible ``?`` for the rest, never a traceback; doctor says which."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import TELEPRINTER, cli_env

pytestmark = pytest.mark.e2e

ANSWER = "Café 👍 done │ and the rest.\n"


def run(args: list[str], stdin: bytes, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*TELEPRINTER, *args], input=stdin, capture_output=True, cwd=tmp_path,
                          env=cli_env(**env), timeout=120)


def replay(tmp_path: Path) -> list[str]:
    path = tmp_path / "answer.txt"
    path.write_text(ANSWER, encoding="utf-8")
    return ["ask", "--provider", "replay", "--replay", str(path)]


def test_a_cp1252_prompt_on_stdin_is_a_usage_error_naming_the_byte(tmp_path: Path) -> None:
    result = run(replay(tmp_path), "Qu'est-ce qu'un café?".encode("cp1252"), tmp_path)
    assert result.returncode == 2 and result.stdout == b""
    assert result.stderr.decode() == (
        "teleprinter: error: the prompt on stdin is not UTF-8 text (byte 0xe9 at offset 19) "
        "(convert it first, e.g. iconv -f cp1252 -t utf-8)\n"
    )


def test_a_utf8_prompt_on_stdin_with_a_bom_is_read(tmp_path: Path) -> None:
    result = run(replay(tmp_path), "\ufeffcafé?".encode(), tmp_path)
    assert (result.returncode, result.stdout.decode()) == (0, ANSWER)


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_stdout_in_a_legacy_encoding_writes_what_it_can_and_a_visible_replacement(
    tmp_path: Path, encoding: str
) -> None:
    result = run([*replay(tmp_path), "x"], b"", tmp_path, PYTHONIOENCODING=encoding)
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr
    assert result.stdout == ANSWER.encode(encoding, errors="replace")
    assert result.stdout.endswith(b"and the rest.\n")


def test_doctor_says_what_happens_to_characters_the_encoding_cannot_hold(tmp_path: Path) -> None:
    replaced = run(["doctor", "--skip-model"], b"", tmp_path, PYTHONIOENCODING="cp1252").stdout.decode("cp1252")
    assert "stdout encoding is cp1252" in replaced and "written as '?'" in replaced
    chosen = run(["doctor", "--skip-model"], b"", tmp_path, PYTHONIOENCODING="cp1252:backslashreplace").stdout
    assert "written as '?'" not in chosen.decode("cp1252")
