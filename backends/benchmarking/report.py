"""Benchmark results as printed tables, a JSON file, a log-log plot and a comparison with an old run.

A result is a dict: operation, sizes (list), label ("64x64x64"), dtype, contender, then either
median/q1/q3/repeats/flops or skipped (the reason).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

import numpy as np


def format_seconds(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def _key(result):
    return result["operation"], result["label"], result["dtype"]


def tables(results: list[dict], footer=None) -> str:
    """One table per operation: every size and dtype, every contender side by side in rows; each
    ends with the line `footer(results, operation)` returns, when there is one."""
    by_case = defaultdict(dict)
    for result in results:
        by_case[_key(result)][result["contender"]] = result
    lines, operation_shown = [], None
    for (operation, label, dtype), row in by_case.items():
        if operation != operation_shown:
            lines += [footer(results, operation_shown)] if footer and operation_shown else []
            operation_shown = operation
            lines += ["", f"== {operation} " + "=" * max(0, 86 - len(operation)),
                      f"{'size':>16} {'dtype':>7} {'contender':>9} {'median':>10} {'± spread':>10} "
                      f"{'GFLOP/s':>8} {'vs python':>10} {'of BLAS':>8}"]
        python, blas = row.get("python"), row.get("blas")
        for contender, result in row.items():
            if "skipped" in result:
                lines.append(f"{label:>16} {dtype:>7} {contender:>9}   skipped: {result['skipped']}")
                continue
            median = result["median"]
            spread = (result["q3"] - result["q1"]) / 2
            gflops = f"{result['flops'] / median / 1e9:.3g}" if result["flops"] else "-"
            speedup = f"{python['median'] / median:.3g}x" if python and "median" in python else "-"
            of_blas = f"{blas['median'] / median:.0%}" if blas and "median" in blas else "-"
            lines.append(f"{label:>16} {dtype:>7} {contender:>9} {format_seconds(median):>10} "
                         f"{format_seconds(spread):>10} {gflops:>8} {speedup:>10} {of_blas:>8}")
    lines += [footer(results, operation_shown)] if footer and operation_shown else []
    return "\n".join(line for line in lines if line is not None)


def crossovers(results: list[dict], operation: str, dtype: str = "float64") -> str | None:
    """One line in words for the end of an operation's table, computed from the run: where the
    numba backend's compiled loops and the blas peer trade the lead, size by size (or, without
    both, which contender is fastest where); None when no size has two contenders measured."""
    cases, work = defaultdict(dict), {}
    for result in results:
        if result["operation"] == operation and result["dtype"] == dtype and "median" in result:
            cases[result["label"]][result["contender"]] = result["median"]
            work[result["label"]] = result["flops"]
    order = sorted((label for label in cases if len(cases[label]) > 1), key=lambda label: work[label])
    if not order:
        return None
    duel = [label for label in order if {"numba", "blas"} <= cases[label].keys()]
    spans = []  # [leader, first label, last label]
    for label in duel or order:
        row = cases[label]
        leader = ("numba" if row["numba"] < row["blas"] else "blas") if duel else min(row, key=row.get)
        if spans and spans[-1][0] == leader:
            spans[-1][2] = label
        else:
            spans.append([leader, label, label])
    phrases = []
    for position, (leader, first, last) in enumerate(spans):
        where = f"at {first}" if first == last else f"from {first} to {last}"
        why = ""
        if duel and len(spans) > 1 and leader == "numba" and work[last] < 1e6:
            why = " (small calls: per-call overhead decides)"
        elif duel and len(spans) > 1 and leader == "blas" and position > 0:
            why = " (BLAS's recipe takes over)"
        phrases.append(f"{'numba beats BLAS' if leader == 'numba' else 'BLAS leads'} {where}{why}" if duel
                       else f"{leader} is fastest {where}")
    fastest = min(cases[order[-1]], key=cases[order[-1]].get)
    return f"   in words ({dtype}): {'; '.join(phrases)}; fastest at {order[-1]}: {fastest}."


#: The settings `machine_lines` prints; the rest are thread and library settings.
MACHINE_KEYS = ("cpu_model", "numba_isa", "caches", "numba_gemm_float64", "numba_gemm_float32", "numba_target_warning")


def machine_lines(settings: dict) -> list[str]:
    """The CPU, the ISA Numba compiles for and the GEMM's tile and blocks per dtype, as header lines."""
    lines = [f"cpu: {settings.get('cpu_model')}; numba compiles for {settings.get('numba_isa', '-')}; "
             f"caches {settings.get('caches', '-')}"]
    gemm = [f"{dtype} {settings[key]}" for dtype in ("float64", "float32")
            if (key := f"numba_gemm_{dtype}") in settings]
    if gemm:
        lines.append("numba GEMM: " + "; ".join(gemm))
    if settings.get("numba_target_warning"):
        lines.append("warning: " + settings["numba_target_warning"])
    return lines


def write_json(path, results: list[dict], settings: dict) -> None:
    document = {"settings": settings, "results": results}
    temporary = Path(str(path) + ".tmp")
    temporary.write_text(json.dumps(document, indent=1))
    temporary.replace(path)


def read_json(path, command: str = "bench --compare") -> dict:
    try:
        document = json.loads(Path(path).read_text())
        document["results"]  # noqa: B018 - a run file has results
        return document
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{command}: not a results file of nn-backends bench ({error}); "
                         f"got path={str(path)!r}") from None


def comparison(old: dict, new_results: list[dict]) -> str:
    """New median / old median per case and contender present in both runs."""
    before = {(*_key(r), r["contender"]): r for r in old["results"] if "median" in r}
    lines = ["", "== change against the saved run (new time / old time; below 1 is faster) " + "=" * 14,
             f"{'operation':>22} {'size':>16} {'dtype':>7} {'contender':>9} {'old':>10} {'new':>10} {'ratio':>7}"]
    matched = 0
    for result in new_results:
        previous = before.get((*_key(result), result["contender"]))
        if previous is None or "median" not in result:
            continue
        matched += 1
        ratio = result["median"] / previous["median"]
        lines.append(f"{result['operation']:>22} {result['label']:>16} {result['dtype']:>7} {result['contender']:>9} "
                     f"{format_seconds(previous['median']):>10} {format_seconds(result['median']):>10} {ratio:>6.2f}x")
    if not matched:
        lines.append("   no case of this run is in the saved run")
    return "\n".join(lines)


SCALING_OPERATIONS = ("matmul", "dense_forward", "dense_backward")


def fitted_slope(sizes: list[float], seconds: list[float]) -> float:
    """Slope of log(time) against log(size) over the three largest sizes: 3 means time grows as n³."""
    points = sorted(zip(sizes, seconds))[-3:]
    if len(points) < 2:
        return math.nan
    x, y = np.log([p[0] for p in points]), np.log([p[1] for p in points])
    return float(np.polyfit(x, y, 1)[0])


def machine_caption(settings: dict) -> str:
    """Which CPU, ISA and BLAS a figure's numbers came from, for its caption."""
    isa = settings.get("numba_isa", "").split(",")[0]
    return f"{settings.get('cpu_model', 'CPU unknown')}; numba compiled for {isa or '?'}; BLAS {settings.get('blas', '?')}"


def plot_scaling(path, results: list[dict], dtype: str = "float64", caption: str = "") -> None:
    """Time per call against layer width n (n×n×n problems; the seeds' 3×4×3 at its cube root),
    log-log, one line per contender, one panel per operation, each line labelled with its slope."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(SCALING_OPERATIONS), figsize=(5.5 * len(SCALING_OPERATIONS), 4.5))
    for axis, operation in zip(axes, SCALING_OPERATIONS):
        lines = defaultdict(list)
        for result in results:
            square = len(set(result["sizes"])) == 1 or result["sizes"] == [3, 4, 3]
            if result["operation"] == operation and result["dtype"] == dtype and "median" in result and square:
                width = float(np.prod(result["sizes"])) ** (1 / 3)
                lines[result["contender"]].append((width, result["median"]))
        for contender, points in lines.items():
            points.sort()
            widths, seconds = [p[0] for p in points], [p[1] for p in points]
            slope = fitted_slope(widths, seconds)
            axis.plot(widths, seconds, marker="o", label=f"{contender} (slope {slope:.2f})")
        axis.set(xscale="log", yscale="log", xlabel="layer width n (problem n×n×n)", ylabel="seconds per call",
                 title=f"{operation} ({dtype})")
        axis.grid(True, which="both", alpha=0.3)
        if lines:
            axis.legend(fontsize=8)
        else:
            axis.text(0.5, 0.5, "not measured in this run", ha="center", transform=axis.transAxes)
    figure.suptitle("Time per call against size: overhead flattens the left, n³ work sets the slope on the right")
    figure.tight_layout(rect=(0, 0.03, 1, 1))
    figure.text(0.5, 0.005, caption, ha="center", va="bottom", fontsize=8)
    figure.savefig(path, dpi=100)
    plt.close(figure)
