"""Draw the README's pictures: real recordings played through the real renderer into a terminal emulator.

Each scene replays JSONL recordings made with ``teleprinter ask --record`` or ``run --record`` (kept in
``tests/data/recordings``) through the renderer the CLI uses on a terminal (:class:`AgentRenderer`), on the
recording's own clock, into pyte (a VT100 emulator); the screen pyte ends with is drawn
to PNG with Pillow and a monospace font from a package (JetBrains Mono, from the
``fontpkg-jetbrains-mono`` wheel; DejaVu Sans Mono, where the system has it, for the few
glyphs JetBrains Mono lacks). Nothing is typed in by hand, so a picture cannot show
what the renderer does not do. No network, no display server.

    python scripts/pictures.py [--out docs/pictures] [--only answer]     (or: make pictures)
"""

from __future__ import annotations

import argparse
import io
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RECORDINGS = ROOT / "tests" / "data" / "recordings"
DEFAULT_OUT = ROOT / "docs" / "pictures"
SHELL_PROMPT = "$ "

# A dark palette for the 16 ANSI colours, by pyte's colour names.
PALETTE = {
    "black": "#1e2127", "red": "#e06c75", "green": "#98c379", "brown": "#d19a66", "yellow": "#d19a66",
    "blue": "#61afef", "magenta": "#c678dd", "cyan": "#56b6c2", "white": "#abb2bf",
    "brightblack": "#5c6370", "brightred": "#e06c75", "brightgreen": "#98c379", "brightbrown": "#e5c07b",
    "brightyellow": "#e5c07b", "brightblue": "#61afef", "brightmagenta": "#c678dd", "brightcyan": "#56b6c2",
    "brightwhite": "#ffffff",
}
FOREGROUND, BACKGROUND, TITLE_BAR = "#d7dae0", "#282c34", "#21252b"
FONT_SIZE, PADDING, TITLE_HEIGHT = 15, 14, 28


# ---------------------------------------------------------------------------------------- the terminal


class Terminal:
    """A pyte screen that is written to like a tty: stdout and stderr land on the same screen."""

    def __init__(self, columns: int, lines: int) -> None:
        import pyte

        self.columns, self.lines = columns, lines
        self.screen = pyte.Screen(columns, lines)
        self.stream = pyte.Stream(self.screen)

    def write(self, text: str) -> None:
        self.stream.feed(text.replace("\n", "\r\n"))  # the tty's ONLCR: a newline also returns the carriage

    def type_command(self, command: str) -> None:
        """What the shell shows for a command the user typed (the one part not drawn by teleprinter)."""
        self.write(SHELL_PROMPT + command + "\n")

    def used_rows(self) -> int:
        rows = [i for i in range(self.lines) if any(self.screen.buffer[i][x].data.strip() for x in range(self.columns))]
        return (max(rows) + 1) if rows else 1


class TTY(io.StringIO):
    """The stream the renderer writes to: says it is a terminal, forwards every write to ``terminal``."""

    def __init__(self, terminal: Terminal) -> None:
        super().__init__()
        self.terminal = terminal

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.terminal.write(text)
        return len(text)


@dataclass
class Clock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now


def terminal_renderer(terminal: Terminal, clock: Clock, model_name: str = "") -> Any:
    """The renderer ``make_renderer`` picks for a colour terminal (an :class:`AgentRenderer`, default display
    options, the status line on the same tty), on ``clock``, drawing only when asked (no frame thread)."""
    from teleprinter.render.agent import AgentRenderer
    from teleprinter.render.terminal import Capabilities

    tty = TTY(terminal)
    capabilities = Capabilities(is_tty=True, width=terminal.columns, height=terminal.lines, color=True, cursor=True)
    return AgentRenderer(
        tty, capabilities, markdown=True, status_stream=tty, model_name=model_name, clock=clock,
        background=False, watch=False,
    )


def play(recording: Path, terminal: Terminal, *, model_name: str | None = None, until: float = 1.0) -> None:
    """Play one ``ask --record`` recording through the CLI's renderer, on the recording's own timing.

    ``until`` below 1 stops after that share of the tokens with the run still live (status line
    and all), as a screenshot taken while the answer streams would show it.
    """
    from teleprinter.events import RunEnded, RunFailed, RunStarted, Token
    from teleprinter.providers.replay import load_script

    script = load_script(recording)
    clock = Clock()
    renderer = terminal_renderer(terminal, clock, model_name or script.model)
    run_id = uuid.uuid4()
    renderer.handle(RunStarted(run_id, script.model, time=0.0))
    shown = round(len(script.chunks) * until)
    for index, (chunk, delay) in enumerate(zip(script.chunks[:shown], script.delays[:shown], strict=True)):
        clock.now += delay
        renderer.handle(Token(run_id, chunk, index, clock.now))
        renderer.writer.frame()  # the frame the writer would draw at this moment (no background thread here)
    if shown < len(script.chunks):
        return  # still streaming: the live frame stays as it is
    if script.error:
        renderer.handle(RunFailed(run_id, RuntimeError(script.error), time=clock.now))
    else:
        renderer.handle(RunEnded(run_id, usage=script.usage, finish_reason="stop", time=clock.now))
    renderer.close()


def play_events(recording: Path, terminal: Terminal) -> None:
    """Play a ``run --record`` recording (every event of every run: nodes, tools, models) as ``run`` draws it.

    The events come back through :func:`teleprinter.sources.replay.read_recording`, each at its
    recorded time, and a frame is drawn after each one, as the frame loop would have.
    """
    from teleprinter.sources.replay import read_recording

    clock = Clock()
    renderer = terminal_renderer(terminal, clock)
    for event in read_recording(recording):
        clock.now = max(clock.now, event.time)
        renderer.handle(event)
        renderer.writer.frame()
    renderer.close()


# ---------------------------------------------------------------------------------------- scenes


@dataclass
class Scene:
    """One picture: what is typed, which recordings play, the terminal's size and the window title."""

    name: str
    title: str
    draw: Callable[[Terminal], None]
    recordings: Sequence[str] = field(default_factory=tuple)
    columns: int = 80
    lines: int = 24


def answer_scene(terminal: Terminal) -> None:
    terminal.type_command('teleprinter ask "What is the capital of France?"')
    play(RECORDINGS / "answer.jsonl", terminal)
    terminal.write(SHELL_PROMPT)


def streaming_scene(terminal: Terminal) -> None:
    terminal.type_command("teleprinter ask --provider replay --replay markdown.jsonl")
    play(RECORDINGS / "markdown.jsonl", terminal, until=0.6)


def markdown_scene(terminal: Terminal) -> None:
    terminal.type_command('teleprinter ask --provider replay --replay markdown.jsonl')
    play(RECORDINGS / "markdown.jsonl", terminal)
    terminal.write(SHELL_PROMPT)


CHAT_TURNS = (("What is the capital of France?", "chat-1.jsonl"), ("What is the capital of Italy?", "chat-2.jsonl"))


def chat_scene(terminal: Terminal) -> None:
    """The chat's own banner and prompt (``teleprinter.chat.repl.PROMPT``), each answer a recording."""
    from teleprinter.chat.controller import ModelInfo
    from teleprinter.chat.repl import PROMPT
    from teleprinter.providers.replay import load_script

    model = ModelInfo("local", load_script(RECORDINGS / CHAT_TURNS[0][1]).model)
    terminal.type_command("teleprinter chat")
    terminal.write(f"teleprinter chat · {model} · /help for commands, Ctrl-D to leave\n")  # as commands/chat.py
    for question, recording in CHAT_TURNS:
        terminal.write(PROMPT + question + "\n")
        play(RECORDINGS / recording, terminal)
    terminal.write(PROMPT)


AGENT_COMMAND = 'teleprinter run examples/agent.py:graph "What is 17 * 23?"'
AGENT_RECORDING = "agent.jsonl"  # that command with --record, on the embedded model


def agent_scene(terminal: Terminal) -> None:
    """examples/agent.py: router, calculator tool, then two model nodes at once, each answer labelled."""
    terminal.type_command(AGENT_COMMAND)
    play_events(RECORDINGS / AGENT_RECORDING, terminal)
    terminal.write(SHELL_PROMPT)


SCENES: dict[str, Scene] = {
    scene.name: scene
    for scene in (
        Scene("answer", "teleprinter ask", answer_scene, ("answer.jsonl",), lines=8),
        Scene("markdown", "teleprinter ask: a Markdown answer", markdown_scene, ("markdown.jsonl",)),
        Scene("streaming", "teleprinter ask: while it streams", streaming_scene, ("markdown.jsonl",)),
        Scene("chat", "teleprinter chat", chat_scene, tuple(recording for _, recording in CHAT_TURNS), lines=12),
        Scene("agent", "teleprinter run: an agent graph", agent_scene, (AGENT_RECORDING,), lines=16),
    )
}


# ---------------------------------------------------------------------------------------- drawing


class Fonts:
    """JetBrains Mono (regular, bold, italic) from its package; DejaVu Sans Mono for glyphs it lacks."""

    FALLBACKS = (  # Debian's fonts-dejavu-core; DejaVu Sans has the braille of the status line's spinner
        "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    )

    def __init__(self, size: int) -> None:
        from PIL import ImageFont

        try:
            import fontpkg_jetbrains_mono
        except ImportError:
            sys.exit("pictures: the font package is missing: pip install fontpkg-jetbrains-mono (or make pictures)")
        files = Path(fontpkg_jetbrains_mono.ROOT) / "files"
        self.regular = ImageFont.truetype(str(files / "JetBrainsMono[wght].ttf"), size)
        self.bold = ImageFont.truetype(str(files / "JetBrainsMono[wght].ttf"), size)
        self.bold.set_variation_by_name("Bold")
        self.italic = ImageFont.truetype(str(files / "JetBrainsMono-Italic[wght].ttf"), size)
        self.fallbacks = [ImageFont.truetype(path, size) for path in self.FALLBACKS if Path(path).exists()]
        ascent, descent = self.regular.getmetrics()
        self.cell_width = round(self.regular.getlength("M"))
        self.cell_height = round((ascent + descent) * 1.15)
        self.baseline_offset = round((self.cell_height - (ascent + descent)) / 2)
        self._missing = {id(font): self._bitmap(font, "\U0010fffd") for font in [self.regular, *self.fallbacks]}
        self._chosen: dict[str, Any] = {}

    def _bitmap(self, font: Any, char: str) -> bytes:
        """The glyph ``font`` draws for ``char``; the same as for U+10FFFD means it has none."""
        from PIL import Image, ImageDraw

        image = Image.new("L", (self.cell_width * 2, self.cell_height))
        ImageDraw.Draw(image).text((0, 0), char, font=font, fill=255)
        return image.tobytes()

    def pick(self, char: str, bold: bool, italic: bool) -> Any:
        """JetBrains Mono in the cell's weight, or the first fallback font that has the glyph."""
        if char not in self._chosen:
            self._chosen[char] = None
            if not char.isascii() and self._bitmap(self.regular, char) == self._missing[id(self.regular)]:
                fonts = (font for font in self.fallbacks if self._bitmap(font, char) != self._missing[id(font)])
                self._chosen[char] = next(fonts, None)
        chosen = self._chosen[char]
        if chosen is not None:
            return chosen
        return self.bold if bold else self.italic if italic else self.regular


def colour(name: str, default: str) -> str:
    if name == "default":
        return default
    if name in PALETTE:
        return PALETTE[name]
    if len(name) == 6 and all(c in "0123456789abcdefABCDEF" for c in name):
        return "#" + name
    return default


def draw(terminal: Terminal, title: str, path: Path, fonts: Fonts) -> None:
    """The screen as a PNG: a window with a title bar, each cell in its colours and weight."""
    from PIL import Image, ImageDraw
    from wcwidth import wcwidth

    rows = terminal.used_rows()
    width = PADDING * 2 + terminal.columns * fonts.cell_width
    height = TITLE_HEIGHT + PADDING * 2 + rows * fonts.cell_height
    image = Image.new("RGB", (width, height), BACKGROUND)
    pen = ImageDraw.Draw(image)
    pen.rectangle((0, 0, width, TITLE_HEIGHT), fill=TITLE_BAR)
    for number, dot in enumerate(("#ff5f56", "#ffbd2e", "#27c93f")):
        x = PADDING + number * 20
        pen.ellipse((x, TITLE_HEIGHT / 2 - 6, x + 12, TITLE_HEIGHT / 2 + 6), fill=dot)
    title_width = pen.textlength(title, font=fonts.regular)
    pen.text(((width - title_width) / 2, TITLE_HEIGHT / 2), title, font=fonts.regular, fill="#9da5b4", anchor="lm")
    screen = terminal.screen
    for y in range(rows):
        line = screen.buffer[y]
        top = TITLE_HEIGHT + PADDING + y * fonts.cell_height
        for x in range(terminal.columns):
            cell = line[x]
            fg, bg = colour(cell.fg, FOREGROUND), colour(cell.bg, BACKGROUND)
            if cell.reverse:
                fg, bg = bg, fg
            left = PADDING + x * fonts.cell_width
            cells = max(wcwidth(cell.data[:1]), 1) if cell.data else 1
            if bg != BACKGROUND:
                pen.rectangle((left, top, left + cells * fonts.cell_width - 1, top + fonts.cell_height - 1), fill=bg)
            if cell.data.strip():
                font = fonts.pick(cell.data[:1], cell.bold, cell.italics)
                pen.text((left, top + fonts.baseline_offset), cell.data, font=font, fill=fg)
            if cell.underscore:
                under = top + fonts.cell_height - 3
                pen.line((left, under, left + cells * fonts.cell_width - 1, under), fill=fg)
    if screen.cursor.y < rows and not screen.cursor.hidden:  # the shell's cursor after the last prompt
        left = PADDING + screen.cursor.x * fonts.cell_width
        top = TITLE_HEIGHT + PADDING + screen.cursor.y * fonts.cell_height
        pen.rectangle((left, top + 2, left + fonts.cell_width - 2, top + fonts.cell_height - 2), fill="#528bff")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, optimize=True)


def render(scene: Scene) -> Terminal:
    """The scene played into a fresh terminal of the scene's size."""
    missing = [name for name in scene.recordings if not (RECORDINGS / name).exists()]
    if missing:
        raise FileNotFoundError(f"{scene.name}: recording missing: {', '.join(missing)} (in {RECORDINGS})")
    terminal = Terminal(scene.columns, scene.lines)
    scene.draw(terminal)
    return terminal


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Draw the README's pictures from the recordings in tests/data.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"directory for the PNGs (default {DEFAULT_OUT})")
    parser.add_argument("--only", action="append", choices=sorted(SCENES), help="draw only this scene (repeatable)")
    args = parser.parse_args(argv)
    fonts = Fonts(FONT_SIZE)
    for name in args.only or SCENES:
        scene = SCENES[name]
        path = args.out / f"{name}.png"
        draw(render(scene), scene.title, path, fonts)
        sys.stderr.write(f"pictures: wrote {path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
