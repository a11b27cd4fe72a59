"""`teleprinter chat` in a real terminal: tmux runs it, send-keys types, capture-pane reads the screen.

Each test gets its own tmux server (``-L`` socket); the chat runs under a shell that reports its
exit status and stays, so the cursor state it left can be read after it ends. Waits poll the
screen; nothing sleeps a fixed time.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.secret_scan import secret

ROOT = Path(__file__).resolve().parents[2]
TELEPRINTER = ROOT / ".venv" / "bin" / "teleprinter"
SCRIPT = f"{ROOT / 'tests' / 'chat' / 'responders.py'}:answer"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(not TELEPRINTER.exists(), reason="the venv has no teleprinter script"),
]


class Terminal:
    """A detached tmux session of fixed size running one command."""

    def __init__(self, tmp_path: Path, width: int = 100, height: int = 30) -> None:
        self.socket = f"tp-chat-{uuid.uuid4().hex[:10]}"
        self.tmp_path = tmp_path
        self.width, self.height = width, height
        self.config = tmp_path / "tmux.conf"
        self.config.write_text("set -g history-limit 5000\n")

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, "-f", str(self.config), *args],
            capture_output=True, text=True, timeout=20, check=True,
        )
        return result.stdout

    def start(self, *chat_args: str, env: dict[str, str] | None = None, umask: str = "022") -> None:
        """Run the chat under a shell that prints its exit status and then stays, so the terminal
        state the chat left behind can still be read (tmux reports a dead pane's cursor as hidden,
        and under load it may learn a dead pane's status late)."""
        self._start(f'umask {umask}; {self._command(chat_args, env or {})}; echo "EXIT=$?"; exec sleep 600')

    def chat_pid(self) -> int:
        shell = self.info("#{pane_pid}")
        children = subprocess.run(["ps", "-o", "pid=", "--ppid", shell], capture_output=True, text=True).stdout
        return int(children.split()[0])

    def _command(self, chat_args: tuple[str, ...], extra: dict[str, str]) -> str:
        env = {"XDG_DATA_HOME": str(self.tmp_path / "data"), "PYTHONUNBUFFERED": "1", "TERM": "screen", **extra}
        words = ["env", *(f"{k}={v}" for k, v in env.items()), str(TELEPRINTER), "chat", *chat_args]
        return " ".join(shlex.quote(w) for w in words)

    def _start(self, command: str) -> None:
        command = f"cd {shlex.quote(str(self.tmp_path))} && {command}"
        self.tmux("new-session", "-d", "-s", "chat", "-x", str(self.width), "-y", str(self.height), command)

    def send(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "chat", *keys)

    def type(self, text: str) -> None:
        """Type ``text`` literally, then Enter."""
        self.tmux("send-keys", "-t", "chat", "-l", text)
        self.send("Enter")

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "chat")

    def info(self, fmt: str) -> str:
        return self.tmux("display-message", "-p", "-t", "chat", fmt).strip()

    def wait(self, predicate: Callable[[str], bool], timeout: float = 15.0, what: str = "") -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if predicate(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or predicate}; screen:\n{screen}")
            time.sleep(0.02)

    def wait_text(self, text: str, timeout: float = 15.0, count: int = 1) -> str:
        return self.wait(lambda screen: screen.count(text) >= count, timeout, repr(text))

    def wait_prompt(self, timeout: float = 15.0) -> str:
        """Until the last non-empty line is the empty prompt."""
        return self.wait(lambda screen: last_line(screen) == ">", timeout, "the prompt")

    def ask(self, question: str, timeout: float = 60.0) -> str:
        """Type ``question`` and wait until its answer is complete (a fresh prompt after it); the answer."""
        asked = self.screen().count(f"> {question}") + 1
        self.type(question)

        def answered(screen: str) -> bool:
            return screen.count(f"> {question}") >= asked and last_line(screen.rsplit(f"> {question}", 1)[1]) == ">"

        screen = self.wait(answered, timeout, f"the answer to {question!r}")
        return screen.rsplit(f"> {question}", 1)[1].rstrip().removesuffix(">")

    def wait_exit(self, timeout: float = 15.0) -> int:
        """The chat's exit status, as its shell reported it."""
        screen = self.wait(lambda s: "EXIT=" in s, timeout, "the chat to exit")
        return int(screen.split("EXIT=", 1)[1].split()[0])

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=20)


def answer_words(screen: str, question: str) -> list[str]:
    """Words shown after ``question``, leaving out the status line and the statistics line."""
    after = screen.split(question, 1)[1] if question in screen else ""
    lines = [line for line in after.splitlines() if not re.search(r"\d+ tokens", line)]
    return " ".join(lines).split("[interrupted]")[0].replace("^C", "").split()


def last_line(screen: str) -> str:
    lines = [line.rstrip() for line in screen.splitlines() if line.strip()]
    return lines[-1] if lines else ""


@pytest.fixture
def term(tmp_path: Path) -> Iterator[Terminal]:
    terminal = Terminal(tmp_path)
    try:
        yield terminal
    finally:
        terminal.close()


def scripted(term: Terminal, *extra: str, delay: str = "0.01") -> None:
    term.start("--replay-script", SCRIPT, "--delay", delay, *extra)
    term.wait_prompt()


def interrupt_long_answer(term: Terminal, shown: str) -> float:
    """Ask for the long answer, press Ctrl-C once ``shown`` is on screen; seconds until the prompt is back."""
    term.type("long")
    term.wait_text(shown)
    pressed = time.monotonic()
    term.send("C-c")
    term.wait(lambda s: "[interrupted]" in s and last_line(s) == ">", 5.0, "the prompt after Ctrl-C")
    return time.monotonic() - pressed


def test_two_turns_with_memory(term: Terminal) -> None:
    scripted(term)
    term.type("remember 42")
    term.wait_text("OK, I will remember 42.")
    term.type("what number?")
    term.wait_text("You told me 42.")


def test_reset_forgets(term: Terminal) -> None:
    scripted(term)
    term.type("remember 42")
    term.wait_text("OK, I will remember 42.")
    term.type("/reset")
    term.wait_text("new conversation")
    term.type("what number?")
    term.wait_text("You have not told me a number.")


def test_ctrl_c_mid_answer_keeps_partial_text_and_prompt_is_back_within_a_second(term: Terminal) -> None:
    scripted(term, "--transcript", "t.jsonl", delay="0.05")
    back_after = interrupt_long_answer(term, "word5 ")
    assert back_after < 1.0
    screen = term.screen()
    assert "word1 word2 word3 word4 word5" in screen
    assert "THE-END" not in screen
    term.type("remember 9")  # the prompt is usable at once
    term.wait_text("OK, I will remember 9.")
    term.type("/save chat.md")
    term.wait_text("saved 2 turns to chat.md")
    saved = (term.tmp_path / "chat.md").read_text()
    partial = saved.split("## You\n\nlong\n", 1)[1].split("## You")[0]
    assert "word1 word2 word3 word4 word5" in partial and "*[interrupted]*" in partial
    assert "THE-END" not in saved
    records = [json.loads(line) for line in (term.tmp_path / "t.jsonl").read_text().splitlines()]
    assert [(r["user"], r["status"]) for r in records] == [("long", "interrupted"), ("remember 9", "complete")]


def test_ctrl_d_exits_with_goodbye_cursor_visible_and_status_0(term: Terminal) -> None:
    scripted(term)
    term.type("remember 1")
    term.wait_text("OK, I will remember 1.")
    term.wait_prompt()
    term.send("C-d")
    assert term.wait_exit() == 0
    assert "Goodbye." in term.screen()
    assert term.info("#{cursor_flag}") == "1"
    history = term.tmp_path / "data" / "teleprinter" / "chat_history"
    assert "remember 1" in history.read_text()


@pytest.mark.parametrize("umask", ["022", "000"])
def test_history_is_0600_in_a_0700_directory_whatever_the_umask_and_a_pasted_key_is_masked(
    term: Terminal, umask: str
) -> None:
    key = secret("sk-history-scan-9d8c7b6a5f4e3d2c")
    term.start("--replay-script", SCRIPT, "--delay", "0.01", env={"OPENAI_API_KEY": key}, umask=umask)
    term.wait_prompt()
    term.type("remember 3")
    term.wait_text("OK, I will remember 3.")
    term.ask(f"my key is {key}")
    term.send("C-d")
    assert term.wait_exit() == 0
    data = term.tmp_path / "data"
    history = data / "teleprinter" / "chat_history"
    text = history.read_text()
    assert "remember 3" in text and "my key is ****3d2c" in text and key not in text
    assert [oct(mode(p)) for p in (history, history.parent, data)] == [oct(0o600), oct(0o700), oct(0o700)]


def test_an_existing_readable_history_keeps_its_mode_and_doctor_warns(term: Terminal) -> None:
    history = term.tmp_path / "data" / "teleprinter" / "chat_history"
    history.parent.mkdir(parents=True)
    history.write_text("\n# earlier\n+old line\n")
    history.chmod(0o644)
    scripted(term)
    term.ask("remember 4")
    term.send("C-d")
    assert term.wait_exit() == 0
    assert "remember 4" in history.read_text() and mode(history) == 0o644
    env = {**os.environ, "XDG_DATA_HOME": str(term.tmp_path / "data"), "NO_COLOR": "1"}
    doctor = subprocess.run(
        [str(TELEPRINTER), "doctor", "--skip-model"],
        capture_output=True, text=True, env=env, cwd=term.tmp_path, timeout=60,
    )
    lines = doctor.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("warn  history"))
    assert f"{history} is readable by other accounts (mode 0644)" in lines[at]
    assert lines[at + 1].strip() == f"fix: chmod 600 {history}"


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_ctrl_c_clears_the_line_and_twice_on_empty_prompt_exits(term: Terminal) -> None:
    scripted(term, "--no-history")
    term.send("-l", "half typed")
    term.wait_text("> half typed")
    term.send("C-c")
    term.wait(lambda s: "half typed" not in s, 5.0, "the line to clear")
    term.send("C-c")
    term.wait_text("Ctrl-C again")
    term.send("C-c")
    assert term.wait_exit() == 0, term.screen()
    assert "Goodbye." in term.screen()
    assert not (term.tmp_path / "data" / "teleprinter" / "chat_history").exists()


def test_injected_model_error_leaves_the_session_usable(term: Terminal) -> None:
    scripted(term)
    term.type("fail")
    term.wait_text("error: ConnectionError: injected network failure")
    term.wait_prompt()
    term.type("remember 3")
    term.wait_text("OK, I will remember 3.")
    term.type("what number?")
    term.wait_text("You told me 3.")
    assert "Traceback" not in term.screen()


def test_alt_enter_inserts_a_newline(term: Terminal) -> None:
    scripted(term)
    term.send("-l", "line one")
    term.send("M-Enter")
    term.send("-l", "line two")
    term.send("Enter")
    term.wait_text("line two (turn 1)")
    assert "echo: line one\nline two (turn 1)" in term.screen()


def test_keys_typed_during_an_answer_wait_for_the_next_prompt(term: Terminal) -> None:
    scripted(term, "--transcript", "t.jsonl", delay="0.005")
    term.type("remember 6")
    term.wait_text("OK, I will remember 6.")
    term.type("long")
    term.wait_text("word3 ")
    term.send("-l", "what number?")
    screen = term.wait_text("> what number?")
    assert "THE-END" in screen  # the typed keys showed up only once the answer was done
    assert screen.count("what number?") == 1
    term.send("Enter")
    term.wait_text("You told me 6.")


def test_unknown_command_gets_a_hint_and_the_chat_goes_on(term: Terminal) -> None:
    scripted(term)
    term.type("/frobnicate")
    term.wait_text("unknown command /frobnicate")
    term.type("/help")
    term.wait_text("/retry")
    term.type("remember 4")
    term.wait_text("OK, I will remember 4.")


def test_tab_completes_slash_commands(term: Terminal) -> None:
    scripted(term)
    term.send("-l", "/sta")
    term.send("Tab")
    term.wait_text("> /stats")
    term.send("Enter")
    term.wait_text("no answers yet")


def test_sigkill_mid_answer_leaves_a_valid_transcript_with_every_completed_turn(term: Terminal) -> None:
    scripted(term, "--transcript", "t.jsonl", delay="0.05")
    term.type("remember 5")
    term.wait_text("OK, I will remember 5.")
    term.type("what number?")
    term.wait_text("You told me 5.")
    term.type("long")
    term.wait_text("word3 ")
    os.kill(term.chat_pid(), signal.SIGKILL)
    assert term.wait_exit() == 128 + signal.SIGKILL
    lines = (term.tmp_path / "t.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]  # every line parses
    assert [(r["user"], r["assistant"]) for r in records] == [
        ("remember 5", "OK, I will remember 5."),
        ("what number?", "You told me 5."),
    ]


def test_sigterm_mid_answer_keeps_the_partial_turn_and_restores_the_terminal(term: Terminal) -> None:
    scripted(term, "--transcript", "t.jsonl", delay="0.05")
    term.type("remember 5")
    term.wait_text("OK, I will remember 5.")
    term.type("long")
    term.wait_text("word3 ")
    os.kill(term.chat_pid(), signal.SIGTERM)
    assert term.wait_exit() == 143
    assert "teleprinter: terminated" in term.screen()
    assert term.info("#{cursor_flag}") == "1"
    settings = subprocess.run(["stty", "-F", term.info("#{pane_tty}"), "-a"], capture_output=True, text=True).stdout
    assert " echo " in f" {settings.replace(chr(10), ' ')} "  # echo is back on
    records = [json.loads(line) for line in (term.tmp_path / "t.jsonl").read_text().splitlines()]
    assert [(r["user"], r["status"]) for r in records] == [("remember 5", "complete"), ("long", "interrupted")]
    assert records[1]["assistant"].startswith("word1 word2 word3")


# --- the embedded model -------------------------------------------------------------------------


@pytest.mark.model
def test_embedded_model_remembers_the_first_turn(term: Terminal) -> None:
    term.start("--max-tokens", "40", "--no-history")
    term.wait_prompt(60)
    term.ask("My name is Alice and my favourite colour is green.")
    assert "green" in term.ask("What is my favourite colour?").lower()
    term.type("/reset")
    term.wait_text("new conversation")
    assert "green" not in term.ask("What is my favourite colour?").lower()


@pytest.mark.model
def test_embedded_model_ctrl_c_stops_generation_and_save_marks_it(term: Terminal) -> None:
    question = "Count from 1 to 100, separated by commas."
    term.start("--max-tokens", "400", "--no-history")
    term.wait_prompt(60)
    term.type(question)
    term.wait(lambda s: len(answer_words(s, question)) >= 6, 60, "a few words of the answer")
    pressed = time.monotonic()
    term.send("C-c")
    screen = term.wait(lambda s: "[interrupted]" in s and last_line(s) == ">", 5.0, "the prompt after Ctrl-C")
    assert time.monotonic() - pressed < 1.0
    partial = answer_words(screen, question)
    term.type("/save chat.md")
    term.wait_text("saved 1 turns to chat.md")
    saved = (term.tmp_path / "chat.md").read_text()
    assert "*[interrupted]*" in saved
    assert " ".join(partial[:5]) in " ".join(saved.split())
    term.send("C-d")
    assert term.wait_exit(30) == 0
    assert term.info("#{cursor_flag}") == "1"


@pytest.mark.model
def test_embedded_model_failure_is_one_line_and_the_chat_goes_on(term: Terminal) -> None:
    term.start("--model", str(term.tmp_path / "missing.gguf"), "--max-tokens", "20", "--no-history")
    term.wait_prompt(60)
    term.type("Hello")
    term.wait_text("error: could not load the model", 60)
    term.wait_prompt()
    term.type("/model local")
    term.wait_text("model: gemma-3-270m (local)")
    assert "paris" in term.ask("What is the capital of France?").lower()
    assert "Traceback" not in term.screen()


def test_a_model_that_cannot_be_built_ends_the_chat_with_one_line_and_exit_2(term: Terminal) -> None:
    term.start("--provider", "replay", "--replay", "missing.txt")
    assert term.wait_exit() == 2
    screen = term.screen()
    assert "teleprinter: error: replay file not found: missing.txt" in screen
    assert "Traceback" not in screen
    assert term.info("#{cursor_flag}") == "1"


def test_pasting_several_lines_sends_one_message(term: Terminal) -> None:
    scripted(term)
    term.tmux("set-buffer", "first pasted line\nsecond pasted line")
    term.tmux("paste-buffer", "-p", "-t", "chat")  # -p: bracketed paste, as terminals do
    term.wait_text("second pasted line")
    term.send("Enter")
    term.wait_text("second pasted line (turn 1)")
    assert "echo: first pasted line\nsecond pasted line (turn 1)" in term.screen()


def test_ctrl_c_stops_an_http_stream_and_the_next_question_goes_through(term: Terminal) -> None:
    from tests.servers.sse import Reply, SSEServer

    with SSEServer() as server:
        server.script(Reply(tokens=[f" tok{n}" for n in range(200)], delay=0.05), Reply(tokens=["Second", " reply."]))
        term.start("--provider", "azure", env=server.azure_env())
        term.wait_prompt(30)
        term.type("stream for a long time")
        term.wait_text("tok5", 30)
        pressed = time.monotonic()
        term.send("C-c")
        screen = term.wait(lambda s: "[interrupted]" in s and last_line(s) == ">", 5.0, "the prompt after Ctrl-C")
        assert time.monotonic() - pressed < 1.0
        assert "tok199" not in screen
        assert "Second reply." in term.ask("next question", 30)
        partial = server.chat_requests()[1].body["messages"][1]["content"]
        assert partial.startswith(" tok0 tok1 tok2 tok3 tok4 tok5") and "tok199" not in partial
