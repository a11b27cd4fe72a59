"""Tables while they stream: complete rows are drawn once, the row being typed stays live, and a
table looks the same however it arrived (its column widths come from its first rows plus headroom)."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teleprinter.render.blocks import FROZEN_ROWS
from teleprinter.render.markdown import MarkdownLayout
from tests.render.screen import chunked, stream

SGR = re.compile(r"\x1b\[[0-9;]*m")
HEADER = "| name | tokens | seconds | note |\n|------|-------:|--------:|------|\n"


def runs(count: int) -> str:
    """The benchmark's table: numbers gain digits (99 -> 100) long after the widths are chosen."""
    return HEADER + "".join(f"| run{n} | {n * 7} | {n % 60} | streamed fine {n} |\n" for n in range(count))


def test_a_cell_gaining_a_digit_after_the_widths_froze_stays_whole_on_one_row() -> None:
    run = stream(chunked(runs(101), [4]), 100, 40, markdown=True, step=0.001)
    body = run.rows[2:]
    assert [row.split()[0] for row in body] == [f"run{n}" for n in range(101)], "one row per source row, none wrapped"
    assert re.fullmatch(r"run100 +│ +700 │ +40 │ streamed fine 100", body[-1])
    assert len({row.index("│") for row in body}) == 1, "every row keeps the widths of the rows before it"


def test_the_row_being_typed_is_live_and_complete_rows_are_final_once() -> None:
    layout = MarkdownLayout(color=False)
    final: list[str] = []
    text = runs(12) + "| run12 | 8"
    for piece in chunked(text, [5]):
        layout.feed(piece)
        done, live = layout.update(100, 40)
        final += [SGR.sub("", row) for row in done]
    live = [SGR.sub("", row) for row in live]
    assert [row.split()[0] for row in final[2:]] == [f"run{n}" for n in range(12)]
    assert [row.split() for row in live] == [["run12", "│", "8", "│", "│"]]
    layout.feed("4 | 4 | late |\n")
    done, live = layout.update(100, 40)
    assert [SGR.sub("", row).split() for row in done + live] == [["run12", "│", "84", "│", "4", "│", "late"]]


DOCUMENTS = {
    "short": "Before.\n\n" + runs(FROZEN_ROWS) + "\nAfter.",
    "long": "Before.\n\n" + runs(60) + "\nAfter.",
    "long, ends the answer": runs(40),
    "right-aligned last column, a late wider cell": (
        "| key | value |\n|:---|---:|\n" + "".join(f"| k{n} | {10 ** (n // 4)} |\n" for n in range(30)) + "\nEnd."
    ),
}


@pytest.mark.parametrize("name", DOCUMENTS)
@pytest.mark.parametrize(("sizes", "step"), [([1], 0.01), ([4], 0.001), ([7, 3, 40], 0.02)])
def test_a_streamed_table_looks_as_drawn_whole(name: str, sizes: list[int], step: float) -> None:
    text = DOCUMENTS[name]
    whole = stream([text], 60, 40, markdown=True)
    streamed = stream(chunked(text, sizes), 60, 40, markdown=True, step=step)
    assert streamed.rows == whole.rows
    assert all(len(row) <= 60 for row in streamed.rows)


def test_on_a_small_screen_a_streamed_table_keeps_every_cell() -> None:
    """The live region (5 rows) fills before the table has its first rows: the widths are chosen
    from fewer rows, so only the cells' text is the same as drawn whole."""
    text = runs(30) + "\nAfter."

    def cells(rows: list[str]) -> list[list[str]]:
        return [[cell.strip() for cell in row.split("│")] for row in rows if "│" in row]

    whole = stream([text], 60, 40, markdown=True)
    streamed = stream(chunked(text, [3]), 60, 5, markdown=True, step=0.01)
    assert cells(streamed.rows) == cells(whole.rows)
    assert streamed.rows[-1] == "After."


CELLS = st.sampled_from(["a", "bb", "ccc dd", "**bold**", "`x|y`", "e \\| f", "[l](http://x.y)", "99", "100", ""])


@st.composite
def table_documents(draw: st.DrawFn) -> str:
    """A table of 0-24 body rows (some short of cells, some without the closing pipe) between text."""
    columns = draw(st.integers(1, 4))
    delimiter = "|" + "|".join(draw(st.sampled_from(["---", ":--", "--:", ":-:"])) for _ in range(columns)) + "|"
    lines = ["| " + " | ".join(draw(CELLS) or "h" for _ in range(columns)) + " |", delimiter]
    for _ in range(draw(st.integers(0, 24))):
        cells = [draw(CELLS) for _ in range(draw(st.integers(1, columns)))]
        lines.append("| " + " | ".join(cells) + draw(st.sampled_from([" |", ""])))
    before = draw(st.sampled_from(["", "Intro words.\n\n"]))
    after = draw(st.sampled_from(["", "\n", "\n\nAfter words.", "\n# Heading", "\n> quoted"]))
    return before + "\n".join(lines) + after


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(text=table_documents(), sizes=st.lists(st.integers(1, 30), min_size=1, max_size=4),
       step=st.sampled_from([0.001, 0.01, 0.05]), width=st.sampled_from([16, 50]))
def test_any_streamed_table_looks_as_drawn_whole(text: str, sizes: list[int], step: float, width: int) -> None:
    """At 16 columns most tables do not fit and are drawn as flat ``a │ b`` lines."""
    whole = stream([text], width, 60, markdown=True)
    streamed = stream(chunked(text, sizes), width, 60, markdown=True, step=step)
    assert streamed.rows == whole.rows
