"""`teleprinter doctor`: checks as a library, and the command run as a user would (pipe, pty, --json, --online)."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import termios
from collections.abc import Iterator
from pathlib import Path

import pytest

from teleprinter import doctor, secrets
from teleprinter.config import load_settings
from teleprinter.errors import ProviderError
from tests.conftest import TELEPRINTER, cli_env, run_cli
from tests.secret_scan import secret
from tests.servers.sse import SSEServer

KEY = secret("sk-doctor-test-key-0123456789-LMNO")
GOOD = {
    "AZURE_OPENAI_API_KEY": KEY,
    "AZURE_OPENAI_ENDPOINT": "https://example.openai.azure.com/",
    "AZURE_OPENAI_DEPLOYMENT_NAME": "gpt-4o",
    "AZURE_OPENAI_API_VERSION": "2024-10-01-preview",
}


@pytest.fixture(autouse=True)
def _clean_secrets() -> Iterator[None]:
    secrets.forget_all()
    yield
    secrets.forget_all()


def by_name(checks: list[doctor.Check]) -> dict[str, doctor.Check]:
    return {check.name: check for check in checks}


def doctor_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), **env}  # the history doctor checks is this test's own
    return run_cli(["doctor", "--skip-model", *args], cwd=tmp_path, env=cli_env(**env))


# --- library ------------------------------------------------------------------------------------


def test_non_tty_warns_and_explains_plain_output() -> None:
    checks = by_name(doctor.check_terminal(doctor.TerminalFacts(False, None, "utf-8", {"TERM": "xterm"})))
    assert checks["tty"].status == doctor.WARN and "not a terminal" in checks["tty"].detail
    assert checks["colour"].detail.startswith("off")
    assert not doctor.failed(list(checks.values()))


def test_terminal_capabilities_are_reported() -> None:
    facts = doctor.TerminalFacts(True, 120, "UTF-8", {"TERM": "xterm-kitty", "COLORTERM": "truecolor"})
    checks = by_name(doctor.check_terminal(facts))
    assert checks["tty"].status == doctor.OK
    assert checks["width"].detail == "120 columns"
    assert checks["colour"].detail == "24-bit"
    assert checks["sync output"].detail.startswith("supported")


def test_the_terminal_answer_about_synchronized_output_wins_over_the_name() -> None:
    env = {"TERM": "xterm-kitty"}
    said_no = doctor.TerminalFacts(True, 80, "utf-8", env, synchronized=False)
    said_yes = doctor.TerminalFacts(True, 80, "utf-8", {"TERM": "xterm"}, synchronized=True)
    assert doctor.sync_detail(said_no).startswith("not supported")
    assert doctor.sync_detail(said_yes).startswith("supported (the terminal answered")


def test_problem_terminals_warn_with_a_fix() -> None:
    facts = doctor.TerminalFacts(True, 30, "ascii", {"TERM": "dumb", "NO_COLOR": "1"})
    checks = by_name(doctor.check_terminal(facts))
    for name in ("TERM", "width", "utf-8"):
        assert checks[name].status == doctor.WARN and checks[name].hint
    assert checks["colour"].detail == "off (NO_COLOR is set)"


def test_good_azure_settings_pass_with_the_key_masked() -> None:
    checks = doctor.check_settings(load_settings(environ=GOOD), "azure")
    assert not doctor.failed(checks)
    report = doctor.format_report(checks)
    assert KEY not in report and "****LMNO" in report


def test_missing_key_fails_with_a_hint() -> None:
    settings = load_settings(environ={k: v for k, v in GOOD.items() if k != "AZURE_OPENAI_API_KEY"})
    checks = by_name(doctor.check_settings(settings, "azure"))
    assert checks["AZURE_OPENAI_API_KEY"].status == doctor.FAIL
    assert "AZURE_OPENAI_API_KEY" in (checks["AZURE_OPENAI_API_KEY"].hint or "")


def test_embedded_model_failure_fails_only_when_it_is_the_provider() -> None:
    def broken() -> Path:
        raise ProviderError("could not assemble the embedded model: disk full")

    assert doctor.check_embedded_model(required=True, locate=broken).status == doctor.FAIL
    assert doctor.check_embedded_model(required=False, locate=broken).status == doctor.WARN


@pytest.mark.model
def test_embedded_model_is_present_and_loads() -> None:
    check = doctor.check_embedded_model(required=True)
    assert check.status == doctor.OK, check.detail
    assert ".gguf" in check.detail and "MB" in check.detail


def test_a_history_or_transcript_others_can_read_warns_with_the_chmod_fix(tmp_path: Path) -> None:
    shared = tmp_path / "my transcript.jsonl"
    shared.write_text("{}\n")
    shared.chmod(0o644)
    check = doctor.check_private_file("transcript", shared, named=True)
    assert check.status == doctor.WARN and "readable by other accounts (mode 0644)" in check.detail
    assert check.hint == f"chmod 600 '{shared}'"
    shared.chmod(0o620)
    assert "writable by other accounts (mode 0620)" in doctor.check_private_file("t", shared).detail
    shared.chmod(0o600)
    assert doctor.check_private_file("transcript", shared, named=True).status == doctor.OK
    missing = tmp_path / "none"
    assert doctor.check_private_file("history", missing).status == doctor.OK  # no history yet: nothing exposed
    assert doctor.check_private_file("transcript", missing, named=True).status == doctor.WARN


def test_summary_counts_failures_and_warnings() -> None:
    checks = [doctor.Check("a", doctor.OK, ""), doctor.Check("b", doctor.WARN, "", "x")]
    checks.append(doctor.Check("c", doctor.FAIL, ""))
    assert doctor.format_report(checks).splitlines()[-1] == "1 failed, 1 warning"
    assert doctor.as_json(checks)["ok"] is False


# --- the command --------------------------------------------------------------------------------


@pytest.mark.e2e
def test_command_with_a_good_config(tmp_path: Path) -> None:
    result = doctor_cli(tmp_path, **GOOD)
    assert result.returncode == 0, result.stdout
    assert "azure: all four AZURE_OPENAI_* settings are set" in result.stdout
    assert "****LMNO" in result.stdout and KEY not in result.stdout + result.stderr
    assert "warn  tty" in result.stdout  # the pipe is not a terminal
    assert result.stdout.rstrip().endswith("warning")


@pytest.mark.e2e
def test_command_warns_about_a_readable_history_and_transcript(tmp_path: Path) -> None:
    history = tmp_path / "data" / "teleprinter" / "chat_history"
    history.parent.mkdir(parents=True)
    history.write_text("+hello\n")
    history.chmod(0o644)
    transcript = tmp_path / "t.jsonl"
    transcript.write_text("")
    transcript.chmod(0o640)
    result = doctor_cli(tmp_path, "--transcript", "t.jsonl", **GOOD)
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    starts = ("warn  history", "warn  transcript")
    warned = [lines[i : i + 2] for i, line in enumerate(lines) if line.startswith(starts)]
    assert len(warned) == 2, result.stdout
    assert f"{history} is readable by other accounts (mode 0644)" in warned[0][0]
    assert warned[0][1].strip() == f"fix: chmod 600 {history}"
    assert warned[1][1].strip() == "fix: chmod 600 t.jsonl"
    history.chmod(0o600)
    transcript.chmod(0o600)
    again = doctor_cli(tmp_path, "--transcript", "t.jsonl", **GOOD)
    assert "warn  history" not in again.stdout and "warn  transcript" not in again.stdout


@pytest.mark.e2e
def test_command_with_a_missing_key(tmp_path: Path) -> None:
    env = {k: v for k, v in GOOD.items() if k != "AZURE_OPENAI_API_KEY"}
    result = doctor_cli(tmp_path, "--provider", "azure", **env)
    assert result.returncode == 1
    line = next(line for line in result.stdout.splitlines() if "AZURE_OPENAI_API_KEY" in line)
    assert line.startswith("fail") and "missing" in line
    assert "fix: set AZURE_OPENAI_API_KEY" in result.stdout


@pytest.mark.e2e
def test_command_json(tmp_path: Path) -> None:
    env = {**GOOD, "AZURE_OPENAI_API_VERSION": "yesterday"}
    result = doctor_cli(tmp_path, "--json", **env)
    report = json.loads(result.stdout)
    assert result.returncode == 1 and report["ok"] is False
    failed = [check for check in report["checks"] if check["status"] == "fail"]
    assert [check["name"] for check in failed] == ["AZURE_OPENAI_API_VERSION"]
    assert KEY not in result.stdout


@pytest.mark.e2e
def test_command_in_a_terminal(tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = cli_env(TERM="xterm-256color")
    env.pop("NO_COLOR", None)
    command = [*TELEPRINTER, "doctor", "--skip-model"]
    with subprocess.Popen(command, stdout=follower, stderr=follower, cwd=tmp_path, env=env) as process:
        os.close(follower)
        output = b""
        while True:
            try:
                data = os.read(leader, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            output += data
        assert process.wait(timeout=60) == 0
    os.close(leader)
    text = output.decode()
    assert "stdout is a terminal" in text and "100 columns" in text and "256 colours" in text
    assert "\x1b[32mok" in text  # statuses in colour on a colour terminal


@pytest.mark.e2e
def test_online_check_streams_one_token(tmp_path: Path) -> None:
    with SSEServer() as server:
        result = doctor_cli(tmp_path, "--online", **server.azure_env())
        assert result.returncode == 0, result.stdout
        line = next(line for line in result.stdout.splitlines() if " online " in line)
        assert line.startswith("ok") and "first token" in line
        assert server.chat_requests()[0].body["max_completion_tokens"] == 1


@pytest.mark.e2e
def test_online_check_with_a_wrong_key_fails_naming_the_setting(tmp_path: Path) -> None:
    with SSEServer() as server:
        result = doctor_cli(tmp_path, "--online", **server.azure_env(AZURE_OPENAI_API_KEY=KEY))
    assert result.returncode == 1
    line = next(line for line in result.stdout.splitlines() if " online " in line)
    assert line.startswith("fail") and "AZURE_OPENAI_API_KEY" in line and "401" in line
    assert KEY not in result.stdout + result.stderr
