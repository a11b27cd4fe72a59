"""The cases in ``tests/render/cases`` (see CASES.md there), each beside others of its kind.

Each answer is streamed into a pyte screen with scrollback at 80x24 (and smaller), in pieces
and at paces that used to change what the user saw; the screen must show every word once, in
order, and the same rows whatever the pace.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.render.screen import chunked, stream

CASES = Path(__file__).parent / "cases"


def case(name: str) -> str:
    return (CASES / name).read_text(encoding="utf-8")


def words(text: str) -> list[str]:
    return re.findall(r"[\w,.'-]+", text.replace("**", ""))


def screen_words(rows: list[str]) -> list[str]:
    return words(" ".join(rows))


# -- rows already in scrollback are never laid out again --


@pytest.mark.parametrize(("size", "step"), [(4, 1 / 30), (4, 1.0), (1, 0.004), (23, 0.05)])
def test_ordered_list_taller_than_the_screen_keeps_every_word(size: int, step: float) -> None:
    """``10.`` used to widen the list's indent after items 1-8 had scrolled off: "day," was lost."""
    text = case("ordered-list-tall.md")
    run = stream(chunked(text, [size]), 80, 24, markdown=True, step=step)
    assert screen_words(run.rows) == words(text)
    assert "1. Keep a fixed schedule. Going to bed and waking up at the same time every day," in run.rows[3]
    assert [row.split()[0] for row in run.rows if re.match(r"\d+\. ", row)] == [f"{n}." for n in range(1, 13)]
    continuation = [row for row in run.rows if row.startswith("   ") and not row.startswith("    ")]
    assert continuation, "items 1-9 hang under their own marker"
    assert any(row.startswith("    ") and not row.startswith("     ") for row in run.rows[-8:])


@pytest.mark.parametrize(("width", "height"), [(20, 3), (30, 6), (40, 8)])
def test_a_list_crossing_nine_to_ten_at_small_sizes_keeps_every_word(width: int, height: int) -> None:
    text = "\n".join(f"{n}. item {n} says **bold words that close later** and *more*" for n in range(1, 14))
    run = stream(chunked(text, [3]), width, height, markdown=True, step=0.01)
    assert screen_words(run.rows) == words(text.replace("*", ""))


def test_a_table_taller_than_the_screen_keeps_its_column_widths_and_wraps_a_late_wide_cell() -> None:
    rows = [f"| r{n} | v{n} |" for n in range(1, 12)]
    rows += ["| r12 | a much wider value that wraps |", "| r13 | a value far too wide for the rest of its row |"]
    text = "| key | value |\n|---|---|\n" + "\n".join(rows) + "\n\nAfter."
    run = stream(chunked(text, [5]), 40, 6, markdown=True, step=0.05)
    table = [row for row in run.rows if "│" in row]
    # the first column: its widest cell (3) plus 3 cells of headroom, kept for every row
    assert table[0].startswith("key    │ value") and table[1].startswith("r1     │ v1")
    assert all(row.index("│") == 7 for row in table), "every row keeps the widths chosen first"
    assert "r12    │ a much wider value that wraps" in table  # the last column may use the rest of the row
    assert table[-2:] == ["r13    │ a value far too wide for the", "       │ rest of its row"]
    assert run.rows[-1] == "After."


def test_a_quote_taller_than_the_screen_keeps_its_bar_and_every_word() -> None:
    text = "> " + " ".join(f"quoted{n}" for n in range(120)) + "\n> second line *with emphasis*\n\nDone."
    run = stream(chunked(text, [7]), 24, 5, markdown=True, step=0.02)
    assert screen_words(run.rows) == words(text.replace(">", "").replace("*", ""))
    assert all(row.startswith("│ ") for row in run.rows[:-2])


# -- the final frame never erases from the top-left corner --


def test_the_last_frame_erases_its_rows_line_by_line_never_to_the_end_of_the_screen() -> None:
    text = case("tmux-top-row.md")
    run = stream(chunked(text, [3]), 80, 24, markdown=True, step=0.05, status=True)
    assert "\x1b[J" not in run.output and "\x1b[0J" not in run.output and "\x1b[2J" not in run.output
    assert screen_words(run.rows) == words(text.replace("#", ""))


# -- what is drawn depends on the text, not on when frames fired --


@pytest.mark.parametrize("step", [0.0005, 0.002, 0.02, 1.0])
def test_citations_show_the_same_rows_at_any_pace(step: float) -> None:
    """A half-received definition was frozen as ``1 (https://)``; at other paces ``[1]`` stayed literal."""
    text = case("citations.md")
    run = stream(chunked(text, [1]), 80, 24, markdown=True, step=step)
    assert run.rows == [
        "The Rhine rises in the Swiss Alps [1] and reaches the North Sea near Rotterdam",
        "[2].",
        "",
        "It is about 1,230 kilometres long and has carried barges for centuries.",
        "",
        "[1]: https://example.org/rhine/source",
        "[2]: https://example.org/rhine/mouth",
    ]


@pytest.mark.parametrize("step", [0.001, 0.01, 1.0])
def test_a_fence_opener_arriving_in_pieces_is_never_drawn_half_parsed(step: float) -> None:
    text = "Intro line.\n``" + "`python\nx = 1\n```\n\nAfter **bold\nacross lines** here."
    pieces = stream(chunked(text, [1]), 40, 4, markdown=True, step=step).rows
    assert pieces == stream([text], 40, 4, markdown=True).rows
    assert "x = 1" in pieces and "``" not in " ".join(pieces)


LONG = (
    "Para one " + " ".join(f"w{n}" for n in range(60)) + "\n\n- item with " + " ".join(f"x{n}" for n in range(30))
    + "\n\n> quote " + " ".join(f"q{n}" for n in range(30)) + "\n\n" + "\n".join(f"{n}. step {n}" for n in range(1, 13))
)


@pytest.mark.parametrize(("size", "step"), [(1, 0.001), (3, 0.02), (7, 1.0), (40, 0.004)])
def test_blocks_taller_than_the_screen_look_the_same_at_any_pace(size: int, step: float) -> None:
    """Heads are committed on the row breaks the live region showed: no ragged row where a cut fell."""
    streamed = stream(chunked(LONG, [size]), 30, 5, markdown=True, prefix="» ", step=step)
    assert streamed.rows == stream([LONG], 30, 5, markdown=True, prefix="» ").rows
    assert streamed.rows[1] == "  w6 w7 w8 w9 w10 w11 w12 w13"
