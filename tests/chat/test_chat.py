"""A whole chat driven with strings: memory, interrupts, errors, slash commands, transcripts."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage

from teleprinter.chat.controller import Chat, ModelInfo
from teleprinter.chat.repl import ExitGuard, LineReader, handle_line, is_open_block, run_chat, unwrap_block
from teleprinter.chat.session import ChatSession
from teleprinter.chat.transcript import TranscriptWriter
from teleprinter.events import Event, Token
from teleprinter.providers.replay import ReplayChatModel
from teleprinter.render.plain import PlainRenderer
from tests.chat.responders import answer


class InterruptingRenderer(PlainRenderer):
    """Presses Ctrl-C (calls the runner's interrupt) once ``after`` tokens have been shown."""

    def __init__(self, chat: Chat, stream: io.StringIO, after: int | None) -> None:
        super().__init__(stream)
        self.chat, self.after, self.seen = chat, after, 0

    def handle(self, event: Event) -> None:
        super().handle(event)
        if isinstance(event, Token) and event.text:
            self.seen += 1
            if self.after is not None and self.seen == self.after:
                assert self.chat.runner.interrupt()


def make_chat(responder: Any = answer, transcript: Path | None = None, interrupt_after: int | None = None) -> Chat:
    out, err = io.StringIO(), io.StringIO()
    model = ReplayChatModel(responder=responder, delays=[0.001])
    chat = Chat(
        ChatSession(), model, ModelInfo("replay", "scripted"), out=out, err=err,
        make_renderer=lambda name: InterruptingRenderer(chat, out, interrupt_after),
        transcript=TranscriptWriter(transcript) if transcript else None,
        switch_model=lambda provider, name: (ReplayChatModel.from_text(f"{provider} here"), ModelInfo(provider, "x")),
    )
    return chat


def output(chat: Chat) -> str:
    assert isinstance(chat.out, io.StringIO)
    return chat.out.getvalue()


def errors(chat: Chat) -> str:
    assert isinstance(chat.err, io.StringIO)
    return chat.err.getvalue()


async def test_second_answer_depends_on_the_first() -> None:
    chat = make_chat()
    await handle_line(chat, "remember 42")
    await handle_line(chat, "what number?")
    assert "OK, I will remember 42.\nYou told me 42.\n" in output(chat)


async def test_reset_forgets() -> None:
    chat = make_chat()
    for line in ("remember 42", "/reset", "what number?"):
        await handle_line(chat, line)
    assert "You have not told me a number." in output(chat)
    assert len(chat.session.turns) == 1


async def test_interrupt_keeps_partial_answer_on_screen_and_in_memory(tmp_path: Path) -> None:
    chat = make_chat(transcript=tmp_path / "t.jsonl", interrupt_after=5)
    reply = await chat.ask("long")
    assert reply.status == "interrupted"
    assert reply.text == "word1 word2 word3 word4 word5"
    assert output(chat) == "word1 word2 word3 word4 word5\n"
    assert "[interrupted]" in errors(chat)
    turn = chat.session.turns[-1]
    assert (turn.assistant, turn.status) == ("word1 word2 word3 word4 word5", "interrupted")
    record = json.loads((tmp_path / "t.jsonl").read_text())
    assert (record["assistant"], record["status"]) == ("word1 word2 word3 word4 word5", "interrupted")


async def test_save_marks_the_interrupted_answer(tmp_path: Path) -> None:
    chat = make_chat(interrupt_after=3)
    await chat.ask("long")
    await handle_line(chat, f"/save {tmp_path / 'chat.md'}")
    text = (tmp_path / "chat.md").read_text()
    assert "word1 word2 word3\n\n*[interrupted]*" in text
    await handle_line(chat, f"/save {tmp_path / 'chat.jsonl'}")
    record = json.loads((tmp_path / "chat.jsonl").read_text().splitlines()[-1])
    assert record["status"] == "interrupted"


async def test_model_error_is_one_line_and_retry_recovers(tmp_path: Path) -> None:
    calls: list[int] = []

    def flaky(messages: Sequence[BaseMessage]) -> str:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("network down")
        return "back again"

    chat = make_chat(flaky, transcript=tmp_path / "t.jsonl")
    await handle_line(chat, "hello")
    assert errors(chat) == "error: ConnectionError: network down (/retry to try again)\n"
    assert chat.session.turns == []
    assert (tmp_path / "t.jsonl").read_text() == ""
    await handle_line(chat, "/retry")
    assert "back again" in output(chat)
    assert [(t.user, t.assistant) for t in chat.session.turns] == [("hello", "back again")]


async def test_unknown_command_gets_a_hint() -> None:
    chat = make_chat()
    await handle_line(chat, "/sav x")
    assert "unknown command /sav (did you mean /save?)" in errors(chat)


async def test_double_slash_sends_a_literal_slash() -> None:
    chat = make_chat()
    await handle_line(chat, "//etc")
    assert "echo: /etc (turn 1)" in output(chat)


async def test_system_and_model_commands() -> None:
    chat = make_chat()
    await handle_line(chat, "/system Be terse.")
    await handle_line(chat, "system?")
    assert "System says: Be terse." in output(chat)
    await handle_line(chat, "/model other")
    assert "model: x (other)" in output(chat)
    await handle_line(chat, "hi")
    assert "other here" in output(chat)


async def test_stats_show_each_answer_and_the_session() -> None:
    chat = make_chat()
    await handle_line(chat, "/stats")
    assert "no answers yet" in output(chat)
    await handle_line(chat, "remember 1")
    await handle_line(chat, "what number?")
    await handle_line(chat, "/stats")
    assert "turn 1: 5 tokens" in output(chat)
    assert "session: 2 answers · 9 tokens" in output(chat)


async def test_run_chat_reads_lines_and_blocks_until_end_of_input() -> None:
    chat = make_chat()
    reader = LineReader(io.StringIO('remember 5\n"""\nwhat number?\n"""\n/help\n'))
    assert await run_chat(chat, reader) == 0
    text = output(chat)
    assert "You told me 5." in text
    assert "/retry" in text
    assert text.endswith("Goodbye.\n")


async def test_exit_command_stops_reading() -> None:
    chat = make_chat()
    assert await run_chat(chat, LineReader(io.StringIO("/exit\nremember 1\n"))) == 0
    assert chat.session.turns == []


def test_second_ctrl_c_within_the_window_exits() -> None:
    now = [0.0]
    guard = ExitGuard(window=2.0, clock=lambda: now[0])
    assert not guard.press()
    now[0] = 2.5
    assert not guard.press()
    now[0] = 3.0
    assert guard.press()
    guard.forget()
    assert not guard.press()


@pytest.mark.parametrize(
    ("text", "open_"),
    [('"""', True), ('"""\nabc', True), ('"""\nabc\n"""', False), ('"""abc"""', False), ("plain", False)],
)
def test_triple_quote_blocks(text: str, open_: bool) -> None:
    assert is_open_block(text) is open_


def test_completer_offers_command_names_only_for_slash_words() -> None:
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    from teleprinter.chat.repl import command_completer

    def complete(text: str) -> list[str]:
        return [c.text for c in command_completer().get_completions(Document(text), CompleteEvent())]

    assert complete("/re") == ["/reset", "/retry"]
    assert complete("re") == []
    assert complete("/save x") == []


def test_unwrap_block() -> None:
    assert unwrap_block('"""\nline one\nline two\n"""') == "line one\nline two"
    assert unwrap_block("plain") == "plain"


def test_unwritable_history_falls_back_to_memory_with_a_notice(tmp_path: Path) -> None:
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.history import InMemoryHistory
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from teleprinter.chat.repl import PromptReader

    blocker = tmp_path / "file"
    blocker.write_text("")
    notices: list[str] = []
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        reader = PromptReader(blocker / "teleprinter" / "chat_history", notices.append)
    assert isinstance(reader.session.history, InMemoryHistory)
    assert notices and notices[0].startswith("history is not kept")


async def test_prompt_reader_keys_ctrl_c_clears_then_twice_exits() -> None:
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from teleprinter.chat.repl import PromptReader

    notices: list[str] = []
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        reader = PromptReader(None, notices.append)
        pipe.send_text("typed\x03first\x1b\rsecond\r")  # Ctrl-C clears "typed"; Alt-Enter adds a line
        assert await reader.read() == "first\nsecond"
        pipe.send_text('"""\rin a block\r"""\r')
        assert await reader.read() == '"""\nin a block\n"""'
        pipe.send_text("\x03\x03")
        with pytest.raises(EOFError):
            await reader.read()
    assert notices == ["(Ctrl-C again within 2 s or Ctrl-D to exit)"]


async def test_a_ctrl_c_between_two_prompts_counts_as_one_at_the_prompt() -> None:
    """Found flaky in CI: the second Ctrl-C landed while the terminal was in cooked mode between two
    prompts, arrived as SIGINT, and was dropped; the chat did not exit."""
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from teleprinter.chat.repl import PromptReader

    notices: list[str] = []
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        reader = PromptReader(None, notices.append)
        pipe.send_text("\x03")  # the first press, a key at the empty prompt
        pipe.send_text("kept\r")
        assert await reader.read() == "kept"
        reader.interrupted()  # a lone SIGINT between prompts: one press, not an exit
        pipe.send_text("next\r")
        assert await reader.read() == "next"
        pipe.send_text("\x03")
        reader.interrupted()  # the key, then SIGINT before the next prompt: the second press leaves
        with pytest.raises(EOFError):
            await reader.read()


async def test_ctrl_c_while_the_model_is_still_being_built_stops_the_wait_not_the_build() -> None:
    import asyncio

    built: asyncio.Future[tuple[ReplayChatModel, ModelInfo]] = asyncio.get_running_loop().create_future()
    out, err = io.StringIO(), io.StringIO()
    chat = Chat(
        ChatSession(), built, ModelInfo("replay", ""), out=out, err=err, make_renderer=lambda n: PlainRenderer(out)
    )
    asking = asyncio.ensure_future(chat.ask("remember 2"))
    while not chat.runner.busy:
        await asyncio.sleep(0)
    assert chat.runner.interrupt()
    reply = await asking
    assert reply.status == "interrupted" and reply.text == ""
    assert "[interrupted] before the answer began" in err.getvalue()
    assert not built.cancelled()
    built.set_result((ReplayChatModel(responder=answer, delays=[0.0]), ModelInfo("replay", "scripted")))
    await chat.ask("what number?")
    assert out.getvalue() == "You told me 2.\n"
    assert chat.info.name == "scripted"


def test_keys_are_not_echoed_while_an_answer_streams_and_echo_comes_back() -> None:
    import os
    import pty
    import termios

    from teleprinter.chat.repl import keys_not_echoed

    leader, follower = pty.openpty()
    try:
        with os.fdopen(follower, "r", closefd=False) as stream:
            before = termios.tcgetattr(follower)
            assert before[3] & termios.ECHO
            with keys_not_echoed(stream):
                during = termios.tcgetattr(follower)
                assert not during[3] & termios.ECHO
                assert during[3] & termios.ISIG  # Ctrl-C still interrupts
            assert termios.tcgetattr(follower) == before
        with keys_not_echoed(io.StringIO()):  # not a terminal: nothing to do, no error
            pass
    finally:
        os.close(leader)
        os.close(follower)


def test_history_file_is_private_masks_registered_secrets_and_keeps_an_existing_mode(tmp_path: Path) -> None:
    import os

    from teleprinter import secrets
    from teleprinter.chat.repl import private_history
    from tests.secret_scan import secret

    key = secret("sk-history-unit-0123456789ab")
    secrets.register(key)
    old = os.umask(0)
    try:
        history = private_history(tmp_path / "data" / "teleprinter" / "chat_history")
    finally:
        os.umask(old)
    try:
        history.append_string(f"use {key} please")
        path = Path(history.filename)
        assert (path.stat().st_mode & 0o777, path.parent.stat().st_mode & 0o777) == (0o600, 0o700)
        assert key not in path.read_text() and "use ****89ab please" in path.read_text()
        assert history.get_strings()[-1] == f"use {key} please"  # this session recalls it as typed
        path.chmod(0o644)
        private_history(path).append_string("again")
        assert path.stat().st_mode & 0o777 == 0o644 and "+again" in path.read_text()
    finally:
        secrets.forget_all()


async def test_help_wraps_under_its_second_column_on_a_narrow_terminal() -> None:
    chat = make_chat()
    chat.columns = lambda: 60
    await handle_line(chat, "/help")
    rows = output(chat).splitlines()
    assert max(len(row) for row in rows) <= 60
    column = rows[0].index("this list")
    save = next(index for index, row in enumerate(rows) if row.startswith("  /save"))
    assert rows[save + 1].startswith(" " * column) and rows[save + 1][column] != " "  # hangs under the text
    assert sorted(" ".join(rows).split()) == sorted(" ".join(make_help_lines()).split())  # no word cut


def make_help_lines() -> list[str]:
    from teleprinter.chat.commands import HELP

    return [f"{usage} {text}" for usage, text in HELP.values()] + [
        'Alt-Enter or a """ block: multi-line input · Ctrl-C: stop the answer / clear · Ctrl-D: exit'
    ]
