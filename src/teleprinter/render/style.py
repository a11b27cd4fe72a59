"""Text styles and their SGR encoding: the only place escape codes for attributes are built."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

RESET = "\x1b[0m"


@dataclass(frozen=True, slots=True)
class Style:
    """Attributes of a run of text; ``fg`` holds SGR colour parameters such as ``"36"``."""

    bold: bool = False
    dim: bool = False
    italic: bool = False
    underline: bool = False
    strike: bool = False
    fg: str | None = None

    def __add__(self, other: Style) -> Style:
        """``other`` layered on top: attributes add up, its colour wins."""
        return Style(
            self.bold or other.bold,
            self.dim or other.dim,
            self.italic or other.italic,
            self.underline or other.underline,
            self.strike or other.strike,
            other.fg or self.fg,
        )


PLAIN = Style()
Span = tuple[str, Style]


@lru_cache(maxsize=512)
def sgr(style: Style, color: bool) -> str:
    """The escape sequence selecting ``style`` from a reset state ("" for plain text).

    Without colour, attributes (bold, italic...) stay: NO_COLOR is about colour only.
    """
    params = [
        code
        for flag, code in (
            (style.bold, "1"),
            (style.dim, "2"),
            (style.italic, "3"),
            (style.underline, "4"),
            (style.strike, "9"),
        )
        if flag
    ]
    if color and style.fg:
        params.append(style.fg)
    return f"\x1b[0;{';'.join(params)}m" if params else ""


def encode(spans: Iterable[Span], color: bool) -> str:
    """One row as text with escape codes; it ends reset, so rows can be drawn independently."""
    out: list[str] = []
    current = ""
    for text, style in spans:
        code = sgr(style, color)
        if code != current:
            out.append(code or RESET)
            current = code
        out.append(text)
    if current:
        out.append(RESET)
    return "".join(out)
