"""Incremental Markdown: finished blocks go to scrollback once, only the open block is redrawn.

The layout keeps the source from the first block that is not final yet (the "tail") and
parses only that with markdown-it-py each frame. CommonMark decides block structure line
by line and never reopens a closed block; only a GFM table needs a second line (its
delimiter row) to exist. So a block is final once the first two lines of the next block are
complete; it is then rendered once and its source dropped.

A row never leaves the screen unless it is final. When the open block grows taller than the
live region (or longer than ``CUT_AT`` characters, to bound a frame's cost), the layout
*commits its head*: it cuts the block's source at a point where everything before is
received in full (:mod:`teleprinter.render.cuts`), prints the head's rows once, and goes on
with the rest as a continuation of the same block, drawn consistently with the head
(:class:`~teleprinter.render.blocks.Continuation`: the list item's marker already drawn, the
table's column widths, the wrapped line's hanging indent). Cuts between lines fall on row
boundaries by construction; a cut inside a line is placed on the row break the live region
showed when the layout can find it. Rows that left the screen are therefore never drawn
again, and what follows them continues from exactly where they ended.

Two kinds of block commit sooner, because re-drawing them each frame costs the most: an open
code block keeps only its last ``FENCE_LIVE_LINES`` complete lines live, and an open table, once
it has more than ``FROZEN_ROWS`` body rows (which fix its column widths), commits its complete
rows at every frame; only the row being typed stays live, so a frame's cost follows the text
that arrived since the last one, not the table's length.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from markdown_it.tree import SyntaxTreeNode

from teleprinter.render.blocks import FRESH, FROZEN_ROWS, BlockRenderer, Continuation, frozen_widths, parser
from teleprinter.render.cuts import Cut, cut_points, forced_cut, table_opener
from teleprinter.render.layout import Spill
from teleprinter.render.wrap import spans_width

CUT_AT = 1536  # characters of source in the open block before its head is committed
FENCE_LIVE_LINES = 8  # complete lines an open code block keeps live (re-highlighted each frame)
_DELIMITER_ROW = re.compile(r" {0,3}\|? *:?-+:? *(?:\| *:?-+:? *)*\|? *")  # a table's second line, e.g. |---|--:|
_SGR = re.compile(r"\x1b\[[0-9;]*m")
_MARKER = re.compile(r"\d+[.)]")
_GUESSES = 4  # cuts inside a line tried for one that falls on the live region's row break


class MarkdownLayout:
    """The incremental Markdown layout (see the module docstring)."""

    def __init__(self, prefix: str = "", color: bool = True) -> None:
        self.md = parser()
        self.blocks = BlockRenderer(color, prefix)
        self.spill = Spill()
        self._tail = ""
        self._pending: list[str] = []
        self._done = 0  # blocks (and committed heads) already final in this document
        self._continuing = False  # the tail starts with the rest of a block whose head was committed
        self._context: Continuation = FRESH  # how that rest is drawn
        self._cut_at = CUT_AT
        self._parsed: tuple[str, list[SyntaxTreeNode]] = ("", [])  # the last source parsed, and its blocks
        self._stale: list[SyntaxTreeNode] = []  # blocks of earlier parses, unlinked at the next frame

    def feed(self, text: str) -> None:
        self._pending.append(text)

    def update(self, width: int, cap: int) -> tuple[list[str], list[str]]:
        self._unlink_stale()
        cap = max(cap, 1)
        final = self._cut_large(width)
        nodes = self._parse()
        complete = self._tail.count("\n")
        keep = 0  # nodes before this are final: a later block's first two lines are complete
        for number in range(len(nodes) - 1, 0, -1):
            if _start(nodes[number]) + 1 < complete:
                keep = number
                break
        final += self._final(nodes[:keep], width)
        if keep:
            self._drop_lines(_start(nodes[keep]))
        live = self._rows(nodes[keep:], width)
        if len(live) - self.spill.count > cap:
            final += self._make_room(width, cap)
            live = self._rows(self._parse(), width)
        spilled, live = self.spill.live(live, cap)
        return final + spilled, live

    def finish(self, width: int) -> list[str]:
        self._unlink_stale()
        rows = self._final(self._parse(), width)
        self._tail = ""
        self._done = 0
        self._continuing = False
        self._context = FRESH
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
        if source != self._parsed[0]:  # a frame often parses the same tail twice (cut, then draw)
            self._stale.extend(self._parsed[1])
            self._parsed = (source, list(SyntaxTreeNode(self.md.parse(source)).children))
        return self._parsed[1]

    def _unlink_stale(self) -> None:
        """Free the trees parsed by the last frame and no longer used, now rather than at the next full
        garbage collection.

        A syntax tree's nodes point to their parent, so each tree is a reference cycle. Left to the
        cycle collector, the trees of a streamed table (hundreds of nodes a frame) soon trigger a
        full collection, which walks every object of the program: a frame of several milliseconds.
        Unlinked, each tree is freed as soon as its last reference goes.
        """
        stack = self._stale
        while stack:
            node = stack.pop()
            node.parent = None
            stack.extend(node.children)

    def _rows(self, nodes: Sequence[SyntaxTreeNode], width: int) -> list[str]:
        rows: list[str] = []
        for number, node in enumerate(nodes):
            rows.extend(self._block_rows(node, width, number == 0))
        return rows

    def _final(self, nodes: Sequence[SyntaxTreeNode], width: int) -> list[str]:
        rows: list[str] = []
        for number, node in enumerate(nodes):
            rows.extend(self.spill.close(self._block_rows(node, width, number == 0)))
            self._done += 1
            self._continuing = False
            self._context = FRESH
        return rows

    def _block_rows(
        self, node: SyntaxTreeNode, width: int, first_in_tail: bool, context: Continuation | None = None
    ) -> list[str]:
        continuing = first_in_tail and self._continuing
        if context is None:
            context = self._context if continuing else FRESH
        rows = self.blocks.rows(node, width, context)
        separated = not first_in_tail or (self._done > 0 and not self._continuing)
        return ["", *rows] if separated else rows

    # -- committing the head of the open block --

    def _cut_large(self, width: int) -> list[str]:
        """Commit the head of one huge open block, so a frame never re-renders more than ~CUT_AT characters.

        An open code block commits its complete lines sooner (past ``FENCE_LIVE_LINES``): highlighting
        is the costliest part of a frame, and a complete code line is drawn the same way whatever
        follows it (only a multi-line string's colour can differ across a cut, never its text).
        An open table commits its complete rows once it has more than ``FROZEN_ROWS`` of them, and
        from then on every complete row at the next frame (see :meth:`_long_table`).
        """
        if self._long_table():
            committed = self._commit_rows(width)
            if committed is not None:
                return committed
        size = len(self._tail) + sum(map(len, self._pending))
        if size < self._cut_at and not self._long_fence():
            return []
        nodes = self._parse()
        rows = self._commit_head(nodes[0], width, None) if len(nodes) == 1 else None  # several: update() commits
        if rows is None:
            self._cut_at = len(self._tail) + CUT_AT // 4  # try again once more text has come
            return []
        self._cut_at = CUT_AT
        return rows

    def _long_fence(self) -> bool:
        if not self._tail.lstrip(" ").startswith(("```", "~~~")):
            return False
        lines = self._tail.count("\n") + sum(piece.count("\n") for piece in self._pending)
        return lines > FENCE_LIVE_LINES + 1

    def _long_table(self) -> bool:
        """The tail looks like an open table with complete body rows to commit.

        Its column widths are decided by its header and first ``FROZEN_ROWS`` body rows, so once
        it has more complete rows than that they are committed (a frame's parse and layout then
        cover only the rows that arrived since the last frame, not the whole table); once its
        widths are frozen, every complete row is committed, leaving only the row being typed live.
        A complete row is drawn the same way whatever follows it. Only a cheap test on the
        source: the parse decides whether it really is one table.
        """
        if self._pending:
            self._tail += "".join(self._pending)
            self._pending.clear()
        header, found, rest = self._tail.partition("\n")
        delimiter, found, body = rest.partition("\n")
        if not found or "|" not in header + delimiter or not _DELIMITER_ROW.fullmatch(delimiter):
            return False
        rows = body.count("\n")
        if self._continuing:
            return self._context.table_widths is not None and rows > 0
        return rows > FROZEN_ROWS

    def _commit_rows(self, width: int) -> list[str] | None:
        """Commit an open table's complete rows (see :meth:`_long_table`), keeping the row being typed live.

        Only the complete rows are parsed, and the cut is the last line start: a table decides
        each line's membership from that line alone (a blank line or another block's start ends
        it), so rows that parse as one table with the last of them not blank are rows of the
        whole tail too, and the line after them goes on as the tail's first row.
        """
        tail = self._tail
        second = tail.find("\n", tail.find("\n") + 1) + 1
        end = tail.rfind("\n") + 1
        if end <= second or not tail[tail.rfind("\n", 0, end - 1) + 1 : end - 1].strip():
            return None
        head = tail[:end]
        nodes = self._parse(head)
        node = nodes[0] if len(nodes) == 1 else None
        whole = node is not None and tuple(node.map or ()) == (0, head.count("\n"))  # every line is a row
        if node is None or node.type != "table" or len(node.children) < 2 or not whole:
            return None
        opener = table_opener(node, tail[tail.find("\n") + 1 : second - 1])
        return self._commit(Cut(end, opener, Continuation(table_widths=())), node, node, width)

    def _make_room(self, width: int, cap: int) -> list[str]:
        """The live rows outgrew ``cap``: commit finished-looking blocks, then the open block's head."""
        nodes = self._parse()
        rows: list[str] = []
        if len(nodes) > 1:
            rows += self._final(nodes[:-1], width)
            self._drop_lines(_start(nodes[-1]))
            nodes = self._parse()
            if len(self._rows(nodes, width)) - self.spill.count <= cap:
                return rows
        if len(nodes) == 1:
            committed = self._commit_head(nodes[0], width, cap)
            if committed is None or len(self._rows(self._parse(), width)) - self.spill.count > cap:
                committed = (committed or []) + (self._force(width) or [])
            rows += committed
        return rows

    def _force(self, width: int) -> list[str] | None:
        """No clean cut leaves the block short enough: cut inside a word (see ``cuts.forced_cut``)."""
        nodes = self._parse()
        if len(nodes) != 1:
            return None
        cut = forced_cut(nodes[0], self._tail, max(width // 2, 1))
        head = self._head(cut) if cut is not None else None
        if head is None:
            return None
        return self._commit(head[0], head[1], nodes[0], width)

    def _commit_head(self, node: SyntaxTreeNode, width: int, cap: int | None) -> list[str] | None:
        """Cut ``node`` (the only block in the tail), print its head, keep the rest as the tail."""
        cuts = cut_points(node, self._tail)
        if not cuts:
            return None
        context = self._context if self._continuing else FRESH
        if node.type == "table" and context.table_widths is None:
            context = replace(context, table_widths=frozen_widths(node, self._inner(width)))
        chosen = self._choose(cuts, node, width, context, cap)
        if chosen is None:
            return None
        return self._commit(chosen[0], chosen[1], node, width)

    def _commit(self, cut: Cut, head: SyntaxTreeNode, node: SyntaxTreeNode, width: int) -> list[str]:
        """Print ``head`` (the block before ``cut``) for good; the rest becomes the tail."""
        context = self._context if self._continuing else FRESH
        if node.type == "table" and context.table_widths is None:
            context = replace(context, table_widths=frozen_widths(node, self._inner(width)))
        rows = self.spill.close(self._block_rows(head, width, True, context))
        self._done += 1
        self._continuing = True
        self._context = cut.context
        if node.type == "table":
            self._context = replace(cut.context, table_widths=context.table_widths, table_header=False)
        self._tail = cut.opener + self._tail[cut.position :]
        return rows

    def _choose(
        self, cuts: list[Cut], node: SyntaxTreeNode, width: int, context: Continuation, cap: int | None
    ) -> tuple[Cut, SyntaxTreeNode] | None:
        """The latest line cut if it leaves few enough rows live, else a cut inside the last line."""
        lines = [cut for cut in cuts if not cut.mid_line]
        gaps = [cut for cut in cuts if cut.mid_line]
        best: tuple[Cut, SyntaxTreeNode] | None = None
        if lines:
            best = self._head(lines[-1])
            if best is not None and (not gaps or cap is None):
                return best
        if not gaps:
            return best
        full = self.blocks.rows(node, width, context)
        if best is not None and cap is not None and len(full) - len(self.blocks.rows(best[1], width, context)) <= cap:
            return best
        for cut in self._guess(gaps, full):
            head = self._head(cut)
            if head is None:
                continue
            rows = self.blocks.rows(head[1], width, context)
            if len(rows) < len(full) and rows == full[: len(rows)]:
                return head
        later = [cut for cut in gaps if cut.position > (best[0].position if best else -1)]
        return self._head(later[-1]) if later else best

    def _guess(self, gaps: list[Cut], full: list[str]) -> list[Cut]:
        """The gaps whose words before them match a row break near the end of the live rows."""
        start = self._tail.rfind("\n", 0, gaps[0].position) + 1
        end = self._tail.find("\n", start)
        total = _source_words(self._tail[start : end if end >= 0 else len(self._tail)])
        counts = [_source_words(self._tail[start : cut.position]) for cut in gaps]
        guesses: list[Cut] = []
        after = 0
        for row in reversed(full[-_GUESSES:]):
            after += _visible_words(row, False)
            matches = [cut for cut, count in zip(gaps, counts, strict=True) if count == total - after]
            guesses.extend(matches[-1:])
        return guesses

    def _head(self, cut: Cut) -> tuple[Cut, SyntaxTreeNode] | None:
        """The head before ``cut`` as one block, or None when it does not parse as one."""
        nodes = self._parse(self._tail[: cut.position])
        return (cut, nodes[0]) if len(nodes) == 1 else None

    def _inner(self, width: int) -> int:
        return width - spans_width(self.blocks.first)

    def _drop_lines(self, line: int) -> None:
        position = 0
        for _ in range(line):
            position = self._tail.index("\n", position) + 1
        self._tail = self._tail[position:]


def _visible_words(row: str, first_row: bool) -> int:
    """Words of a drawn row, leaving out decoration (bars, bullets, a list marker at its start)."""
    words = [word for word in _SGR.sub("", row).split() if any(c.isalnum() for c in word)]
    if first_row and words and _MARKER.fullmatch(words[0]):
        words = words[1:]
    return len(words)


def _source_words(text: str) -> int:
    """Words of Markdown source as they will be drawn: a link's destination is one more word."""
    return sum(1 for word in text.split() if any(c.isalnum() for c in word)) + text.count("](")


def _start(node: SyntaxTreeNode) -> int:
    return node.map[0] if node.map else 0
