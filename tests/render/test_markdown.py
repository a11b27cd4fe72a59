"""Markdown on the emulated screen: styles are real terminal attributes, blocks are laid out once."""

from __future__ import annotations

from typing import Any

from tests.render.screen import Run, chunked, stream

DOC = """# Big title

Text with **bold**, *italic*, `inline code`, ~~gone~~ and a [link](https://example.com/x).

## Smaller

- first item
- second item
  1. nested one
  2. nested two

> quoted words

```python
def greet(name):
    return "hi " + name  # say hi
```

| name | count |
|------|------:|
| ant  | 3 |
| bee  | 12 |

---
End."""


def cells_of(run: Run, word: str) -> list[Any]:
    """The screen cells showing ``word`` (first occurrence)."""
    for row in run.screen.cells():
        text = "".join(cell.data for cell in row)
        index = text.find(word)
        if index >= 0:
            return row[index : index + len(word)]
    raise AssertionError(f"{word!r} not on screen: {run.rows}")


def render(width: int = 60, color: bool = True) -> Run:
    return stream(chunked(DOC, [4]), width, 50, markdown=True, color=color)


def test_inline_styles_are_terminal_attributes() -> None:
    run = render()
    assert all(cell.bold for cell in cells_of(run, "bold"))
    assert all(cell.italics and not cell.bold for cell in cells_of(run, "italic"))
    assert all(cell.fg == "cyan" for cell in cells_of(run, "inline code"))
    assert all(cell.strikethrough for cell in cells_of(run, "gone"))
    assert all(cell.underscore and cell.fg == "blue" for cell in cells_of(run, "link"))
    assert "(https://example.com/x)" in "\n".join(run.rows)
    assert not any(cell.bold for cell in cells_of(run, "Text with"))


def test_headings_lists_quotes_code_and_tables_are_laid_out() -> None:
    run = render()
    rows = run.rows
    assert rows[0] == "Big title" and all(cell.bold and cell.underscore for cell in cells_of(run, "Big title"))
    assert "**" not in "\n".join(rows) and not any(row.startswith("#") for row in rows)
    assert "• first item" in rows and "• second item" in rows
    assert "  1. nested one" in rows and "  2. nested two" in rows
    assert "│ quoted words" in rows
    assert '    return "hi " + name  # say hi' in rows  # code as written: copies without decoration
    assert all(cell.fg == "magenta" for cell in cells_of(run, "def"))
    assert all(cell.fg == "green" for cell in cells_of(run, '"hi "'))
    table = [row for row in rows if "│" in row and ("ant" in row or "bee" in row or "name" in row)]
    assert table == ["name │ count", "ant  │     3", "bee  │    12"]
    assert rows[-1] == "End."


def test_without_colour_attributes_stay_and_colours_go() -> None:
    run = render(color=False)
    assert all(cell.bold for cell in cells_of(run, "bold"))
    assert all(cell.fg == "default" for row in run.screen.cells() for cell in row)


def test_a_table_wider_than_the_screen_wraps_inside_its_columns() -> None:
    """The widest columns are narrowed until the row fits; each cell wraps in its own column."""
    text = "| a long header | another long header |\n|---|---|\n| some value | another value |\n"
    rows = stream(chunked(text, [3]), 24, 20, markdown=True).rows
    assert rows == stream([text], 24, 20, markdown=True).rows
    assert all(len(row) <= 24 for row in rows)
    columns: list[list[str]] = [[], []]
    for row in rows:
        if "│" in row:
            for column, part in enumerate(row.split(" │ ")):
                columns[column].append(part.strip())
    assert " ".join(" ".join(columns[0]).split()) == "a long header some value"
    assert " ".join(" ".join(columns[1]).split()) == "another long header another value"


def test_a_table_too_wide_even_narrowed_is_drawn_as_flat_rows() -> None:
    text = "| a | b | c | d | e |\n|---|---|---|---|---|\n| alpha | bravo | charlie | delta | echo |\n"
    rows = stream([text], 20, 20, markdown=True).rows
    assert "alpha │ bravo │" in " ".join(rows) and all(len(row) <= 20 for row in rows)


def test_unfinished_markup_is_shown_then_styled_when_closed() -> None:
    partial = stream(["Some **bold"], 40, 10, markdown=True, end=False)
    assert partial.rows == ["Some **bold"]
    finished = stream(["Some **bold", "** done"], 40, 10, markdown=True)
    assert finished.rows == ["Some bold done"]


def test_blocks_are_separated_by_one_blank_line_and_prefix_hangs() -> None:
    rows = stream(chunked("Para one is long enough to wrap here.\n\nPara two.", [5]), 24, 10, markdown=True,
                  prefix="» ").rows
    assert rows == ["» Para one is long", "  enough to wrap here.", "", "» Para two."]


def test_a_huge_code_block_is_committed_in_parts_with_every_line_once() -> None:
    code = "\n".join(f"value_{n:04d} = {n}" for n in range(400))
    text = f"```python\n{code}\n```\n\nAfter."
    chunked_run = stream(chunked(text, [7]), 40, 12, markdown=True, step=0.01)
    assert chunked_run.rows == stream([text], 40, 12, markdown=True).rows
    lines = [row for row in chunked_run.rows if "value_" in row]
    assert lines == [f"value_{n:04d} = {n}" for n in range(400)]
    assert chunked_run.rows[-1] == "After."


def test_a_huge_list_keeps_its_numbering_across_parts() -> None:
    text = "\n".join(f"{n}. item number {n}" for n in range(1, 301))
    rows = stream(chunked(text, [5]), 40, 12, markdown=True, step=0.01).rows
    assert [row.split()[0] for row in rows] == [f"{n}." for n in range(1, 301)]
    assert all(row.endswith(f"item number {row.split()[0][:-1]}") for row in rows)


def test_a_huge_single_line_paragraph_keeps_every_word_in_order() -> None:
    words = [f"w{n:04d}" for n in range(1500)]
    text = " ".join(f"**{word}**" if n % 7 == 0 else word for n, word in enumerate(words))
    rows = stream(chunked(text, [4]), 50, 12, markdown=True, step=0.01).rows
    assert " ".join(rows).replace("*", "").split() == words
    assert all(len(row) <= 50 for row in rows)


def test_a_huge_quote_keeps_its_bar_on_every_line() -> None:
    text = "\n".join(f"> quoted line {n:03d}" for n in range(300))
    rows = stream(chunked(text, [6]), 40, 12, markdown=True, step=0.01).rows
    assert rows == [f"│ quoted line {n:03d}" for n in range(300)]
