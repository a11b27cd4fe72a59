"""Properties: for any text and any chunking, nothing is lost, duplicated, reordered or executed.

On a terminal the visible text equals the input (control characters made visible), modulo the
soft-wrap breaks; on a pipe the output is the input, byte for byte. Markdown renders the same
final screen however the answer was chunked.
"""

from __future__ import annotations

import io
import unicodedata
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teleprinter.events import RunEnded, RunStarted, Token
from teleprinter.render.plain import PlainRenderer
from teleprinter.render.sanitize import sanitize
from teleprinter.render.wrap import BREAKING_SPACES
from tests.render.screen import chunked, stream

TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),  # any scalar value
    max_size=160,
)
SIZES = st.lists(st.integers(1, 9), min_size=1, max_size=6)
PREFIX, HANG = "> ", "  "
BLANKS = "".join(BREAKING_SPACES) + "\t"  # what a row may end with, or a soft break may swallow, unseen


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def hard_lines(rows: list[str]) -> list[list[str]]:
    """Screen rows grouped by the hard line they came from: a prefix starts one, the hanging indent continues it."""
    groups: list[list[str]] = []
    for row in rows:
        if row == "":
            groups.append([""])
        elif row.startswith(PREFIX) or row == PREFIX.rstrip():
            groups.append([row[len(PREFIX) :]])
        else:
            assert row.startswith(HANG), f"row neither prefixed nor indented: {row!r}"
            assert groups, "a continuation row before any line"
            groups[-1].append(row[len(HANG) :])
    return groups


def consume(line: str, position: int, part: str) -> int:
    """Match one row's text at ``position`` of the expected line; a tab matches the spaces it became."""
    index = 0
    while index < len(part):
        assert position < len(line), f"row text {part!r} runs past the input line {line!r}"
        char = line[position]
        if char == "\t":
            spaces = 0
            while index < len(part) and part[index] == " " and spaces < 8:
                index += 1
                spaces += 1
            position += 1
            continue
        assert part.startswith(char, index), f"expected {line[position:]!r}, screen has {part[index:]!r}"
        index += len(char)
        position += 1
    return position


def assert_same_modulo_wrap(rows: list[str], text: str) -> None:
    expected = nfc(sanitize(text)).split("\n")
    while expected and not expected[-1].strip(BLANKS):
        expected.pop()
    groups = hard_lines(rows)
    while groups and not "".join(groups[-1]).strip(BLANKS):
        groups.pop()
    assert len(groups) == len(expected), (groups, expected)
    for parts, line in zip(groups, expected, strict=True):
        position = 0
        for number, part in enumerate(parts):
            if number:  # a soft break may swallow the whitespace it replaced
                while position < len(line) and line[position] in BLANKS:
                    position += 1
            position = consume(line, position, part)
        assert not line[position:].strip(BLANKS), f"lost {line[position:]!r}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXT, sizes=SIZES, width=st.integers(8, 30))
def test_terminal_shows_exactly_the_input_modulo_soft_wraps(text: str, sizes: list[int], width: int) -> None:
    run = stream(chunked(text, sizes), width, 6, prefix=PREFIX)
    rows = [nfc(row) for row in run.rows]
    assert_same_modulo_wrap(rows, text)
    assert run.screen.title == "" and not run.screen.cursor.hidden


@settings(max_examples=150, deadline=None)
@given(text=TEXT, sizes=SIZES)
def test_pipe_output_is_the_input_byte_for_byte(text: str, sizes: list[int]) -> None:
    out = io.StringIO()
    renderer = PlainRenderer(out)
    run = uuid.uuid4()
    renderer.handle(RunStarted(run))
    for piece in chunked(text, sizes):
        renderer.handle(Token(run, piece))
    renderer.handle(RunEnded(run))
    renderer.close()
    assert out.getvalue() == text


MARKDOWN_PIECES = st.sampled_from(
    [
        "# ", "## ", "- ", "* ", "1. ", "> ", "```\n", "```python\n", "**", "*", "`", "_", "~~", "|", " | ",
        "---", "\n", "\n\n", " ", "  ", "word", "more words", "日本語", "e\u0301", "👍", "[link](http://x.y)",
        "| a | b |\n|---|---|\n", "x = 1\n", "    ",
    ]
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(MARKDOWN_PIECES, max_size=40), sizes=SIZES, width=st.integers(16, 40))
def test_markdown_screen_does_not_depend_on_chunking(pieces: list[str], sizes: list[int], width: int) -> None:
    text = "".join(pieces)
    whole = stream([text] if text else [], width, 60, markdown=True)
    pieces_run = stream(chunked(text, sizes), width, 60, markdown=True)
    assert pieces_run.rows == whole.rows
    attributes = [[(c.data, c.fg, c.bold, c.italics, c.underscore) for c in row] for row in whole.screen.cells()]
    assert [[(c.data, c.fg, c.bold, c.italics, c.underscore) for c in row] for row in pieces_run.screen.cells()] == (
        attributes
    )


def test_a_table_that_dissolves_does_not_split_the_paragraph_before_it() -> None:
    """Found by the property above: ``|-`` looks like a table delimiter until ``|- #`` arrives."""
    text = "x = 1\n|x = 1\n|- # "
    assert stream(chunked(text, [1]), 16, 20, markdown=True).rows == stream([text], 16, 20, markdown=True).rows


def test_a_code_block_committed_line_by_line_leaves_no_empty_row_at_its_end() -> None:
    """Found by the property above: an open code block commits its complete lines; when only its
    closing fence was left, the rest drew as an empty code block, one blank row too many."""
    text = "```\nA\n\nC\nD\nE\nF\nG\nH\nI\n```\n# x"
    assert stream(chunked(text, [2]), 16, 60, markdown=True).rows == stream([text], 16, 60, markdown=True).rows
