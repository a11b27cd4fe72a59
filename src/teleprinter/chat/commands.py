"""Slash commands: a plain table of name -> (handler, help); unknown names get a hint, never a crash."""

from __future__ import annotations

import base64
import shlex
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

from teleprinter.chat import transcript
from teleprinter.chat.controller import describe
from teleprinter.sinks.stats import RunStats, summary_line

if TYPE_CHECKING:
    from teleprinter.chat.controller import Chat

EXIT = "exit"
Handler = Callable[["Chat", str], Awaitable[str | None]]


async def help_command(chat: Chat, arg: str) -> None:
    width = max(len(usage) for usage, _ in HELP.values())
    for usage, text in HELP.values():
        chat.say(f"  {usage.ljust(width)}  {text}", hang=2 + width + 2)
    chat.say('  Alt-Enter or a """ block: multi-line input · Ctrl-C: stop the answer / clear · Ctrl-D: exit')


async def reset_command(chat: Chat, arg: str) -> None:
    chat.reset()
    chat.say("(new conversation: earlier turns are forgotten)")


async def system_command(chat: Chat, arg: str) -> None:
    if not arg:
        chat.say(f"system prompt: {chat.session.system}" if chat.session.system else "no system prompt (/system TEXT)")
        return
    chat.set_system(None if arg in ("-", "off", "none") else arg)
    chat.say(f"system prompt set: {chat.session.system}" if chat.session.system else "system prompt cleared")


async def model_command(chat: Chat, arg: str) -> None:
    if not arg:
        chat.say(f"model: {chat.info}")
        return
    if chat.switch_model is None:
        chat.say("this chat cannot switch models")
        return
    words = arg.split(maxsplit=1)
    try:
        model, info = chat.switch_model(words[0], words[1] if len(words) > 1 else None)
    except Exception as error:  # a bad provider or model name is a message, not the end of the chat
        chat.notice(f"error: {describe(error)}")
        return
    chat.use_model(model, info)
    chat.say(f"model: {info}")


async def stats_command(chat: Chat, arg: str) -> None:
    runs = list(chat.stats.runs.values())
    if not runs:
        chat.say("no answers yet")
        return
    for number, run in enumerate(runs[-10:], max(1, len(runs) - 9)):
        chat.say(f"  turn {number}: {summary_line(run)}" + (" (did not finish)" if run.failed else ""))
    chat.say(f"  session: {session_line(runs)}")


def session_line(runs: list[RunStats]) -> str:
    """Totals over the session's answers: count, tokens, model time, mean first-token time and rate."""
    tokens = sum(run.output_tokens for run in runs)
    busy = sum(run.elapsed for run in runs)
    firsts = [run.time_to_first_token for run in runs if run.time_to_first_token is not None]
    parts = [f"{len(runs)} answer{'' if len(runs) == 1 else 's'}", f"{tokens} tokens", f"{busy:.2f} s"]
    if firsts:
        parts.append(f"mean first token {sum(firsts) / len(firsts) * 1000:.0f} ms")
    rates = [run.tokens_per_second for run in runs if run.tokens_per_second]
    if rates:
        parts.append(f"mean {sum(rates) / len(rates):.1f} tok/s")
    return " · ".join(parts)


async def save_command(chat: Chat, arg: str) -> None:
    path = _one_path(arg) or datetime.now().strftime("chat-%Y%m%d-%H%M%S.md")
    try:
        kind = transcript.save(chat.session, path)
    except OSError as error:
        chat.notice(f"error: cannot save {path}: {error.strerror or error}")
        return
    chat.say(f"saved {len(chat.session.turns)} turns to {path} ({kind})")


def _one_path(arg: str) -> str:
    try:
        words = shlex.split(arg)
    except ValueError:
        words = [arg]
    return words[0] if words else ""


async def retry_command(chat: Chat, arg: str) -> None:
    question = chat.session.retry_question()
    if question is None:
        chat.say("nothing to retry yet")
        return
    await chat.ask(question)


async def continue_command(chat: Chat, arg: str) -> None:
    if not chat.can_continue():
        chat.say("nothing to continue: the last answer was complete")
        return
    await chat.continue_answer()


async def copy_command(chat: Chat, arg: str) -> None:
    """Copy the last answer with the OSC 52 escape, which most terminals (and tmux) understand."""
    if not chat.session.turns:
        chat.say("no answer to copy yet")
        return
    text = chat.session.turns[-1].assistant
    if not chat.out.isatty():
        chat.say("/copy needs a terminal")
        return
    chat.out.write(f"\x1b]52;c;{base64.b64encode(text.encode('utf-8')).decode('ascii')}\x07")
    chat.say(f"copied {len(text)} characters")


async def thinking_command(chat: Chat, arg: str) -> None:
    """The last answer's reasoning, whole (the screen only showed a box and one line of it)."""
    turns = [turn for turn in chat.session.turns if turn.reasoning.strip()]
    if not turns:
        chat.say("no reasoning yet (the model sent none)")
        return
    chat.say(turns[-1].reasoning.rstrip("\n"))


async def exit_command(chat: Chat, arg: str) -> str:
    return EXIT


COMMANDS: dict[str, Handler] = {
    "help": help_command,
    "reset": reset_command,
    "system": system_command,
    "model": model_command,
    "stats": stats_command,
    "save": save_command,
    "retry": retry_command,
    "continue": continue_command,
    "copy": copy_command,
    "thinking": thinking_command,
    "exit": exit_command,
    "quit": exit_command,
}

HELP: dict[str, tuple[str, str]] = {
    "help": ("/help", "this list"),
    "reset": ("/reset", "start a new conversation (forget earlier turns)"),
    "system": ("/system [TEXT|off]", "show or set the system prompt"),
    "model": ("/model [PROVIDER [MODEL]]", "show or switch the model"),
    "stats": ("/stats", "statistics per answer and for the session"),
    "save": ("/save [FILE]", "save the conversation: Markdown, or JSONL when FILE ends in .jsonl"),
    "retry": ("/retry", "ask the last question again (after an error, an interrupt or a bad answer)"),
    "continue": ("/continue", "ask the model to go on where its last answer was cut or interrupted"),
    "copy": ("/copy", "copy the last answer to the clipboard (OSC 52)"),
    "thinking": ("/thinking", "show the reasoning behind the last answer, whole"),
    "exit": ("/exit", "leave (also Ctrl-D)"),
}


def is_command(line: str) -> bool:
    """``/name ...`` is a command; ``//text`` sends ``/text`` to the model."""
    return line.startswith("/") and not line.startswith("//")


async def run_command(chat: Chat, line: str) -> str | None:
    """Run one slash command; returns :data:`EXIT` when the chat should end."""
    name, _, arg = line[1:].strip().partition(" ")
    handler = COMMANDS.get(name.lower())
    if handler is None:
        close = [known for known in COMMANDS if name and known.startswith(name[:2].lower())]
        hint = f" (did you mean /{close[0]}?)" if close else ""
        chat.notice(f"unknown command /{name}{hint}; /help lists the commands")
        return None
    try:
        return await handler(chat, arg.strip())
    except Exception as error:  # a command that breaks is reported; the conversation survives it
        chat.notice(f"error: /{name.lower()}: {describe(error)}")
        return None
