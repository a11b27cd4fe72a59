"""The interactive loop: read a line (prompt_toolkit on a terminal, plain lines otherwise), run it.

Ctrl-C means "stop what is happening": while an answer streams it cancels the answer (the
terminal is in cooked mode, so it arrives as SIGINT and the loop's handler cancels the reply
task); at the prompt it is a key: it clears a non-empty line, and on an empty line a second
press within :data:`EXIT_WINDOW` seconds ends the chat, like Ctrl-D. A press that lands between
two prompts, while the terminal is in cooked mode for a moment, arrives as SIGINT with no answer
running: it counts as a press at the empty prompt (:meth:`PromptReader.interrupted`).
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from teleprinter.chat.commands import EXIT, is_command, run_command

if TYPE_CHECKING:
    from teleprinter.chat.controller import Chat

EXIT_WINDOW = 2.0
BLOCK = '"""'
PROMPT = "> "
HISTORY_FILE = "chat_history"


class Reader(Protocol):
    """Gives the next line the user entered; raises ``EOFError`` when they want to leave."""

    async def read(self) -> str: ...

    def fail(self, failed: asyncio.Future[Any]) -> None:
        """Something the chat needs (the model) could not be made: end reading with its error."""


def history_path(data_dir: Path) -> Path:
    """Where the prompt history lives inside the user's data directory (the CLI finds that)."""
    return data_dir / HISTORY_FILE


def private_history(path: Path) -> Any:
    """prompt_toolkit's ``FileHistory`` on ``path``, created 0600 in a 0700 directory, secrets masked.

    An existing history file keeps its mode (``doctor`` warns when others can read it). A line
    holding a registered secret (a pasted API key) is stored with the secret masked; the
    session's in-memory history keeps it as typed. Raises ``OSError`` when the file cannot be made.
    """
    from prompt_toolkit.history import FileHistory

    from teleprinter import private
    from teleprinter.secrets import redact

    class PrivateFileHistory(FileHistory):
        def store_string(self, string: str) -> None:
            private.ensure_file(path)  # recreated privately if it was removed meanwhile
            super().store_string(redact(string))

    private.make_dirs(path.parent)
    private.ensure_file(path)
    return PrivateFileHistory(str(path))


def is_open_block(text: str) -> bool:
    """True while a ``\"\"\"`` block has been opened and not yet closed."""
    stripped = text.strip()
    return stripped.startswith(BLOCK) and (stripped == BLOCK or not stripped.endswith(BLOCK))


def unwrap_block(text: str) -> str:
    """The text inside a closed ``\"\"\"`` block, or ``text`` unchanged."""
    stripped = text.strip()
    if len(stripped) >= 2 * len(BLOCK) and stripped.startswith(BLOCK) and stripped.endswith(BLOCK):
        return stripped[len(BLOCK) : -len(BLOCK)].strip("\n")
    return text


class ExitGuard:
    """Counts Ctrl-C at an empty prompt: the second within ``window`` seconds means "exit"."""

    def __init__(self, window: float = EXIT_WINDOW, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self.clock = clock
        self._last: float | None = None

    def press(self) -> bool:
        now = self.clock()
        leave = self._last is not None and now - self._last <= self.window
        self._last = None if leave else now
        return leave

    def forget(self) -> None:
        self._last = None

    def shown(self) -> None:
        """The window starts when the user can see the hint, not when the key was read:
        on a busy machine drawing the hint can take a good part of the window."""
        if self._last is not None:
            self._last = self.clock()


def key_bindings() -> Any:
    """Enter sends (or adds a line inside a ``\"\"\"`` block), Alt-Enter adds a line, Ctrl-C clears."""
    from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

    bindings = KeyBindings()

    @bindings.add("enter")
    def _enter(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if is_open_block(buffer.text):
            buffer.insert_text("\n")
        else:
            buffer.validate_and_handle()

    @bindings.add("escape", "enter")
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    @bindings.add("c-c")
    def _interrupt(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if buffer.text:
            buffer.reset()
        else:
            event.app.exit(exception=KeyboardInterrupt())

    return bindings


def command_completer() -> Any:
    """Tab completes slash-command names (and nothing else: questions are free text)."""
    from prompt_toolkit.completion import Completer, Completion

    from teleprinter.chat.commands import COMMANDS

    class SlashCompleter(Completer):
        def get_completions(self, document: Any, complete_event: Any) -> Iterator[Completion]:
            text = document.text_before_cursor
            if not text.startswith("/") or " " in text:
                return
            for name in COMMANDS:
                if name.startswith(text[1:]):
                    yield Completion(f"/{name}", start_position=-len(text))

    return SlashCompleter()


class PromptReader:
    """prompt_toolkit line editing with persistent history (``history_file=None``: this session only)."""

    def __init__(self, history_file: Path | None, notice: Callable[[str], None], prompt: str = PROMPT) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import History, InMemoryHistory

        history: History = InMemoryHistory()
        if history_file is not None:
            try:
                history = private_history(history_file)
            except OSError as error:  # a read-only home must not stop the chat
                notice(f"history is not kept: cannot write {history_file} ({error.strerror})")
        self.session: Any = PromptSession(
            history=history,
            key_bindings=key_bindings(),
            completer=command_completer(),
            complete_while_typing=False,
            prompt_continuation=lambda width, line, wrap: "." * (width - 1) + " ",
        )
        self.prompt = prompt
        self.notice = notice
        self.guard = ExitGuard()
        self._failure: BaseException | None = None
        self._leaving = False

    def interrupted(self) -> None:
        """Ctrl-C as SIGINT with no answer running: a press at the empty prompt (see the module docstring)."""
        if not self.guard.press():
            self.guard.shown()  # the terminal echoed ^C; the window starts now
            return
        self._leaving = True
        app = self.session.app
        if app.is_running:
            app.exit(exception=EOFError())

    def fail(self, failed: asyncio.Future[Any]) -> None:
        self._failure = failed.exception()
        app = self.session.app
        if app.is_running:
            app.exit(exception=self._failure)

    async def read(self) -> str:
        while True:
            if self._failure is not None:
                raise self._failure
            if self._leaving:
                raise EOFError()
            try:
                text: str = await self.session.prompt_async(self.prompt, handle_sigint=False)
            except KeyboardInterrupt:
                if self.guard.press():
                    raise EOFError() from None
                self.notice("(Ctrl-C again within 2 s or Ctrl-D to exit)")
                self.guard.shown()
                continue
            self.guard.forget()
            return text


class LineReader:
    """Plain lines from a non-terminal stream (a pipe or a file), ``\"\"\"`` blocks joined."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self._failure: BaseException | None = None

    def fail(self, failed: asyncio.Future[Any]) -> None:
        self._failure = failed.exception()

    async def read(self) -> str:
        if self._failure is not None:
            raise self._failure
        text = self._line()
        while is_open_block(text):
            text += "\n" + self._line(inside_block=True)
        return text

    def _line(self, inside_block: bool = False) -> str:
        line = self.stream.readline()
        if not line:
            if inside_block:
                return BLOCK
            raise EOFError()
        return line.rstrip("\n")


async def run_chat(chat: Chat, reader: Reader) -> int:
    """Read and run lines until the user leaves; always returns 0 (leaving is not an error)."""
    loop = asyncio.get_running_loop()

    def on_sigint() -> None:
        if not chat.runner.interrupt():  # no answer to stop: a Ctrl-C between two prompts
            interrupted = getattr(reader, "interrupted", None)
            if interrupted is not None:
                interrupted()

    catching = _catch_sigint(loop, on_sigint)
    try:
        while True:
            try:
                line = await reader.read()
            except EOFError:
                break
            if await handle_line(chat, line) == EXIT:
                break
    finally:
        if catching:
            loop.remove_signal_handler(signal.SIGINT)
        chat.close()
    chat.say("Goodbye.")
    return 0


async def handle_line(chat: Chat, line: str) -> str | None:
    """One line the user entered: a slash command, or a question for the model."""
    text = unwrap_block(line).strip()
    if not text:
        return None
    if is_command(text):
        return await run_command(chat, text)
    await chat.ask(text[1:] if text.startswith("//") else text)
    return None


@contextmanager
def keys_not_echoed(stream: IO[str]) -> Iterator[None]:
    """While an answer streams, keys typed on the terminal are kept for the next prompt, not echoed.

    An echoed key would land in the middle of the answer and move the cursor the renderer
    relies on. ``ISIG`` stays on, so Ctrl-C still arrives as SIGINT.
    """
    try:
        import termios
    except ImportError:  # no termios (Windows): nothing to hide
        yield
        return
    try:
        fd = stream.fileno()
        saved = termios.tcgetattr(fd)
    except (termios.error, OSError, ValueError):  # not a terminal
        yield
        return
    quiet = list(saved)
    quiet[3] &= ~termios.ECHO
    termios.tcsetattr(fd, termios.TCSANOW, quiet)
    try:
        yield
    finally:
        with suppress(termios.error, OSError):
            termios.tcsetattr(fd, termios.TCSANOW, saved)


def _catch_sigint(loop: asyncio.AbstractEventLoop, interrupt: Callable[[], None]) -> bool:
    """Route SIGINT to ``interrupt`` (cancel the running answer, or count a press at the prompt)."""
    try:
        loop.add_signal_handler(signal.SIGINT, interrupt)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
        return False
    return True
