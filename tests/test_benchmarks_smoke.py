"""Every benchmark runs once on tiny inputs, so none can rot; the harness's arithmetic and report.

No timing is asserted here (speed figures live in BENCHMARKS.md): only that each benchmark
runs, returns well-formed rows, and measures teleprinter against a baseline in the same run.
"""

from __future__ import annotations

import datetime as dt
import sys
import types
from pathlib import Path

import pytest
from benchmarks import harness
from benchmarks.harness import Outcome, check_row, make_row, normalise_row

from tests.secret_scan import secret

SLOW = {"local", "worker", "llm"}  # runs the embedded model
FAKE_KEY = secret("sk-bench-scan-1f2e3d4c5b6a7980")
FAKE_REDIS = f"rediss://team:{secret('bench-redis-pw-42')}@redis.internal:6380"


def _params() -> list[object]:
    return [
        pytest.param(name, marks=[pytest.mark.model] if name in SLOW else [], id=name) for name in harness.BENCHMARKS
    ]


@pytest.mark.parametrize("name", _params())
def test_benchmark_runs_on_tiny_inputs_and_returns_well_formed_rows(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Credentials about must change nothing: children never see them (else `ask` would pick a network
    # provider and fail) and the report written never holds them.
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    monkeypatch.setenv("TELEPRINTER_REDIS_URL", FAKE_REDIS)
    outcome = harness.run_benchmark(name, quick=True, smoke=True)

    assert outcome.status == "ok", outcome.detail
    report = tmp_path / "BENCHMARKS.md"
    harness.write_markdown([outcome], report, quick=True, started=dt.datetime.now(dt.UTC))
    assert FAKE_KEY not in report.read_text() and "bench-redis-pw-42" not in report.read_text()
    assert outcome.rows, f"{name} returned no rows"
    for row in outcome.rows:
        assert check_row(dict(row)) == [], row
        assert row["benchmark"] == name
    subjects = {row["subject"] for row in outcome.rows}
    assert harness.TELEPRINTER in subjects
    assert subjects - {harness.TELEPRINTER}, f"{name} measured no baseline"
    assert any(row.get("ratio") is not None for row in outcome.rows if row["subject"] == harness.TELEPRINTER)


def test_summarise_gives_median_and_interquartile_range() -> None:
    assert harness.summarise([5.0]) == (5.0, 0.0)
    assert harness.summarise([1.0, 2.0, 3.0, 4.0, 100.0]) == (3.0, 2.0)


def test_rows_with_other_key_names_are_adapted() -> None:
    row = normalise_row(
        {"name": "64 KB", "impl": "teleprinter", "metric": "cpu", "unit": "s", "value": 2, "iqr": 0.5}, "render"
    )

    assert (row["benchmark"], row["case"], row["subject"], row["median"], row["spread"]) == (
        "render",
        "64 KB",
        "teleprinter",
        2.0,
        0.5,
    )
    assert check_row(dict(row)) == []


def test_a_row_without_a_value_is_refused() -> None:
    with pytest.raises(harness.RowError, match="median"):
        normalise_row({"case": "x", "subject": "teleprinter", "metric": "m", "unit": "s"}, "render")


def test_the_ratio_is_filled_in_against_the_only_matching_baseline() -> None:
    rows = [
        make_row("b", "c", "teleprinter", "time", "ms", [30.0]),
        make_row("b", "c", "rich", "time", "ms", [60.0]),
        make_row("b", "other case", "rich", "time", "ms", [1.0]),
    ]
    rows = [normalise_row(dict(row), "b") for row in rows]

    harness.fill_ratios(rows)

    assert rows[0]["ratio"] == 0.5
    assert rows[0]["baseline"] == "rich"


def test_a_missing_benchmark_module_is_reported_not_raised() -> None:
    outcome = harness.run_benchmark("does_not_exist", quick=True, smoke=True)

    assert outcome.status == "missing"


def test_a_crashing_benchmark_is_reported_with_its_error(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("benchmarks.bench_boom")

    def run(quick: bool, smoke: bool = False) -> list[dict[str, object]]:
        raise RuntimeError("kaboom")

    module.run = run  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "benchmarks.bench_boom", module)

    outcome = harness.run_benchmark("boom", quick=True, smoke=True)

    assert outcome.status == "failed"
    assert "kaboom" in outcome.detail


def test_the_report_has_figures_machine_reproduction_and_keeps_hand_written_notes(tmp_path: Path) -> None:
    path = tmp_path / "BENCHMARKS.md"
    path.write_text(f"old figures\n{harness.KEEP_MARKER}\n\nWhy the gap: profile says so.\n", encoding="utf-8")
    row = make_row("startup", "--help", "teleprinter", "time", "ms", [10.0, 12.0], target="< 150 ms", met=True)
    outcomes = [Outcome("startup", [normalise_row(dict(row), "startup")]), Outcome("render", status="missing")]

    harness.write_markdown(outcomes, path, quick=False, started=dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC))

    text = path.read_text(encoding="utf-8")
    assert "old figures" not in text
    assert "2026-01-02 03:04 UTC" in text
    assert "make bench" in text and "## Machine" in text and "CPU:" in text
    assert "| --help | teleprinter | time | 11.0 |" in text
    assert "*missing*" in text
    assert text.rstrip().endswith("Why the gap: profile says so.")


def test_the_table_lines_up_its_columns() -> None:
    rows = [
        normalise_row(dict(make_row("b", "case", "teleprinter", "tokens/s", "tok/s", [97.0], ratio=0.97)), "b"),
        normalise_row(dict(make_row("b", "a longer case", "raw", "tokens/s", "tok/s", [100.0])), "b"),
    ]

    lines = harness.table(rows).splitlines()

    assert len(lines) == 4
    header, _, first, second = lines
    assert header.index("metric") == first.index("tokens/s") == second.index("tokens/s")
    assert header.index("subject") == first.index("teleprinter") == second.index("raw")
    assert "0.970" in first


def test_importtime_output_gives_packages_and_top_level_costs() -> None:
    from benchmarks.bench_startup import parse_importtime

    stderr = (
        "import time: self [us] | cumulative | imported package\n"
        "import time:       100 |        100 |   encodings.utf_8\n"
        "import time:       200 |        300 | encodings\n"
        "import time:        50 |       5000 | langchain_core\n"
    )

    packages, top = parse_importtime(stderr)

    assert packages == {"encodings", "langchain_core"}
    assert top == [(5000, "langchain_core"), (300, "encodings")]


def test_a_child_reports_its_own_peak_memory_not_the_benchmark_process_one() -> None:
    from benchmarks.bench_memory import peak_rss_mb

    ballast = bytearray(256 * 2**20)
    ballast[:: 2**12] = b"\x01" * len(range(0, len(ballast), 2**12))  # touch every page: really resident

    assert peak_rss_mb([sys.executable, "-c", "pass"], Path.cwd()) < 100
    assert len(ballast) == 256 * 2**20


# --- no credentials in benchmarks ---------------------------------------------------------------


def test_benchmark_children_get_no_credentials_or_provider_settings() -> None:
    environ = {
        "PATH": "/usr/bin",
        "LANG": "C.UTF-8",
        "OPENAI_API_KEY": FAKE_KEY,
        "AZURE_OPENAI_ENDPOINT": "https://example.openai.azure.com/",
        "TELEPRINTER_PROVIDER": "openai",
        "HF_TOKEN": "hf_0123456789abcdef",
        "SOME_REDIS": FAKE_REDIS,
    }
    assert harness.child_environment(environ) == {"PATH": "/usr/bin", "LANG": "C.UTF-8"}



def test_update_reruns_some_benchmarks_and_keeps_the_others_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results, report = tmp_path / "BENCHMARKS.json", tmp_path / "BENCHMARKS.md"
    old = make_row("startup", "--help", "teleprinter", "time", "ms", [10.0], target="< 150 ms", met=True)
    harness.save_results([Outcome("startup", [normalise_row(dict(old), "startup")], measured="2026-01-01 10:00"),
                          Outcome("render", [], measured="2026-01-01 10:05")], results)
    module = types.ModuleType("benchmarks.bench_render")
    row = make_row("render", "64 KB", "teleprinter", "CPU", "s", [0.5])
    module.run = lambda quick, smoke=False: [row]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "benchmarks.bench_render", module)
    monkeypatch.setattr(harness, "RESULTS", results)
    monkeypatch.setattr(harness, "DEFAULT_OUTPUT", report)

    assert harness.main(["--only", "render", "--update"]) == 0

    text = report.read_text(encoding="utf-8")
    assert "| --help | teleprinter | time | 10.0 |" in text  # kept from the last full run
    assert "| 64 KB | teleprinter | CPU | 0.500 |" in text  # re-run now
    assert "2026-01-01 10:00 UTC)*" in text and "the sections were measured from 2026-01-01 10:00" in text
    assert set(harness.load_results(results)) == {"startup", "render"}  # the merged set is saved again
