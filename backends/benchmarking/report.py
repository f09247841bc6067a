"""Benchmark results as printed tables and a JSON file, with the ratios between contenders.

A result is a dict: operation, sizes (list), label ("64x64x64"), dtype, contender, flops, then either
the timing (median, q1, q3, low and high: the median's 95% interval, samples: seconds per call in
each interleaved round, repeats, number) or skipped (the reason). The plots are in `plots`, the
comparison of two runs in `compare`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from ..atomic_files import write_text
from . import machine_limits, rounds


def format_seconds(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def _key(result):
    return result["operation"], result["label"], result["dtype"]


def ratio_of(slow: dict, fast: dict) -> tuple[float, float | None, float | None]:
    """(ratio, low, high) of `slow`'s time over `fast`'s (above 1: `fast` is faster): the median of
    the per-round ratios with its 95% interval when both were timed in the same rounds, else the
    ratio of the medians with no interval (low and high None: a run from before the rounds)."""
    a, b = slow.get("samples"), fast.get("samples")
    if a and b and len(a) == len(b):
        return rounds.paired_ratio(a, b)
    return slow["median"] / fast["median"], None, None


def case_rows(results: list[dict], operation: str, label: str, dtype: str) -> dict[str, dict]:
    """Each contender's timed result on one bench row (operation, label, dtype)."""
    return {row["contender"]: row for row in results
            if (row["operation"], row["label"], row["dtype"]) == (operation, label, dtype) and "median" in row}


def ratio_between(results: list[dict], operation: str, label: str, dtype: str, contender: str, other: str):
    """`ratio_of(other's row, contender's row)` on one bench row, or None when either was not measured."""
    rows = case_rows(results, operation, label, dtype)
    if contender not in rows or other not in rows:
        return None
    return ratio_of(rows[other], rows[contender])


def ratio_text(ratio: tuple, percent: bool = False) -> str:
    """'12.3x [11.9–12.8]' (or '95% [91–99]'), the interval in brackets when there is one."""
    value, low, high = ratio
    if percent:
        return f"{value:.0%}" if low is None else f"{value:.0%} [{low:.0%}–{high:.0%}]"
    return f"{value:.3g}x" if low is None else f"{value:.3g}x [{low:.3g}–{high:.3g}]"


#: The operations that train: their tables say how much arithmetic a step is, next to the case.
TRAINING_OPERATIONS = ("training_step", "fit_full_batch", "fit_epoch", "fit_models", "minibatch_epoch")


def threads_of(contender: str, settings: dict | None) -> int:
    """The threads a contender computes on: pure Python one, the others what the run allowed them."""
    if contender == "python" or not settings:
        return 1
    return settings.get("numba_threads") or settings.get("cpus") or 1


def tables(results: list[dict], footer=None, limits: dict | None = None, settings: dict | None = None) -> str:
    """One table per operation: every size and dtype, every contender side by side in rows; the
    ratios with their 95% intervals, GFLOP/s as a fraction of the machine's measured peak (for the
    contender's threads; `limits` from `machine_limits.measure`); each table ends with the line
    `footer(results, operation)` returns, when there is one."""
    by_case = defaultdict(dict)
    for result in results:
        by_case[_key(result)][result["contender"]] = result
    lines, operation_shown = [], None
    for (operation, label, dtype), row in by_case.items():
        if operation != operation_shown:
            lines += [footer(results, operation_shown)] if footer and operation_shown else []
            operation_shown = operation
            lines += ["", f"== {operation} " + "=" * max(0, 108 - len(operation)),
                      f"{'size':>16} {'dtype':>7} {'contender':>9} {'median':>10} {'± spread':>10} "
                      f"{'GFLOP/s':>8} {'of peak':>7} {'vs python [95%]':>22} {'of BLAS [95%]':>16}"]
        python, blas = row.get("python"), row.get("blas")
        flops = next(iter(row.values()))["flops"]
        if operation in TRAINING_OPERATIONS and flops:
            lines.append(f"{label:>16} {dtype:>7} {'':>9}   work: {flops / 1e6:.3g} MFLOP per step, the "
                         f"peak fraction below is of that")
        for contender, result in row.items():
            if "skipped" in result:
                lines.append(f"{label:>16} {dtype:>7} {contender:>9}   skipped: {result['skipped']}")
                continue
            median = result["median"]
            spread = (result["q3"] - result["q1"]) / 2
            gflops = result["flops"] / median / 1e9 if result["flops"] else None
            peak = machine_limits.peak_for(limits, dtype, threads_of(contender, settings))
            of_peak = f"{gflops / peak:.0%}" if gflops and peak else "-"
            speedup = ratio_text(ratio_of(python, result)) if python and "median" in python else "-"
            of_blas = ratio_text(ratio_of(blas, result), percent=True) if blas and "median" in blas else "-"
            speedup, of_blas = ("1x" if result is python else speedup), ("100%" if result is blas else of_blas)
            lines.append(f"{label:>16} {dtype:>7} {contender:>9} {format_seconds(median):>10} "
                         f"{format_seconds(spread):>10} {f'{gflops:.3g}' if gflops else '-':>8} {of_peak:>7} "
                         f"{speedup:>22} {of_blas:>16}")
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
MACHINE_KEYS = ("cpu_model", "numba_isa", "caches", "numba_gemm_float64", "numba_gemm_float32", "numba_target_warning",
                "numba_gemm_planner", "numba_gemm_settings")


def machine_lines(settings: dict) -> list[str]:
    """The CPU, the ISA Numba compiles for and the GEMM's tile and blocks per dtype, as header lines."""
    lines = [f"cpu: {settings.get('cpu_model')}; numba compiles for {settings.get('numba_isa', '-')}; "
             f"caches {settings.get('caches', '-')}"]
    gemm = [f"{dtype} {settings[key]}" for dtype in ("float64", "float32")
            if (key := f"numba_gemm_{dtype}") in settings]
    if gemm:
        lines.append("numba GEMM: " + "; ".join(gemm))
    if settings.get("numba_gemm_planner"):
        lines.append(settings["numba_gemm_planner"])
    if settings.get("numba_target_warning"):
        lines.append("warning: " + settings["numba_target_warning"])
    return lines


def write_json(path, results: list[dict], settings: dict, limits: dict | None = None,
               summary: list[dict] | None = None) -> None:
    """The run as {"settings", "limits" and "summary" (when given), "results"}, written atomically."""
    document = ({"settings": settings} | ({"limits": limits} if limits else {})
                | ({"summary": summary} if summary is not None else {}) | {"results": results})
    write_text(path, json.dumps(document, indent=1))


def read_json(path, command: str = "bench --compare") -> dict:
    try:
        document = json.loads(Path(path).read_text())
        document["results"]  # noqa: B018 - a run file has results
        return document
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{command}: not a results file of nn-backends bench ({error}); "
                         f"got path={str(path)!r}") from None


def machine_caption(settings: dict) -> str:
    """Which CPU, ISA and BLAS a figure's numbers came from, for its caption."""
    isa = settings.get("numba_isa", "").split(",")[0]
    return f"{settings.get('cpu_model', 'CPU unknown')}; numba compiled for {isa or '?'}; BLAS {settings.get('blas', '?')}"
