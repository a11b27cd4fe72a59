"""Wrapping by display cells: CJK and emoji take two cells, combining marks none, clusters stay whole."""

from __future__ import annotations

import pytest

from teleprinter.render.style import PLAIN
from teleprinter.render.wrap import break_rows, cell_width, clusters, wrap_spans


def texts(rows: list[list[tuple[str, object]]]) -> list[str]:
    return ["".join(text for text, _ in row) for row in rows]


@pytest.mark.parametrize(
    ("text", "cells"),
    [
        ("hello", 5),
        ("日本語", 6),
        ("e\u0301", 1),  # e + combining acute
        ("👍", 2),
        ("👨\u200d👩\u200d👧", 6),  # ZWJ family: as wide as a terminal that does not join it draws it
        ("❤\ufe0f", 2),  # VS16 asks for emoji presentation
        ("", 0),
    ],
)
def test_cell_width(text: str, cells: int) -> None:
    assert cell_width(text) == cells


def test_clusters_keep_marks_and_zwj_sequences_whole() -> None:
    found = [text for text, *_ in clusters("ae\u0301👨\u200d👩\u200d👧🇫🇷")]
    assert found == ["a", "e\u0301", "👨\u200d👩\u200d👧", "🇫🇷"]


def test_words_break_at_spaces_and_never_exceed_width() -> None:
    rows = texts(wrap_spans([("the quick brown fox jumps over", PLAIN)], 10))
    assert rows == ["the quick", "brown fox", "jumps over"]


def test_cjk_breaks_on_cell_boundaries() -> None:
    rows = texts(wrap_spans([("日本語のテキスト", PLAIN)], 7))
    assert rows == ["日本語", "のテキ", "スト"]  # 3 wide chars = 6 cells; a 4th would need 8


def test_long_word_is_broken_by_cells_and_prefix_hangs() -> None:
    rows = texts(wrap_spans([("abcdefghijklmnop", PLAIN)], 8, [("> ", PLAIN)], [("  ", PLAIN)]))
    assert rows == ["> abcdef", "  ghijkl", "  mnop"]


def test_tabs_expand_by_cells() -> None:
    rows = texts(wrap_spans([("a\tb\tc", PLAIN)], 40))
    assert rows == ["a       b       c"]


def test_greedy_rows_are_stable_when_text_is_appended() -> None:
    """Rows before the last never change when more text arrives: they can be printed once."""
    text = "lorem ipsum dolor sit amet, 日本語 consectetur adipiscing elit sed do eiusmod"
    for cut in range(1, len(text)):
        before = clusters(text[:cut])
        after = clusters(text)
        rows_before = break_rows(before, 12)
        rows_after = break_rows(after, 12)
        assert rows_after[: len(rows_before) - 1] == rows_before[:-1]


def test_the_ascii_path_of_wrap_spans_gives_the_rows_of_the_cluster_walk() -> None:
    """``wrap_spans`` wraps ASCII text a word at a time; the rows must be those of ``break_rows``/``row_spans``."""
    import random

    from teleprinter.render.style import PLAIN, Style
    from teleprinter.render.wrap import break_rows, row_spans, span_clusters, spans_width, wrap_spans

    def by_clusters(spans: list[tuple[str, Style]], width: int, first: list[tuple[str, Style]],
                    rest: list[tuple[str, Style]]) -> list[list[tuple[str, Style]]]:
        items = span_clusters(spans)
        bounds = break_rows(items, width - spans_width(first), width - spans_width(rest))
        return [[*(first if n == 0 else rest), *row_spans(items, s, e)] for n, (s, e) in enumerate(bounds)]

    bold, also_bold = Style(bold=True), Style(bold=True)  # equal but not the same object: not merged
    rnd = random.Random(14)
    for _ in range(3000):
        styles = [PLAIN, bold, also_bold]
        words = ["".join(rnd.choice("ab  cdefg,.-!\n") for _ in range(rnd.randint(0, 25))) for _ in range(5)]
        spans = [(words[n], rnd.choice(styles)) for n in range(rnd.randint(0, 5))]
        width = rnd.randint(-2, 30)
        first = [("> ", PLAIN)] if rnd.random() < 0.3 else []
        rest = [("  ", PLAIN)] if rnd.random() < 0.3 else []
        assert wrap_spans(spans, width, first, rest) == by_clusters(spans, width, first, rest), (spans, width)
