"""One-row widgets: a styled line cut to the terminal width, with ``…`` where it was cut."""

from __future__ import annotations

import re

from teleprinter.render.style import RESET, Span, encode
from teleprinter.render.wrap import cell_width, clusters, span_clusters, spans_width

ELLIPSIS = "…"


def fit(spans: list[Span], width: int, color: bool) -> str:
    """``spans`` as one encoded row of at most ``width - 1`` cells (never the last column).

    A line that does not fit is cut between two characters and ends in ``…``; the text is
    assumed sanitized (no control characters, no newlines: see :func:`one_line`).
    """
    room = max(width - 1, 1)
    if spans_width(spans) <= room:
        return encode(spans, color)
    out: list[Span] = []
    used = 0
    for text, cells, style, _ in span_clusters(spans):
        if used + cells > room - 1:
            out.append((ELLIPSIS, style))
            break
        used += cells
        if out and out[-1][1] is style:
            out[-1] = (out[-1][0] + text, style)
        else:
            out.append((text, style))
    return encode(out, color)


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (newlines included) made one space, stripped."""
    return " ".join(text.split())


_SGR = re.compile(r"(\x1b\[[0-9;]*m)")


def refit(row: str, width: int) -> list[str]:
    """An encoded row cut into rows of at most ``width`` cells, its styles carried onto each.

    For rows laid out before the terminal shrank and not yet printed (a run held while another
    streamed): printed as they are, the terminal would cut them at its margin.
    """
    if width < 1 or ("\x1b" not in row and cell_width(row) <= width):
        return [row]
    pieces = _SGR.split(row)
    if cell_width("".join(pieces[0::2])) <= width:
        return [row]
    rows: list[str] = []
    current: list[str] = []
    cells, style = 0, ""
    for number, piece in enumerate(pieces):
        if number % 2:  # an SGR code
            current.append(piece)
            style = "" if piece == RESET else piece
            continue
        for text, size, _, _ in clusters(piece):
            if cells + size > width:
                rows.append("".join(current) + (RESET if style else ""))
                current, cells = ([style] if style else []), 0
            current.append(text)
            cells += size
    rows.append("".join(current))
    return rows
