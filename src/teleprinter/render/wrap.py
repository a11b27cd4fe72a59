"""Soft wrapping by display cells: rows never exceed the width, the terminal never wraps for us.

Text is cut into grapheme clusters (``wcwidth.iter_graphemes``, UAX #29) so a base letter and
its combining marks, a flag, or an emoji ZWJ sequence always stay on one row. A cluster is
measured as the widest a common terminal draws it: the sum of its code points' widths
(a ZWJ family is 6 cells where the terminal does not join it, 2 where it does), and a VS16
emoji presentation counts 2. Over-measuring leaves a few cells of slack on a rare row;
under-measuring would push text past the margin, so we err on the wide side.

Breaking is greedy: a row ends at the last whitespace that fits, whitespace at a break hangs
past the margin (it is invisible and is not drawn), and a word longer than a row is broken
by cells. Greedy breaking never changes a row once text after it has gone to a later row,
which is what lets the renderer print rows once and never reflow them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache

from wcwidth import wcwidth

from teleprinter.render.style import PLAIN, Span, Style

TAB = 8
WORD, SPACE, TABULATION = 0, 1, 2
# Blank spaces a line may break at; no-break spaces (U+00A0, U+2007, U+202F) are part of their word,
# and U+1680 (Ogham space mark) is drawn as a dash.
BREAKING_SPACES = frozenset(" \u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u205f\u3000")
Cluster = tuple[str, int, Style, int]  # text, cells (0 for tabs: they depend on the column), style, kind


def _simple_graphemes(text: str) -> Iterator[str]:
    """Fallback clustering for old ``wcwidth``: zero-width marks and ZWJ joins stay with their base."""
    current = ""
    join = False
    for char in text:
        if current and (join or wcwidth(char) == 0):
            current += char
        else:
            if current:
                yield current
            current = char
        join = char == "\u200d"
    if current:
        yield current


def _graphemes() -> Callable[[str], Iterator[str]]:
    try:
        from wcwidth import iter_graphemes
    except ImportError:  # wcwidth < 0.3
        return _simple_graphemes
    return iter_graphemes


graphemes = _graphemes()


@lru_cache(maxsize=4096)
def cluster_cells(cluster: str) -> int:
    """Cells a grapheme cluster takes, measured on the wide side (see the module docstring)."""
    if len(cluster) == 1:
        return max(wcwidth(cluster), 0)
    cells = sum(max(wcwidth(char), 0) for char in cluster)
    if "\ufe0f" in cluster and cells == 1:
        return 2
    return cells


def cell_width(text: str) -> int:
    """Display cells of ``text`` (no control characters expected)."""
    if text.isascii() and text.isprintable():
        return len(text)
    return sum(cluster_cells(cluster) for cluster in graphemes(text))


def clusters(text: str, style: Style = PLAIN) -> list[Cluster]:
    """``text`` cut into clusters with their widths and kinds."""
    if text.isascii():
        return [
            (char, 1, style, SPACE if char == " " else TABULATION if char == "\t" else WORD) for char in text
        ]
    out: list[Cluster] = []
    for cluster in graphemes(text):
        if cluster == "\t":
            out.append((cluster, 0, style, TABULATION))
        else:
            kind = SPACE if cluster in BREAKING_SPACES else WORD
            out.append((cluster, cluster_cells(cluster), style, kind))
    return out


def span_clusters(spans: Sequence[Span]) -> list[Cluster]:
    out: list[Cluster] = []
    for text, style in spans:
        out.extend(clusters(text, style))
    return out


def break_rows(items: Sequence[Cluster], width: int, rest_width: int | None = None) -> list[tuple[int, int]]:
    """Greedy row boundaries as ``(start, end)`` index pairs; later rows get ``rest_width`` cells."""
    rest_width = width if rest_width is None else rest_width
    rows: list[tuple[int, int]] = []
    start = col = 0
    brk = brk_col = -1
    word_seen = False
    limit = max(width, 1)
    i = 0
    count = len(items)
    while i < count:
        _, cells, _, kind = items[i]
        if kind:
            col += TAB - col % TAB if kind == TABULATION else cells
            i += 1
            if word_seen:
                brk, brk_col = i, col
            continue
        if col + cells <= limit or i == start:
            col += cells
            i += 1
            word_seen = True
            continue
        if brk > start:
            rows.append((start, brk))
            start, col = brk, col - brk_col
        else:
            rows.append((start, i))
            start, col = i, 0
        brk, word_seen, limit = -1, i > start, max(rest_width, 1)
    rows.append((start, count))
    return rows


def row_spans(items: Sequence[Cluster], start: int, end: int) -> list[Span]:
    """The spans of one row: tabs expanded by cells, trailing whitespace dropped, styles merged."""
    while end > start and items[end - 1][3]:
        end -= 1
    spans: list[Span] = []
    texts: list[str] = []
    style: Style | None = None
    col = 0
    for text, cells, cluster_style, kind in items[start:end]:
        if kind == TABULATION:
            cells = TAB - col % TAB
            text = " " * cells
        col += cells
        if cluster_style is not style:
            if texts and style is not None:
                spans.append(("".join(texts), style))
            texts, style = [], cluster_style
        texts.append(text)
    if texts and style is not None:
        spans.append(("".join(texts), style))
    return spans


def spans_width(spans: Sequence[Span]) -> int:
    """Display cells of the spans' text (a loop, not ``sum`` of a generator: table cells measure thousands a frame)."""
    total = 0
    for text, _ in spans:
        total += len(text) if text.isascii() and text.isprintable() else cell_width(text)
    return total


def wrap_spans(
    spans: Sequence[Span], width: int, first: Sequence[Span] = (), rest: Sequence[Span] = ()
) -> list[list[Span]]:
    """Styled text wrapped into rows of at most ``width`` cells, each row led by its indent.

    ``first`` leads the first row and ``rest`` every continuation row (a hanging indent).
    """
    first_cells, rest_cells = spans_width(first), spans_width(rest)
    if all(text.isascii() and "\t" not in text for text, _ in spans):
        return _wrap_ascii(spans, width - first_cells, width - rest_cells, first, rest)
    items = span_clusters(spans)
    bounds = break_rows(items, width - first_cells, width - rest_cells)
    rows: list[list[Span]] = []
    for number, (start, end) in enumerate(bounds):
        indent = first if number == 0 else rest
        rows.append([*indent, *row_spans(items, start, end)])
    return rows


_RUNS = re.compile(r" +|[^ ]+")


def _wrap_ascii(
    spans: Sequence[Span], width: int, rest_width: int, first: Sequence[Span], rest: Sequence[Span]
) -> list[list[Span]]:
    """:func:`wrap_spans` for ASCII text without tabs (most answers): the same rows, a word at a time.

    Every character is one cell and only a space breaks, so :func:`break_rows`' walk over
    clusters reduces to runs of spaces and of other characters; this is the frame's commonest
    work (every paragraph and table cell of the open block, every frame), and a cluster list of
    one tuple per character cost 4-5x more. ``tests/render/test_wrap.py`` checks both give the
    same rows.
    """
    text = "".join(part for part, _ in spans)
    rows: list[list[Span]] = []
    start = col = 0
    brk = brk_col = -1
    word_seen = False
    limit = max(width, 1)
    bounds: list[tuple[int, int]] = []
    b = 0
    for run in _RUNS.findall(text):
        a, b = b, b + len(run)
        if run[0] == " ":
            col += b - a
            if word_seen:
                brk, brk_col = b, col
            continue
        p = a
        while p < b:
            room = limit - col
            if b - p <= room:
                col += b - p
                p = b
                word_seen = True
                break
            if room > 0 or p == start:
                step = max(room, 1)
                col += step
                p += step
                word_seen = True
                continue
            if brk > start:
                bounds.append((start, brk))
                start, col = brk, col - brk_col
            else:
                bounds.append((start, p))
                start, col = p, 0
            brk, word_seen, limit = -1, p > start, max(rest_width, 1)
    bounds.append((start, len(text)))
    for number, (begin, end) in enumerate(bounds):
        while end > begin and text[end - 1] == " ":
            end -= 1
        rows.append([*(first if number == 0 else rest), *_slice(spans, begin, end)])
    return rows


def _slice(spans: Sequence[Span], begin: int, end: int) -> list[Span]:
    """The spans covering ``text[begin:end]`` of their concatenation; neighbours in the same style object merged."""
    out: list[Span] = []
    offset = 0
    for text, style in spans:
        low, high = max(begin, offset), min(end, offset + len(text))
        offset += len(text)
        if low < high:
            piece = text[low - offset + len(text) : high - offset + len(text)]
            if out and out[-1][1] is style:
                out[-1] = (out[-1][0] + piece, style)
            else:
                out.append((piece, style))
        if offset >= end:
            break
    return out


def wrap_text(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """Plain ``text`` wrapped at word boundaries into lines of at most ``width`` cells.

    ``first`` leads the first line and ``rest`` every continuation line (a hanging indent);
    only a word longer than a whole line is broken. An empty ``text`` gives one line, ``first``.
    Used for everything the CLI prints in columns (``doctor``, help, the overview).
    """
    rows = wrap_spans([(text, PLAIN)], width, [(first, PLAIN)] if first else (), [(rest, PLAIN)] if rest else ())
    return ["".join(part for part, _ in row).rstrip() for row in rows]
