"""``teleprinter chat``: an interactive conversation with line editing, history, interrupts, transcripts."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from teleprinter.commands.common import (
    add_display_arguments,
    add_model_arguments,
    add_publish_arguments,
    close_publisher,
    command_parser,
    display_options,
    group,
    model_options,
    open_publisher,
)

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from teleprinter.chat.controller import ModelInfo, ModelSwitcher, RendererFactory
    from teleprinter.chat.repl import Reader
    from teleprinter.chat.session import ChatSession
    from teleprinter.chat.transcript import TranscriptWriter
    from teleprinter.providers import ModelOptions


def add_parser(subparsers: Any) -> None:
    parser = command_parser(
        subparsers,
        "chat",
        help="talk with a model: line editing, history, Ctrl-C stops an answer",
        description="Interactive chat. Type /help inside for the commands; Ctrl-D or /exit leaves.",
        examples=(
            "teleprinter chat  # embedded model, or any --provider",
            'teleprinter chat --system "Be brief." --transcript talk.jsonl',
            "teleprinter chat --resume talk.jsonl  # continue a saved conversation",
        ),
    )
    add_model_arguments(parser)
    group(parser, "model").add_argument("--system", metavar="TEXT", help="system prompt")
    group(parser, "replay").add_argument(
        "--replay-script",
        metavar="FILE.py:FUNC",
        help="answer with FUNC(messages) -> text (a Python file or module), streamed like the replay model",
    )
    add_display_arguments(parser)
    group(parser, "display").add_argument(
        "--prefix", default="", metavar="TEXT", help="text put before each line of an answer"
    )
    conversation = group(parser, "input")
    conversation.add_argument("--resume", metavar="FILE", help="continue the conversation saved in a JSONL transcript")
    conversation.add_argument("--no-history", action="store_true", help="keep no prompt history on disk")
    group(parser, "output").add_argument(
        "--transcript", metavar="FILE", help="append every finished turn to FILE (JSON lines)"
    )
    add_publish_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from teleprinter.chat import transcript
    from teleprinter.chat.session import ChatSession

    if args.replay_script:  # no provider to set up, but keys in .env or the environment must still be masked
        from teleprinter.config import load_settings

        load_settings(args.env_file)
    session = transcript.load(args.resume, args.system) if args.resume else ChatSession(args.system)
    path = args.transcript or args.resume
    writer = transcript.TranscriptWriter(path) if path else None
    if writer is not None and args.resume and path != args.resume:
        for record in transcript.session_records(session):  # the new file must stand on its own
            writer.write(record)
    elif writer is not None and args.system:
        writer.write(transcript.system_record(args.system))
    publisher = open_publisher(args)
    try:
        return asyncio.run(talk(args, session, writer, publisher))
    finally:
        close_publisher(publisher)


async def talk(
    args: argparse.Namespace, session: ChatSession, writer: TranscriptWriter | None, publisher: Any = None
) -> int:
    """The prompt comes up at once; the model (and LangChain with it) is built meanwhile on a thread."""
    import asyncio

    from teleprinter.chat.controller import Chat, ModelInfo
    from teleprinter.chat.repl import keys_not_echoed, run_chat

    options = None if args.replay_script else model_options(args)
    expected = ModelInfo("replay", "scripted") if options is None else ModelInfo(options.provider, options.model or "")
    loading = asyncio.get_running_loop().run_in_executor(None, build_model, args, options)
    chat = Chat(
        session, loading, expected, out=sys.stdout, err=sys.stderr, make_renderer=renderer_factory(args, publisher),
        transcript=writer, switch_model=switcher(args, options), while_streaming=lambda: keys_not_echoed(sys.stdin),
        columns=terminal_columns,
    )
    reader = make_reader(args, chat.notice)
    loading.add_done_callback(lambda done: None if done.cancelled() or not done.exception() else reader.fail(done))
    if sys.stdin.isatty():
        resumed = f" · {len(session.turns)} turns resumed from {args.resume}" if args.resume else ""
        chat.say(f"teleprinter chat · {chat.info}{resumed} · /help for commands, Ctrl-D to leave")
    return await run_chat(chat, reader)


def terminal_columns() -> int | None:
    """The width of the terminal stdout is, asked each time (it may have been resized); ``None`` on a pipe."""
    import os

    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns if sys.stdout.isatty() else None
    except (OSError, ValueError, AttributeError):
        return None


def build_model(args: argparse.Namespace, options: ModelOptions | None) -> tuple[BaseChatModel, ModelInfo]:
    """The model ``options`` describe, or (``--replay-script``, no options) the scripted one."""
    from teleprinter.chat.controller import ModelInfo, model_label
    from teleprinter.providers import create_model

    if options is None:
        from teleprinter.chat.scripted import scripted_model

        return scripted_model(args.replay_script, args.delay), ModelInfo("replay", "scripted")
    model = create_model(options)
    return model, ModelInfo(options.provider, model_label(model))


def switcher(args: argparse.Namespace, options: ModelOptions | None) -> ModelSwitcher:
    """``/model PROVIDER [MODEL]``: the same tuning flags, another provider or model."""

    def switch(provider: str, name: str | None) -> tuple[BaseChatModel, ModelInfo]:
        base = options if options is not None else model_options(args)
        local = provider == "local"
        return build_model(args, replace(base, provider=provider, model=name, model_path=name if local else None))

    return switch


def renderer_factory(args: argparse.Namespace, publisher: Any = None) -> RendererFactory:
    """A fresh renderer per answer on stdout: frames, Markdown and a status line on a terminal.

    With ``publisher`` (``--publish``), every answer's events also go to its stream; the stream
    ends when the chat does.
    """
    factory = _renderer_factory(args)
    if publisher is None:
        return factory
    return lambda model_name: _Tee(factory(model_name), publisher)


class _Tee:
    """A renderer that also hands each event to the chat's publisher (which outlives the answer)."""

    def __init__(self, renderer: Any, publisher: Any) -> None:
        self.renderer, self.publisher = renderer, publisher

    def handle(self, event: Any) -> None:
        self.renderer.handle(event)
        self.publisher.handle(event)

    def close(self) -> None:
        self.renderer.close()


def _renderer_factory(args: argparse.Namespace) -> RendererFactory:
    from teleprinter.config import terminal_environment

    environ = terminal_environment()
    display = display_options(args)
    try:
        from teleprinter.render.factory import make_renderer
    except ImportError:  # the console renderer is optional; plain text always works
        from teleprinter.render.plain import PlainRenderer

        return lambda model_name: PlainRenderer(sys.stdout, args.prefix)

    def make(model_name: str) -> Any:
        return make_renderer(
            sys.stdout,
            prefix=args.prefix,
            markdown=getattr(args, "markdown", None),
            color=getattr(args, "color", "auto"),
            status_stream=sys.stderr,
            model_name=model_name,
            environ=environ,
            display=display,
        )

    return make


def make_reader(args: argparse.Namespace, notice: Any) -> Reader:
    """prompt_toolkit on a terminal, plain lines from a pipe."""
    from teleprinter.chat.repl import LineReader, PromptReader, history_path

    if not sys.stdin.isatty():
        return LineReader(sys.stdin)
    history = None if args.no_history else history_path(Path(user_data_dir()))
    return PromptReader(history, notice)


def user_data_dir() -> str:
    import platformdirs

    return platformdirs.user_data_dir("teleprinter")
