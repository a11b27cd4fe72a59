"""The chart reads the figures the harness wrote: BENCHMARKS.md's tables round-trip into ratios."""

from __future__ import annotations

import datetime as dt

from benchmarks import harness
from benchmarks.charts import read_ratios
from benchmarks.harness import Outcome, make_row, normalise_row


def test_ratios_are_read_back_from_the_report_the_harness_writes() -> None:
    rows = [
        make_row("local", "in-process", "raw llama_cpp", "tokens/s", "tok/s", [25.0]),
        make_row("local", "in-process", "teleprinter", "tokens/s", "tok/s", [24.5], target=">= 97%", met=True),
        make_row("render", "64 KB | big", "rich Live", "CPU", "s", [2000.0]),
        make_row("render", "64 KB | big", "teleprinter", "CPU", "s", [2.0], target="<= 1/20", met=False),
        make_row("render", "1 KB", "teleprinter", "write calls", "count", [38.0]),  # no baseline: no ratio
    ]
    outcomes = []
    for name in ("local", "render"):
        normalised = [normalise_row(dict(row), name) for row in rows if row["benchmark"] == name]
        harness.fill_ratios(normalised)
        outcomes.append(Outcome(name, normalised))
    text = harness.render_markdown(outcomes, quick=False, machine=[], started=dt.datetime(2026, 1, 1), chart=True)

    ratios = read_ratios(text)

    assert [(r.benchmark, r.case, r.metric, r.baseline, r.met) for r in ratios] == [
        ("local", "in-process", "tokens/s", "raw llama_cpp", True),
        ("render", "64 KB | big", "CPU", "rich Live", False),
    ]
    assert ratios[0].ratio == 0.98 and ratios[0].higher_is_better
    assert ratios[1].ratio == 0.001 and not ratios[1].higher_is_better
    assert harness.CHART_LINK in text


def test_the_committed_report_has_ratios_to_chart() -> None:
    ratios = read_ratios(harness.DEFAULT_OUTPUT.read_text(encoding="utf-8"))
    assert {ratio.benchmark for ratio in ratios} >= {"startup", "local", "callbacks", "render"}
    assert (harness.DEFAULT_OUTPUT.parent / harness.CHART_NAME).exists()
    assert harness.CHART_LINK in harness.DEFAULT_OUTPUT.read_text(encoding="utf-8")
