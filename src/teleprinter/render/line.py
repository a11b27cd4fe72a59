"""One-row widgets: a styled line cut to the terminal width, with ``…`` where it was cut."""

from __future__ import annotations

from teleprinter.render.style import Span, encode
from teleprinter.render.wrap import span_clusters, spans_width

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
