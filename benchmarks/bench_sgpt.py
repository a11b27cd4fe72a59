"""Side by side with ``shell-gpt`` (``sgpt``) on the same streamed answer from the project's SSE server.

The test server (``tests/servers/sse.py``, real HTTP and SSE on 127.0.0.1) streams one Markdown
answer in 4-character tokens, one every millisecond, to ``sgpt`` (its default Markdown view,
rich's ``Live`` re-rendering) and to ``teleprinter ask --provider openai`` pointed at the same
server, each on a 100x40 pseudo-terminal. CPU is the child's user + system time over the same
tool answering "Hi." (start-up and the HTTP client left out); correctness is counted from a pyte
screen with scrollback, as in the ``peers`` benchmark. ``sgpt`` lives in ``.venv-bench``
(``make bench``) with its config in a throwaway ``HOME``.
"""

from __future__ import annotations

import sys
import tempfile
from typing import Any

from benchmarks.bench_peers import (
    BENCH_VENV,
    CAT,
    PIECE,
    Result,
    _env,
    compare,
    prose,
    run_on_pty,
    screen_words,
    source_words,
)
from benchmarks.bench_peers import code as code_answer
from benchmarks.bench_startup import teleprinter_command
from benchmarks.harness import TELEPRINTER, Row, make_row

NAME = "sgpt"
SGPT = "shell-gpt (sgpt)"


def answer(size: int) -> str:
    return prose(size // 2) + "\n" + code_answer(size // 2)


def _pieces(text: str) -> list[str]:
    return [text[i : i + PIECE] for i in range(0, len(text), PIECE)]


def _run(command: list[str], env: dict[str, str], server: Any, text: str) -> tuple[float, bytes]:
    from tests.servers.sse import Reply

    server.script(Reply(tokens=_pieces(text), delay=0.001))
    return run_on_pty(command, None, env)


def measure(size_kb: int) -> dict[str, Result]:
    from tests.servers.sse import API_KEY, SSEServer

    text = answer(size_kb * 1024)
    words = source_words(text)
    results: dict[str, Result] = {}
    with tempfile.TemporaryDirectory(prefix="tp-sgpt-") as home, SSEServer() as server:
        env = _env()
        env.update({"HOME": home, "OPENAI_API_KEY": API_KEY, "OPENAI_BASE_URL": server.url + "/v1"})
        env.update({"API_BASE_URL": server.url + "/v1", "DEFAULT_MODEL": "gpt-4o-mini"})
        env.update({"OPENAI_USE_FUNCTIONS": "false", "CACHE_PATH": home + "/cache", "CHAT_CACHE_PATH": home + "/chat"})
        commands = {
            TELEPRINTER: [*teleprinter_command(), "ask", "--provider", "openai", "--markdown", "question"],
            SGPT: [str(BENCH_VENV / "bin" / "sgpt"), "--no-cache", "question"],
        }
        for subject, command in commands.items():
            if subject == SGPT and not (BENCH_VENV / "bin" / "sgpt").exists():
                continue
            base, _ = _run(command, env, server, "Hi.")
            cpu, data = _run(command, env, server, text)
            results[subject] = Result(max(0.0, cpu - base), *compare(words, screen_words(data)))
    base, _ = run_on_pty(["cat"], ["Hi.\n"], _env())
    cpu, data = run_on_pty(["cat"], _pieces(text), _env())
    results[CAT] = Result(max(0.0, cpu - base), *compare(words, screen_words(data)))
    return results


def run(quick: bool, smoke: bool = False) -> list[Row]:
    rows: list[Row] = []
    for size in (2,) if smoke or quick else (4, 16):
        results = measure(size)
        case = f"prose + code, {size} KB over SSE"
        for subject, result in results.items():
            extra: dict[str, Any] = {}
            if subject == TELEPRINTER and SGPT in results:
                theirs = results[SGPT].cpu
                extra = {"ratio": result.cpu / theirs if theirs else None, "baseline": SGPT}
                extra.update(target=f"<= {SGPT}", met=result.cpu <= theirs)
            rows.append(make_row(NAME, case, subject, "CPU over start-up", "s", [result.cpu], **extra))
            lost: dict[str, Any] = {"target": "0", "met": result.lost == 0} if subject == TELEPRINTER else {}
            rows.append(make_row(NAME, case, subject, "words lost", "count", [float(result.lost or 0)], **lost))
            rows.append(make_row(NAME, case, subject, "words duplicated", "count", [float(result.duplicated or 0)]))
    if not (BENCH_VENV / "bin" / "sgpt").exists() and rows:
        rows[0]["note"] = "shell-gpt is not installed: run `make bench` (.venv-bench)"
    return rows


if __name__ == "__main__":
    from benchmarks.harness import table

    print(table(run(quick="--quick" in sys.argv, smoke="--smoke" in sys.argv)))

