"""Where an open Markdown block can be cut, so its head can be committed and its rest go on.

A cut is a point in the open block's source (the layout's "tail") and the text the rest must
start with to parse as a continuation of the same block: the fence line for code, the
header and delimiter rows for a table, the item's own marker for a list item cut inside
(drawn hidden), the ``>`` prefix for a quote cut inside a line. Cuts are only proposed at
points where everything before them is received in full: between complete lines, or at a
space followed by a word inside a line, never inside an unclosed code span or link. So a
committed head never holds a half-received construct (a fence opener, a link definition,
an emphasis marker), whatever the pace of the stream.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it.tree import SyntaxTreeNode

from teleprinter.render.blocks import FRESH, Continuation

_LETTER_START = re.compile(r"[^\W\d_]")
# a space after text and before what cannot start another block: a letter, a number that cannot start an
# ordered list item, or a link, code span or emphasis opener
_WORD_GAP = re.compile(r"(?<=\S) (?=[^\W\d_]|\d+(?![\d.)])|\[|`(?!``)|[*_]{1,2}(?=[^\W_]))")
_HEADING = re.compile(r" {0,3}#{1,6} +")
_LIST_MARKER = re.compile(r" {0,3}(?:[-+*]|\d{1,9}[.)])(?: {1,4}(?=\S)| *$)")
_QUOTE_PREFIX = re.compile(r" {0,3}>(?: ?>)* ?")
_CONTAINERS = ("fence", "code_block", "html_block", "table")


@dataclass(frozen=True, slots=True)
class Cut:
    """The tail continues at ``position`` with ``opener`` in front; ``context`` draws that rest."""

    position: int
    opener: str = ""
    context: Continuation = FRESH

    @property
    def mid_line(self) -> bool:
        return self.context.mid_line


class Source:
    """The tail split into lines with their offsets; ``last`` is the last complete line."""

    def __init__(self, tail: str) -> None:
        self.text = tail
        self.lines = tail.split("\n")
        self.offsets = [0]
        for line in self.lines:
            self.offsets.append(self.offsets[-1] + len(line) + 1)
        self.last = len(self.lines) - 2

    def starts(self, first: int, end: int) -> range:
        """Line numbers a line cut may be made before: after ``first``, up to the first incomplete line."""
        return range(first + 1, min(end, self.last + 2))


def cut_points(node: SyntaxTreeNode, tail: str) -> list[Cut]:
    """Every cut of ``node`` (the last block of ``tail``), in source order."""
    if node.map is None:
        return []
    source = Source(tail)
    first, end = node.map
    kind = node.type
    if kind == "fence":
        return _fence(node, source, first, end)
    if kind == "code_block":
        return [Cut(source.offsets[n]) for n in source.starts(first, end) if source.lines[n].startswith("    ")]
    if kind == "paragraph":
        cuts = [Cut(source.offsets[n]) for n in source.starts(first, end) if _LETTER_START.match(source.lines[n])]
        return _closed(source, cuts + _gaps(source, end - 1, 0, ""))
    if kind == "blockquote":
        cuts = [Cut(source.offsets[n]) for n in source.starts(first, end) if _quote_line(source.lines[n])]
        line = source.lines[end - 1] if end - 1 < len(source.lines) else ""
        prefix = _QUOTE_PREFIX.match(line)
        if prefix and node.children and node.children[-1].type == "paragraph":
            cuts += _gaps(source, end - 1, prefix.end(), prefix.group(0))
        return _closed(source, cuts)
    if kind in ("bullet_list", "ordered_list"):
        return _closed(source, _list(node, source, first, end))
    if kind == "table":
        return _table(node, source, first)
    return []


def forced_cut(node: SyntaxTreeNode, tail: str, keep: int) -> Cut | None:
    """A last-resort cut inside a word of the block's last line, ``keep`` characters from its end.

    Used only when no clean cut exists and rows must leave the screen (one word longer than
    the live region, a link whose destination has not ended): the head is committed as it is
    drawn now, markup and all, and the rest goes on in the next row. Nothing is lost; a span
    cut this way is shown literally on both sides.
    """
    if node.map is None or node.type in ("html_block", "hr"):
        return None
    source = Source(tail)
    number = node.map[1] - 1
    if number >= len(source.lines):
        return None
    line = source.lines[number]
    if node.type == "table":
        return _table_row_cut(source, node.map[0], number)
    opener, skip = "", 0
    context = Continuation(mid_line=True)
    if node.type == "fence":
        opener = source.lines[node.map[0]] + "\n"
        if number == node.map[0]:
            return None
    elif node.type == "heading" and (heading := _HEADING.match(line)):
        opener, skip = heading.group(0), heading.end()
    elif node.type == "blockquote" and (prefix := _QUOTE_PREFIX.match(line)):
        opener, skip = prefix.group(0), prefix.end()
    elif node.type in ("bullet_list", "ordered_list"):
        item = node.children[-1] if node.children else None
        marker = _LIST_MARKER.match(source.lines[item.map[0]]) if item is not None and item.map else None
        if marker is None:
            return None
        opener = marker.group(0) if marker.group(0).endswith(" ") else marker.group(0) + " "
        skip = marker.end() if item is not None and item.map and item.map[0] == number else 0
        context = Continuation(hide_marker=True, mid_line=True)
    settled = re.search(r"\S\s", line[skip:])  # the line's first word is complete: it can no longer
    if settled is None:  # turn into a list marker, a heading or a fence opener
        return None
    skip += settled.end()
    position = max(len(line) - keep, skip + 1)
    while position > skip and not (line[position - 1 : position + 1].isascii() and line[position - 1 : position + 1]
                                   .isalnum()):
        position -= 1
    if position <= skip or position >= len(line):
        return None
    return Cut(source.offsets[number] + position, opener, context)


def _table_row_cut(source: Source, first: int, number: int) -> Cut | None:
    """Cut a table row taller than the live region before its last word: the rest of the row goes on
    in the same columns, under empty cells for the ones already drawn."""
    if number < first + 2:
        return None
    line = source.lines[number]
    starts = [m.start() for m in re.finditer(r"(?<=[ |])[^\s|]", line)]
    starts = [p for p in starts if any(c.isalnum() for c in line[:p])]
    if not starts:
        return None
    position = starts[-1]
    pipes = line[:position].count("|") - line[:position].count("\\|")
    before = pipes - 1 if line.lstrip().startswith("|") else pipes
    opener = source.lines[first] + "\n" + source.lines[first + 1] + "\n" + "|" + " |" * before + " "
    return Cut(source.offsets[number] + position, opener, Continuation(table_widths=()))


def _quote_line(line: str) -> bool:
    prefix = _QUOTE_PREFIX.match(line)
    return prefix is not None and bool(line[prefix.end() :].strip())


def _fence(node: SyntaxTreeNode, source: Source, first: int, end: int) -> list[Cut]:
    closer = source.lines[end - 1].strip() if end - 1 < len(source.lines) else ""
    marker = source.lines[first].lstrip()[:3]
    closed = end - 1 > first and closer.startswith(marker) and not closer.strip(marker[0])
    limit = end - 1 if closed else end
    opener = source.lines[first] + "\n"
    return [Cut(source.offsets[n], opener) for n in source.starts(first + 1, limit)]


def _list(node: SyntaxTreeNode, source: Source, first: int, end: int) -> list[Cut]:
    cuts = [Cut(source.offsets[item.map[0]]) for item in node.children[1:] if item.map and item.map[0] in
            source.starts(first, end)]
    item = node.children[-1] if node.children else None
    if item is None or item.map is None:
        return cuts
    start, stop = item.map
    marker = _LIST_MARKER.match(source.lines[start])
    if marker is None:
        return cuts
    opener, column = marker.group(0), marker.end()
    if not opener.endswith(" "):
        opener += " "
    blocked = {n for child in item.children if child.map and child.type in _CONTAINERS
               for n in range(child.map[0] + 1, child.map[1])}
    hidden = Continuation(hide_marker=True)
    for number in source.starts(start, stop):
        line = source.lines[number]
        if number in blocked or not line.strip():
            continue
        body = line[column:] if not line[:column].strip() else line.lstrip()
        if body.startswith("    ") or (line[:column].strip() and not _LETTER_START.match(body)):
            continue
        cuts.append(Cut(source.offsets[number] + len(line) - len(body), opener, hidden))
    last = stop - 1
    if last not in blocked and item.children and item.children[-1].type == "paragraph":
        line = source.lines[last] if last < len(source.lines) else ""
        skip = column if last == start else len(line) - len(line.lstrip())
        if last == start or not line[:column].strip():
            cuts += _gaps(source, last, skip, opener, hide_marker=True)
    return cuts


def table_opener(node: SyntaxTreeNode, delimiter: str) -> str:
    """What the rest of a table cut between rows starts with: a header of as many empty cells as
    the table has columns, then the table's delimiter row (its alignments).

    The rest is drawn without its header (the head drew it), so the header's text is not needed;
    leaving it out keeps it from being parsed again at every frame.
    """
    columns = len(node.children[0].children[0].children) if node.children and node.children[0].children else 0
    return "|" + " |" * max(columns, 1) + "\n" + delimiter + "\n"


def _table(node: SyntaxTreeNode, source: Source, first: int) -> list[Cut]:
    if len(node.children) < 2:
        return []
    opener = table_opener(node, source.lines[first + 1])
    cuts = []
    for row in node.children[1].children:
        if row.map and row.map[0] in source.starts(first + 1, len(source.lines)):
            cuts.append(Cut(source.offsets[row.map[0]], opener, Continuation(table_widths=())))
    return cuts


def _gaps(source: Source, number: int, skip: int, opener: str, *, hide_marker: bool = False) -> list[Cut]:
    """Cuts between two words of line ``number`` (after its first ``skip`` characters)."""
    if number < 0 or number >= len(source.lines):
        return []
    line = source.lines[number]
    context = Continuation(hide_marker=hide_marker, mid_line=True)
    base = source.offsets[number]
    cuts = []
    for match in _WORD_GAP.finditer(line, skip):
        cuts.append(Cut(base + match.end(), opener, context))
    return cuts


def _closed(source: Source, cuts: list[Cut]) -> list[Cut]:
    """The cuts with no inline span open in the paragraph before them (from its last blank line)."""
    kept = []
    for cut in cuts:
        start = source.text.rfind("\n\n", 0, cut.position)
        if _inline_closed(source.text[start + 1 if start >= 0 else 0 : cut.position]):
            kept.append(cut)
    return kept


def _inline_closed(text: str) -> bool:
    """No code span, emphasis, link label or link destination is left open at the end of ``text``."""
    if (text.count("`") - text.count("\\`")) % 2:
        return False
    if (text.count("*") - text.count("\\*")) % 2 or text.count("~~") % 2:
        return False
    if text.count("[") > text.count("]"):
        return False
    opened = text.rfind("](")
    return opened < 0 or text.find(")", opened) >= 0
