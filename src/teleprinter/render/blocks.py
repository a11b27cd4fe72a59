"""Markdown blocks as rows: one markdown-it block node in, wrapped and styled rows out.

A block's rows are a function of its source and of a :class:`Continuation`, which says how
a block whose head was already committed (printed for good) goes on: a list item whose
marker was drawn with the head, a line cut between two words, a table whose column widths
were chosen when its first rows were committed. The layout (``markdown.py``) decides when
to commit; this module only draws.

Policies that keep the rows of a block stable while it grows (so a committed head never
disagrees with what follows it):

* List markers take their own width (``9.`` then ``10.``), so a later, wider marker never
  moves the items drawn before it, and an ordered item shows the number the model wrote
  (two lists separated by a blank line stay 1-12 and 1-12 however the stream was cut,
  where CommonMark would renumber the second 13-24 only if both were parsed together).
* Table columns keep the widths chosen when the table's head was committed
  (:func:`frozen_widths`: the widest cell of the header and the first ``FROZEN_ROWS`` body rows,
  plus headroom from the row's unused width), so a number gaining a digit or a slightly longer
  note still fits; a cell wider than that wraps inside its column.
* Reference-style links are not resolved (see :func:`parser`): ``[1]`` is shown as written,
  and a definition ``[1]: https://...`` is shown where it appears, as its own line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from teleprinter.render.layout import indents
from teleprinter.render.style import PLAIN, Span, Style, encode
from teleprinter.render.wrap import cell_width, spans_width, wrap_spans

HEADINGS = {
    "h1": Style(bold=True, underline=True, fg="35"),
    "h2": Style(bold=True, fg="35"),
    "h3": Style(bold=True, fg="36"),
}
HEADING = Style(bold=True)
STRONG, EMPHASIS, STRIKE = Style(bold=True), Style(italic=True), Style(strike=True)
CODE = Style(fg="36")
LINK = Style(underline=True, fg="34")
DIM = Style(dim=True)
QUOTE = Style(dim=True, fg="32")
BULLETS = ("•", "◦", "▪")
FROZEN_ROWS = 8  # body rows whose cells decide the column widths of a longer table
HEADROOM = 3  # cells of room at least given to each column of such a table, when the row has them
CODE_INDENT: list[Span] = []  # none: a code block copied from the terminal is the code, nothing added


@dataclass(slots=True)
class Line:
    """One logical line before wrapping: its text and the indents of its first and later rows."""

    spans: list[Span]
    first: list[Span] = field(default_factory=list)
    rest: list[Span] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Continuation:
    """How the first block of the tail continues a block whose head is already committed.

    ``hide_marker``: the first list item's marker was drawn with the head (the item was cut
    inside). ``mid_line``: the block's first line was cut between two words, so its first
    row is a continuation row (hanging indent, no prefix). ``table_widths``: the column widths
    the table's committed rows were drawn with (empty: it was drawn as flat ``a │ b`` lines);
    ``table_header`` is False once the header row was drawn with the head.
    """

    hide_marker: bool = False
    mid_line: bool = False
    table_widths: tuple[int, ...] | None = None
    table_header: bool = True


FRESH = Continuation()


def parser() -> MarkdownIt:
    """CommonMark + GFM tables and strikethrough, without reference definitions.

    A reference definition may arrive after its use (citations at the end of an answer);
    resolving it would change rows already drawn, depending on how much had arrived when a
    frame fired. So references are never resolved: ``[1]`` stays as written and
    ``[1]: url`` is shown as a line of its own, wherever the model put it.
    """
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).disable("reference")


class BlockRenderer:
    """Renders one markdown-it block node into wrapped, encoded rows."""

    def __init__(self, color: bool, prefix: str = "") -> None:
        self.color = color
        self.first, self.rest = indents(prefix)

    def rows(self, node: SyntaxTreeNode, width: int, context: Continuation = FRESH) -> list[str]:
        """The block's rows, encoded (SGR), each at most ``width`` cells."""
        inner = width - spans_width(self.first)
        out: list[str] = []
        for number, line in enumerate(self.lines(node, inner, context)):
            continued = number == 0 and context.mid_line  # the first row goes on with a wrapped line
            first = [*self.rest, *line.rest] if continued else [*self.first, *line.first]
            for row in _wrap(line.spans, width, first, [*self.rest, *line.rest]):
                out.append(encode(row, self.color) if row else "")
        return out

    def lines(self, node: SyntaxTreeNode, width: int, context: Continuation = FRESH) -> list[Line]:
        kind = node.type
        if kind == "paragraph":
            return _split(inline_spans(node, PLAIN))
        if kind == "heading":
            return _split(inline_spans(node, HEADINGS.get(node.tag, HEADING)))
        if kind in ("bullet_list", "ordered_list"):
            return self._list(node, width, context.hide_marker)
        if kind == "blockquote":
            bar: list[Span] = [("│ ", QUOTE)]
            return [Line(line.spans, bar + line.first, bar + line.rest) for line in self._children(node, width - 2)]
        if kind in ("fence", "code_block"):
            return [Line(spans, CODE_INDENT, CODE_INDENT) for spans in code_lines(node.content, node.info)]
        if kind == "hr":
            return [Line([("─" * max(width, 1), DIM)])]
        if kind == "table":
            return table_lines(node, width, context.table_widths, header=context.table_header)
        if kind == "html_block":
            return [Line([(text, DIM)]) for text in node.content.rstrip("\n").split("\n")]
        return [Line([(node.content, PLAIN)])] if node.content else []

    def _children(self, node: SyntaxTreeNode, width: int, tight: bool = False) -> list[Line]:
        out: list[Line] = []
        for number, child in enumerate(node.children):
            if number and not (tight and child.type != "paragraph"):
                out.append(Line([]))
            out.extend(self.lines(child, width))
        return out

    def _list(self, node: SyntaxTreeNode, width: int, hide_first: bool = False) -> list[Line]:
        """Each item hangs under its own marker's width: a later ``10.`` never moves ``9.``'s rows."""
        depth = _list_depth(node)
        start = int(node.attrs.get("start", 1) or 1)
        out: list[Line] = []
        for index, item in enumerate(node.children):
            if node.type == "ordered_list":
                marker = f"{item.info or start + index}{item.markup or '.'} "  # the number as written
            else:
                marker = f"{BULLETS[depth % len(BULLETS)]} "
            pad = cell_width(marker)
            hang: list[Span] = [(" " * pad, PLAIN)]
            lead: list[Span] = hang if index == 0 and hide_first else [(marker, DIM)]
            for number, line in enumerate(self._children(item, width - pad, tight=True)):
                out.append(Line(line.spans, (lead if number == 0 else hang) + line.first, hang + line.rest))
        return out


def _wrap(spans: list[Span], width: int, first: Sequence[Span] = (), rest: Sequence[Span] = ()) -> list[list[Span]]:
    """:func:`~teleprinter.render.wrap.wrap_spans`, short-cut for text that fits on one row (most table
    cells and rows): the same row, its trailing spaces dropped, without cutting it into clusters.

    Only for printable text: no tabs, line breaks or spaces other than U+0020 (the only space that
    is printable), so the one row is exactly what ``wrap_spans`` would make.
    """
    if all(text.isprintable() for text, _ in spans) and spans_width(spans) + spans_width(first) <= width:
        row = [*first, *spans]
        while row and not row[-1][0].rstrip(" ") and len(row) > len(first):
            row.pop()
        if len(row) > len(first):
            row[-1] = (row[-1][0].rstrip(" "), row[-1][1])
        return [row]
    return wrap_spans(spans, width, first, rest)


def _list_depth(node: SyntaxTreeNode) -> int:
    depth = 0
    parent = node.parent
    while parent is not None:
        if parent.type in ("bullet_list", "ordered_list"):
            depth += 1
        parent = parent.parent
    return depth


def _split(spans: list[Span]) -> list[Line]:
    """Spans with ``\\n`` in them (soft and hard breaks) as one Line per visual line."""
    lines: list[Line] = [Line([])]
    for text, style in spans:
        pieces = text.split("\n")
        for number, piece in enumerate(pieces):
            if number:
                lines.append(Line([]))
            if piece:
                lines[-1].spans.append((piece, style))
    return lines


def inline_spans(node: SyntaxTreeNode, style: Style) -> list[Span]:
    """The styled text of a block's inline content."""
    out: list[Span] = []
    for child in node.children:
        _inline(child, style, out)
    return out


def _inline(node: SyntaxTreeNode, style: Style, out: list[Span]) -> None:
    kind = node.type
    if kind == "text":
        out.append((node.content, style))
    elif kind in ("softbreak", "hardbreak"):
        out.append(("\n", style))
    elif kind == "code_inline":
        out.append((node.content, style + CODE))
    elif kind == "html_inline":
        out.append((node.content, style + DIM))
    elif kind == "image":
        out.append((f"[image: {node.content}]", style + DIM))
    elif kind == "link":
        before = len(out)
        for child in node.children:
            _inline(child, style + LINK, out)
        href = str(node.attrs.get("href", ""))
        label = "".join(text for text, _ in out[before:])
        if href and href not in (label, f"mailto:{label}"):
            out.append((f" ({href})", style + DIM))
    else:
        extra = {"strong": STRONG, "em": EMPHASIS, "s": STRIKE}.get(kind, PLAIN)
        for child in node.children:
            _inline(child, style + extra, out)


def code_lines(code: str, info: str) -> list[list[Span]]:
    """Highlighted code, one span list per line (pygments, imported on first use).

    The complete lines are highlighted together and remembered (a frame of a growing block
    highlights only the line being typed, until it completes); ``code`` ending without a
    newline is a block still streaming.
    """
    name = info.split()[0] if info.strip() else ""
    text = code[:-1] if code.endswith("\n") else code
    if _lexer(name) is None:
        return [[(line, PLAIN)] if line else [] for line in text.split("\n")]
    if code.endswith("\n") or "\n" not in text:
        return [list(line) for line in _highlight(name, text)]
    complete, _, last = text.rpartition("\n")
    return [*(list(line) for line in _highlight(name, complete)), *(list(line) for line in _highlight(name, last))]


@lru_cache(maxsize=8)
def _highlight(name: str, text: str) -> tuple[tuple[Span, ...], ...]:
    lines: list[list[Span]] = [[]]
    for token_type, value in _lexer(name).get_tokens(text):
        style = _token_style(token_type)
        for number, piece in enumerate(value.split("\n")):
            if number:
                lines.append([])
            if piece:
                lines[-1].append((piece, style))
    if len(lines) > 1 and not lines[-1] and not text.endswith("\n"):
        lines.pop()  # pygments adds a final newline
    return tuple(tuple(line) for line in lines)


@lru_cache(maxsize=64)
def _lexer(name: str) -> Any:
    if not name:
        return None
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(name, stripnl=False, stripall=False)
    except ClassNotFound:
        return None


@lru_cache(maxsize=256)
def _token_style(token_type: Any) -> Style:
    from pygments import token

    table = {
        token.Comment: Style(dim=True, italic=True),
        token.Keyword: Style(fg="35"),
        token.String: Style(fg="32"),
        token.Number: Style(fg="36"),
        token.Name.Builtin: Style(fg="36"),
        token.Name.Function: Style(fg="33"),
        token.Name.Class: Style(bold=True, fg="33"),
        token.Name.Decorator: Style(fg="36"),
        token.Generic.Deleted: Style(fg="31"),
        token.Generic.Inserted: Style(fg="32"),
        token.Generic.Heading: Style(bold=True),
        token.Error: Style(fg="31"),
    }
    while token_type is not None:
        if token_type in table:
            return table[token_type]
        token_type = token_type.parent
    return PLAIN


@lru_cache(maxsize=2)  # by node identity: the widths and then the rows of one table need the same grid
def table_grid(node: SyntaxTreeNode) -> tuple[list[list[list[Span]]], list[str]]:
    """The table's cells (header row first) as styled spans, and each column's alignment (read only)."""
    grid: list[list[list[Span]]] = []
    aligns: list[str] = []
    for section in node.children:
        for row in section.children:
            cells = []
            for cell in row.children:
                style = STRONG if cell.type == "th" else PLAIN
                spans = [(text.replace("\n", " "), s) for text, s in inline_spans(cell, style)] if cell.children else []
                cells.append(spans)
                if len(grid) == 0:
                    aligns.append(str(cell.attrs.get("style", "")))
            grid.append(cells)
    return grid, aligns


MIN_COLUMN = 6
"""Cells a table column keeps at least when a wide table is narrowed to the terminal (see ``_natural_widths``)."""


def frozen_widths(node: SyntaxTreeNode, width: int) -> tuple[int, ...]:
    """Column widths of a table longer than ``FROZEN_ROWS`` body rows, kept for all its rows.

    Each column gets its widest cell among the header and the first ``FROZEN_ROWS`` body rows
    (a fixed set, so the widths do not depend on how much had arrived when the head was
    committed), plus headroom: a quarter of its width, at least ``HEADROOM`` cells, scaled down to fit
    the row's unused width, so a row never exceeds ``width`` cells. A left-aligned last column
    gets none: it may already use the rest of the row. Empty when the columns cannot fit
    (the table is drawn as flat ``a │ b`` lines).
    """
    grid, aligns = table_grid(node)
    grid = grid[: FROZEN_ROWS + 1]
    widths = _natural_widths(grid, width)
    if not widths:
        return widths
    wanted = [max(HEADROOM, w // 4) for w in widths]
    if not _aligned_last(aligns, len(widths)):
        wanted[-1] = 0
    spare = max(0, width - sum(widths) - 3 * (len(widths) - 1))
    total = sum(wanted)
    if total > spare:
        wanted = [want * spare // total for want in wanted]
    return tuple(w + extra for w, extra in zip(widths, wanted, strict=True))


def _natural_widths(grid: list[list[list[Span]]], width: int) -> tuple[int, ...]:
    """Each column's widest cell, the widest columns narrowed until the row fits in ``width``.

    Narrowing shares the room out as CSS's auto table layout and rich's tables do: columns
    narrower than an even share keep their width, the rest split what is left, so one long
    description cell wraps inside its own column instead of pushing the table out of shape.
    No column is narrowed below ``MIN_COLUMN`` cells (or its widest cell, if narrower); empty
    when even that does not fit (the table is then drawn as flat ``a │ b`` lines).
    """
    columns = max((len(row) for row in grid), default=0)
    natural = [max(1, max((spans_width(row[c]) for row in grid if c < len(row)), default=0)) for c in range(columns)]
    room = width - 3 * max(columns - 1, 0)
    if sum(natural) <= room:
        return tuple(natural)
    if sum(min(w, MIN_COLUMN) for w in natural) > room:
        return ()
    widths = list(natural)
    narrow = sorted(range(columns), key=lambda c: natural[c])
    left, count = room, columns
    for position, column in enumerate(narrow):  # water-filling from the narrowest column up
        share = left // count
        if natural[column] <= share:
            left -= natural[column]
            count -= 1
            continue
        for rest, wide in enumerate(narrow[position:]):  # these all get an even share of what is left
            widths[wide] = max(min(natural[wide], MIN_COLUMN), left // count + (1 if rest < left % count else 0))
        break
    return tuple(widths)


def _aligned_last(aligns: list[str], columns: int) -> bool:
    """The last column is right-aligned or centred (its cells' position depends on its width)."""
    last = aligns[-1] if len(aligns) == columns else ""
    return "right" in last or "center" in last


def table_lines(
    node: SyntaxTreeNode, width: int, widths: tuple[int, ...] | None = None, *, header: bool = True
) -> list[Line]:
    """A table as aligned columns when it fits, else one ``a │ b │ c`` line per row, wrapped.

    A table of at most ``FROZEN_ROWS`` body rows gets each column's widest cell; a longer one the
    widths it gets when streamed (:func:`frozen_widths`), so it looks the same however it arrived.

    ``widths`` (from :func:`frozen_widths` when the table's head was committed) are kept even
    when a later cell is wider: that cell wraps inside its column. ``header=False`` leaves
    out the header row and its rule (drawn with the head).
    """
    grid, aligns = table_grid(node)
    if widths is None:  # a table drawn whole: as it would be streamed (see :func:`frozen_widths`)
        widths = frozen_widths(node, width) if len(grid) > FROZEN_ROWS + 1 else _natural_widths(grid, width)
    separator: Span = (" │ ", DIM)
    room = widths
    if widths and not _aligned_last(aligns, len(widths)):
        # a left-aligned last column may use the rest of the row: widening it moves nothing already drawn
        room = (*widths[:-1], max(widths[-1], width - sum(widths[:-1]) - 3 * (len(widths) - 1)))
    out: list[Line] = []
    for number, cells in enumerate(grid):
        if number == 0 and not header:
            continue
        if not widths:
            out.append(Line(_join(list(cells), separator)))
            continue
        out.extend(_table_row(cells, room, aligns, separator))
        if number == 0:
            out.append(Line([("─┼─".join("─" * w for w in widths), DIM)]))
    return out


def _table_row(cells: list[list[Span]], widths: Sequence[int], aligns: list[str], separator: Span) -> list[Line]:
    wrapped: list[list[list[Span]]] = [
        _wrap(cells[c], widths[c]) if c < len(cells) and cells[c] else [[]] for c in range(len(widths))
    ]
    height = max((len(parts) for parts in wrapped), default=1)
    out: list[Line] = []
    for index in range(height):
        padded = [
            _pad(parts[index] if index < len(parts) else [], widths[c], aligns[c] if c < len(aligns) else "")
            for c, parts in enumerate(wrapped)
        ]
        out.append(Line(_join(padded, separator)))
    return out


def _pad(spans: list[Span], width: int, align: str) -> list[Span]:
    gap = width - spans_width(spans)
    if "right" in align:
        return [(" " * gap, PLAIN), *spans]
    if "center" in align:
        return [(" " * (gap // 2), PLAIN), *spans, (" " * (gap - gap // 2), PLAIN)]
    return [*spans, (" " * gap, PLAIN)]


def _join(cells: Sequence[list[Span]], separator: Span) -> list[Span]:
    out: list[Span] = []
    for number, cell in enumerate(cells):
        if number:
            out.append(separator)
        out.extend(cell)
    return out


