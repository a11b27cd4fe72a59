"""The benchmark harness: repeat, summarise, compare with a baseline, print a table, write BENCHMARKS.md.

Contract for a benchmark module (``benchmarks/bench_<name>.py``, listed in :data:`BENCHMARKS`)
-----------------------------------------------------------------------------------------------
It exposes ``run(quick: bool, smoke: bool = False) -> list[dict]``.

* ``quick`` - development mode: fewer repeats, smaller inputs; the whole suite stays under 2 minutes.
* ``smoke`` - CI mode used by ``tests/test_benchmarks_smoke.py``: tiny inputs, one repeat, a few
  seconds at most; the figures mean nothing, only the shape of the rows is checked. A module
  whose ``run`` has no ``smoke`` parameter is called with ``quick=True`` instead.

Each row is a plain dict (see :class:`Row`); required keys:

=========  ======================================================================================
benchmark  module short name, e.g. ``"startup"``, ``"render"``
case       what was measured, e.g. ``"--help"``, ``"64 KB answer"``
subject    ``"teleprinter"`` or the baseline's name (``"python -c pass"``, ``"raw llama_cpp"``,
           ``"rich Live+Markdown"``, ``"langchain StreamingStdOut"``, ``"no handler"``...)
metric     what the number is, e.g. ``"time to first byte"``, ``"tokens/s"``, ``"peak RSS"``
unit       ``"ms"``, ``"s"``, ``"tok/s"``, ``"MB"``, ``"us/token"``, ``"syscalls"``, ``"count"``...
median     float: median of the repeated samples
spread     float: interquartile range (p75 - p25) of the samples, same unit; 0.0 for one sample
=========  ======================================================================================

Optional keys (the harness fills the missing ones with ``None``/defaults):

=========  ======================================================================================
repeats    int: number of samples behind ``median``/``spread``
ratio      float: teleprinter's median / the baseline's median, set on the *teleprinter* row
           (for "higher is better" metrics such as tok/s, >1 means teleprinter is faster)
baseline   str: which baseline ``ratio`` is against (the baseline row's ``subject``)
target     str: the goal in words, e.g. ``"< 150 ms over bare Python"``, ``">= 97% of raw"``
met        bool: whether ``target`` is met (``None`` when there is no target)
note       str: one short remark shown under the table (a profile summary, why a gap exists)
=========  ======================================================================================

If a teleprinter row has no ``ratio`` and exactly one baseline row shares its benchmark, case,
metric and unit, the harness computes the ratio. Rows from a module that uses other key names
(``name``/``value``/``iqr``...) are adapted by :func:`normalise_row`. :func:`summarise` and
:func:`make_row` are there so modules do not each reinvent the statistics.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import inspect
import math
import os
import platform
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, TypedDict

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "BENCHMARKS.md"
KEEP_MARKER = "<!-- Everything below this line is written by hand and kept when the file is regenerated. -->"
CHART_NAME = "BENCHMARKS.png"
CHART_LINK = f"![teleprinter against its baselines: the ratio of each benchmark, log scale]({CHART_NAME})"
"""The chart of the ratios (``benchmarks/charts.py``): written next to BENCHMARKS.md, shown under its introduction."""

BENCHMARKS: tuple[str, ...] = (
    "startup", "local", "worker", "llm", "callbacks", "render", "peers", "sgpt", "memory", "relay",
)
"""The fixed list, in run order; module ``benchmarks.bench_<name>``."""

TELEPRINTER = "teleprinter"


class _RowRequired(TypedDict):
    benchmark: str
    case: str
    subject: str
    metric: str
    unit: str
    median: float
    spread: float


class Row(_RowRequired, total=False):
    repeats: int
    ratio: float | None
    baseline: str | None
    target: str | None
    met: bool | None
    note: str | None


REQUIRED = tuple(_RowRequired.__annotations__)


# ---------------------------------------------------------------------------------------- child processes

PROVIDER_PREFIXES = ("AZURE_OPENAI", "OPENAI_", "TELEPRINTER_")
"""Variables that choose or configure a provider: a benchmark measures the embedded model and replay only."""


def child_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for every process a benchmark starts: no credentials, no provider settings.

    A key in the environment would make ``teleprinter ask`` pick a network provider
    (``providers/detect.py``) and could be quoted in a failure that lands in BENCHMARKS.md;
    benchmarks never need one. Secret-looking names (``*_API_KEY``, ``*_TOKEN``...) and values
    that are URLs with a password are dropped too.
    """
    from teleprinter.secrets import is_secret_name, url_password

    source = os.environ if environ is None else environ
    return {
        name: value
        for name, value in source.items()
        if not name.startswith(PROVIDER_PREFIXES) and not is_secret_name(name) and not url_password(value)
    }


_neutral: tempfile.TemporaryDirectory[str] | None = None


def neutral_directory() -> str:
    """An empty private directory to start teleprinter in: no ``.env`` of the repository is read there."""
    global _neutral
    if _neutral is None:
        _neutral = tempfile.TemporaryDirectory(prefix="teleprinter-bench-cwd-")  # removed at exit
    return _neutral.name


# ---------------------------------------------------------------------------------------- statistics


def summarise(samples: Sequence[float]) -> tuple[float, float]:
    """(median, interquartile range) of the samples; IQR is 0 for fewer than two samples."""
    if not samples:
        raise ValueError("no samples")
    if len(samples) < 2:
        return float(samples[0]), 0.0
    q1, _, q3 = statistics.quantiles(samples, n=4, method="inclusive")
    return float(statistics.median(samples)), float(q3 - q1)


def make_row(
    benchmark: str,
    case: str,
    subject: str,
    metric: str,
    unit: str,
    samples: Sequence[float],
    **extra: Any,
) -> Row:
    """A row from raw samples: median, IQR and the number of repeats filled in."""
    median, spread = summarise(samples)
    row: Row = {
        "benchmark": benchmark,
        "case": case,
        "subject": subject,
        "metric": metric,
        "unit": unit,
        "median": median,
        "spread": spread,
        "repeats": len(samples),
    }
    row.update(extra)  # type: ignore[typeddict-item]
    return row


# ---------------------------------------------------------------------------------------- row shape

_ALIASES: dict[str, tuple[str, ...]] = {
    "benchmark": ("bench", "group", "suite"),
    "case": ("name", "scenario", "size", "label"),
    "subject": ("impl", "implementation", "variant", "who", "tool"),
    "metric": ("measure", "measurement", "quantity"),
    "unit": ("units",),
    "median": ("value", "p50", "med"),
    "spread": ("iqr", "stdev", "std", "range", "dispersion"),
    "repeats": ("n", "runs", "samples_count", "count"),
    "ratio": ("vs_baseline", "relative"),
    "note": ("notes", "comment", "remark"),
}


class RowError(ValueError):
    """A benchmark returned a row the harness cannot use."""


def normalise_row(raw: dict[str, Any], benchmark: str) -> Row:
    """Bring a row to the documented shape, accepting common alternative key names."""
    row: dict[str, Any] = dict(raw)
    for key, aliases in _ALIASES.items():
        if key not in row:
            for alias in aliases:
                if alias in row:
                    row[key] = row.pop(alias)
                    break
    if "median" not in row and isinstance(row.get("samples"), list) and row["samples"]:
        row["median"], row["spread"] = summarise(row["samples"])
        row.setdefault("repeats", len(row["samples"]))
    row.setdefault("benchmark", benchmark)
    row.setdefault("spread", 0.0)
    row.setdefault("unit", "")
    missing = [key for key in REQUIRED if key not in row]
    if missing:
        raise RowError(f"{benchmark}: row lacks {', '.join(missing)}: {raw!r}")
    for key in ("median", "spread"):
        try:
            row[key] = float(row[key])
        except (TypeError, ValueError) as error:
            raise RowError(f"{benchmark}: {key} is not a number: {raw!r}") from error
    for key in ("benchmark", "case", "subject", "metric", "unit"):
        row[key] = str(row[key])
    for key in ("ratio", "baseline", "target", "met", "note", "repeats"):
        row.setdefault(key, None)
    if row["ratio"] is not None:
        row["ratio"] = float(row["ratio"])
    return row  # type: ignore[return-value]


def check_row(row: dict[str, Any]) -> list[str]:
    """Problems with a normalised row (empty when it is well-formed): used by the smoke test."""
    problems = [f"missing {key}" for key in REQUIRED if key not in row]
    for key in ("benchmark", "case", "subject", "metric", "unit"):
        if key in row and (not isinstance(row[key], str) or (key != "unit" and not row[key])):
            problems.append(f"{key} must be a non-empty string")
    for key in ("median", "spread"):
        value = row.get(key)
        if not isinstance(value, float) or math.isnan(value):
            problems.append(f"{key} must be a float, got {value!r}")
    if isinstance(row.get("spread"), float) and row["spread"] < 0:
        problems.append("spread must not be negative")
    if row.get("ratio") is not None and not isinstance(row["ratio"], float):
        problems.append("ratio must be a float or None")
    if row.get("met") is not None and not isinstance(row["met"], bool):
        problems.append("met must be a bool or None")
    if row.get("met") is not None and not row.get("target"):
        problems.append("met is set but there is no target")
    return problems


def fill_ratios(rows: list[Row]) -> None:
    """Compute missing teleprinter/baseline ratios where exactly one baseline row matches."""
    for row in rows:
        if row["subject"] != TELEPRINTER or row.get("ratio") is not None:
            continue
        key = (row["benchmark"], row["case"], row["metric"], row["unit"])
        others = [
            other
            for other in rows
            if other["subject"] != TELEPRINTER
            and (other["benchmark"], other["case"], other["metric"], other["unit"]) == key
        ]
        if len(others) == 1 and others[0]["median"]:
            row["ratio"] = row["median"] / others[0]["median"]
            row["baseline"] = row.get("baseline") or others[0]["subject"]


# ---------------------------------------------------------------------------------------- running


@dataclass
class Outcome:
    """What running one benchmark module gave: rows, or why there are none."""

    name: str
    rows: list[Row] = field(default_factory=list)
    status: str = "ok"  # ok | missing | failed
    detail: str = ""
    seconds: float = 0.0
    measured: str = ""  # when it ran: "YYYY-MM-DD HH:MM" UTC


RESULTS = ROOT / "BENCHMARKS.json"
"""Every outcome behind BENCHMARKS.md (full mode), so ``--update`` can re-run some benchmarks and keep the rest."""


def save_results(outcomes: Sequence[Outcome], path: Path | None = None) -> None:
    import json

    records = [{"name": o.name, "rows": o.rows, "status": o.status, "detail": o.detail, "seconds": o.seconds,
                "measured": o.measured} for o in outcomes]
    (path or RESULTS).write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def load_results(path: Path | None = None) -> dict[str, Outcome]:
    """The outcomes of the last full-mode report, by benchmark name ({} when there is none)."""
    import json

    try:
        records = json.loads((path or RESULTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {record["name"]: Outcome(**record) for record in records}


def load(name: str) -> Any | None:
    """The module ``benchmarks.bench_<name>``, or ``None`` when it does not exist (yet)."""
    module_name = f"benchmarks.bench_{name}"
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name == module_name:
            return None
        raise


def call_run(module: Any, quick: bool, smoke: bool) -> list[dict[str, Any]]:
    """Call ``module.run``, passing ``smoke`` only to modules that accept it."""
    run = module.run
    if smoke:
        parameters = inspect.signature(run).parameters
        if "smoke" in parameters:
            return list(run(quick=True, smoke=True))
        return list(run(quick=True))
    return list(run(quick=quick))


def run_benchmark(name: str, quick: bool, smoke: bool = False) -> Outcome:
    """Run one module; a missing module or a crash becomes an outcome, never an exception."""
    start = time.perf_counter()
    measured = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")
    try:
        module = load(name)
        if module is None:
            detail = f"benchmarks/bench_{name}.py does not exist"
            return Outcome(name, status="missing", detail=detail, measured=measured)
        rows = [normalise_row(raw, name) for raw in call_run(module, quick, smoke)]
    except Exception as error:
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        return Outcome(name, status="failed", detail=detail, seconds=time.perf_counter() - start, measured=measured)
    fill_ratios(rows)
    return Outcome(name, rows, seconds=time.perf_counter() - start, measured=measured)


def run_all(
    names: Iterable[str] = BENCHMARKS,
    *,
    quick: bool = False,
    smoke: bool = False,
    progress: Callable[[str], None] | None = None,
) -> list[Outcome]:
    outcomes = []
    for name in names:
        if progress:
            progress(f"running {name} ...")
        outcome = run_benchmark(name, quick, smoke)
        if progress:
            progress(f"  {name}: {outcome.status} ({outcome.seconds:.1f} s) {outcome.detail}".rstrip())
        outcomes.append(outcome)
    return outcomes


# ---------------------------------------------------------------------------------------- formatting


def fmt(value: float | None, digits: int = 3) -> str:
    """A number with ``digits`` significant digits, no scientific notation for everyday sizes."""
    if value is None:
        return ""
    if value == 0:
        return "0"
    if not math.isfinite(value):
        return str(value)
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, digits - 1 - magnitude)
    return f"{value:,.{decimals}f}"


def _met(row: Row) -> str:
    met = row.get("met")
    return "" if met is None else ("yes" if met else "NO")


COLUMNS = ("benchmark", "case", "subject", "metric", "median", "spread", "unit", "ratio", "target", "met")


def _cells(row: Row) -> list[str]:
    ratio = row.get("ratio")
    return [
        row["benchmark"],
        row["case"],
        row["subject"],
        row["metric"],
        fmt(row["median"]),
        fmt(row["spread"], 2),
        row["unit"],
        "" if ratio is None else fmt(ratio),
        row.get("target") or "",
        _met(row),
    ]


def table(rows: Sequence[Row]) -> str:
    """A plain-text table for the terminal."""
    lines = [list(COLUMNS), *(_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS))]
    numeric = {"median", "spread", "ratio"}
    out = []
    for number, line in enumerate(lines):
        cells = [
            cell.rjust(width) if COLUMNS[i] in numeric and number else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
        if number == 0:
            out.append("  ".join("-" * width for width in widths))
    return "\n".join(out)


def markdown_table(rows: Sequence[Row]) -> str:
    header = ["case", "subject", "metric", "median", "spread (IQR)", "unit", "n", "ratio", "target", "met"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    for row in rows:
        ratio = row.get("ratio")
        cells = [
            row["case"],
            row["subject"],
            row["metric"],
            fmt(row["median"]),
            fmt(row["spread"], 2),
            row["unit"],
            str(row.get("repeats") or ""),
            "" if ratio is None else fmt(ratio) + (f" vs {row['baseline']}" if row.get("baseline") else ""),
            row.get("target") or "",
            _met(row),
        ]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def targets_summary(rows: Sequence[Row]) -> list[str]:
    lines = []
    for row in rows:
        if row.get("target"):
            verdict = {True: "met", False: "NOT met", None: "not judged"}[row.get("met")]
            lines.append(
                f"- **{row['benchmark']} / {row['case']} / {row['metric']}**: {row['target']} — "
                f"{verdict} ({fmt(row['median'])} {row['unit']})"
            )
    return lines


# ---------------------------------------------------------------------------------------- machine


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    except (OSError, ValueError, IndexError):
        pass
    return "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_description() -> list[str]:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    packages = ("teleprinter", "langchain-core", "llama-cpp-python", "rich")
    return [
        f"- CPU: {_cpu_model()}, {os.cpu_count()} logical cores",
        f"- Memory: {_memory_gb()}",
        f"- OS: {platform.platform()}",
        f"- Python: {platform.python_implementation()} {platform.python_version()}",
        f"- Packages: {', '.join(f'{p} {_version(p)}' for p in packages)}",
        f"- Load average when the run started: {load}",
    ]


# ---------------------------------------------------------------------------------------- BENCHMARKS.md


def _kept_text(path: Path) -> str:
    if not path.exists():
        return ""
    text = path.read_text(encoding="utf-8")
    index = text.find(KEEP_MARKER)
    return text[index + len(KEEP_MARKER) :].lstrip("\n") if index >= 0 else ""


def render_markdown(
    outcomes: Sequence[Outcome],
    *,
    quick: bool,
    machine: Sequence[str],
    started: dt.datetime,
    kept: str = "",
    chart: bool = False,
) -> str:
    rows = [row for outcome in outcomes for row in outcome.rows]
    mode = "quick (`--quick`)" if quick else "full"
    lines = [
        "# Benchmarks",
        "",
        "teleprinter measured against its baselines in the same run. Each figure is the median of repeated",
        "runs; *spread* is the interquartile range of those runs; *ratio* is teleprinter's median divided",
        "by the baseline's (for rates such as tok/s above 1 is better, for times and sizes below 1 is better).",
        "",
        f"Generated by `python -m benchmarks` ({mode} mode) on {started:%Y-%m-%d %H:%M} UTC"
        + _measured_span(outcomes)
        + ".",
        "",
        *([f"{CHART_LINK}", "", f"*The headline ratios of the tables below, drawn by `benchmarks/charts.py` "
           f"into [{CHART_NAME}]({CHART_NAME}).*", ""] if chart else []),
        "## How to reproduce",
        "",
        "```bash",
        "make bench         # full mode: every benchmark, rewrites BENCHMARKS.md",
        "make bench-quick   # quick mode (< 3 minutes), prints the table only",
        "python -m benchmarks --only startup   # one benchmark, printed",
        "python -m benchmarks --only peers --update   # re-run one, keep the others' figures in BENCHMARKS.md",
        "```",
        "",
        "The machine below is shared and has 2 cores: other processes running at the same time show up",
        "as spread. Baseline and teleprinter runs are interleaved so such noise hits both alike.",
        "",
        "## Machine",
        "",
        *machine,
        "",
        "## Targets",
        "",
        *(targets_summary(rows) or ["- (no targets measured)"]),
        "",
    ]
    for outcome in outcomes:
        lines += [f"## {outcome.name}", ""]
        if outcome.status != "ok":
            lines += [f"*{outcome.status}*: {outcome.detail}", ""]
            continue
        lines += [markdown_table(outcome.rows), ""]
        notes = [note for row in outcome.rows if (note := row.get("note"))]
        for note in dict.fromkeys(notes):
            lines += [_as_markdown_note(note), ""]
        when = f", {outcome.measured} UTC" if outcome.measured else ""
        lines += [f"*({outcome.seconds:.0f} s{when})*", ""]
    lines += [KEEP_MARKER, "", kept.rstrip() + "\n" if kept.strip() else ""]
    return "\n".join(lines).rstrip() + "\n"


def _measured_span(outcomes: Sequence[Outcome]) -> str:
    """``; benchmarks measured FROM to TO`` when ``--update`` put sections of different runs together."""
    times = sorted({outcome.measured for outcome in outcomes if outcome.measured})
    if len(times) < 2:
        return ""
    return f"; the sections were measured from {times[0]} to {times[-1]} UTC (each says when)"


def _as_markdown_note(note: str) -> str:
    if "\n" in note:
        return "```\n" + note.rstrip() + "\n```"
    return f"- {note}"


def write_markdown(outcomes: Sequence[Outcome], path: Path, *, quick: bool, started: dt.datetime) -> None:
    """Write the report, and the chart of its ratios next to it when matplotlib is installed (``.[bench]``)."""
    try:
        import matplotlib  # noqa: F401  # the benchmark set-up installs it; without it there is no chart
    except ImportError:
        chart = False
    else:
        chart = True
    kept = _kept_text(path)
    machine = machine_description()
    text = render_markdown(outcomes, quick=quick, machine=machine, started=started, kept=kept, chart=chart)
    path.write_text(text, encoding="utf-8")
    if chart:
        from benchmarks.charts import write_chart

        write_chart(path)


# ---------------------------------------------------------------------------------------- command line


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="Measure teleprinter against its baselines; print a table."
    )
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller inputs (< 2 minutes)")
    parser.add_argument("--smoke", action="store_true", help="tiny inputs, one repeat: checks the benchmarks run")
    parser.add_argument(
        "--only",
        action="append",
        choices=BENCHMARKS,
        metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="write the markdown report here (default: BENCHMARKS.md, in full mode with every benchmark only)",
    )
    parser.add_argument("--no-write", action="store_true", help="print the table, write no file")
    parser.add_argument(
        "--update",
        action="store_true",
        help="full mode: re-run the --only benchmarks and rewrite BENCHMARKS.md with the others' last figures "
        f"(kept in {RESULTS.name})",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    names = tuple(args.only or BENCHMARKS)
    started = dt.datetime.now(dt.UTC)

    def progress(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    outcomes = run_all(names, quick=args.quick, smoke=args.smoke, progress=progress)
    rows = [row for outcome in outcomes for row in outcome.rows]
    print(table(rows) if rows else "(no rows)")
    for outcome in outcomes:
        if outcome.status != "ok":
            print(f"{outcome.name}: {outcome.status} - {outcome.detail}")
    shown: set[tuple[str, str]] = set()
    for row in rows:
        note = row.get("note")
        if note and "\n" not in note and (row["benchmark"], note) not in shown:
            shown.add((row["benchmark"], note))
            print(f"note ({row['benchmark']} / {row['case']}): {note}")
    output = args.output
    full = not (args.quick or args.smoke)
    if output is None and full and (args.update or not args.only) and not args.no_write:
        output = DEFAULT_OUTPUT
    if output is not None and not args.no_write:
        if args.update and full:
            kept = load_results()
            kept.update({outcome.name: outcome for outcome in outcomes})
            outcomes = [kept[name] for name in BENCHMARKS if name in kept]
        write_markdown(outcomes, output, quick=not full, started=started)
        if full and output == DEFAULT_OUTPUT:
            save_results(outcomes)
        print(f"wrote {output}", file=sys.stderr)
    return 1 if any(outcome.status == "failed" for outcome in outcomes) else 0
