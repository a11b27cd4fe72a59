"""What teleprinter writes stays the user's (issue 17): modes under any umask, and no secret at rest.

Each test runs the real CLI in a subprocess with the umask set (``subprocess.run(umask=...)``):
``ask --record``, ``run --record``, ``chat --transcript`` with ``/save`` (Markdown and JSONL), ``batch --out`` into
a directory it must create, with one prompt failing so its ``.part`` file stays behind. Keys come
from the environment and ``.env``; errors and the user's own lines quote them; then every file
written under the test's directory is scanned for them. (The chat history, written only on a
terminal, is checked the same way in ``test_chat_tmux.py``.)
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.conftest import ROOT, TELEPRINTER, cli_env
from tests.secret_scan import leaks, secret, written_files

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")]
SCRIPT = f"{ROOT / 'tests' / 'chat' / 'responders.py'}:answer"

OPENAI_KEY = secret("sk-scan-openai-5b1d9e0c7a2f4e6b8d3c")
AZURE_KEY = secret("azkey-scan-0f3e9a7c5b1d2e4f6a8c")
REDIS_PASSWORD = secret("redis-scan-pw-7c1e5a9b3d")
REDIS_URL = f"rediss://team:{REDIS_PASSWORD}@redis.internal:6380/0"
SECRETS = (OPENAI_KEY, AZURE_KEY, REDIS_PASSWORD)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def run(
    args: Sequence[str], cwd: Path, *, umask: int = 0o022, input: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    environment = cli_env(XDG_DATA_HOME=str(cwd / "data"), **env)
    return subprocess.run(
        [*TELEPRINTER, *args], input=input, capture_output=True, text=True, encoding="utf-8",
        cwd=cwd, env=environment, umask=umask, timeout=120,
    )


def write_inputs(folder: Path) -> None:
    """Inputs whose errors quote the secrets, as a provider echoing a key or a Redis URL would.

    ``ask`` replays a partial answer (the model repeating a key) that ends in such an error;
    ``batch`` has one prompt that fails the same way (its ``.part`` file stays behind);
    ``.env`` holds a key and a Redis URL.
    """
    (folder / ".env").write_text(f"AZURE_OPENAI_API_KEY={AZURE_KEY}\nTELEPRINTER_REDIS_URL={REDIS_URL}\n")
    inputs = folder / "inputs"  # the session's secret scan leaves inputs/ (and .env) out
    inputs.mkdir()
    tokens = ["partial ", OPENAI_KEY[:6], OPENAI_KEY[6:]]  # the model repeats a key, split over tokens
    (inputs / "answer.jsonl").write_text(
        '{"event":"start","t":0,"model":"m"}\n'
        + "".join(json.dumps({"event": "token", "t": 0, "text": text}) + "\n" for text in tokens)
        + f'{{"event":"error","t":0,"message":"denied: {AZURE_KEY} via {REDIS_URL}"}}\n'
    )
    prompts = [("ok", "What is one?"), ("bad", "Break, please.")]
    (inputs / "prompts.jsonl").write_text("".join(json.dumps({"id": i, "prompt": p}) + "\n" for i, p in prompts))
    book = {"What is one?": "One.", "Break, please.": {"error": f"401 for key {OPENAI_KEY} at {REDIS_URL}"}}
    (inputs / "book.json").write_text(json.dumps({"answers": book}))


PASTED = f"my keys are {OPENAI_KEY} and {AZURE_KEY}, redis {REDIS_URL} and redis://u:tiny@h"


def ask(folder: Path, umask: int) -> subprocess.CompletedProcess[str]:
    args = ["ask", "--replay", "inputs/answer.jsonl", "--delay", "0", "--record", "rec.jsonl", "q"]
    return run(args, folder, umask=umask, OPENAI_API_KEY=OPENAI_KEY)


def chat(folder: Path, umask: int) -> subprocess.CompletedProcess[str]:
    """A turn, a pasted line full of secrets (the scripted model echoes it), then /save twice."""
    lines = f"remember 5\n{PASTED}\n/save saved.md\n/save saved.jsonl\n"
    args = ["chat", "--replay-script", SCRIPT, "--delay", "0", "--transcript", "t.jsonl"]
    return run(args, folder, umask=umask, input=lines, OPENAI_API_KEY=OPENAI_KEY)


def batch(folder: Path, umask: int) -> subprocess.CompletedProcess[str]:
    args = ["batch", "inputs/prompts.jsonl", "--replay", "inputs/book.json", "--out", "new/answers", "--delay", "0"]
    return run([*args, "--retry-delay", "0"], folder, umask=umask, OPENAI_API_KEY=OPENAI_KEY)


def run_graph(folder: Path, umask: int) -> subprocess.CompletedProcess[str]:
    """``teleprinter run`` on the scripted agent graph, recorded."""
    args = ["run", f"{ROOT / 'tests' / 'agent_graph.py'}:build", "What is 17 * 23?", "--record", "run.jsonl"]
    return run(args, folder, umask=umask, OPENAI_API_KEY=OPENAI_KEY)


@pytest.mark.parametrize("umask", [0o022, 0o000], ids=["umask022", "umask000"])
def test_every_file_teleprinter_creates_is_private_and_holds_no_secret(tmp_path: Path, umask: int) -> None:
    write_inputs(tmp_path)
    asked, chatted, batched = ask(tmp_path, umask), chat(tmp_path, umask), batch(tmp_path, umask)
    graph = run_graph(tmp_path, umask)
    assert graph.returncode == 0, graph.stderr
    assert asked.returncode == 1 and asked.stdout == f"partial {OPENAI_KEY}", asked.stderr  # the screen shows it
    assert asked.stderr.strip().endswith(f"denied: ****{AZURE_KEY[-4:]} via rediss://team:****@redis.internal:6380/0")
    assert chatted.returncode == 0 and "saved 2 turns to saved.md (markdown)" in chatted.stdout, chatted.stderr
    assert batched.returncode == 1, batched.stderr  # the failed prompt keeps its .part file

    files = ["rec.jsonl", "run.jsonl", "t.jsonl", "saved.md", "saved.jsonl"]
    files += ["new/answers/ok.txt", "new/answers/bad.txt.part"]
    assert {name: oct(mode(tmp_path / name)) for name in files} == dict.fromkeys(files, oct(0o600))
    folders = ["new", "new/answers"]
    assert {name: oct(mode(tmp_path / name)) for name in folders} == dict.fromkeys(folders, oct(0o700))
    assert (tmp_path / "new/answers/ok.txt").read_text() == "One."

    assert sorted(str(p.relative_to(tmp_path)) for p in written_files(tmp_path)) == sorted(files)
    assert leaks(tmp_path, SECRETS) == {}
    transcript = (tmp_path / "t.jsonl").read_text()
    assert f"my keys are ****{OPENAI_KEY[-4:]}" in transcript and "redis://u:****@h" in transcript
    recording = (tmp_path / "rec.jsonl").read_text()
    assert "rediss://team:****@redis.internal" in recording and f"****{OPENAI_KEY[-4:]}" in recording


def test_files_the_user_already_had_keep_their_mode(tmp_path: Path) -> None:
    write_inputs(tmp_path)
    for name in ("rec.jsonl", "t.jsonl", "saved.md", "saved.jsonl"):
        (tmp_path / name).write_text("")
        (tmp_path / name).chmod(0o644)
    assert ask(tmp_path, 0o022).returncode == 1
    assert chat(tmp_path, 0o022).returncode == 0
    modes = {name: oct(mode(tmp_path / name)) for name in ("rec.jsonl", "t.jsonl", "saved.md", "saved.jsonl")}
    assert modes == dict.fromkeys(modes, oct(0o644))
    assert "remember 5" in (tmp_path / "t.jsonl").read_text() and "partial" in (tmp_path / "rec.jsonl").read_text()
