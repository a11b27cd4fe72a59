"""Incremental Markdown: finished blocks go to scrollback once, only the open block is redrawn.

The layout keeps the source from the first block that is not final yet (the "tail") and
parses only that with markdown-it-py each frame. CommonMark decides block structure line
by line and never reopens a closed block; only a GFM table needs a second line (its
delimiter row) to exist. So a block is final once the first two lines of the next block are
complete; it is then rendered once and its source dropped. The cost of a
frame therefore depends on the open block, not on the length of the answer. An open block
taller than the screen spills its top rows into history (:class:`Spill`), so redrawing it
never needs to reach above the screen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from teleprinter.render.layout import Spill, indents
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
CODE_INDENT: list[Span] = [("  ", PLAIN)]


@dataclass(slots=True)
class Line:
    """One logical line before wrapping: its text and the indents of its first and later rows."""

    spans: list[Span]
    first: list[Span] = field(default_factory=list)
    rest: list[Span] = field(default_factory=list)


def parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


class BlockRenderer:
    """Renders one markdown-it block node into wrapped, encoded rows."""

    def __init__(self, color: bool, prefix: str = "") -> None:
        self.color = color
        self.first, self.rest = indents(prefix)

    def rows(self, node: SyntaxTreeNode, width: int) -> list[str]:
        inner = width - spans_width(self.first)
        out: list[str] = []
        for line in self.lines(node, inner):
            for row in wrap_spans(line.spans, width, [*self.first, *line.first], [*self.rest, *line.rest]):
                out.append(encode(row, self.color) if row else "")
        return out

    def lines(self, node: SyntaxTreeNode, width: int) -> list[Line]:
        kind = node.type
        if kind == "paragraph":
            return _split(inline_spans(node, PLAIN))
        if kind == "heading":
            return _split(inline_spans(node, HEADINGS.get(node.tag, HEADING)))
        if kind in ("bullet_list", "ordered_list"):
            return self._list(node, width)
        if kind == "blockquote":
            bar: list[Span] = [("│ ", QUOTE)]
            return [Line(line.spans, bar + line.first, bar + line.rest) for line in self._children(node, width - 2)]
        if kind in ("fence", "code_block"):
            return [Line(spans, CODE_INDENT, CODE_INDENT) for spans in code_lines(node.content, node.info)]
        if kind == "hr":
            return [Line([("─" * max(width, 1), DIM)])]
        if kind == "table":
            return table_lines(node, width)
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

    def _list(self, node: SyntaxTreeNode, width: int) -> list[Line]:
        depth = _list_depth(node)
        start = int(node.attrs.get("start", 1) or 1)
        items = node.children
        if node.type == "ordered_list":
            markers = [f"{start + number}. " for number in range(len(items))]
        else:
            markers = [f"{BULLETS[depth % len(BULLETS)]} "] * len(items)
        pad = max((cell_width(marker) for marker in markers), default=2)
        out: list[Line] = []
        for marker, item in zip(markers, items, strict=True):
            hang: list[Span] = [(" " * pad, PLAIN)]
            lead: list[Span] = [(marker.rjust(pad) if node.type == "ordered_list" else marker.ljust(pad), DIM)]
            for number, line in enumerate(self._children(item, width - pad, tight=True)):
                out.append(Line(line.spans, (lead if number == 0 else hang) + line.first, hang + line.rest))
        return out


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
    """Highlighted code, one span list per line (pygments, imported on first use)."""
    text = code[:-1] if code.endswith("\n") else code
    lexer = _lexer(info.split()[0] if info.strip() else "")
    if lexer is None:
        return [[(line, PLAIN)] if line else [] for line in text.split("\n")]
    lines: list[list[Span]] = [[]]
    for token_type, value in lexer.get_tokens(text):
        style = _token_style(token_type)
        for number, piece in enumerate(value.split("\n")):
            if number:
                lines.append([])
            if piece:
                lines[-1].append((piece, style))
    if len(lines) > 1 and not lines[-1] and not text.endswith("\n"):
        lines.pop()  # pygments adds a final newline
    return lines


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


def table_lines(node: SyntaxTreeNode, width: int) -> list[Line]:
    """A table as aligned columns when it fits, else one ``a │ b │ c`` line per row, wrapped."""
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
    columns = max((len(row) for row in grid), default=0)
    widths = [max((spans_width(row[c]) for row in grid if c < len(row)), default=0) for c in range(columns)]
    separator: Span = (" │ ", DIM)
    if sum(widths) + 3 * max(columns - 1, 0) > width:
        return [Line(_join([row for row in cells], separator)) for cells in grid]
    out: list[Line] = []
    for number, cells in enumerate(grid):
        padded = [
            _pad(cells[c] if c < len(cells) else [], widths[c], aligns[c] if c < len(aligns) else "")
            for c in range(columns)
        ]
        out.append(Line(_join(padded, separator)))
        if number == 0:
            out.append(Line([("─┼─".join("─" * w for w in widths), DIM)]))
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


class MarkdownLayout:
    """The incremental Markdown layout (see the module docstring)."""

    def __init__(self, prefix: str = "", color: bool = True) -> None:
        self.md = parser()
        self.blocks = BlockRenderer(color, prefix)
        self.spill = Spill()
        self._tail = ""
        self._pending: list[str] = []
        self._done = 0  # blocks already final in this document
        self._continuing = False  # the tail starts with the rest of a block that was cut
        self._cut_at = CUT_AT

    def feed(self, text: str) -> None:
        self._pending.append(text)

    def update(self, width: int, cap: int) -> tuple[list[str], list[str]]:
        final = self._cut(width)
        nodes = self._parse()
        complete = self._tail.count("\n")
        keep = 0  # nodes before this are final: a later block's first two lines are complete
        for number in range(len(nodes) - 1, 0, -1):
            if _start(nodes[number]) + 1 < complete:
                keep = number
                break
        final += self._final(nodes[:keep], width)
        live: list[str] = []
        for number, node in enumerate(nodes[keep:]):
            live.extend(self._block_rows(node, width, number == 0 and keep == 0))
        spilled, live = self.spill.live(live, cap)
        if keep:
            self._drop_lines(_start(nodes[keep]))
        return final + spilled, live

    def finish(self, width: int) -> list[str]:
        nodes = self._parse()
        rows = self._final(nodes, width)
        self._tail = ""
        self._done = 0
        self._continuing = False
        self._cut_at = CUT_AT
        self.spill.count = 0
        return rows

    def _parse(self, source: str | None = None) -> list[SyntaxTreeNode]:
        if self._pending:
            self._tail += "".join(self._pending)
            self._pending.clear()
        source = self._tail if source is None else source
        if not source.strip():
            return []
        return list(SyntaxTreeNode(self.md.parse(source)).children)

    def _final(self, nodes: Sequence[SyntaxTreeNode], width: int) -> list[str]:
        rows: list[str] = []
        for number, node in enumerate(nodes):
            rows.extend(self.spill.close(self._block_rows(node, width, number == 0)))
            self._done += 1
            self._continuing = False
        return rows

    def _block_rows(self, node: SyntaxTreeNode, width: int, first_in_tail: bool) -> list[str]:
        rows = self.blocks.rows(node, width)
        separated = not first_in_tail or (self._done > 0 and not self._continuing)
        return ["", *rows] if separated else rows

    def _cut(self, width: int) -> list[str]:
        """Commit the head of one huge open block, so a frame never re-renders more than ~CUT_AT characters.

        The block is cut where the rest parses as the same kind of block (between lines of a
        paragraph, quote or code block, between list items, or between two words of a long
        line). Inline markup that spans the cut loses its style; that is the price of not
        freezing on a 50 KB code block.
        """
        if len(self._tail) + sum(map(len, self._pending)) < self._cut_at:
            return []
        nodes = self._parse()
        point = _cut_point(nodes[0], self._tail) if len(nodes) == 1 else None  # several: update() commits
        if point is None:
            self._cut_at = len(self._tail) + CUT_AT // 4  # try again once more text has come
            return []
        position, opener = point
        rows: list[str] = []
        for node in self._parse(self._tail[:position]):
            rows.extend(self.spill.close(self._block_rows(node, width, True)))
            self._done += 1
            self._continuing = True
        self._tail = opener + self._tail[position:]
        self._cut_at = CUT_AT
        return rows

    def _drop_lines(self, line: int) -> None:
        position = 0
        for _ in range(line):
            position = self._tail.index("\n", position) + 1
        self._tail = self._tail[position:]


CUT_AT = 1536  # characters of source in the open block before its head is committed
_KEEP = 64  # characters after an in-line cut, so the word being typed is not cut
_LETTER_START = re.compile(r"[^\W\d_]")
# a space after text and before a letter, or before a number that cannot start an ordered list item
_WORD_GAP = re.compile(r"(?<=\S) (?=[^\W\d_]|\d+(?![\d.)]))")


def _cut_point(node: SyntaxTreeNode, tail: str) -> tuple[int, str] | None:
    """Where the open block can be cut (an offset into ``tail``) and what the rest must start with."""
    lines = tail.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    last = len(lines) - 2  # the last complete line
    kind = node.type
    if kind == "fence":
        return (offsets[last], lines[0] + "\n") if last >= 2 else None
    if kind in ("bullet_list", "ordered_list"):
        starts = [_start(item) for item in node.children[1:]]
        usable = [line for line in starts if line <= last]
        return (offsets[usable[-1]], "") if usable else None
    if kind == "blockquote":
        usable = [n for n in range(1, last + 1) if lines[n].startswith(">")]
        return (offsets[usable[-1]], "") if usable else None
    if kind != "paragraph":
        return None
    usable = [n for n in range(1, last + 1) if _LETTER_START.match(lines[n])]
    if usable:
        return offsets[usable[-1]], ""
    gaps = [match.end() for match in _WORD_GAP.finditer(tail, 0, max(len(tail) - _KEEP, 0))]
    return (gaps[-1], "") if gaps else None


def _start(node: SyntaxTreeNode) -> int:
    return node.map[0] if node.map else 0
