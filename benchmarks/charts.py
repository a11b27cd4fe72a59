"""Charts of the headline ratios in BENCHMARKS.md: teleprinter against each baseline, one panel per benchmark.

The figures are the ones the benchmark run wrote: this reads the tables of BENCHMARKS.md (the
harness's :func:`~benchmarks.harness.markdown_table` format), keeps every teleprinter row that
has a ratio against a baseline, and draws them with matplotlib (installed by the benchmark
set-up only, ``pip install -e '.[bench]'``) on a log scale around 1 (= the baseline). A bar is
green when its target is met, red when it is not, grey when the row has no target.

    python -m benchmarks.charts [--input BENCHMARKS.md] [--output BENCHMARKS.png]

``python -m benchmarks`` (full mode) calls :func:`write_chart` after writing BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness import CHART_NAME, DEFAULT_OUTPUT, TELEPRINTER

HEADER = ("case", "subject", "metric", "median", "spread (IQR)", "unit", "n", "ratio", "target", "met")
RATIO = re.compile(r"^(?P<value>[\d.,]+) vs (?P<baseline>.+)$")
RATES = ("tok/s",)
MET, NOT_MET, NO_TARGET = "#2e8b57", "#c0392b", "#7f8c8d"


@dataclass(frozen=True)
class Ratio:
    """One bar: teleprinter's median divided by the baseline's, as the table printed it."""

    benchmark: str
    case: str
    subject: str
    metric: str
    unit: str
    ratio: float
    baseline: str
    met: bool | None

    @property
    def higher_is_better(self) -> bool:
        return self.unit in RATES

    @property
    def label(self) -> str:
        who = "" if self.subject == TELEPRINTER else f"{self.subject.removeprefix(TELEPRINTER).strip()} "
        better = "higher" if self.higher_is_better else "lower"
        return f"{self.case}: {who}{self.metric} ({better} is better)\nvs {self.baseline}"


def read_ratios(markdown: str) -> list[Ratio]:
    """Every teleprinter row with a ratio, from the tables of a BENCHMARKS.md, in the file's order."""
    ratios: list[Ratio] = []
    benchmark = ""
    for line in markdown.splitlines():
        if line.startswith("## "):
            benchmark = line[3:].strip()
            continue
        if not line.startswith("| ") or line.startswith("| case |"):
            continue
        cells = [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if len(cells) != len(HEADER):
            continue
        row = dict(zip(HEADER, cells, strict=True))
        match = RATIO.match(row["ratio"])
        if not row["subject"].startswith(TELEPRINTER) or match is None:
            continue
        ratios.append(
            Ratio(
                benchmark=benchmark,
                case=row["case"],
                subject=row["subject"],
                metric=row["metric"],
                unit=row["unit"],
                ratio=float(match["value"].replace(",", "")),
                baseline=match["baseline"],
                met={"yes": True, "NO": False}.get(row["met"]),
            )
        )
    return ratios


def draw(ratios: Sequence[Ratio], output: Path) -> Path:
    """One horizontal bar panel per benchmark, log-scale ratio axis with the baseline at 1; returns ``output``."""
    import matplotlib

    matplotlib.use("Agg")  # no display server
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    benchmarks = list(dict.fromkeys(ratio.benchmark for ratio in ratios))
    heights = [sum(ratio.benchmark == name for ratio in ratios) for name in benchmarks]
    figure, axes = plt.subplots(
        len(benchmarks), 1, figsize=(11, 1.2 + 0.62 * sum(heights) + 0.5 * len(benchmarks)),
        gridspec_kw={"height_ratios": heights}, squeeze=False, layout="constrained",
    )
    for axis, name in zip(axes[:, 0], benchmarks, strict=True):
        rows = [ratio for ratio in ratios if ratio.benchmark == name][::-1]
        values = [ratio.ratio for ratio in rows]
        colours = [MET if ratio.met else NOT_MET if ratio.met is False else NO_TARGET for ratio in rows]
        positions = range(len(rows))
        axis.barh(positions, [value - 1 for value in values], left=1, color=colours, height=0.6)  # from the baseline
        axis.set_xscale("log")
        axis.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}x"))
        axis.xaxis.set_minor_formatter(NullFormatter())
        axis.axvline(1.0, color="black", linewidth=1)
        axis.set_yticks(list(positions), [ratio.label for ratio in rows], fontsize=8)
        low, high = min([*values, 0.5]), max([*values, 2.0])
        axis.set_xlim(low / 3, high * 3)
        for position, value in zip(positions, values, strict=True):
            axis.annotate(f"{value:.3g}x", (value, position), xytext=(4, 0), textcoords="offset points",
                          va="center", fontsize=8)
        axis.set_title(name, loc="left", fontsize=10, fontweight="bold")
        axis.grid(axis="x", which="major", alpha=0.3)
    axes[-1, 0].set_xlabel("teleprinter's median ÷ the baseline's (1 = the same; log scale)")
    figure.suptitle(
        "teleprinter against its baselines (green: target met, red: not met, grey: no target)", fontsize=11
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(output, dpi=100)
    plt.close(figure)
    return output


def write_chart(markdown_path: Path, output: Path | None = None) -> Path | None:
    """The chart of ``markdown_path``'s figures, written next to it; ``None`` when it has no ratios."""
    ratios = read_ratios(markdown_path.read_text(encoding="utf-8"))
    if not ratios:
        return None
    return draw(ratios, output or markdown_path.with_name(CHART_NAME))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.charts", description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, default=DEFAULT_OUTPUT, help="the BENCHMARKS.md to read")
    parser.add_argument("--output", type=Path, help=f"the PNG to write (default: {CHART_NAME} next to the input)")
    args = parser.parse_args(argv)
    try:
        written = write_chart(args.input, args.output)
    except ImportError:
        print("charts need matplotlib: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    if written is None:
        print(f"{args.input} has no ratios to chart", file=sys.stderr)
        return 1
    print(f"wrote {written}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
