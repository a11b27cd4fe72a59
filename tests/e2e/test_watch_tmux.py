"""``teleprinter watch`` on a real terminal draws a published answer exactly as ``ask`` drew it."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pytest

from tests.e2e.test_ask_tmux import TELEPRINTER, Pane
from tests.redis_server import RedisServer

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(not TELEPRINTER.exists(), reason="the venv has no teleprinter script"),
]

MARKDOWN = """# Relay

Some **bold** words and `code`, then a list:

- first item
- second item

```python
print("hello")
```

A last paragraph that is long enough to wrap across the width of the terminal at least once here.
"""


def answer_lines(screen: str) -> list[str]:
    """The answer as drawn: without the shell's lines and the timing summary (it differs per run)."""
    lines = [line.rstrip() for line in screen.splitlines()]
    return [line for line in lines if line and not line.startswith("$") and "tok/s" not in line]


def test_a_watched_run_renders_like_the_local_one(redis_server: RedisServer, tmp_path: Path) -> None:
    answer = tmp_path / "answer.md"
    answer.write_text(MARKDOWN, encoding="utf-8")
    asker, watcher = Pane(tmp_path), Pane(tmp_path)
    try:
        for pane in (asker, watcher):
            pane.wait_for(pane.prompt_back, timeout=20)
        command = [str(TELEPRINTER), "ask", "q", "--provider", "replay", "--replay", str(answer), "--delay", "0.005",
                   "--publish", redis_server.url, "--stream-key", "md"]
        (tmp_path / "ask.sh").write_text(" ".join(shlex.quote(part) for part in command) + "\n")
        (tmp_path / "watch.sh").write_text(f"{TELEPRINTER} watch {redis_server.url} md\n")  # short lines on screen
        watcher.type("sh watch.sh")
        watcher.wait_for(lambda text: "watch.sh" in text and not watcher.prompt_back(text), timeout=20)
        asker.type("sh ask.sh")
        local = asker.wait_for(lambda text: "tok/s" in text and asker.prompt_back(text), timeout=90)
        watched = watcher.wait_for(lambda text: "tok/s" in text and watcher.prompt_back(text), timeout=90)
        assert "Relay" in local and "print(\"hello\")" in local
        assert answer_lines(watched) == answer_lines(local)
        assert watcher.cursor_visible()
    finally:
        asker.kill()
        watcher.kill()
