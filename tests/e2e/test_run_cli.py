"""`teleprinter run TARGET [INPUT]` as a user runs it: file and module targets, bad targets, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

pytestmark = pytest.mark.e2e

QUESTION = "What is 17 * 23?"


def test_a_file_target_streams_only_the_visible_answers_to_a_pipe() -> None:
    result = run_cli(["run", "tests/agent_graph.py:build", QUESTION], cwd=ROOT)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Let me compute. \n")
    # the two parallel answers may interleave on a pipe: every character of each, once, and nothing else
    assert sorted(out.replace("\n", "")) == sorted("Let me compute. 17 * 23 = 391.Multiplied two numbers.")
    assert result.stderr == ""


def test_a_module_target_with_events_jsonl_prints_every_event(tmp_path: Path) -> None:
    record = tmp_path / "run.jsonl"
    args = ["run", "tests.agent_graph:build", QUESTION, "--events", "jsonl", "--record", str(record)]
    result = run_cli(args, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["event"] for line in lines] == [json.loads(line)["event"] for line in record.read_text().splitlines()]
    assert lines[0]["version"] == 2
    kinds = {line["event"] for line in lines}
    assert {"start", "token", "reasoning", "tool_call", "tool_start", "tool_end", "node_start", "custom"} <= kinds


def test_a_chat_model_target_gets_a_string_as_a_human_message(tmp_path: Path) -> None:
    (tmp_path / "target.py").write_text(
        "from teleprinter import ReplayChatModel\n"
        "def model():\n"
        "    return ReplayChatModel(responder=lambda ms: f'{type(ms[-1]).__name__}: {ms[-1].content}')\n"
    )
    result = run_cli(["run", "target.py:model", "hello there"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "HumanMessage: hello there"


def test_the_v3_protocol_gives_the_same_answers() -> None:
    def texts(*extra: str) -> dict[str, str]:
        result = run_cli(["run", "tests/agent_graph.py:build", QUESTION, "--events", "jsonl", *extra], cwd=ROOT)
        assert result.returncode == 0, result.stderr
        events = [json.loads(line) for line in result.stdout.splitlines()]
        nodes = {e["run_id"]: e["node"] for e in events if e["event"] == "start" and not e.get("hidden")}
        out: dict[str, str] = {}
        for e in events:
            if e["event"] == "token" and e["run_id"] in nodes:
                out[nodes[e["run_id"]]] = out.get(nodes[e["run_id"]], "") + e["text"]
        return out

    assert (
        texts("--protocol", "v3")
        == texts()
        == {"agent": "Let me compute. ", "answer": "17 * 23 = 391.", "summarise": "Multiplied two numbers."}
    )


def test_stdin_input(tmp_path: Path) -> None:
    result = run_cli(["run", "tests/agent_graph.py:build", "-"], input=QUESTION, cwd=ROOT)
    assert result.returncode == 0 and "391" in result.stdout


def test_a_failing_run_exits_1_with_one_line_and_keeps_the_partial_answer(tmp_path: Path) -> None:
    (tmp_path / "target.py").write_text(
        "from teleprinter import ReplayChatModel\n"
        "model = ReplayChatModel.from_text('partial answer then boom', fail_after=2)\n"
    )
    result = run_cli(["run", "target.py:model", "hi"], cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == "partial answer"
    assert result.stderr.count("\n") == 1 and "told to fail" in result.stderr and "Traceback" not in result.stderr


BAD = {
    "no colon": (["run", "agent", "hi"], "is not FILE.py:NAME"),
    "missing file": (["run", "nowhere.py:graph", "hi"], "TARGET file not found"),
    "missing module": (["run", "no_such_module:graph", "hi"], "cannot import no_such_module"),
    "missing name": (["run", "tests.agent_graph:nothing", "hi"], "has no 'nothing'"),
    "not a runnable": (["run", "tests.agent_graph:INPUT", "hi"], "not a LangChain Runnable"),
    "bad json": (["run", "tests.agent_graph:build", '{"messages": ['], "INPUT is not valid JSON"),
    "wrong keys": (["run", "tests.agent_graph:build", '{"question": 1}'], "it takes: messages"),
    "json object for a chat model": (["run", "teleprinter:ReplayChatModel", '{"a": 1}'], "not a JSON object"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_targets_and_inputs_exit_2_with_one_line(case: str) -> None:
    args, message = BAD[case]
    result = run_cli(args, cwd=ROOT)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_a_target_that_fails_on_import_names_its_error(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("raise RuntimeError('no config here')\n")
    result = run_cli(["run", "broken.py:graph", "hi"], cwd=tmp_path)
    assert result.returncode == 2
    assert "cannot import broken.py: RuntimeError: no config here" in result.stderr


WITHOUT_LANGGRAPH = (
    "import sys; sys.modules['langgraph'] = None\n"  # as if langgraph were not installed
    "from teleprinter.cli import main; sys.exit(main(sys.argv[1:]))\n"
)


def test_without_langgraph_the_core_works_and_graph_targets_say_how_to_get_it(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.conftest import cli_env

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", WITHOUT_LANGGRAPH, *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=cli_env(),
            timeout=120,
            stdin=subprocess.DEVNULL,
        )

    (tmp_path / "answer.txt").write_text("plain answer")
    asked = cli("ask", "--provider", "replay", "--replay", str(tmp_path / "answer.txt"), "--speed", "max", "q")
    assert asked.returncode == 0 and asked.stdout == "plain answer", asked.stderr
    ran = cli("run", "examples/agent.py:graph", QUESTION)
    assert ran.returncode == 2
    assert "it needs langgraph" in ran.stderr and "pip install 'teleprinter[graph]'" in ran.stderr


def test_a_runnable_without_a_model_shows_its_output(tmp_path: Path) -> None:
    (tmp_path / "target.py").write_text(
        "from langchain_core.runnables import RunnableLambda\n"
        "echo = RunnableLambda(lambda x: f'got {x!r}')\n"
        "shape = RunnableLambda(lambda x: {'n': len(x), 'upper': x.upper()})\n"
    )
    echo = run_cli(["run", "target.py:echo", "hello"], cwd=tmp_path)
    assert (echo.returncode, echo.stdout) == (0, "got 'hello'")
    shape = run_cli(["run", "target.py:shape", "hey"], cwd=tmp_path)
    assert shape.returncode == 0, shape.stderr
    assert json.loads(shape.stdout) == {"n": 3, "upper": "HEY"}
    events = run_cli(["run", "target.py:echo", "hello", "--events", "jsonl"], cwd=tmp_path)
    assert [json.loads(line)["event"] for line in events.stdout.splitlines()] == ["start", "token", "end"]


def test_options_may_stand_between_target_and_input(tmp_path: Path) -> None:
    (tmp_path / "target.py").write_text(
        "from langchain_core.runnables import RunnableLambda\necho = RunnableLambda(str)\n"
    )
    result = run_cli(["run", "target.py:echo", "--stats", "hi there"], cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "hi there"), result.stderr
    assert "tokens" in result.stderr
