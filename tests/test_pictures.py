"""The README's pictures: scripts/pictures.py plays the committed recordings through the renderer into PNGs.

Runs as CI runs it: no network, no display server (Pillow draws into memory, pyte is the terminal).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def pictures() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pictures", ROOT / "scripts" / "pictures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["pictures"] = module
    spec.loader.exec_module(module)
    return module


def screen_rows(terminal: object) -> list[str]:
    screen = terminal.screen  # type: ignore[attr-defined]
    return [screen.display[y].rstrip() for y in range(screen.lines)]


def test_the_markdown_recording_is_drawn_by_the_renderer(pictures: ModuleType) -> None:
    rows = screen_rows(pictures.render(pictures.SCENES["markdown"]))
    assert rows[0].startswith("$ teleprinter ask")
    assert "Streaming a chat model" in rows[1] and "#" not in rows[1]  # a heading, rendered, not "## ..."
    assert any(row.startswith("• works with any LangChain chat model") for row in rows)
    assert any("**" not in row and "callback handler" in row for row in rows)
    assert any(row.startswith("75 tokens · first token") for row in rows)  # the status line's summary
    assert max(len(row) for row in rows) <= 80


def test_a_scene_taken_while_streaming_shows_the_live_status_line(pictures: ModuleType) -> None:
    rows = [row for row in screen_rows(pictures.render(pictures.SCENES["streaming"])) if row]
    assert re.fullmatch(r"\S \d+ tokens · [\d.]+ tok/s · [\d.]+ s", rows[-1]), rows[-1]  # spinner, counts
    assert not any("keeps every character" in row for row in rows)  # the answer is not finished yet


def test_the_chat_shows_each_turn_and_its_answer(pictures: ModuleType) -> None:
    rows = [row for row in screen_rows(pictures.render(pictures.SCENES["chat"])) if row]
    text = "\n".join(rows)
    assert "> What is the capital of France?\nThe capital of France is Paris." in text
    assert "> What is the capital of Italy?\nThe capital of Italy is Rome." in text
    assert rows[-1] == ">"


def test_the_agent_run_shows_nodes_the_tool_call_and_both_labelled_answers(pictures: ModuleType) -> None:
    rows = [row for row in screen_rows(pictures.render(pictures.SCENES["agent"])) if row]
    assert rows[0] == "$ " + pictures.AGENT_COMMAND
    assert re.fullmatch(r"▸ router · [\d.]+ s", rows[1]), rows[1]  # each finished node leaves one line
    assert rows[2:4] == ['⚙ calculator(expression="17 * 23")', "  ↳ 391 · 3 B · 0 ms"]  # the call, its result
    text = "\n".join(rows)
    assert "── answer\n17 * 23 = 391." in text  # the two parallel model runs, each whole under its label
    assert "── summary\n17 * 23 = " in text
    assert all(f"▸ {node} · " in text for node in ("tools", "answer", "summary"))
    assert re.match(r"2 runs · \d+ tokens · first token", rows[-2]), rows[-2]
    assert rows[-1] == "$"


def test_the_script_writes_a_png_per_scene(pictures: ModuleType, tmp_path: Path) -> None:
    assert pictures.main(["--out", str(tmp_path)]) == 0
    names = sorted(path.name for path in tmp_path.glob("*.png"))
    assert names == sorted(f"{name}.png" for name in pictures.SCENES)
    with Image.open(tmp_path / "markdown.png") as image:
        assert image.width > 600 and image.height > 300
        assert len(image.convert("RGB").getcolors(maxcolors=1 << 16) or ()) > 20  # text in colours, not a blank
