"""The renderer's bytes fed to a VT emulator (pyte): what a user would see, at several widths."""

from __future__ import annotations

import re

import pyte
import pytest

from teleprinter.events import RunEnded, RunStarted, Token
from tests.render.screen import chunked, emulate, make, stream

CJK = "日本語のテキストを正しく折り返します"


@pytest.mark.parametrize("width", [11, 20, 33])
def test_cjk_wraps_on_the_cell_boundary(width: int) -> None:
    run = stream(chunked(CJK, [2, 3]), width, 8)
    rows = run.rows
    per_row = width // 2  # two cells a character; an odd last cell stays empty
    assert rows == [CJK[i : i + per_row] for i in range(0, len(CJK), per_row)]


@pytest.mark.parametrize(
    ("width", "expected"),
    [
        (12, ["ab 👍 👨\u200d👩\u200d👧", "café não", "🇫🇷 end"]),  # 3 + 2 + 1 + 6 cells = 12 exactly
        (17, ["ab 👍 👨\u200d👩\u200d👧 café", "não 🇫🇷 end"]),
    ],
)
def test_emoji_and_combining_marks_wrap_as_whole_clusters(width: int, expected: list[str]) -> None:
    text = "ab 👍 👨\u200d👩\u200d👧 cafe\u0301 na\u0303o 🇫🇷 end"
    assert stream(chunked(text, [1]), width, 10).rows == expected  # pyte composes e + U+0301 into é


def test_prefix_on_each_line_and_hanging_indent_on_wrapped_rows() -> None:
    text = "first line that is long enough to wrap\nsecond\n\nfourth"
    rows = stream(chunked(text, [3]), 20, 10, prefix="» ").rows
    assert rows == ["» first line that is", "  long enough to", "  wrap", "» second", "", "» fourth"]


def test_text_is_never_reflowed_and_rows_are_never_duplicated_after_scrolling() -> None:
    lines = [f"line {n:03d} " + "word " * (n % 9) for n in range(260)]
    run = stream(chunked("\n".join(lines), [4]), 30, 10, prefix="| ")
    numbers = [int(m.group(1)) for row in run.rows for m in re.finditer(r"line (\d{3})", row)]
    assert numbers == list(range(260))


@pytest.mark.parametrize("width", [24, 50])
def test_markdown_scrolls_200_lines_without_duplicates(width: int) -> None:
    blocks = []
    for n in range(70):
        section = f"## Section {n:03d}\n\nParagraph {n:03d} with **bold** and `code` words."
        blocks.append(f"{section}\n\n- item {n:03d}a\n- item {n:03d}b")
    run = stream(chunked("\n\n".join(blocks), [4]), width, 10, markdown=True)
    assert len(run.rows) > 200
    found = re.findall(r"(Section|Paragraph|item) (\d{3})(a|b)?", "\n".join(run.rows))
    expected = []
    for n in range(70):
        expected += [("Section", f"{n:03d}", ""), ("Paragraph", f"{n:03d}", ""), ("item", f"{n:03d}", "a")]
        expected += [("item", f"{n:03d}", "b")]
    assert found == expected


def test_open_block_taller_than_the_screen_spills_once() -> None:
    code = "\n".join(f"value_{n:03d} = {n}" for n in range(60))
    run = stream(chunked(f"Intro\n\n```python\n{code}\n```\n\nOutro", [5]), 30, 8, markdown=True)
    values = re.findall(r"value_(\d{3})", "\n".join(run.rows))
    assert values == [f"{n:03d}" for n in range(60)]
    assert run.rows[0] == "Intro" and run.rows[-1] == "Outro"


def test_status_line_shows_progress_then_is_replaced_by_the_summary() -> None:
    renderer, out, err, clock = make(40, 8, status=True)
    import uuid

    run = uuid.uuid4()
    renderer.handle(RunStarted(run, "demo-model", time=0.0))
    clock.now = 0.5
    renderer.writer.tick()
    waiting = emulate(out.getvalue(), 40, 8)
    assert "waiting for demo-model" in "\n".join(waiting.display)
    for n in range(5):
        clock.now += 0.1
        renderer.handle(Token(run, f"tok{n} ", time=clock.now))
    streaming = emulate(out.getvalue(), 40, 8)
    assert any("5 tokens" in line for line in streaming.display)
    assert streaming.cursor.hidden
    renderer.handle(RunEnded(run, time=clock.now))
    renderer.close()
    final = emulate(out.getvalue(), 40, 8)
    assert final.rows() == ["tok0 tok1 tok2 tok3 tok4"]
    assert not final.cursor.hidden
    assert "waiting" not in "\n".join(final.display) and "tokens" not in "\n".join(final.display)
    assert err.getvalue().startswith("5 tokens") and err.getvalue().endswith("\n")
    assert "\x1b" not in err.getvalue()


def test_status_never_written_without_a_status_terminal() -> None:
    run = stream(["hello ", "world"], 30, 6, status=False)
    assert "waiting" not in run.output and "tokens" not in run.output
    assert run.rows == ["hello world"]


def test_frames_coalesce_tokens_that_arrive_within_one_interval() -> None:
    every = stream(chunked("x " * 300, [2]), 40, 10, step=1.0)
    coalesced = stream(chunked("x " * 300, [2]), 40, 10, step=0.001)
    assert every.rows == coalesced.rows
    assert coalesced.renderer.writer.writes < every.renderer.writer.writes / 10


@pytest.mark.parametrize("markdown", [False, True])
def test_terminal_is_restored_when_the_run_fails(markdown: bool) -> None:
    renderer, out, _, clock = make(30, 8, markdown=markdown, status=True)
    import uuid

    from teleprinter.events import RunFailed

    run = uuid.uuid4()
    renderer.handle(RunStarted(run, "m"))
    for word in ("partial ", "**answer** ", "kept"):
        clock.now += 1
        renderer.handle(Token(run, word))
    renderer.handle(RunFailed(run, KeyboardInterrupt(), interrupted=True))
    renderer.close()
    screen = emulate(out.getvalue(), 30, 8)
    assert "partial" in screen.rows()[0] and "kept" in screen.rows()[0]
    assert not screen.cursor.hidden
    assert (pyte.modes.DECAWM in screen.mode) is True
    assert screen.cursor.attrs.fg == "default" and not screen.cursor.attrs.bold
    assert (screen.cursor.x, screen.cursor.y) == (0, 1)


def test_close_without_an_end_event_still_draws_everything_and_restores() -> None:
    run = stream(["an answer cut ", "short by Ctrl-C"], 40, 6, end=False, markdown=True)
    assert run.rows == ["an answer cut short by Ctrl-C"]
    assert not run.screen.cursor.hidden
    assert run.output.endswith("\x1b[?25h")


def test_close_twice_is_harmless() -> None:
    renderer, out, _, _ = make()
    renderer.close()
    renderer.close()
    assert out.getvalue() == ""


def test_resize_redraws_the_live_row_at_the_new_width() -> None:
    renderer, out, _, clock = make(40, 10)
    import uuid

    run = uuid.uuid4()
    renderer.handle(RunStarted(run))
    clock.now += 1
    renderer.handle(Token(run, "one two three four five six seven"))
    renderer._on_resize(20, 10)
    clock.now += 1
    renderer.handle(Token(run, " eight"))
    renderer.close()
    screen = emulate(out.getvalue(), 20, 10)
    assert all(len(row) <= 20 for row in screen.rows())
    assert " ".join(screen.rows()).split() == ["one", "two", "three", "four", "five", "six", "seven", "eight"]


def test_after_a_shrink_the_region_counts_the_rows_the_terminal_reflowed_it_into() -> None:
    from teleprinter.render.region import LiveRegion

    region = LiveRegion()
    region.frame([], ["x" * 50, "\x1b[0;1m" + "y" * 30 + "\x1b[0m"], "status")
    # 3 + 2 + 1 rows at 20 columns: up 5 from the last, then each row erased on its own (never ED from home)
    assert region.clear(20) == "\r\x1b[5A" + "\x1b[2K" + "\x1b[B\x1b[2K" * 5 + "\x1b[5A"
    assert region.clear(20) == ""  # nothing left to clear


def test_a_terminal_that_goes_away_raises_once_and_close_stays_quiet() -> None:
    import uuid

    from teleprinter.render.console import TerminalRenderer
    from tests.render.screen import FakeTTY, capabilities

    class Vanishing(FakeTTY):
        gone = False

        def write(self, text: str) -> int:
            if self.gone:
                raise BrokenPipeError("gone")
            return super().write(text)

    out = Vanishing()
    renderer = TerminalRenderer(out, capabilities(30, 8), markdown=False, interval=0, background=False, watch=False)
    run = uuid.uuid4()
    renderer.handle(Token(run, "before "))
    out.gone = True
    with pytest.raises(BrokenPipeError):
        renderer.handle(Token(run, "after"))
    renderer.close()  # no second error hides the first
    assert emulate(out.getvalue(), 30, 8).rows() == ["before"]


def test_a_token_after_close_is_shown_and_the_terminal_stays_restored() -> None:
    import uuid

    renderer, out, _, clock = make(30, 8)
    run = uuid.uuid4()
    renderer.handle(Token(run, "early "))
    renderer.close()
    clock.now += 0.001  # inside the frame interval: would normally wait for the ticker
    renderer.handle(Token(run, "late"))
    screen = emulate(out.getvalue(), 30, 8)
    assert screen.rows() == ["early", "late"]  # close() ended the line; nothing is lost
    assert not screen.cursor.hidden and pyte.modes.DECAWM in screen.mode


def test_heartbeat_frames_while_the_model_is_silent_redraw_the_status_line_not_the_answer() -> None:
    import uuid

    renderer, out, _, clock = make(40, 8, status=True)
    laid_out: list[int] = []
    update = renderer.layout.update

    def counted(width: int, *rest: int) -> tuple[list[str], list[str]]:
        laid_out.append(width)
        return update(width, *rest)

    renderer.layout.update = counted  # type: ignore[method-assign]
    run = uuid.uuid4()
    renderer.handle(RunStarted(run, "demo-model", time=0.0))
    clock.now = 0.1
    renderer.handle(Token(run, "An open paragraph that pauses", time=clock.now))
    before = len(laid_out)
    for _ in range(5):  # half a second of silence: five heartbeats move the spinner and the clock
        clock.now += 0.1
        renderer.writer.tick()
    assert len(laid_out) == before  # nothing new arrived: the answer's rows were reused
    screen = emulate(out.getvalue(), 40, 8)
    assert screen.display[0].rstrip() == "An open paragraph that pauses"
    assert "0.6 s" in "\n".join(screen.display)  # the status line did move
    renderer.handle(Token(run, " and on", time=clock.now))
    renderer.writer.frame()
    assert len(laid_out) == before + 1
    assert emulate(out.getvalue(), 40, 8).display[0].rstrip() == "An open paragraph that pauses and on"
    renderer.close()
