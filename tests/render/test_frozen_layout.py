"""Rows that left the screen are final: generated Markdown answers taller than the screen,
streamed in arbitrary pieces at arbitrary frame times (an injected clock), at sizes down to
20x3, show every word of the one-shot render exactly once, in order.

Two screens check two things. A pyte screen with scrollback of the real size shows what a
user can scroll back to; the same output on a screen tall enough that nothing ever scrolls
shows where the renderer *meant* every row to go. If the two differ, a frame reached for a
row that had already left the screen (the cursor stopped at the top, and the redraw landed
on the wrong rows). Words are compared as the run of their letters and digits, so a word
broken across two rows, or markup shown literally because a span was cut by a commit, still
counts once; table words (upper case, their own alphabet) are compared as a multiset, as a
later wider cell wraps inside its column.
"""

from __future__ import annotations

import os
import re
import uuid
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teleprinter.events import RunEnded, RunStarted, Token
from tests.render.screen import Run, chunked, emulate, make

VOCABULARY = (
    "the rhine rises in swiss alps and reaches north sea near rotterdam barges carried goods for "
    "centuries sleep habits help people rest better every day keep fixed schedule"
)
PROSE = st.sampled_from(VOCABULARY.split(" "))
TABLE = st.sampled_from(["AB", "CD", "EF", "GH", "IJ", "KL", "MN", "OP", "QR", "ST", "UV", "WX", "YZ"])
SIZES = st.sampled_from([(20, 3), (24, 5), (30, 7), (40, 10), (80, 24)])
STEPS = st.lists(st.sampled_from([0.0, 0.0, 0.004, 0.02, 0.05, 1.0]), min_size=1, max_size=8)
CHUNKS = st.lists(st.integers(1, 40), min_size=1, max_size=6)


def words(count: tuple[int, int]) -> st.SearchStrategy[str]:
    return st.lists(PROSE, min_size=count[0], max_size=count[1]).map(" ".join)


@st.composite
def inline_text(draw: st.DrawFn, lines: tuple[int, int] = (1, 3)) -> str:
    """A paragraph's source: words with emphasis, code and links, some spanning a line break."""
    parts = []
    for _ in range(draw(st.integers(lines[0] * 3, lines[1] * 12))):
        kind = draw(st.sampled_from(["w", "w", "w", "w", "strong", "em", "code", "link", "cite"]))
        if kind == "strong":
            parts.append(f"**{draw(words((1, 6)))}**")
        elif kind == "em":
            parts.append(f"*{draw(words((1, 3)))}*")
        elif kind == "code":
            parts.append(f"`{draw(words((1, 2)))}`")
        elif kind == "link":
            parts.append(f"[{draw(words((1, 3)))}](http://ex.org/{draw(PROSE)})")
        elif kind == "cite":
            parts.append(f"[{draw(st.integers(1, 3))}]")
        else:
            parts.append(draw(PROSE))
    text = " ".join(parts)
    if draw(st.booleans()):  # break the paragraph into source lines, also inside a span
        spaces = [m.start() for m in re.finditer(" ", text)]
        for index in sorted(draw(st.lists(st.sampled_from(spaces), max_size=2, unique=True)) if spaces else []):
            text = text[:index] + "\n" + text[index + 1 :]
    return text


@st.composite
def block(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["heading", "para", "para", "ordered", "bullets", "quote", "code", "table", "refs"]))
    if kind == "heading":
        return "#" * draw(st.integers(1, 3)) + " " + draw(words((1, 5)))
    if kind == "para":
        return draw(inline_text())
    if kind == "ordered":
        count = draw(st.integers(8, 12))
        return "\n".join(f"{n}. {draw(inline_text((1, 1))).replace(chr(10), ' ')}" for n in range(1, count + 1))
    if kind == "bullets":
        items = []
        for _ in range(draw(st.integers(2, 5))):
            items.append(f"- {draw(words((1, 12)))}")
            for number in range(1, draw(st.integers(0, 11)) + 1):
                items.append(f"  {number}. {draw(words((1, 8)))}")
        return "\n".join(items)
    if kind == "quote":
        return "\n".join(f"> {line}" for line in draw(inline_text((1, 3))).split("\n"))
    if kind == "code":
        body = "\n".join(draw(words((1, 4))) for _ in range(draw(st.integers(1, 14))))
        return f"```\n{body}\n```"
    if kind == "table":
        columns = draw(st.integers(2, 3))
        cell = st.lists(TABLE, min_size=1, max_size=1).map(" ".join)
        wide = st.lists(TABLE, min_size=1, max_size=4).map(" ".join)
        rows = [[draw(cell) for _ in range(columns)]]
        rows.append(["---"] * columns)
        for number in range(draw(st.integers(1, 20))):  # past FROZEN_ROWS: rows committed as they complete
            rows.append([draw(wide if number > 2 else cell) for _ in range(columns)])
        return "\n".join("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(f"[{n}]: http://ex.org/{draw(PROSE)}" for n in range(1, draw(st.integers(1, 3)) + 1))


ANSWERS = st.lists(block(), min_size=2, max_size=7).map("\n\n".join)


def streamed(text: str, width: int, height: int, sizes: list[int], steps: list[float]) -> tuple[Run, str]:
    """Stream ``text`` in pieces of ``sizes`` with the clock advanced by ``steps`` (both cycled)."""
    renderer, out, _, clock = make(width, height, markdown=True)
    run = uuid.uuid4()
    renderer.handle(RunStarted(run, "demo-model"))
    for number, piece in enumerate(chunked(text, sizes)):
        clock.now += steps[number % len(steps)]
        renderer.handle(Token(run, piece))
    renderer.handle(RunEnded(run))
    renderer.close()
    return Run(out.getvalue(), width, height, "", renderer), out.getvalue()


def prose(rows: list[str]) -> str:
    return "".join(re.findall(r"[a-z0-9]", "".join(rows)))


def table_letters(rows: list[str]) -> Counter[str]:
    return Counter(re.findall(r"[A-Z]", "".join(rows)))


PROFILE = settings(
    max_examples=int(os.environ.get("TELEPRINTER_PROPERTY_EXAMPLES", "50")),
    deadline=None,
    derandomize=True,  # a fixed seed: CI runs the same examples every time
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROFILE
@given(text=ANSWERS, size=SIZES, sizes=CHUNKS, steps=STEPS)
def test_rows_that_left_the_screen_are_final_and_every_word_shows_once(
    text: str, size: tuple[int, int], sizes: list[int], steps: list[float]
) -> None:
    width, height = size
    one_shot, _ = streamed(text, width, height, [len(text)], [1.0])
    run, output = streamed(text, width, height, sizes, steps)
    rows = run.rows
    assert prose(rows) == prose(one_shot.rows)
    assert table_letters(rows) == table_letters(one_shot.rows)
    tall = emulate(output, width, 2000).rows()
    assert rows == tall, "a frame reached above the top of the screen"
    assert all(len(row) <= width for row in rows)
