"""``teleprinter batch``: reading prompts, failures that spare the others, resuming, the live view."""

from __future__ import annotations

import asyncio
import io
import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyte
import pytest
from langchain_core.messages import BaseMessage

from teleprinter import ReplayChatModel
from teleprinter.batch import BatchItem, BatchOptions, LineWriter, Outcome, arun_batch, parse_prompts, summary_table
from teleprinter.batch.view import LiveView, progress_line
from teleprinter.errors import ConfigError, ProviderError
from teleprinter.sinks.stats import Stats
from tests.conftest import TELEPRINTER, cli_env, run_cli

# -- reading prompts ----------------------------------------------------------------------


def test_plain_lines_become_prompts_numbered_by_line() -> None:
    items = parse_prompts("first question\n\n  second one  \n" + "x\n" * 8)
    assert items[:2] == [BatchItem("01", "first question"), BatchItem("03", "second one")]
    assert [i.id for i in items][-1] == "11" and len(items) == 10


def test_json_lines_with_and_without_ids() -> None:
    text = '{"prompt": "a", "id": "alpha"}\n\n{"prompt": "b"}\n{"prompt": "c", "id": 7}\n'
    assert parse_prompts(text) == [BatchItem("alpha", "a"), BatchItem("3", "b"), BatchItem("7", "c")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no prompt"),
        ('{"prompt": "a"}\n{"prompt": "b"\n', "line 2 is not JSON"),
        ('{"prompt": "a"}\n{"id": "x"}\n', 'line 2 has no "prompt"'),
        ('{"prompt": "a", "id": "x"}\n{"prompt": "b", "id": "x"}\n', "used twice"),
        ('{"prompt": "a", "id": "../etc/passwd"}\n', "cannot be a file name"),
        ('{"prompt": "a", "id": ".hidden"}\n', "cannot be a file name"),
        ('{"prompt": "a", "id": true}\n', "string or a number"),
    ],
)
def test_bad_prompt_files_are_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        parse_prompts(text, "p.jsonl")


# -- the command, as a user runs it --------------------------------------------------------

PROMPTS = [("ok1", "What is one?"), ("bad", "Break, please."), ("ok2", "What is two?"), ("ok3", "Three?")]


def write_prompts(path: Path, prompts: Sequence[tuple[str, str]] = PROMPTS) -> Path:
    path.write_text("".join(json.dumps({"id": i, "prompt": p}) + "\n" for i, p in prompts), encoding="utf-8")
    return path


def write_book(path: Path, answers: dict[str, Any]) -> Path:
    path.write_text(json.dumps({"answers": answers}), encoding="utf-8")
    return path


FIRST_BOOK = {
    "What is one?": "One.\nThe first number.",
    "Break, please.": {"error": "the model is overloaded"},
    "What is two?": "Two, twice one.",
    "Three?": "Three!",
}


def batch(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(["batch", *args, "--delay", "0.002", "--retry-delay", "0"], cwd=cwd)


def test_one_failing_prompt_spares_the_others_and_the_exit_code_says_so(tmp_path: Path) -> None:
    prompts = write_prompts(tmp_path / "prompts.jsonl")
    book = write_book(tmp_path / "book.json", FIRST_BOOK)
    out = tmp_path / "answers"
    result = batch(
        str(prompts), "--replay", str(book), "--out", str(out), "--concurrency", "2", "--retries", "1", cwd=tmp_path
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert (out / "ok1.txt").read_text(encoding="utf-8") == "One.\nThe first number."
    assert (out / "ok2.txt").read_text(encoding="utf-8") == "Two, twice one."
    assert (out / "ok3.txt").read_text(encoding="utf-8") == "Three!"
    assert not (out / "bad.txt").exists()
    assert "[bad] attempt 1 failed (ProviderError: the model is overloaded); retrying" in result.stderr
    table = result.stderr[result.stderr.index("id "):]
    rows = {line.split()[0]: line.split()[1:3] for line in table.splitlines()[1:5]}
    assert rows == {"ok1": ["ok", "1"], "bad": ["failed", "2"], "ok2": ["ok", "1"], "ok3": ["ok", "1"]}
    assert "3 ok, 1 failed" in table
    assert "bad: ProviderError: the model is overloaded" in table
    assert "Traceback" not in result.stderr


def test_re_running_skips_complete_answers_and_finishes_the_rest(tmp_path: Path) -> None:
    prompts = write_prompts(tmp_path / "prompts.jsonl")
    out = tmp_path / "answers"
    first_book = write_book(tmp_path / "b1.json", FIRST_BOOK)
    first = batch(str(prompts), "--replay", str(first_book), "--out", str(out), cwd=tmp_path)
    assert first.returncode == 1
    # the second book answers everything differently: only the missing answer may change on disk
    second_book = {prompt: f"NEW answer to {prompt}" for _, prompt in PROMPTS}
    second_path = write_book(tmp_path / "b2.json", second_book)
    second = batch(str(prompts), "--replay", str(second_path), "--out", str(out), cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert (out / "ok1.txt").read_text(encoding="utf-8") == "One.\nThe first number."
    assert (out / "bad.txt").read_text(encoding="utf-8") == "NEW answer to Break, please."
    assert not (out / "bad.txt.part").exists()
    assert "1 ok, 3 skipped" in second.stderr
    rows = {line.split()[0]: line.split()[1] for line in second.stderr.splitlines() if line[:3] in ("ok1", "bad")}
    assert rows == {"ok1": "skipped", "bad": "ok"}


def test_without_out_answers_are_whole_id_prefixed_lines_on_stdout(tmp_path: Path) -> None:
    prompts = [(f"p{n}", f"question {n}") for n in range(6)]
    answers = {p: "\n".join(f"line {k} of answer {i} with several words" for k in range(5)) for i, p in prompts}
    result = batch(
        str(write_prompts(tmp_path / "p.jsonl", prompts)),
        "--replay", str(write_book(tmp_path / "b.json", answers)),
        "--concurrency", "3",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 6 * 5
    for item_id, _ in prompts:
        own = [line[len(item_id) + 3 :] for line in lines if line.startswith(f"[{item_id}] ")]
        assert own == [f"line {k} of answer {item_id} with several words" for k in range(5)]


def test_a_missing_prompt_file_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli(["batch", str(tmp_path / "nope.txt"), "--replay", str(tmp_path / "x")], cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == f"teleprinter: error: prompt file not found: {tmp_path / 'nope.txt'}"


def test_ctrl_c_leaves_only_complete_answer_files(tmp_path: Path) -> None:
    prompts = write_prompts(tmp_path / "p.jsonl", [("fast", "f"), ("slow", "s")])
    book = write_book(tmp_path / "b.json", {"f": "quick", "s": "slow slow slow\n" * 1000})
    out = tmp_path / "answers"
    process = subprocess.Popen(
        [*TELEPRINTER, "batch", str(prompts), "--replay", str(book), "--out", str(out), "--delay", "0.01"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(), cwd=tmp_path,
    )
    deadline = time.monotonic() + 60
    partial = out / "slow.txt.part"
    while not (out / "fast.txt").exists() or not partial.exists() or partial.stat().st_size == 0:
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert (out / "fast.txt").read_text() == "quick"
    assert not (out / "slow.txt").exists()
    assert (out / "slow.txt.part").read_text().startswith("slow slow")  # partial output kept, never trusted


# -- the library: retries, summary --------------------------------------------------------


def flaky_model(failures: dict[str, int]) -> ReplayChatModel:
    """Fails each prompt's first ``failures[prompt]`` attempts, then answers it."""
    seen: dict[str, int] = {}

    def respond(messages: Sequence[BaseMessage]) -> str:
        prompt = messages[-1].text
        seen[prompt] = seen.get(prompt, 0) + 1
        if seen[prompt] <= failures.get(prompt, 0):
            raise ProviderError(f"flaky {prompt} #{seen[prompt]}")
        return f"answer {prompt}"

    return ReplayChatModel(responder=respond)


def test_a_retried_prompt_succeeds_and_counts_its_attempts() -> None:
    items = [BatchItem("a", "a"), BatchItem("b", "b"), BatchItem("c", "c")]
    out = io.StringIO()
    stats = Stats()
    options = BatchOptions(concurrency=2, retries=2, retry_delay=0)
    outcomes = asyncio.run(
        arun_batch(items, flaky_model({"b": 2, "c": 5}), options, writer=LineWriter(out), stats=stats)
    )
    assert [(o.item.id, o.status, o.attempts) for o in outcomes] == [("a", "ok", 1), ("b", "ok", 3), ("c", "failed", 3)]
    assert outcomes[2].error == "ProviderError: flaky c #3"
    assert sorted(out.getvalue().splitlines()) == ["[a] answer a", "[b] answer b"]
    table = summary_table(outcomes, stats, detailed=True)
    assert table[0].split()[:3] == ["id", "status", "tries"] and "p95" in table[0]
    assert table[-1] == "c: ProviderError: flaky c #3"
    assert "2 ok, 1 failed" in table[-2]


def test_a_long_error_in_the_summary_wraps_under_itself_on_a_terminal() -> None:
    error = "ProviderError: the service answered 503 Service Unavailable three times; giving up on this prompt"
    outcomes = [Outcome(BatchItem("q7", "x"), status="failed", attempts=3, error=error)]
    rows = summary_table(outcomes, Stats(), width=40)
    errors = rows[rows.index(next(row for row in rows if row.startswith("q7: "))):]
    assert len(errors) > 2 and max(len(row) for row in errors) <= 40
    assert all(row.startswith("    ") and row[4] != " " for row in errors[1:])  # under the error's first word
    assert " ".join(" ".join(errors).split()) == f"q7: {error}"  # every word whole
    assert summary_table(outcomes, Stats())[-1] == f"q7: {error}"  # a pipe gets one line


# -- the live view -------------------------------------------------------------------------


def screen_of(output: str, columns: int = 60, lines: int = 10) -> list[str]:
    screen = pyte.Screen(columns, lines)
    pyte.Stream(screen).feed(output.replace("\n", "\r\n"))
    return [line.rstrip() for line in screen.display]


def test_progress_line_is_the_seeds_counter_with_a_bar() -> None:
    assert progress_line(3, 10, 0, 60).startswith("Processing: 3/10 [")
    assert progress_line(3, 10, 1, 60).endswith("] 1 failed")
    assert progress_line(0, 0, 0, 12) == "Processing: "[:12]


def test_live_view_shows_one_line_per_active_prompt_and_erases_itself() -> None:
    stream = io.StringIO()
    view = LiveView(stream, width=40, height=10)
    a, b = BatchItem("a", "x"), BatchItem("bee", "y")
    view.begin(total=5, done=1)
    view.started(a, 1)
    view.started(b, 1)
    view.token(a, "Hello\x1b]0;pwned\x07 world, this answer is long enough to be cut at the edge")
    view.draw()
    view.token(b, "中文字符")
    view.draw()
    screen = screen_of(stream.getvalue(), 40)
    assert screen[0].startswith("[a] ") and screen[0].endswith("cut at the edge")
    assert len(screen[0]) <= 40 and "pwned" not in screen[0].split("]", 1)[0]
    assert screen[1] == "[bee] 中文字符"
    assert screen[2].startswith("Processing: 1/5 [")
    view.print_above(stream, "an answer line\n")
    view.finished(Outcome(a, status="ok", attempts=1))
    screen = screen_of(stream.getvalue(), 40)
    assert screen[0] == "an answer line"
    assert screen[1] == "[bee] 中文字符"
    assert screen[2].startswith("Processing: 2/5 [")
    view.close()
    assert [line for line in screen_of(stream.getvalue(), 40) if line] == ["an answer line"]


def test_a_batch_notice_is_one_line_above_the_live_view_and_stays_after_it() -> None:
    stream = io.StringIO()
    view = LiveView(stream, width=60, height=10)
    view.begin(total=8, done=0)
    view.notice("no worker has taken a prompt yet")
    screen = screen_of(stream.getvalue(), 60)
    assert screen[0].startswith("teleprinter: no worker has taken a prompt yet")
    assert screen[1].startswith("Processing: 0/8")
    view.close()
    assert [line for line in screen_of(stream.getvalue(), 60) if line] == [screen[0]]


def test_live_view_follows_a_real_batch_and_leaves_only_the_answers() -> None:
    err, out = io.StringIO(), io.StringIO()
    view = LiveView(err, width=50, height=8)
    writer = LineWriter(out, lambda text: view.print_above(err, text))
    items = [BatchItem(f"q{n}", f"question {n}") for n in range(5)]
    model = ReplayChatModel(responder=lambda messages: f"reply to {messages[-1].text}\n", delays=[0.001])
    try:
        outcomes = asyncio.run(arun_batch(items, model, BatchOptions(concurrency=2), writer=writer, monitor=view))
    finally:
        view.close()
    assert all(o.status == "ok" for o in outcomes)
    shown = [line for line in screen_of(err.getvalue(), 50) if line]
    assert sorted(shown) == sorted(f"[q{n}] reply to question {n}" for n in range(5))
    assert "Processing: 5/5" in err.getvalue()


def test_stdout_lines_can_be_cleaned_for_a_terminal() -> None:
    from teleprinter.render.sanitize import sanitize

    out = io.StringIO()
    items = [BatchItem("x", "q")]
    model = ReplayChatModel(responder=lambda messages: "title \x1b]0;pwned\x07 and\nbell\a")
    asyncio.run(arun_batch(items, model, BatchOptions(), writer=LineWriter(out, clean=sanitize)))
    assert "\x1b" not in out.getvalue() and "\a" not in out.getvalue()
    assert out.getvalue() == "[x] title ␛]0;pwned␇ and\n[x] bell␇\n"


# -- in a real terminal --------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.skipif(not Path("/usr/bin/tmux").exists() and not __import__("shutil").which("tmux"), reason="no tmux")
def test_live_view_in_tmux_shows_progress_then_leaves_answers_and_summary(tmp_path: Path) -> None:
    import shutil
    import uuid

    prompts = [(f"p{n}", f"question {n}") for n in range(4)]
    answers = {p: " ".join(["word"] * 30) + f"\nend of {i}" for i, p in prompts}
    write_prompts(tmp_path / "p.jsonl", prompts)
    write_book(tmp_path / "b.json", answers)
    socket = f"tp-batch-{uuid.uuid4().hex[:10]}"
    teleprinter = shutil.which("teleprinter") or str(Path(sys.executable).parent / "teleprinter")
    command = f"{teleprinter} batch p.jsonl --replay b.json --delay 0.03 -j 2; echo EXIT=$?"

    def tmux(*args: str) -> str:
        done = subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True, timeout=20, check=True)
        return done.stdout

    tmux("new-session", "-d", "-s", "b", "-x", "80", "-y", "30", "-c", str(tmp_path),
         "env PS1='$ ' TERM=screen-256color bash --norc --noprofile")
    try:
        tmux("send-keys", "-t", "b", "-l", command)
        tmux("send-keys", "-t", "b", "Enter")
        deadline = time.monotonic() + 120
        seen_progress = False
        while time.monotonic() < deadline:
            screen = tmux("capture-pane", "-p", "-t", "b")
            seen_progress |= "Processing: " in screen and "[p" in screen
            if re.search(r"EXIT=\d", screen):
                break
            time.sleep(0.05)
        assert "EXIT=0" in screen
        assert seen_progress
        assert "Processing:" not in screen  # the view erased itself
        for item_id, _ in prompts:
            assert f"[{item_id}] end of {item_id}" in screen
        assert "total  4 ok" in screen
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, timeout=20)


def test_a_closed_stdout_ends_the_batch_quietly(tmp_path: Path) -> None:
    """``batch ... | head -1``: the reader left, so nothing is "failed" and nothing is said (exit 0)."""
    prompts = tmp_path / "p.txt"
    prompts.write_text("".join(f"prompt {i}\n" for i in range(50)), encoding="utf-8")
    answer = tmp_path / "answer.txt"
    answer.write_text("".join(f"line {i}\n" for i in range(2000)), encoding="utf-8")
    command = f"{sys.executable} -m teleprinter batch {prompts} --replay {answer} --speed max; echo rc=$? >&2"
    result = subprocess.run(
        f"({command}) | head -1", shell=True, capture_output=True, text=True, env=cli_env(), timeout=60
    )
    assert result.stdout.startswith("[")
    assert result.stderr == "rc=0\n"
